/// @file compare.hpp
/// Explaining one pair: why two documents are, or are not, copies of one
/// another or reports of one story.
///
/// compare_documents() decides exactly as cluster_documents() does on a batch
/// of these two documents alone (it runs it), and reports the evidence: the
/// chrome lines removed from each side, the normalized texts, the Jaccard and
/// containment estimates the clusterer saw and the exact ones, the story
/// score, the thresholds, and the passages the two texts share, as byte
/// ranges of the documents as given (not of their chrome-stripped bodies).
///
/// Example:
/// @code
///   samestory::document a, b;
///   a.text = page_a;
///   b.text = page_b;
///   const samestory::comparison c = samestory::compare_documents(a, b);
///   std::printf("%s (%s)\n", to_string(c.verdict), to_string(c.rule));
///   for (const auto& s : c.shared_spans) std::printf("A[%zu, %zu) %s\n", s.a_begin, s.a_end,
///                                                    s.text.c_str());
/// @endcode
#pragma once

#include <samestory/chrome.hpp>
#include <samestory/cluster.hpp>
#include <samestory/dateline.hpp>
#include <samestory/export.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace samestory {

/// What the batch clusterer makes of a pair.
enum class comparison_verdict : std::uint8_t {
  copy = 0,       ///< one copy group: exact or near-duplicate text
  story = 1,      ///< one story, but not copies: independent reports of one event
  different = 2,  ///< neither
};

/// Short stable name of a verdict: "copy", "story" or "different".
SAMESTORY_API const char* to_string(comparison_verdict verdict) noexcept;

/// The rule that decided a verdict.
enum class comparison_rule : std::uint8_t {
  /// copy: the normalized texts are equal (their XXH3 hashes are)
  exact_text = 0,
  /// copy: the Jaccard estimate reached cluster_options::copy_jaccard, far
  /// enough from it to be trusted
  jaccard_estimate = 1,
  /// copy: the containment estimate reached copy_containment (and the smaller
  /// document has at least copy_min_shingles distinct shingles)
  containment_estimate = 2,
  /// copy: the estimates were too close to a threshold to trust, and the
  /// exact Jaccard of the shingle sets reached copy_jaccard
  jaccard_exact = 3,
  /// copy: as above, on the exact containment
  containment_exact = 4,
  /// story: the story score reached comparison_thresholds::story_threshold
  story_score = 5,
  /// different: no copy rule fired and the story score is below
  /// comparison_thresholds::story_threshold
  below_thresholds = 6,
  /// different: one side has no letters or digits (an empty document joins nothing)
  empty_document = 7,
  /// different: both times are known and further apart than time_window_seconds
  time_window = 8,
};

/// Short stable name of a rule, e.g. "jaccard_estimate".
SAMESTORY_API const char* to_string(comparison_rule rule) noexcept;

/// A line chrome removal took out of a document.
struct removed_line {
  std::size_t begin = 0;                       ///< byte offset of the line in document::text
  std::size_t end = 0;                         ///< one past its last byte (no `\n`)
  chrome_reason reason = chrome_reason::none;  ///< why it was removed
  std::string text;                            ///< its bytes, document::text[begin, end)
};

/// One side of a comparison: what the text pipeline made of the document.
struct comparison_side {
  /// Lines of document::text removed as page chrome, in order (blank lines included).
  std::vector<removed_line> removed;
  std::size_t lines = 0;  ///< lines of document::text, kept and removed
  /// The body had no letters or digits, so the title was compared instead
  /// (as the clusterers do for headlines); shared_span byte ranges of this
  /// side then refer to document::title.
  bool title_only = false;
  std::string normalized;         ///< the compared text after normalization, as UTF-8
  std::size_t shingles = 0;       ///< distinct shingles of the compared text
  std::size_t shingle_count = 0;  ///< shingle positions (with repeats)
  /// The day the text opens with (find_dateline()); two different days
  /// multiply the story score by comparison_thresholds::dateline_factor
  std::optional<month_day> dateline;
};

/// A passage both documents hold: consecutive shingles of A that occur
/// consecutively in B. Byte ranges are [begin, end) in document::text as given
/// to compare_documents() (document::title when that side is title_only).
struct shared_span {
  std::size_t a_begin = 0;     ///< first byte in A
  std::size_t a_end = 0;       ///< one past the last byte in A
  std::size_t b_begin = 0;     ///< first byte in B
  std::size_t b_end = 0;       ///< one past the last byte in B
  std::uint32_t shingles = 0;  ///< consecutive shingles of A the passage covers
  std::string text;            ///< A's bytes [a_begin, a_end)
};

/// The thresholds a comparison was decided with (from cluster_options).
struct comparison_thresholds {
  double copy_jaccard = 0.0;            ///< cluster_options::copy_jaccard
  double copy_containment = 0.0;        ///< cluster_options::copy_containment
  std::uint32_t copy_min_shingles = 0;  ///< cluster_options::copy_min_shingles
  double copy_candidate_jaccard = 0.0;  ///< cluster_options::copy_candidate_jaccard (LSH)
  /// The story score this pair must reach: cluster_options::story_threshold, or
  /// average_story_threshold where average linkage applies (two CJK texts under
  /// story_linkage::by_script)
  double story_threshold = 0.0;
  double cjk_story_scale = 0.0;          ///< cluster_options::cjk_story_scale
  std::int64_t time_window_seconds = 0;  ///< cluster_options::time_window_seconds (0 = none)
  bool average_linkage = false;  ///< story_threshold is average_story_threshold (two CJK texts)
  double dateline_factor = 1.0;  ///< cluster_options::dateline_factor
};

/// A pair of documents explained. A value: copy it, keep it, print it.
struct comparison {
  comparison_verdict verdict = comparison_verdict::different;  ///< what the clusterer decides
  comparison_rule rule = comparison_rule::below_thresholds;    ///< which rule decided it
  comparison_side a;                                           ///< the first document
  comparison_side b;                                           ///< the second document

  bool same_text = false;  ///< the normalized compared texts are equal
  /// The LSH index tuned for copy_candidate_jaccard proposes the pair (they
  /// share a band), so the clusterer looked at its estimates at all.
  bool lsh_candidate = false;
  /// The estimates were within their noise of a copy threshold, so the
  /// clusterer decided on the exact shingle sets (only for an LSH candidate).
  bool checked_exactly = false;
  /// Estimated Jaccard of the shingle sets: the LSH index's estimate (what the
  /// clusterer decided on) for a candidate, else from the full signatures.
  double jaccard_estimate = 0.0;
  /// Estimated containment of the smaller set in the larger, from
  /// jaccard_estimate and the set sizes: |A∩B| ≈ J(|A|+|B|)/(1+J).
  double containment_estimate = 0.0;
  std::uint32_t num_hashes = 0;     ///< MinHash k the estimates rest on
  double jaccard_exact = 0.0;       ///< |A∩B| / |A∪B| of the distinct shingles
  double containment_exact = 0.0;   ///< |A∩B| / min(|A|, |B|)
  std::size_t shared_shingles = 0;  ///< |A∩B|
  /// The batch story score (cosine of the TF-IDF story vectors, rescaled by
  /// cjk_story_scale) with document frequencies over these two documents
  /// alone, as story_similarities() computes it; in a larger batch the same
  /// pair scores differently, because the IDF learned from the batch does.
  double story_score = 0.0;
  comparison_thresholds thresholds;  ///< the thresholds in force
  /// Shared passages of at least min_shared_span_shingles shingles, in A's order.
  std::vector<shared_span> shared_spans;
};

/// The fewest consecutive shared shingles reported as a shared_span: 4
/// shingles are 6 characters of Chinese or 6 words of English at the default
/// 3-grams. Shorter runs are mostly names and set phrases that any two
/// reports on a topic share, which explain nothing.
inline constexpr std::uint32_t min_shared_span_shingles = 4;

/// Compares two documents and explains the result. The verdict is what
/// cluster_documents() gives for a batch of exactly these two documents (ids
/// and sources are ignored; times count when options.time_window_seconds is
/// set); the figures are computed with the same internals.
///
/// Complexity: the text pipeline on both documents a few times over, plus
/// O(n) to find the shared passages of texts with n shingles (a shingle
/// repeated many times is matched at no more than 32 of its places in B).
/// @param a the first document; its shared passages' text is quoted
/// @param b the second document
/// @param options as for the clusterers
/// @return the verdict, the rule that gave it, and the evidence
/// @throws invalid_utf8_error (strict UTF-8 policy) naming the side, "A" or "B",
///         with the byte offset in that document's text or title
/// @throws limit_exceeded_error for a text over normalize_options::max_document_bytes
/// @throws invalid_options_error for out-of-range options
SAMESTORY_API comparison compare_documents(const document& a, const document& b,
                                           const cluster_options& options = {});

}  // namespace samestory
