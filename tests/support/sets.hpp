// Test-only: random shingle-hash sets with planted near-duplicates of known
// exact Jaccard, for the index tests.
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

namespace samestory::test {

inline std::vector<std::uint64_t> random_set(std::mt19937_64& rng, std::size_t n) {
  std::vector<std::uint64_t> v(n);
  for (auto& x : v) x = rng();
  return v;
}

// A copy of `base` with round(f * |base|) of its elements replaced by fresh
// random ones: exact Jaccard (1 - f) / (1 + f) with the base.
inline std::vector<std::uint64_t> edited(std::mt19937_64& rng, std::vector<std::uint64_t> base,
                                         double f) {
  const auto replace = static_cast<std::size_t>(f * static_cast<double>(base.size()) + 0.5);
  std::shuffle(base.begin(), base.end(), rng);
  for (std::size_t i = 0; i < replace; ++i) base[i] = rng();
  return base;
}

}  // namespace samestory::test
