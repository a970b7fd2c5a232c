// Fuzz target: the normalizer (normalize.hpp) under both UTF-8 policies.
// Checks what the header promises: strict throws exactly where check_utf8
// finds the first ill-formed sequence; lenient counts the same maximal
// subparts repair_utf8 replaces and treats each as a word separator; the text
// never starts or ends with a separator nor holds two in a row; offsets are
// one per character plus the input size, non-decreasing, and point at the
// character that produced each letter; turning offsets off or reusing the
// output buffers changes nothing else; normalizing the output again gives
// the same text up to canonical equivalence (ICU's NFC is the judge).
#include <samestory/error.hpp>
#include <samestory/normalize.hpp>
#include <samestory/utf8.hpp>

#include <unicode/normalizer2.h>
#include <unicode/unistr.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"

namespace {

using samestory::normalize_options;
using samestory::normalized_text;
using samestory::normalizer;
using samestory::utf8_policy;

normalize_options with_policy(utf8_policy policy) {
  normalize_options o;
  o.utf8 = policy;
  return o;
}

// Built once: each option set costs a table built from ICU at first use.
const normalizer& strict_normalizer() {
  static const normalizer n(with_policy(utf8_policy::strict));
  return n;
}
const normalizer& lenient_normalizer() {
  static const normalizer n(with_policy(utf8_policy::lenient));
  return n;
}
const normalizer& lenient_without_offsets() {
  static const normalizer n([] {
    normalize_options o = with_policy(utf8_policy::lenient);
    o.keep_offsets = false;
    return o;
  }());
  return n;
}
// No folding at all: a different table, and more characters reach the output unchanged.
const normalizer& lenient_unfolded() {
  static const normalizer n([] {
    normalize_options o = with_policy(utf8_policy::lenient);
    o.nfkc = false;
    o.case_fold = false;
    o.traditional_to_simplified = false;
    return o;
  }());
  return n;
}

bool is_separator(char32_t c) {
  return c == U' ' || c == U'\n';
}

// True when a well-formed character starts at `at`.
bool starts_character(std::string_view s, std::size_t at) {
  const samestory::utf8_check c = samestory::check_utf8(s.substr(at, 4));
  return c.ok || c.error_offset > 0;
}

void check_shape(std::string_view input, const normalized_text& t, bool offsets) {
  if (!t.text.empty()) {
    SAMESTORY_FUZZ_CHECK(!is_separator(t.text.front()));
    SAMESTORY_FUZZ_CHECK(!is_separator(t.text.back()));
  }
  for (std::size_t i = 0; i < t.text.size(); ++i) {
    const char32_t c = t.text[i];
    SAMESTORY_FUZZ_CHECK(c < 0x110000 && (c < 0xD800 || c > 0xDFFF));
    if (i > 0) SAMESTORY_FUZZ_CHECK(!(is_separator(c) && is_separator(t.text[i - 1])));
  }
  SAMESTORY_FUZZ_CHECK(samestory::check_utf8(t.to_utf8()).ok);
  if (!offsets) {
    SAMESTORY_FUZZ_CHECK(t.offsets.empty());
    return;
  }
  SAMESTORY_FUZZ_CHECK(t.offsets.size() == t.text.size() + 1);
  SAMESTORY_FUZZ_CHECK(t.offsets.back() == input.size());
  for (std::size_t i = 0; i < t.text.size(); ++i) {
    SAMESTORY_FUZZ_CHECK(t.offsets[i] < input.size());
    SAMESTORY_FUZZ_CHECK(t.offsets[i] <= t.offsets[i + 1]);
    // A separator may come from an ill-formed sequence; a letter never does.
    if (!is_separator(t.text[i])) SAMESTORY_FUZZ_CHECK(starts_character(input, t.offsets[i]));
  }
}

// Canonical composition by ICU directly, the reference the normalizer's
// table is built from.
std::u32string nfc(const std::u32string& text) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* composer = icu::Normalizer2::getNFCInstance(status);
  SAMESTORY_FUZZ_CHECK(U_SUCCESS(status));
  const icu::UnicodeString in = icu::UnicodeString::fromUTF32(
      reinterpret_cast<const UChar32*>(text.data()), static_cast<std::int32_t>(text.size()));
  const icu::UnicodeString composed = composer->normalize(in, status);
  SAMESTORY_FUZZ_CHECK(U_SUCCESS(status));
  std::u32string out(static_cast<std::size_t>(composed.countChar32()), U'\0');
  composed.toUTF32(reinterpret_cast<UChar32*>(out.data()), static_cast<std::int32_t>(out.size()),
                   status);
  SAMESTORY_FUZZ_CHECK(U_SUCCESS(status));
  return out;
}

// The input with each maximal ill-formed subpart replaced by one ASCII space:
// what the lenient policy promises to treat it as.
std::string spaces_for_invalid(std::string_view s) {
  std::string out;
  while (!s.empty()) {
    const samestory::utf8_check c = samestory::check_utf8(s);
    if (c.ok) {
      out.append(s);
      break;
    }
    out.append(s.substr(0, c.error_offset));
    out.push_back(' ');
    s.remove_prefix(c.error_offset + c.error_length);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view s = samestory::fuzz::as_bytes(data, size);
  const samestory::utf8_check utf8 = samestory::check_utf8(s);
  std::string repaired;
  const std::size_t subparts = samestory::repair_utf8(s, repaired);

  normalized_text strict;
  bool strict_threw = false;
  try {
    strict = strict_normalizer().normalize(s);
  } catch (const samestory::invalid_utf8_error& e) {
    strict_threw = true;
    SAMESTORY_FUZZ_CHECK(!utf8.ok);
    SAMESTORY_FUZZ_CHECK(e.byte_offset() == utf8.error_offset);
  } catch (...) {
    samestory::fuzz::fail_unexpected_exception(__FILE__, __LINE__, "strict normalize");
  }
  SAMESTORY_FUZZ_CHECK(strict_threw == !utf8.ok);
  if (!strict_threw) check_shape(s, strict, true);

  const normalized_text lenient = lenient_normalizer().normalize(s);
  check_shape(s, lenient, true);
  SAMESTORY_FUZZ_CHECK(lenient.invalid_sequences == subparts);
  if (utf8.ok) {
    SAMESTORY_FUZZ_CHECK(lenient.text == strict.text);
    SAMESTORY_FUZZ_CHECK(lenient.offsets == strict.offsets);
  } else {
    SAMESTORY_FUZZ_CHECK(lenient.text == strict_normalizer().normalize(spaces_for_invalid(s)).text);
  }
  // Normalized text is one spelling of itself, up to canonical equivalence.
  // Two known gaps, reported, make it only that: folding compatibility jamo
  // (ㄱㅏ, U+3131 U+314F) gives conjoining jamo the table path leaves
  // uncomposed (U+1100 U+1161, not U+AC00), and a dropped character between
  // a letter and its mark (i U+0006 U+0301) leaves the pair uncomposed
  // (i U+0301, not U+00ED).
  const normalized_text again = strict_normalizer().normalize(lenient.to_utf8());
  SAMESTORY_FUZZ_CHECK(nfc(again.text) == nfc(lenient.text));

  // The reusing overload starts from the previous input's output.
  static normalized_text reused;
  lenient_normalizer().normalize(s, reused);
  SAMESTORY_FUZZ_CHECK(reused.text == lenient.text);
  SAMESTORY_FUZZ_CHECK(reused.offsets == lenient.offsets);
  SAMESTORY_FUZZ_CHECK(reused.invalid_sequences == lenient.invalid_sequences);

  const normalized_text bare = lenient_without_offsets().normalize(s);
  check_shape(s, bare, false);
  SAMESTORY_FUZZ_CHECK(bare.text == lenient.text);

  const normalized_text unfolded = lenient_unfolded().normalize(s);
  check_shape(s, unfolded, true);
  SAMESTORY_FUZZ_CHECK(unfolded.invalid_sequences == subparts);
  return 0;
}
