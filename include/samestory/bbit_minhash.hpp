/// @file bbit_minhash.hpp
/// b-bit MinHash: MinHash signatures stored in b bits per value.
///
/// Li and König, "b-Bit Minwise Hashing", WWW 2010. Keeping only the lowest
/// b bits of each of the k 32-bit MinHash values (minhash.hpp) cuts a
/// signature from 4k bytes to k·b/8 bytes. Two positions whose full values
/// differ still agree in their low b bits with probability about 2^-b, so the
/// raw match rate P̂ overestimates the Jaccard similarity J:
///
///   P = J + (1 - J) · 2^-b
///
/// This is the paper's Theorem 1, P = C1 + (1 - C2) J, in the limit r1, r2 → 0
/// (r = |S| / D, D = 2^32 the range of our values), where both C1 and C2 tend
/// to 2^-b. Document shingle sets have r < 10^-3, so the general form would
/// move an estimate far less than its standard error; only the limit is
/// implemented.
///
/// and the corrected estimator is
///
///   Ĵ = (P̂ - 2^-b) / (1 - 2^-b), clamped to [0, 1],
///
/// unbiased before clamping, with variance
///
///   Var(Ĵ) ≈ P (1 - P) / (k (1 - 2^-b)^2).
///
/// Small b loses accuracy per position but gains positions per byte; for
/// high J (the near-duplicate case) small b is the better use of storage
/// (the paper compares storage at equal variance).
///
/// Example:
/// @code
///   samestory::minhasher hasher({}, pipeline.fingerprint());
///   const auto a = samestory::bbit_signature::pack(hasher.sign(shingles_a), 8);
///   const auto b = samestory::bbit_signature::pack(hasher.sign(shingles_b), 8);
///   const double j = samestory::estimate_jaccard(a, b).estimate;
/// @endcode
#pragma once

#include <samestory/export.hpp>
#include <samestory/minhash.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace samestory {

/// A frozen b-bit MinHash signature: the lowest b bits of each of the k values
/// of a minhash_signature, packed contiguously, plus the source's settings.
///
/// Layout of bytes(): value i occupies bits [i·b, (i+1)·b) of the byte
/// string, least significant bit first; for b = 8 that is one byte per value,
/// for b = 16 two bytes little-endian, for b < 8 8/b values per byte (value
/// 0 in the lowest bits). Unused high bits of the last byte are zero.
/// Memory: ceil(k·b/8) bytes of values.
///
/// A value type: cheap to copy and move, comparable, serializable.
/// Thread safety: immutable after construction; may be shared by many threads.
class SAMESTORY_API bbit_signature {
 public:
  /// Packs the lowest `bits` bits of every value of `source`.
  /// @param source a MinHash signature (any scheme)
  /// @param bits b, one of 1, 2, 4, 8, 16
  /// @return the packed signature, keeping scheme, k, seed, fingerprint,
  /// set size and emptiness of `source`
  /// @throws invalid_options_error when bits is not 1, 2, 4, 8 or 16
  static bbit_signature pack(const minhash_signature& source, unsigned bits);

  /// @return the scheme that made the source values
  minhash_scheme scheme() const noexcept { return scheme_; }
  /// @return k, the number of values
  std::uint32_t num_hashes() const noexcept { return num_hashes_; }
  /// @return b, the bits kept per value (1, 2, 4, 8 or 16)
  unsigned bits() const noexcept { return bits_; }
  /// @return the minhasher's seed
  std::uint64_t seed() const noexcept { return seed_; }
  /// @return the source signature's fingerprint
  std::uint64_t fingerprint() const noexcept { return fingerprint_; }
  /// @return the source's set size (0 when unknown)
  std::uint64_t set_size() const noexcept { return set_size_; }
  /// @return true when the shingle set was empty; such a signature matches nothing
  bool is_empty() const noexcept { return empty_; }
  /// @return the packed values, ceil(k·b/8) bytes (layout in the class comment)
  std::span<const std::uint8_t> bytes() const noexcept { return bytes_; }

  /// @param i position, < num_hashes() (not checked)
  /// @return value i, i.e. the lowest b bits of the source's value i
  std::uint32_t value(std::size_t i) const noexcept;

  /// @return true when every field and byte is equal
  friend bool operator==(const bbit_signature&, const bbit_signature&) = default;

  /// Saves the signature in a samestory envelope (object kind 4, version 1):
  /// payload u8 scheme, u32 k, u8 b, u64 seed, u64 fingerprint, u64 set_size,
  /// u8 flags (bit 0: empty), then ceil(k·b/8) value bytes, little-endian.
  /// @return the bytes
  std::string serialize() const;

  /// Reads bytes written by serialize().
  /// @param bytes exactly one serialized b-bit signature
  /// @return the signature
  /// @throws format_error when the bytes are truncated, corrupted (checksum),
  /// of another object kind or version, or hold inconsistent fields (b not in
  /// {1, 2, 4, 8, 16}, k = 0, value bytes not ceil(k·b/8), padding bits set)
  static bbit_signature deserialize(std::string_view bytes);

 private:
  bbit_signature(minhash_scheme scheme, std::uint32_t num_hashes, unsigned bits, std::uint64_t seed,
                 std::uint64_t fingerprint, std::uint64_t set_size, bool empty,
                 std::vector<std::uint8_t> bytes);

  minhash_scheme scheme_ = minhash_scheme::one_permutation;
  std::uint32_t num_hashes_ = 0;
  unsigned bits_ = 8;
  std::uint64_t seed_ = 0;
  std::uint64_t fingerprint_ = 0;
  std::uint64_t set_size_ = 0;
  bool empty_ = true;
  std::vector<std::uint8_t> bytes_;
};

/// Estimates the Jaccard similarity from two b-bit signatures with the
/// corrected estimator Ĵ = (P̂ - 2^-b) / (1 - 2^-b), clamped to [0, 1], where
/// P̂ = matches / k. When either signature is_empty() the estimate is 0 with 0
/// matches. Standard error about sqrt(P(1-P)/k) / (1 - 2^-b) with
/// P = J + (1 - J) 2^-b.
/// @return the estimate; matches counts equal b-bit values, compared is k
/// @throws error (invalid_argument) when fingerprint, k, b, scheme or seed differ
SAMESTORY_API jaccard_estimate estimate_jaccard(const bbit_signature& a, const bbit_signature& b);

}  // namespace samestory
