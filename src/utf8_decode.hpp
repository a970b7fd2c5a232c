// Internal: one-code-point UTF-8 decoder shared by utf8.cpp, normalize.cpp and
// chrome.cpp. Follows Unicode table 3-7 exactly; returns the maximal subpart
// length on error so callers can replace it and resume.
#pragma once

#include <cstddef>
#include <cstdint>

namespace samestory::detail {

struct decoded {
  char32_t cp;           // valid only when reason == nullptr
  std::uint32_t length;  // bytes consumed: the sequence, or its maximal ill-formed subpart
  const char* reason;    // nullptr when well-formed
};

inline bool is_cont(unsigned char b) noexcept {
  return (b & 0xC0u) == 0x80u;
}

// Decodes the sequence starting at p (p < end).
inline decoded decode_utf8(const unsigned char* p, const unsigned char* end) noexcept {
  const unsigned char b0 = p[0];
  if (b0 < 0x80u) return {b0, 1, nullptr};
  const std::size_t avail = static_cast<std::size_t>(end - p);
  if (b0 < 0xC2u) {
    if (b0 < 0xC0u) return {0, 1, "unexpected continuation byte"};
    return {0, 1, "overlong form"};  // C0, C1 can only start overlong 2-byte forms
  }
  if (b0 < 0xE0u) {
    if (avail < 2 || !is_cont(p[1])) return {0, 1, "truncated sequence"};
    return {static_cast<char32_t>(((b0 & 0x1Fu) << 6) | (p[1] & 0x3Fu)), 2, nullptr};
  }
  if (b0 < 0xF0u) {
    // Second-byte range depends on the lead: E0 excludes overlongs, ED surrogates.
    unsigned lo = 0x80u, hi = 0xBFu;
    const char* why = "truncated sequence";
    if (b0 == 0xE0u) {
      lo = 0xA0u;
      why = "overlong form";
    }
    if (b0 == 0xEDu) {
      hi = 0x9Fu;
      why = "encoded surrogate";
    }
    if (avail < 2) return {0, 1, "truncated sequence"};
    if (p[1] < lo || p[1] > hi) return {0, 1, is_cont(p[1]) ? why : "truncated sequence"};
    if (avail < 3 || !is_cont(p[2])) return {0, 2, "truncated sequence"};
    return {static_cast<char32_t>(((b0 & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu)), 3,
            nullptr};
  }
  if (b0 < 0xF5u) {
    unsigned lo = 0x80u, hi = 0xBFu;
    const char* why = "truncated sequence";
    if (b0 == 0xF0u) {
      lo = 0x90u;
      why = "overlong form";
    }
    if (b0 == 0xF4u) {
      hi = 0x8Fu;
      why = "code point above U+10FFFF";
    }
    if (avail < 2) return {0, 1, "truncated sequence"};
    if (p[1] < lo || p[1] > hi) return {0, 1, is_cont(p[1]) ? why : "truncated sequence"};
    if (avail < 3 || !is_cont(p[2])) return {0, 2, "truncated sequence"};
    if (avail < 4 || !is_cont(p[3])) return {0, 3, "truncated sequence"};
    return {static_cast<char32_t>(((b0 & 0x07u) << 18) | ((p[1] & 0x3Fu) << 12) |
                                  ((p[2] & 0x3Fu) << 6) | (p[3] & 0x3Fu)),
            4, nullptr};
  }
  return {0, 1, "byte that never appears in UTF-8"};
}

// Appends the UTF-8 encoding of cp (a valid scalar value) to out; returns bytes written.
inline std::uint32_t encode_utf8(char32_t cp, char* out) noexcept {
  if (cp < 0x80) {
    out[0] = static_cast<char>(cp);
    return 1;
  }
  if (cp < 0x800) {
    out[0] = static_cast<char>(0xC0 | (cp >> 6));
    out[1] = static_cast<char>(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = static_cast<char>(0xE0 | (cp >> 12));
    out[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out[2] = static_cast<char>(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = static_cast<char>(0xF0 | (cp >> 18));
  out[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
  out[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
  out[3] = static_cast<char>(0x80 | (cp & 0x3F));
  return 4;
}

}  // namespace samestory::detail
