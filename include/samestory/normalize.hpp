/// @file normalize.hpp
/// Text normalization for hashing (not for display).
///
/// A normalizer turns UTF-8 into a sequence of code points in which two
/// spellings of the same text are equal:
/// - NFKC with full case folding (ICU's NFKC_Casefold): full-width `ＡＩ２０２６`
///   becomes `ai2026`, compatibility ligatures and circled digits unfold;
/// - Traditional→Simplified folding of Han characters (`馬斯克` → `马斯克`),
///   using ICU's "Traditional-Simplified" transliterator applied to each
///   character (docs/algorithms.md lists where its context rules differ);
/// - only letters, digits and combining marks survive. White space and
///   punctuation become a single word separator U+0020, line and paragraph
///   breaks a break marker U+000A; symbols, controls, zero-width and other
///   format characters vanish. Apostrophes and periods inside a word
///   (`don't`, `U.S.`, `3.14`) are dropped without a separator, as ICU's
///   word-break rules keep such words whole.
///
/// The ICU work is done once per process and option set: a code-point table
/// is precomputed from ICU at first use (about 0.15 s), so normalizing a
/// document is a table lookup per code point. Sequences whose normalization
/// depends on their neighbours (combining marks, conjoining Hangul jamo) take
/// a slower path through ICU's normalizer for just that segment.
#pragma once

#include <samestory/export.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace samestory {

/// What to do with ill-formed UTF-8.
enum class utf8_policy : std::uint8_t {
  strict,   ///< throw invalid_utf8_error with the byte offset of the first bad sequence
  lenient,  ///< treat each maximal ill-formed subpart as a word separator; count them
};

/// Options for normalizer. Changing any of them changes the output, and so the
/// normalizer's fingerprint().
struct normalize_options {
  utf8_policy utf8 = utf8_policy::strict;  ///< see utf8_policy
  bool nfkc = true;                        ///< NFKC compatibility folding
  bool case_fold = true;                   ///< full Unicode case folding
  bool traditional_to_simplified = true;   ///< fold Traditional Han to Simplified
  bool keep_offsets = true;                ///< fill normalized_text::offsets
  /// Larger input is refused with limit_exceeded_error naming
  /// "normalize_options::max_document_bytes", before any work (at most
  /// 4 GiB - 2: offsets are 32-bit). Default 64 MiB, a hundred times a long
  /// article: normalized text takes 4 bytes a character (8 with offsets), so
  /// this bounds what one document can cost however it is made
  /// (docs/reliability.md); the shingle and line limits refuse ordinary
  /// prose well before it.
  std::size_t max_document_bytes = std::size_t{64} << 20;
};

/// The normalized form of one document.
struct normalized_text {
  /// Letters, digits and marks after folding; U+0020 between words, U+000A at
  /// breaks. Never starts or ends with a separator, never holds two in a row.
  std::u32string text;
  /// offsets[i] is the byte offset in the input of the character that
  /// produced text[i]; one extra final entry holds the input's size. Empty
  /// when normalize_options::keep_offsets is false.
  std::vector<std::uint32_t> offsets;
  /// Ill-formed UTF-8 sequences met (lenient policy only; strict throws instead).
  std::size_t invalid_sequences = 0;

  /// @return text encoded as UTF-8 (for display and debugging)
  std::string to_utf8() const;
  /// @return true when no letter or digit survived
  bool is_empty() const noexcept { return text.empty(); }
};

/// Version of the normalization rules; part of every fingerprint. Bumped
/// whenever output for some input changes.
inline constexpr std::uint32_t normalizer_version = 1;

/// Folds UTF-8 text for hashing.
/// Thread safety: immutable after construction; normalize() may be called
/// from many threads at once. Copies share the precomputed table.
class SAMESTORY_API normalizer {
 public:
  /// Builds (or reuses, per process) the code-point table for these options.
  /// @throws invalid_options_error when max_document_bytes exceeds 4 GiB - 1
  /// @throws error when ICU cannot provide its normalizer or transliterator data
  explicit normalizer(const normalize_options& options = {});
  ~normalizer();
  /// A normalizer with the same options, sharing the precomputed table.
  normalizer(const normalizer&);
  /// Takes the other normalizer's options, sharing its precomputed table.
  /// @return *this
  normalizer& operator=(const normalizer&);
  /// Takes over the other normalizer; the moved-from one may only be assigned
  /// to or destroyed.
  normalizer(normalizer&&) noexcept;
  /// Takes over the other normalizer, releasing this one's state.
  /// @return *this
  normalizer& operator=(normalizer&&) noexcept;

  /// Normalizes one document.
  /// @throws invalid_utf8_error (strict policy) with the offset of the first bad sequence
  /// @throws limit_exceeded_error when the input exceeds max_document_bytes
  normalized_text normalize(std::string_view utf8) const;

  /// As normalize(), reusing `out`'s buffers so a loop over documents does not allocate.
  void normalize(std::string_view utf8, normalized_text& out) const;

  /// @return a hash of normalizer_version, the options that affect output and
  /// ICU's Unicode version; equal fingerprints mean comparable output.
  std::uint64_t fingerprint() const noexcept;

  /// @return the options in force
  const normalize_options& options() const noexcept;

  struct table;  ///< the precomputed code-point table (opaque)

 private:
  template <bool Offsets>
  void run(std::string_view utf8, normalized_text& out) const;

  normalize_options options_;
  std::shared_ptr<const table> table_;
};

/// Folds a single code point the way normalizer does, for tests and tools.
/// @return the folded code points: empty for dropped characters, U+0020 for
/// separators, U+000A for breaks
SAMESTORY_API std::u32string fold_code_point(char32_t cp, const normalize_options& options = {});

}  // namespace samestory
