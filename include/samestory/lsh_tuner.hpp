/// @file lsh_tuner.hpp
/// Choosing the b bands × r rows of a banding LSH index (lsh_index.hpp), and
/// stating honestly what a choice does.
///
/// With k MinHash values cut into b bands of r rows (b·r <= k), two documents
/// of Jaccard similarity s share at least one band, and so become candidates,
/// with probability P(s) = 1 - (1 - s^r)^b, an S-shaped curve (Rajaraman &
/// Ullman, Mining of Massive Datasets, ch. 3.4). For a Jaccard threshold t,
/// pairs below t that become candidates are false positives (they cost a
/// scoring step) and pairs above t that do not are false negatives (they are
/// never found, whatever the scoring does).
///
/// tune_lsh() differs from datasketch's MinHashLSH optimiser in three ways:
/// - it weighs the *mean* false-positive probability over [0, t] against the
///   *mean* false-negative probability over [t, 1]. datasketch weighs the
///   un-normalised areas, so at t = 0.9 a false negative region ten times
///   narrower than the false positive one counts ten times less: at k = 128
///   it picks 5 bands × 25 rows, which finds a pair at exactly J = 0.9 only
///   about 31% of the time;
/// - it never returns parameters whose recall at the threshold, P(t), is below
///   lsh_tuning_options::min_recall (0.99 by default: a missed copy is lost
///   for good, a false candidate costs one estimate), and reports P(t);
/// - it reports k - b·r, the hashes no band uses (they still sharpen the
///   index's Jaccard estimates, but not its candidate search).
///
/// Example:
/// @code
///   const samestory::lsh_tuning tuning = samestory::tune_lsh({.threshold = 0.8});
///   std::puts(tuning.describe().c_str());  // "... P(candidate | J=0.80) = ..."
///   samestory::lsh_index index(tuning.parameters, hasher);
/// @endcode
///
/// Thread safety: every function here is pure; call from any thread.
#pragma once

#include <samestory/export.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace samestory {

/// A banding: b bands of r rows each, using b·r of the k signature values.
struct lsh_parameters {
  std::uint32_t bands = 0;  ///< b, the number of bands (hash tables)
  std::uint32_t rows = 0;   ///< r, signature values per band

  /// @return true when both counts are equal
  friend bool operator==(const lsh_parameters&, const lsh_parameters&) = default;
};

/// The probability that a pair of Jaccard similarity s becomes a candidate
/// under banding p: 1 - (1 - s^r)^b, computed as -expm1(b·log1p(-s^r)) so
/// that it keeps its relative precision when s^r is tiny.
/// @param p b bands × r rows; 0 bands gives 0, 0 rows gives 1 (every pair
/// shares an empty band)
/// @param jaccard s; clamped to [0, 1] (NaN gives 0)
/// @return P(s) in [0, 1]
SAMESTORY_API double lsh_candidate_probability(lsh_parameters p, double jaccard) noexcept;

/// Options for tune_lsh(); validated there. Defaults: t = 0.5, k = 128,
/// equal weights, recall at least 0.99 at t.
struct lsh_tuning_options {
  /// t, the Jaccard similarity from which pairs should be found; in (0, 1).
  double threshold = 0.5;
  /// k, the signature length (minhash_options::num_hashes); 1..4096.
  std::uint32_t num_hashes = 128;
  /// Weight of the false-positive rate (mean P(s) over s in [0, t]); >= 0.
  double false_positive_weight = 0.5;
  /// Weight of the false-negative rate (mean 1 - P(s) over s in [t, 1]);
  /// >= 0. The two weights must not both be 0.
  double false_negative_weight = 0.5;
  /// The smallest acceptable recall at the threshold, P(t); in [0, 1].
  /// tune_lsh() never returns parameters below it (0 disables the floor).
  double min_recall = 0.99;
};

/// A banding and what it does at one threshold: the result of tune_lsh() or
/// describe_lsh(). A plain value.
struct SAMESTORY_API lsh_tuning {
  lsh_parameters parameters;     ///< the chosen b bands × r rows
  double threshold = 0.0;        ///< t the figures below refer to
  std::uint32_t num_hashes = 0;  ///< k, the signature length
  /// P(t): the probability that a pair exactly at the threshold is found.
  double recall_at_threshold = 0.0;
  /// Mean of P(s) over s in [0, t] (the false-positive area divided by t):
  /// the chance that a pair of similarity uniform below t becomes a candidate.
  double false_positive_rate = 0.0;
  /// Mean of 1 - P(s) over s in [t, 1] (the false-negative area divided by
  /// 1 - t): the chance that a pair of similarity uniform above t is missed.
  double false_negative_rate = 0.0;
  /// k - b·r: hashes in no band. The index still uses them to estimate the
  /// Jaccard similarity of candidates, but not to find candidates.
  std::uint32_t unused_hashes = 0;

  /// @param jaccard s; clamped to [0, 1]
  /// @return P(s) for these parameters (lsh_candidate_probability)
  double candidate_probability(double jaccard) const noexcept;

  /// The S-curve sampled at evenly spaced similarities, for plots and logs.
  /// @param points number of samples, at s = 0, 1/(points-1), ..., 1
  /// @return (s, P(s)) pairs in increasing s; P is non-decreasing, P(0) = 0
  /// and P(1) = 1
  /// @throws invalid_options_error when points < 2
  std::vector<std::pair<double, double>> s_curve(std::size_t points = 21) const;

  /// One human-readable line, e.g. "32 bands x 4 rows (128 of 128 hashes):
  /// P(candidate | J=0.50) = 0.87, false positives 0.25, false negatives 0.012".
  /// Probabilities near 1 get enough decimals that 1 - p shows.
  /// @return the line, without a trailing newline
  std::string describe() const;
};

/// Chooses b and r for a threshold: among all b >= 1, r >= 1 with b·r <= k
/// and P(t) >= min_recall, the one minimising
/// false_positive_weight · false_positive_rate + false_negative_weight ·
/// false_negative_rate. Objectives within 1e-12 of each other tie; ties go
/// to fewer unused hashes, then to fewer bands (less memory). The rates are
/// exact integrals (incomplete beta functions by recurrence), accurate to
/// about 1e-13 absolute; the search costs O(k log k) and is deterministic.
/// @param options threshold, k, weights and recall floor
/// @return the chosen banding and its figures
/// @throws invalid_options_error naming the field, its value and the allowed
/// range when an option is out of range, or, when no banding of k hashes
/// reaches min_recall, stating the best reachable recall (b = k, r = 1) and
/// the k that would be needed
SAMESTORY_API lsh_tuning tune_lsh(const lsh_tuning_options& options = {});

/// The same figures as tune_lsh() reports, for a hand-picked banding.
/// @param p b bands × r rows
/// @param threshold t in (0, 1)
/// @param num_hashes k in 1..4096
/// @return the figures of p at t
/// @throws invalid_options_error when bands or rows is 0, b·r > k, or t or k
/// is out of range
SAMESTORY_API lsh_tuning describe_lsh(lsh_parameters p, double threshold, std::uint32_t num_hashes);

/// The Jaccard threshold to index with when looking for a short document
/// quoted inside a longer one. If the smaller set A (|A| = q) has containment
/// c = |A∩B|/|A| in a set B of at most ratio·q elements, then
/// |A∪B| = q + |B| - cq <= q(ratio + 1 - c), so J(A, B) >= c / (ratio + 1 - c).
/// Indexing with that J as the threshold finds such pairs; larger pages need
/// a lower threshold. (The idea of deriving a Jaccard threshold from a
/// containment threshold and a bound on set sizes is LSH Ensemble: Zhu,
/// Nargesian, Pu and Miller, "LSH Ensemble: Internet-Scale Domain Search",
/// VLDB 2016, which partitions sets by size to keep the bound tight.)
/// @param containment c in (0, 1]
/// @param size_ratio the largest |B| / |A| to cover; >= 1
/// @return c / (size_ratio + 1 - c), in (0, 1]
/// @throws invalid_options_error when c or size_ratio is out of range
SAMESTORY_API double jaccard_for_containment(double containment, double size_ratio);

}  // namespace samestory
