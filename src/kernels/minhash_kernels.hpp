// Internal MinHash kernels: the classic-scheme inner loop, once in portable
// scalar code (which GCC auto-vectorizes with the baseline ISA) and once with
// AVX2 intrinsics (minhash_avx2.cpp, the only file built with -mavx2). Both
// compute exactly the same values; minhasher picks one at construction time
// and tests call both directly (tests/minhash_test.cpp, "[simd]").
#pragma once

#include <samestory/export.hpp>

#include <cstddef>
#include <cstdint>

namespace samestory::detail {

// The one-step 64-bit re-mix (the splitmix64 finalizer, Stafford's Mix13):
// bijective, so distinct shingle hashes stay distinct after re-hashing.
inline std::uint64_t minhash_mix64(std::uint64_t z) noexcept {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// The 32-bit key of a shingle for the classic family: the high half of
// mix64(h ^ key) (the best-mixed bits of the finalizer).
inline std::uint32_t minhash_classic_key(std::uint64_t h, std::uint64_t key) noexcept {
  return static_cast<std::uint32_t>(minhash_mix64(h ^ key) >> 32);
}

// Hash function i of the classic family, all arithmetic mod 2^32:
//   y = a_i * x + b_i  with odd a_i,
// the multiply-add family of Dietzfelbinger, Hagerup, Katajainen, Penttonen
// (1997), a bijection of x. Its weakness is that on structured keys its high
// bits, which decide the minimum, depend on the key's low bits only through
// carries; here the key x is the high half of a full 64-bit finalizer
// (minhash_classic_key), so every bit of it is already well mixed, and the
// statistical tests (means and standard deviations over 1,000 trials, and
// tiny overlapping sets) show the k minima behaving as independent. An
// extra xorshift-multiply finalizer per function (algorithm version 2) gave
// the same statistics at 1.7x the cost; version 3 drops it. One mullo and one
// add per function: 8 lanes per AVX2 instruction.
inline std::uint32_t minhash_classic_value(std::uint32_t x, std::uint32_t a,
                                           std::uint32_t b) noexcept {
  return a * x + b;
}

// Classic MinHash kernel: for every shingle h and every i < k,
// mins[i] = min(mins[i], minhash_classic_value(minhash_classic_key(h, key), a[i], b[i])).
// mins must be initialized by the caller (0xFFFFFFFF for an empty set).
using minhash_classic_kernel = void (*)(const std::uint64_t* hashes, std::size_t n,
                                        std::uint64_t key, const std::uint32_t* a,
                                        const std::uint32_t* b, std::uint32_t* mins,
                                        std::size_t k) noexcept;

// Portable kernel; always available.
SAMESTORY_API void minhash_classic_scalar(const std::uint64_t* hashes, std::size_t n,
                                          std::uint64_t key, const std::uint32_t* a,
                                          const std::uint32_t* b, std::uint32_t* mins,
                                          std::size_t k) noexcept;

// AVX2 kernel; call only when minhash_cpu_has_avx2() is true.
SAMESTORY_API void minhash_classic_avx2(const std::uint64_t* hashes, std::size_t n,
                                        std::uint64_t key, const std::uint32_t* a,
                                        const std::uint32_t* b, std::uint32_t* mins,
                                        std::size_t k) noexcept;

// @return true when this CPU (and OS) supports AVX2
SAMESTORY_API bool minhash_cpu_has_avx2() noexcept;

// @return the fastest kernel this CPU supports
SAMESTORY_API minhash_classic_kernel minhash_best_classic_kernel() noexcept;

}  // namespace samestory::detail
