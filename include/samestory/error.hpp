/// @file error.hpp
/// The exception types samestory throws. Every one derives from samestory::error
/// and carries an error_code from one documented enum, plus where it happened.
#pragma once

#include <samestory/export.hpp>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace samestory {

/// What went wrong, as one enum for all of samestory's exceptions.
enum class error_code : std::uint8_t {
  invalid_utf8 = 1,      ///< input is not well-formed UTF-8 (strict mode)
  invalid_options = 2,   ///< an options struct holds a value out of range
  limit_exceeded = 3,    ///< input larger than a configured limit
  format = 4,            ///< a saved file is truncated, corrupted or of another kind
  io = 5,                ///< the operating system refused a read or write
  invalid_argument = 6,  ///< an argument is inconsistent with the object it is given to
  parse = 7,  ///< a line of text input (JSONL) is malformed or has a field of the wrong type
  settings_mismatch = 8,  ///< saved state was made with other settings than the loader's
  store = 9,  ///< a shared store (Redis) could not be reached, timed out, or refused a command
};

/// Short stable name of an error code, e.g. "invalid_utf8".
SAMESTORY_API const char* to_string(error_code code) noexcept;

/// Base of every exception samestory throws.
class SAMESTORY_API error : public std::runtime_error {
 public:
  /// @param code what went wrong
  /// @param message a sentence that says what was expected and what was found
  error(error_code code, const std::string& message);
  /// @return the error code
  error_code code() const noexcept { return code_; }

 private:
  error_code code_;
};

/// Input bytes are not well-formed UTF-8.
class SAMESTORY_API invalid_utf8_error : public error {
 public:
  /// @param byte_offset offset of the first byte of the first ill-formed sequence
  /// @param reason what is wrong with it ("truncated sequence", "overlong form", ...)
  invalid_utf8_error(std::size_t byte_offset, const char* reason);
  /// @return offset of the first byte of the first ill-formed sequence
  std::size_t byte_offset() const noexcept { return byte_offset_; }

 private:
  std::size_t byte_offset_;
};

/// An options struct holds a value that cannot work.
class SAMESTORY_API invalid_options_error : public error {
 public:
  /// @param message names the field, the value and the allowed range
  explicit invalid_options_error(const std::string& message);
};

/// Input exceeds a configured limit (e.g. normalize_options::max_document_bytes).
class SAMESTORY_API limit_exceeded_error : public error {
 public:
  /// @param what the limit's name, @param limit its value, @param actual the input's size
  limit_exceeded_error(const char* what, std::size_t limit, std::size_t actual);
  /// @return the configured limit
  std::size_t limit() const noexcept { return limit_; }
  /// @return the size the input had
  std::size_t actual() const noexcept { return actual_; }

 private:
  std::size_t limit_;
  std::size_t actual_;
};

/// Saved bytes cannot be read: truncated, corrupted, or made by something else.
class SAMESTORY_API format_error : public error {
 public:
  /// @param byte_offset where in the input the problem was found
  /// @param message expected versus actual
  format_error(std::size_t byte_offset, const std::string& message);
  /// @return where in the input the problem was found
  std::size_t byte_offset() const noexcept { return byte_offset_; }

 private:
  std::size_t byte_offset_;
};

/// The operating system refused a file operation (open, write, fsync, rename, lock).
class SAMESTORY_API io_error : public error {
 public:
  /// @param operation what was attempted ("open", "fsync", ...)
  /// @param path the file or directory it was attempted on
  /// @param system_error errno after the failing call (0 when there was none)
  io_error(const char* operation, const std::string& path, int system_error);
  /// @return the file or directory
  const std::string& path() const noexcept { return path_; }
  /// @return errno after the failing call, 0 when there was none
  int system_error() const noexcept { return system_error_; }

 private:
  std::string path_;
  int system_error_;
};

/// Saved state was made with settings other than the ones it is loaded with;
/// mixing them would compare incomparable signatures, so loading is refused.
class SAMESTORY_API settings_mismatch_error : public error {
 public:
  /// @param object what was being loaded ("lsh_index", ...)
  /// @param setting the first setting that differs
  /// @param saved its value in the file
  /// @param expected its value in the loader's settings
  settings_mismatch_error(const char* object, const std::string& setting, const std::string& saved,
                          const std::string& expected);
  /// @return the first setting that differs, e.g. "num_hashes"
  const std::string& setting() const noexcept { return setting_; }

 private:
  std::string setting_;
};

/// A shared store (Redis) failed: it could not be reached or timed out after
/// the configured retries, or it answered a command with an error. The
/// operation may have been applied in part; every samestory write to Redis is
/// idempotent, so repeating the call completes it (docs/redis.md).
class SAMESTORY_API store_error : public error {
 public:
  /// @param address the server, "host:port"
  /// @param message what was attempted and what happened
  store_error(const std::string& address, const std::string& message);
  /// @return the server that failed, "host:port"
  const std::string& address() const noexcept { return address_; }

 private:
  std::string address_;
};

}  // namespace samestory
