// What every lsh_index backend shares, so the in-memory and the Redis
// backends give the same answers bit for bit: the 16-bit values kept per
// document, the band tags, the similarity estimate and the ranking.
#pragma once

#include <samestory/error.hpp>
#include <samestory/lsh_tuner.hpp>
#include <samestory/query.hpp>

#include "binary_io.hpp"  // xxHash, inline

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

namespace samestory::detail {

// Values are kept to 16 bits; two different minima agree on them with
// probability 2^-16, which the estimate subtracts.
inline constexpr double chance_agreement = 1.0 / 65536.0;
inline constexpr std::uint32_t max_bands = 1024;
inline constexpr std::uint32_t max_num_hashes_for_index = 4096;  // minhash_options' limit

inline void truncate_values(std::span<const std::uint32_t> in, std::uint16_t* out) noexcept {
  for (std::size_t i = 0; i < in.size(); ++i) out[i] = static_cast<std::uint16_t>(in[i]);
}

// Set sizes are kept in 32 bits; a larger one (beyond any shingle limit) saturates.
inline std::uint32_t kept_set_size(std::uint64_t set_size) noexcept {
  return static_cast<std::uint32_t>(
      std::min<std::uint64_t>(set_size, std::numeric_limits<std::uint32_t>::max()));
}

// Band b's tag: XXH3 of its r 16-bit values, seeded by the band number so
// equal values in different bands give unrelated tags.
inline void band_tags(lsh_parameters p, const std::uint16_t* v, std::uint32_t* tags) noexcept {
  const std::size_t r = p.rows;
  for (std::uint32_t b = 0; b < p.bands; ++b) {
    const std::uint64_t h = XXH3_64bits_withSeed(v + b * r, r * sizeof(std::uint16_t), b);
    tags[b] = static_cast<std::uint32_t>(h >> 32);
  }
}

inline double containment_of(double jaccard, std::uint64_t a, std::uint64_t b) noexcept {
  if (a == 0 || b == 0) return 0.0;
  const double inter = jaccard * static_cast<double>(a + b) / (1.0 + jaccard);
  return std::min(1.0, inter / static_cast<double>(std::min(a, b)));
}

// Jaccard estimated from k kept values of two documents, chance agreement removed.
inline double estimate_jaccard(const std::uint16_t* q, const std::uint16_t* x,
                               std::uint32_t k) noexcept {
  std::uint32_t equal = 0;
  for (std::uint32_t i = 0; i < k; ++i) equal += q[i] == x[i];
  const double raw = equal * (1.0 / k);
  return std::max(0.0, (raw - chance_agreement) / (1.0 - chance_agreement));
}

inline void check_query_options(const query_options& o) {
  if (o.max_candidates == 0) {
    throw invalid_options_error("query_options::max_candidates must be at least 1, actual 0");
  }
}

inline void rank_matches(std::vector<match>& out, const query_options& o) {
  const auto by_jaccard = [](const match& a, const match& b) {
    return a.jaccard != b.jaccard ? a.jaccard > b.jaccard : a.id < b.id;
  };
  const auto by_containment = [](const match& a, const match& b) {
    if (a.containment != b.containment) return a.containment > b.containment;
    return a.jaccard != b.jaccard ? a.jaccard > b.jaccard : a.id < b.id;
  };
  const auto sort_with = [&](auto cmp) {
    if (o.limit < out.size()) {
      std::partial_sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(o.limit), out.end(),
                        cmp);
      out.resize(o.limit);
    } else {
      std::sort(out.begin(), out.end(), cmp);
    }
  };
  if (o.order == rank_by::containment) {
    sort_with(by_containment);
  } else {
    sort_with(by_jaccard);
  }
}

}  // namespace samestory::detail
