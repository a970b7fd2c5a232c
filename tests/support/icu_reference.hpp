// Test-only oracle: ICU called directly, the slow way, to check the
// table-driven normalizer against.
#pragma once

#include <unicode/normalizer2.h>
#include <unicode/translit.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace samestory::test {

inline bool is_ideographic(char32_t c) {
  return u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_IDEOGRAPHIC);
}

// ICU's Traditional-Simplified transliterator over the whole string (context rules apply).
inline std::string icu_t2s(const std::string& utf8) {
  UErrorCode status = U_ZERO_ERROR;
  thread_local std::unique_ptr<icu::Transliterator> t(
      icu::Transliterator::createInstance("Traditional-Simplified", UTRANS_FORWARD, status));
  if (!t) throw std::runtime_error("no transliterator");
  icu::UnicodeString s = icu::UnicodeString::fromUTF8(utf8);
  t->transliterate(s);
  std::string out;
  s.toUTF8String(out);
  return out;
}

inline std::string icu_nfkc_casefold(const std::string& utf8) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* n = icu::Normalizer2::getNFKCCasefoldInstance(status);
  icu::UnicodeString s = n->normalize(icu::UnicodeString::fromUTF8(utf8), status);
  std::string out;
  s.toUTF8String(out);
  return out;
}

}  // namespace samestory::test

#include <unicode/brkiter.h>
#include <vector>

namespace samestory::test {

// The words ICU's UAX #29 word breaker finds (segments whose rule status is a
// word: letters, numbers, kana, ideographs), in order, as UTF-8.
inline std::vector<std::string> icu_words(const std::string& utf8) {
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::BreakIterator> it(
      icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status));
  const icu::UnicodeString s = icu::UnicodeString::fromUTF8(utf8);
  it->setText(s);
  std::vector<std::string> words;
  std::int32_t start = it->first();
  for (std::int32_t end = it->next(); end != icu::BreakIterator::DONE;
       start = end, end = it->next()) {
    if (it->getRuleStatus() == UBRK_WORD_NONE) continue;
    std::string w;
    icu::UnicodeString(s, start, end - start).toUTF8String(w);
    words.push_back(w);
  }
  return words;
}

}  // namespace samestory::test
