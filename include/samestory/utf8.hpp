/// @file utf8.hpp
/// UTF-8 validation and repair, the first step of every pipeline.
///
/// Well-formedness follows the Unicode Standard, table 3-7: overlong forms,
/// encoded surrogates (U+D800..U+DFFF), code points above U+10FFFF, truncated
/// sequences, stray continuation bytes and the bytes C0, C1, F5..FF are all
/// ill-formed. NUL (U+0000) is well-formed and never ends a document.
#pragma once

#include <samestory/export.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace samestory {

/// The outcome of checking a byte string for well-formed UTF-8.
struct utf8_check {
  bool ok = true;                ///< true when the whole input is well-formed
  std::size_t error_offset = 0;  ///< byte offset of the first ill-formed sequence
  std::size_t error_length = 0;  ///< bytes in that sequence's maximal subpart (>= 1)
  const char* reason = "";       ///< e.g. "overlong form", "encoded surrogate"
};

/// Finds the first ill-formed sequence, if any.
/// @param bytes input of any length; never allocates
/// @return ok, or where and why the input stops being UTF-8
SAMESTORY_API utf8_check check_utf8(std::string_view bytes) noexcept;

/// Strict validation.
/// @throws invalid_utf8_error carrying the byte offset of the first ill-formed sequence
SAMESTORY_API void validate_utf8(std::string_view bytes);

/// Lenient repair: copies `bytes` to `out`, replacing each maximal ill-formed
/// subpart with U+FFFD (the W3C / Unicode "maximal subpart" practice, so one
/// bad byte costs one replacement and the following text is kept intact).
/// @param bytes the input, any bytes
/// @param out replaced, not appended to
/// @return how many replacements were made
SAMESTORY_API std::size_t repair_utf8(std::string_view bytes, std::string& out);

}  // namespace samestory
