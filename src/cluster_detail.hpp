// Internal: what the batch and online clusterers share. Not installed.
#pragma once

#include <samestory/cluster.hpp>
#include <samestory/dateline.hpp>
#include <samestory/lsh_index.hpp>
#include <samestory/lsh_tuner.hpp>
#include <samestory/minhash.hpp>
#include <samestory/story_terms.hpp>
#include <samestory/text_pipeline.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

namespace samestory::detail {

// Everything immutable a clusterer needs, built once from the options.
struct cluster_engine {
  explicit cluster_engine(const cluster_options& o);

  cluster_options options;
  text_pipeline pipeline;
  minhasher hasher;
  term_extractor terms;
  lsh_parameters lsh;
};

// One document after the text side: what both levels need.
struct prepared_document {
  std::uint64_t text_hash = 0;        // XXH3 of the normalized copy-level text
  bool is_empty = true;               // no letters or digits: joins nothing
  std::size_t length = 0;             // normalized characters (picks the longest copy)
  minhash_signature signature;        // over 3-gram shingles of the copy-level text
  std::vector<term_weight> counts;    // story terms of title and text
  std::optional<month_day> dateline;  // the day the text opens with
};

// The copy-level text is the body; a document with no body (headlines only)
// is compared by its title.
// With `chrome`, lines that recur across the document's source are removed
// as chrome (online_clusterer's learned statistics).
prepared_document prepare(const cluster_engine& engine, const document& doc,
                          processed_text& scratch, const chrome_statistics* chrome = nullptr);

// The distinct copy-level shingle hashes of a document, sorted: what
// prepare() signs, for checking a pair exactly.
std::vector<std::uint64_t> copy_shingles(const cluster_engine& engine, const document& doc,
                                         processed_text& scratch);

// Whether an estimate is too close to a copy threshold to trust: with
// k = 128 the Jaccard estimate's standard deviation is about 0.044 at 0.5,
// and a containment derived from it wanders further. Such pairs are checked
// on their exact shingle sets when the texts are at hand (batch).
bool near_copy_threshold(const cluster_options& o, const match& m,
                         std::uint64_t query_set_size) noexcept;

// Exact Jaccard and containment (of the smaller in the larger) of two sorted sets.
void exact_overlap(std::span<const std::uint64_t> a, std::span<const std::uint64_t> b,
                   double& jaccard, double& containment) noexcept;

// Whether an LSH match is a copy by its estimates, which may fall `margin`
// below the thresholds; sets the similarity to report.
bool is_copy(const cluster_options& o, const match& m, std::uint64_t query_set_size,
             double& similarity, bool& by_containment, double margin = 0.0) noexcept;

inline bool within_window(const cluster_options& o, std::optional<std::int64_t> a,
                          std::optional<std::int64_t> b) noexcept {
  if (o.time_window_seconds <= 0 || !a || !b) return true;
  const std::int64_t d = *a > *b ? *a - *b : *b - *a;
  return d <= o.time_window_seconds;
}

// What the batch story score needs of a unit besides its vector.
struct unit_facts {
  double share = 0;                   // bigram_share() of its vector
  std::optional<month_day> dateline;  // the day its reports open with
};

// The batch story score of two unit vectors: their cosine, over the scale of
// cluster_options::cjk_story_scale that the less CJK of the two calls for,
// at most 1; times dateline_factor when their datelines differ.
inline double story_score(const cluster_options& o, double cosine, const unit_facts& a,
                          const unit_facts& b) noexcept {
  const double scale = 1.0 - (1.0 - o.cjk_story_scale) * std::min(a.share, b.share);
  const double score = std::min(1.0, cosine / scale);
  return a.dateline && b.dateline && *a.dateline != *b.dateline ? score * o.dateline_factor : score;
}

// A unit counts as CJK text for story_linkage::by_script when at least half
// of its story vector's squared weight is on CJK bigrams (bigram_share()).
inline bool is_cjk_unit(double share) noexcept {
  return share >= 0.5;
}

// Whether two clusters (each of CJK units only, or not) merge by average linkage.
inline bool averaged_linkage(story_linkage l, bool cjk_a, bool cjk_b) noexcept {
  return l == story_linkage::average || (l == story_linkage::by_script && cjk_a && cjk_b);
}

// Story vectors of units given by their term counts: document frequencies
// over the units, then TF-IDF. Shared by cluster_documents(),
// story_similarities() and compare_documents() so that what explains a
// grouping is exactly what made it.
std::vector<std::vector<term_weight>> story_vectors(
    const cluster_engine& engine, const std::vector<const std::vector<term_weight>*>& counts,
    unsigned threads);

// The copy candidates of a signature: index.query() under
// cluster_options::max_candidates, whose error names that option. `stored`:
// the document itself is in the index (batch) and is not counted.
std::vector<match> copy_candidates(const lsh_index& index, const minhash_signature& signature,
                                   const cluster_options& o, bool stored);

// Runs body(i) for i in [0, n) on up to `threads` threads; rethrows the
// exception of the lowest failing index, so errors are deterministic.
void parallel_for(std::size_t n, unsigned threads, const std::function<void(std::size_t)>& body);

// The heaviest `n` terms of a unit vector (candidate keys), any order.
std::vector<std::uint64_t> top_terms(std::span<const term_weight> v, std::size_t n);

}  // namespace samestory::detail
