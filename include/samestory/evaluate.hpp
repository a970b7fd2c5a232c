/// @file evaluate.hpp
/// Scores a predicted clustering against a gold one: pairwise precision,
/// recall and F1, BCubed precision, recall and F1 (Bagga & Baldwin 1998), and
/// the adjusted Rand index (Hubert & Arabie 1985).
///
/// The rules follow ../shared/tools/score.py so that `samestory eval` prints
/// the same figures: only documents with a gold label are scored; a scored
/// document without a predicted label is a predicted singleton of its own.
#pragma once

#include <samestory/export.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace samestory {

/// Labels by document id. A missing id and a std::nullopt label both mean
/// "no label".
using label_map = std::unordered_map<std::string, std::optional<std::string>>;

/// The scores of one predicted clustering against a gold one.
struct SAMESTORY_API clustering_scores {
  std::size_t n = 0;              ///< documents scored (those with a gold label)
  std::size_t gold_clusters = 0;  ///< distinct gold labels among them
  std::size_t pred_clusters = 0;  ///< distinct predicted clusters among them (singletons count)
  double pair_p = 0;              ///< pairwise precision (1 when no predicted pairs)
  double pair_r = 0;              ///< pairwise recall (1 when no gold pairs)
  double pair_f1 = 0;             ///< harmonic mean of pair_p and pair_r
  double bcubed_p = 0;            ///< BCubed precision
  double bcubed_r = 0;            ///< BCubed recall
  double bcubed_f1 = 0;           ///< harmonic mean of bcubed_p and bcubed_r
  double ari = 0;                 ///< adjusted Rand index

  /// One JSON line (no newline) with the fields in the order above, floats
  /// rounded to 4 decimals and printed as Python's json.dumps prints them.
  std::string to_json() const;
};

/// Gold labels in file order: score.py sums the BCubed terms in that order,
/// so only this form agrees with it to the last bit when a figure ends on a
/// rounding tie. A repeated id should keep its first place and its last label
/// (as a Python dict does).
using ordered_labels = std::vector<std::pair<std::string, std::optional<std::string>>>;

/// Scores `pred` against `gold`, summing in gold's order.
/// @throws error (error_code::invalid_argument) when no document has a gold label
SAMESTORY_API clustering_scores score_clustering(const ordered_labels& gold, const label_map& pred);

/// As above, with gold taken in order of id.
SAMESTORY_API clustering_scores score_clustering(const label_map& gold, const label_map& pred);

}  // namespace samestory
