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
//   y = a_i * x + b_i;  y ^= y >> 16;  y *= 0x7FEB352D;  y ^= y >> 15.
// a_i * x + b_i with odd a_i is the 32-bit multiply-add family of
// Dietzfelbinger, Hagerup, Katajainen, Penttonen (1997), a bijection of x;
// alone its low bits are weak (bit 0 is x_0 ^ b_0) and its high bits, which
// decide the minimum, depend on the low bits of x only through carries, so
// functions with related multipliers order shingles alike. The xorshift-
// multiply-xorshift finalizer (the "lowbias32" constants of C. Wellons) folds
// every input bit into the high bits before the minimum is taken; it is a
// bijection, so distinct keys keep distinct values for each function. Every
// step is a 32-bit add, mullo, xor or shift: 8 lanes per AVX2 instruction.
inline std::uint32_t minhash_classic_value(std::uint32_t x, std::uint32_t a,
                                           std::uint32_t b) noexcept {
  std::uint32_t y = a * x + b;
  y ^= y >> 16;
  y *= 0x7FEB352Du;
  return y ^ (y >> 15);
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
