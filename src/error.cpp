#include <samestory/error.hpp>

#include <cstring>
#include <string>

namespace samestory {

const char* to_string(error_code code) noexcept {
  switch (code) {
    case error_code::invalid_utf8:
      return "invalid_utf8";
    case error_code::invalid_options:
      return "invalid_options";
    case error_code::limit_exceeded:
      return "limit_exceeded";
    case error_code::format:
      return "format";
    case error_code::io:
      return "io";
    case error_code::invalid_argument:
      return "invalid_argument";
    case error_code::parse:
      return "parse";
    case error_code::settings_mismatch:
      return "settings_mismatch";
    case error_code::store:
      return "store";
  }
  return "unknown";
}

error::error(error_code code, const std::string& message)
    : std::runtime_error(message), code_(code) {}

invalid_utf8_error::invalid_utf8_error(std::size_t byte_offset, const char* reason)
    : error(error_code::invalid_utf8,
            "invalid UTF-8 at byte " + std::to_string(byte_offset) + ": " + reason),
      byte_offset_(byte_offset) {}

invalid_options_error::invalid_options_error(const std::string& message)
    : error(error_code::invalid_options, "invalid options: " + message) {}

limit_exceeded_error::limit_exceeded_error(const char* what, std::size_t limit, std::size_t actual)
    : error(error_code::limit_exceeded, std::string(what) + " exceeded: limit " +
                                            std::to_string(limit) + ", actual " +
                                            std::to_string(actual)),
      limit_(limit),
      actual_(actual) {}

format_error::format_error(std::size_t byte_offset, const std::string& message)
    : error(error_code::format,
            "format error at byte " + std::to_string(byte_offset) + ": " + message),
      byte_offset_(byte_offset) {}

io_error::io_error(const char* operation, const std::string& path, int system_error)
    : error(error_code::io, std::string("cannot ") + operation + " " + path +
                                (system_error != 0 ? std::string(": ") + std::strerror(system_error)
                                                   : std::string())),
      path_(path),
      system_error_(system_error) {}

settings_mismatch_error::settings_mismatch_error(const char* object, const std::string& setting,
                                                 const std::string& saved,
                                                 const std::string& expected)
    : error(error_code::settings_mismatch,
            std::string(object) + " was saved with " + setting + " = " + saved +
                " and is being loaded with " + setting + " = " + expected +
                "; load it with the settings it was made with, or rebuild it"),
      setting_(setting) {}

store_error::store_error(const std::string& address, const std::string& message)
    : error(error_code::store, "redis " + address + ": " + message), address_(address) {}

}  // namespace samestory
