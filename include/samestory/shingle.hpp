/// @file shingle.hpp
/// Shingling: normalized text to a stream of 64-bit shingle hashes.
///
/// The normalized text is cut into tokens: each Han, Kana, Hangul or Bopomofo
/// character is a token of its own (CJK scripts do not mark words), and each
/// run of other letters and digits between separators is a word token. Words
/// of scripts written without spaces (Thai, Lao, Khmer, Myanmar) are found
/// with ICU's dictionary word breaker. A shingle starts at every token: it is
/// `cjk_n` tokens long when it starts on a CJK character and `word_n` tokens
/// long when it starts on a word, so Chinese text gives character n-grams,
/// English text word n-grams, and mixed text such as `特斯拉CEO埃隆·马斯克`
/// gives windows that treat `ceo` as one token among the characters.
/// A shingle starts at every token whose window fits in the text; a text with
/// fewer tokens than n gives one shingle of all its tokens, and a text with no
/// tokens gives none.
///
/// Each shingle is hashed with XXH3-64 (seeded) over the 32-bit token codes
/// of its window: the code point for a CJK token, a 31-bit XXH3 of the word
/// with the top bit set for a word token.
#pragma once

#include <samestory/export.hpp>
#include <samestory/normalize.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace samestory {

/// Options for shingler; part of every signature's fingerprint.
struct shingle_options {
  std::uint32_t cjk_n = 3;   ///< tokens per shingle starting on a CJK character (1..16)
  std::uint32_t word_n = 3;  ///< tokens per shingle starting on a word (1..16)
  std::uint64_t seed = 0;    ///< XXH3 seed
  /// When false, no shingle spans a line break (U+000A) of the normalized text.
  /// Default true: reposts re-wrap paragraphs, and spun copies insert junk breaks.
  bool cross_breaks = true;
  /// Most shingle positions one document may have (at least 1). Every shingler
  /// method refuses a text with more by throwing limit_exceeded_error naming
  /// "shingle_options::max_shingles", and stops tokenizing as soon as the
  /// count must exceed it, so a refused document costs no more than one at the
  /// limit. Default 2^22 (4,194,304): about 25 MB of English prose or 4
  /// million Chinese characters, twenty times a 200,000-word report, so no
  /// article meets it; at the limit the hashes take 32 MiB.
  /// docs/reliability.md gives the memory per shingle. Not in any fingerprint:
  /// it decides whether a document is accepted, never its shingles.
  std::size_t max_shingles = std::size_t{1} << 22;
};

/// A distinct shingle and how often it occurs (for term weighting).
struct counted_shingle {
  std::uint64_t hash = 0;   ///< the shingle's hash
  std::uint32_t count = 0;  ///< occurrences in the document
  /// @return true when hash and count are equal
  friend bool operator==(const counted_shingle&, const counted_shingle&) = default;
};

/// Where one shingle came from in the normalized text.
struct shingle_span {
  std::uint32_t begin = 0;  ///< index of its first code point in normalized_text::text
  std::uint32_t end = 0;    ///< one past its last code point
};

/// Cuts normalized text into shingles and hashes them.
/// Thread safety: immutable; all methods may be called from many threads.
/// Hashing writes only into the caller's buffer: no allocation per shingle.
class SAMESTORY_API shingler {
 public:
  /// @throws invalid_options_error when cjk_n or word_n is outside 1..16 or
  ///         max_shingles is 0
  explicit shingler(const shingle_options& options = {});

  /// @return the number of shingle positions in `text` (the size hash() needs)
  /// @throws limit_exceeded_error when it exceeds shingle_options::max_shingles
  ///         (every method below throws it too)
  std::size_t count(const normalized_text& text) const;

  /// Hashes every shingle position, in order, into `out`.
  /// @param text the output of normalizer::normalize()
  /// @param out at least count(text) entries
  /// @return the number written
  /// @throws invalid_argument when out is too small
  std::size_t hash(const normalized_text& text, std::span<std::uint64_t> out) const;

  /// As above, resizing `out` (its capacity is reused across calls).
  void hash(const normalized_text& text, std::vector<std::uint64_t>& out) const;

  /// Distinct shingles with their counts, sorted by hash.
  void counted(const normalized_text& text, std::vector<counted_shingle>& out) const;

  /// The source span of every shingle position, parallel to hash()'s output.
  void spans(const normalized_text& text, std::vector<shingle_span>& out) const;

  /// @return the options in force
  const shingle_options& options() const noexcept { return options_; }

 private:
  template <bool WantSpans, class Sink>
  void walk(const normalized_text& text, Sink&& sink) const;
  shingle_options options_;
};

}  // namespace samestory
