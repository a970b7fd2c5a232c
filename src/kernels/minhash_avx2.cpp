// AVX2 classic MinHash kernel. This file alone is built with -mavx2
// (CMakeLists.txt); it is only called after minhash_cpu_has_avx2().
// It must produce exactly the values of minhash_classic_scalar
// (src/minhash.cpp); tests/minhash_test.cpp checks this on random inputs.
#include "minhash_kernels.hpp"

#include <immintrin.h>

#include <algorithm>

namespace samestory::detail {
namespace {

// Shingle keys are computed once per chunk into a stack buffer; then each
// group of functions stays in registers while the chunk streams past it.
constexpr std::size_t chunk = 256;

// minhash_classic_value() for eight functions at once.
inline __m256i value8(__m256i x, __m256i a, __m256i b) noexcept {
  return _mm256_add_epi32(_mm256_mullo_epi32(a, x), b);
}

inline __m256i load(const std::uint32_t* p) noexcept {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

inline void store(std::uint32_t* p, __m256i v) noexcept {
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v);
}

}  // namespace

void minhash_classic_avx2(const std::uint64_t* hashes, std::size_t n, std::uint64_t key,
                          const std::uint32_t* a, const std::uint32_t* b, std::uint32_t* mins,
                          std::size_t k) noexcept {
  alignas(32) std::uint32_t xs[chunk];
  const std::size_t k32 = k - k % 32;
  const std::size_t k8 = k - k % 8;
  for (std::size_t start = 0; start < n; start += chunk) {
    const std::size_t m = std::min(chunk, n - start);
    for (std::size_t j = 0; j < m; ++j) xs[j] = minhash_classic_key(hashes[start + j], key);
    // Four vectors (32 functions) at a time: 12 registers of state, and four
    // independent multiply chains to hide vpmulld latency.
    std::size_t i = 0;
    for (; i < k32; i += 32) {
      const __m256i a0 = load(a + i), a1 = load(a + i + 8), a2 = load(a + i + 16),
                    a3 = load(a + i + 24);
      const __m256i b0 = load(b + i), b1 = load(b + i + 8), b2 = load(b + i + 16),
                    b3 = load(b + i + 24);
      __m256i m0 = load(mins + i), m1 = load(mins + i + 8), m2 = load(mins + i + 16),
              m3 = load(mins + i + 24);
      for (std::size_t j = 0; j < m; ++j) {
        const __m256i x = _mm256_set1_epi32(static_cast<int>(xs[j]));
        m0 = _mm256_min_epu32(m0, value8(x, a0, b0));
        m1 = _mm256_min_epu32(m1, value8(x, a1, b1));
        m2 = _mm256_min_epu32(m2, value8(x, a2, b2));
        m3 = _mm256_min_epu32(m3, value8(x, a3, b3));
      }
      store(mins + i, m0);
      store(mins + i + 8, m1);
      store(mins + i + 16, m2);
      store(mins + i + 24, m3);
    }
    for (; i < k8; i += 8) {
      const __m256i a0 = load(a + i);
      const __m256i b0 = load(b + i);
      __m256i m0 = load(mins + i);
      for (std::size_t j = 0; j < m; ++j) {
        m0 = _mm256_min_epu32(m0, value8(_mm256_set1_epi32(static_cast<int>(xs[j])), a0, b0));
      }
      store(mins + i, m0);
    }
    // Scalar tail: the last k % 8 functions.
    for (; i < k; ++i) {
      std::uint32_t mi = mins[i];
      for (std::size_t j = 0; j < m; ++j)
        mi = std::min(mi, minhash_classic_value(xs[j], a[i], b[i]));
      mins[i] = mi;
    }
  }
}

}  // namespace samestory::detail
