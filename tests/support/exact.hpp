// Test-only reference: exact set similarity over shingle hashes.
#pragma once

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <vector>

namespace samestory::test {

inline std::vector<std::uint64_t> distinct(std::vector<std::uint64_t> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

inline std::size_t intersection_size(const std::vector<std::uint64_t>& a,
                                     const std::vector<std::uint64_t>& b) {
  const auto x = distinct(a), y = distinct(b);
  std::vector<std::uint64_t> both;
  std::set_intersection(x.begin(), x.end(), y.begin(), y.end(), std::back_inserter(both));
  return both.size();
}

// |A ∩ B| / |A ∪ B| of the distinct shingles; 0 when both are empty.
inline double jaccard(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) {
  const std::size_t i = intersection_size(a, b);
  const std::size_t u = distinct(a).size() + distinct(b).size() - i;
  return u == 0 ? 0.0 : static_cast<double>(i) / static_cast<double>(u);
}

// |A ∩ B| / min(|A|, |B|): how much of the smaller document the larger one holds.
inline double containment(const std::vector<std::uint64_t>& a,
                          const std::vector<std::uint64_t>& b) {
  const std::size_t m = std::min(distinct(a).size(), distinct(b).size());
  return m == 0 ? 0.0 : static_cast<double>(intersection_size(a, b)) / static_cast<double>(m);
}

}  // namespace samestory::test
