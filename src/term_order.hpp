// Internal: the two orders of a term vector. Vectors are stored sorted by
// term (for merge-joins such as dot()); truncation keeps the heaviest terms.
// Shared by story_terms.cpp, cluster_detail.cpp and online_cluster.cpp.
#pragma once

#include <samestory/story_terms.hpp>

#include <algorithm>
#include <cstddef>
#include <vector>

namespace samestory::detail {

inline bool by_term(const term_weight& a, const term_weight& b) noexcept {
  return a.term < b.term;
}

// Heaviest first; ties by term, so truncation is deterministic.
inline bool heavier(const term_weight& a, const term_weight& b) noexcept {
  return a.weight != b.weight ? a.weight > b.weight : a.term < b.term;
}

// Moves the n heaviest terms to the front of v, in no particular order.
inline void partition_heaviest(std::vector<term_weight>& v, std::size_t n) {
  if (v.size() > n) {
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n), v.end(), heavier);
  }
}

// Keeps the n heaviest terms of a vector sorted by term, still sorted by term.
inline void keep_heaviest(std::vector<term_weight>& v, std::size_t n) {
  if (v.size() <= n) return;
  partition_heaviest(v, n);
  v.resize(n);
  std::sort(v.begin(), v.end(), by_term);
}

}  // namespace samestory::detail
