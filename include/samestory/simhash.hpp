/// @file simhash.hpp
/// SimHash: a 64-bit signature whose Hamming distance estimates the angle
/// between two documents' feature vectors.
///
/// Charikar, "Similarity estimation techniques from rounding algorithms"
/// (STOC 2002), section 3: for a random hyperplane through the origin with
/// normal r, sign(r·u) and sign(r·v) differ with probability θ(u, v)/π. Each
/// of the 64 bits is one such hyperplane: every feature gets a pseudo-random
/// ±1 per bit from its (mixed) hash, the document's bit is the sign of the
/// weighted sum of those ±1 votes. Manku, Jain and Das Sarma, "Detecting
/// near-duplicates for web crawling" (WWW 2007) showed that 64-bit SimHash
/// with a Hamming threshold of about 3 finds near-duplicate web pages.
///
/// Conventions, fixed for the format:
/// - a bit is 1 exactly when its vote sum is strictly positive, so ties (and
///   an empty document) give 0 bits; an empty document's SimHash is 0, which
///   is also what a document whose votes all cancel gets, so callers should
///   not index empty documents;
/// - features are expected to be well-mixed 64-bit hashes (shingler output);
///   the per-feature mix below decorrelates seeds, it is not a strong hash.
#pragma once

#include <samestory/export.hpp>
#include <samestory/shingle.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace samestory {

/// How the votes of counted features are weighted (Charikar's u is the
/// document's weighted feature vector).
enum class simhash_weighting : std::uint8_t {
  binary = 0,        ///< each distinct feature has weight 1 (the set of shingles)
  raw_count = 1,     ///< weight = occurrence count (term frequency)
  sublinear_tf = 2,  ///< weight = 1 + ln(count): repeats matter, but less and less
};

/// Options for simhasher; part of every signature's fingerprint.
struct simhash_options {
  /// Weighting used by simhasher::hash(std::span<const counted_shingle>).
  simhash_weighting weighting = simhash_weighting::binary;
  /// Chooses the hyperplanes: different seeds give independent SimHash functions.
  std::uint64_t seed = 0;
};

/// A saved SimHash with the settings that made it, so signatures made
/// differently are never compared by mistake (compare_distance refuses them).
struct SAMESTORY_API simhash_signature {
  std::uint64_t value = 0;  ///< the 64-bit SimHash
  /// Hash of the format version, weighting, seed and the caller's text
  /// fingerprint (normalizer and shingler settings); equal fingerprints mean
  /// comparable signatures.
  std::uint64_t fingerprint = 0;
  simhash_weighting weighting = simhash_weighting::binary;  ///< weighting of the votes
  std::uint64_t seed = 0;                                   ///< simhash_options::seed used

  /// Writes the signature as an envelope (object kind 2, version 1) whose
  /// payload is, little-endian: u64 value, u64 fingerprint, u8 weighting,
  /// u64 seed (docs/format.md).
  /// @return the bytes
  std::string serialize() const;

  /// Reads bytes written by serialize().
  /// @param bytes the whole envelope, nothing before or after it
  /// @return the signature
  /// @throws format_error on truncation, corruption (checksum), another object
  ///         kind, an unknown version or an unknown weighting
  static simhash_signature deserialize(std::string_view bytes);

  /// Field-wise equality.
  friend bool operator==(const simhash_signature&, const simhash_signature&) = default;
};

/// Computes 64-bit SimHash values of feature lists.
/// Thread safety: immutable once built; every method may be called from many
/// threads at once. Only the constructor allocates (hash, sign and mix never
/// do; an error message may when hash_weighted throws).
class SAMESTORY_API simhasher {
 public:
  /// @param options weighting and seed
  /// @param text_fingerprint the caller's fingerprint of how features were made
  ///        (normalizer and shingler settings); folded into signatures
  /// @throws invalid_options_error when options.weighting is not a known value
  explicit simhasher(const simhash_options& options = {}, std::uint64_t text_fingerprint = 0);

  /// SimHash of a sequence of feature hashes with unweighted votes: every
  /// position votes once, so a feature that occurs k times votes k times
  /// (the same value as raw_count weighting of the counted features).
  /// The fast path: O(n), about 2 ns per feature on one core (8-bit lane
  /// counters fed from a 256-entry table; see src/simhash.cpp).
  /// @param shingle_hashes feature hashes, e.g. shingler::hash() output; order is irrelevant
  /// @return the SimHash; 0 for an empty span
  std::uint64_t hash(std::span<const std::uint64_t> shingle_hashes) const noexcept;

  /// SimHash of distinct counted features, weighted by options().weighting.
  /// Under binary every entry votes once; entries with count 0 have weight 0
  /// under raw_count and sublinear_tf (shingler::counted never makes them).
  /// @param features e.g. shingler::counted() output; order is irrelevant
  /// @return the SimHash; 0 for an empty span
  std::uint64_t hash(std::span<const counted_shingle> features) const noexcept;

  /// SimHash with caller-supplied weights, e.g. IDF × TF.
  /// @param features feature hashes
  /// @param weights one finite weight per feature (a negative weight votes against its bits)
  /// @return the SimHash; 0 for an empty span
  /// @throws error (invalid_argument) when the sizes differ or a weight is not finite
  std::uint64_t hash_weighted(std::span<const std::uint64_t> features,
                              std::span<const float> weights) const;

  /// hash() of positions as a signature; its weighting reads raw_count, since
  /// unweighted votes over positions are exactly count-weighted votes.
  /// @param shingle_hashes feature hashes
  /// @return the signature
  simhash_signature sign(std::span<const std::uint64_t> shingle_hashes) const;

  /// hash() of counted features as a signature, with options().weighting.
  /// @param features distinct features with counts
  /// @return the signature
  simhash_signature sign(std::span<const counted_shingle> features) const;

  /// The per-feature value whose 64 bits are the feature's ±1 votes (1 → +1).
  /// One xorshift-multiply-xorshift of the hash and a key derived from the
  /// seed: cheap, and a bijection, so distinct features stay distinct.
  /// @param feature a feature hash
  /// @return the mixed value
  std::uint64_t mix(std::uint64_t feature) const noexcept {
    std::uint64_t x = feature ^ seed_key_;
    x ^= x >> 31;
    x *= 0xbf58476d1ce4e5b9ULL;  // splitmix64's first multiplier
    x ^= x >> 29;
    return x;
  }

  /// @param weighting the weighting a signature records
  /// @return the fingerprint signatures made by this simhasher with `weighting`
  ///         carry; 0 for a value outside the enum
  std::uint64_t fingerprint(simhash_weighting weighting) const noexcept {
    const auto w = static_cast<std::uint8_t>(weighting);
    return w < 3 ? fingerprints_[w] : 0;
  }

  /// @return the options in force
  const simhash_options& options() const noexcept { return options_; }
  /// @return the caller's text fingerprint given at construction
  std::uint64_t text_fingerprint() const noexcept { return text_fingerprint_; }

 private:
  simhash_options options_;
  std::uint64_t text_fingerprint_;
  std::uint64_t seed_key_;
  std::uint64_t fingerprints_[3];  // per weighting, computed once so sign() never allocates
};

/// Number of differing bits.
/// @return 0..64
SAMESTORY_API int hamming_distance(std::uint64_t a, std::uint64_t b) noexcept;

/// The cosine implied by two SimHash values under Charikar's analysis:
/// P[bit differs] = θ/π, so θ ≈ π·d/64 and the estimate is cos(π·d/64).
/// @return an estimate of the cosine similarity of the two feature vectors, in [-1, 1]
SAMESTORY_API double simhash_cosine(std::uint64_t a, std::uint64_t b) noexcept;

/// Hamming distance of two saved signatures, refusing incomparable ones.
/// @return 0..64
/// @throws error (invalid_argument) when the fingerprints differ
SAMESTORY_API int compare_distance(const simhash_signature& a, const simhash_signature& b);

}  // namespace samestory
