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

}  // namespace samestory
