// Internal: which code points the shingler treats as tokens of their own.
// Shared by shingle.cpp (cutting text into tokens) and story_terms.cpp
// (recognising two-character CJK terms), so both agree on what CJK is.
#pragma once

#include <cstdint>

namespace samestory::detail {

enum token_class : std::uint8_t { word_class = 0, cjk_class = 1, sa_class = 2 };

// Scripts written without word separators. CJK characters become tokens of
// their own; South-East Asian scripts (Line_Break=SA) need a dictionary.
inline token_class class_of(char32_t c) noexcept {
  if (c >= 0x4E00 && c <= 0x9FFF) return cjk_class;  // most characters of Chinese text
  if (c < 0x0E00) return word_class;
  if (c < 0x1100) {
    if (c <= 0x0EFF) return sa_class;                 // Thai, Lao
    if (c >= 0x1000 && c <= 0x109F) return sa_class;  // Myanmar
    return word_class;
  }
  if (c <= 0x11FF) return cjk_class;                // Hangul Jamo
  if (c >= 0x1780 && c <= 0x17FF) return sa_class;  // Khmer
  if (c >= 0x1A20 && c <= 0x1AAF) return sa_class;  // Tai Tham
  if (c < 0x2E80) return word_class;
  if (c <= 0x2FDF) return cjk_class;                 // CJK radicals
  if (c >= 0x3005 && c <= 0x3007) return cjk_class;  // 々 〆 〇
  if (c >= 0x3021 && c <= 0x3029) return cjk_class;  // Hangzhou numerals
  if (c >= 0x3031 && c <= 0x3035) return cjk_class;  // kana repeat marks
  if (c >= 0x3038 && c <= 0x303C) return cjk_class;
  if (c >= 0x3041 && c <= 0x31FF) return cjk_class;    // kana, bopomofo, compat jamo
  if (c >= 0x3400 && c <= 0x4DBF) return cjk_class;    // extension A
  if (c >= 0x4E00 && c <= 0x9FFF) return cjk_class;    // unified ideographs
  if (c >= 0xA960 && c <= 0xA97F) return cjk_class;    // Hangul jamo extended A
  if (c >= 0xAC00 && c <= 0xD7FF) return cjk_class;    // Hangul syllables, jamo ext B
  if (c >= 0xF900 && c <= 0xFAFF) return cjk_class;    // compatibility ideographs
  if (c >= 0xFF66 && c <= 0xFFDC) return cjk_class;    // half-width kana / Hangul
  if (c >= 0x1B000 && c <= 0x1B16F) return cjk_class;  // kana supplement, small kana
  if (c >= 0x20000 && c <= 0x3134F) return cjk_class;  // extensions B..G
  return word_class;
}

}  // namespace samestory::detail
