/// @file weighted_minhash.hpp
/// Weighted MinHash: signatures of weighted feature vectors whose agreement
/// estimates the generalized (weighted) Jaccard similarity
///
///     J_w(a, b) = Σ_f min(a_f, b_f) / Σ_f max(a_f, b_f)
///
/// for non-negative weights, e.g. tf-idf weights of shingle hashes. With all
/// weights 1 it is the plain Jaccard similarity of the two feature sets.
///
/// The scheme is Improved Consistent Weighted Sampling (ICWS): S. Ioffe,
/// "Improved Consistent Sampling, Weighted Minhash and L1 Sketching",
/// ICDM 2010. For each of k samples and each feature f of weight S, draw
/// r, c ~ Gamma(2, 1) and β ~ Uniform(0, 1) from (seed, sample, f) alone, set
///     t = floor(ln S / r + β),  y = exp(r (t − β)),  a = c / (y exp(r)),
/// and keep the feature with the smallest a. The sample (f, t) is hashed to 64
/// bits. Two vectors give the same sample with probability exactly J_w, so the
/// share of equal samples is an unbiased estimate with standard error
/// sqrt(J_w (1 − J_w) / k).
///
/// Cost: O(k · n) per document for n features, each step a few logarithms
/// (about 4 per feature and sample). That is k times the cost of
/// one-permutation MinHash (minhash.hpp); use it where the weights matter.
///
/// Example:
/// @code
///   samestory::weighted_minhasher hasher({}, pipeline.fingerprint());
///   const auto sa = hasher.sign(features_a, weights_a);
///   const auto sb = hasher.sign(features_b, weights_b);
///   const auto j = samestory::estimate_weighted_jaccard(sa, sb);
/// @endcode
#pragma once

#include <samestory/export.hpp>
#include <samestory/minhash.hpp>

#include <cstdint>
#include <span>
#include <vector>

namespace samestory {

/// Options for weighted_minhasher; validated by its constructor.
struct weighted_minhash_options {
  /// k, the number of 64-bit samples per signature (1..4096). The standard
  /// error of a weighted Jaccard estimate is about sqrt(J_w (1 − J_w) / k).
  std::uint32_t num_hashes = 128;
  /// Selects the random draws; signatures of different seeds never compare.
  std::uint64_t seed = 0;
};

/// A frozen weighted MinHash signature: k sample hashes plus the settings
/// that made them. A value type: cheap to copy and move, comparable.
/// Thread safety: immutable after construction; may be shared by many threads.
class SAMESTORY_API weighted_minhash_signature {
 public:
  /// @return k, the number of samples
  std::uint32_t num_hashes() const noexcept { return static_cast<std::uint32_t>(values_.size()); }
  /// @return the weighted_minhasher's seed
  std::uint64_t seed() const noexcept { return seed_; }
  /// @return a hash of k, seed and the text fingerprint; equal fingerprints
  /// mean comparable signatures
  std::uint64_t fingerprint() const noexcept { return fingerprint_; }
  /// @return true when no feature had a positive weight; such a signature
  /// matches nothing
  bool is_empty() const noexcept { return empty_; }
  /// @return the k sample hashes (all 0xFFFFFFFFFFFFFFFF for an empty vector)
  std::span<const std::uint64_t> values() const noexcept { return values_; }

  /// @return true when every field and value is equal
  friend bool operator==(const weighted_minhash_signature&,
                         const weighted_minhash_signature&) = default;

 private:
  friend class weighted_minhasher;
  weighted_minhash_signature(std::uint64_t seed, std::uint64_t fingerprint, bool empty,
                             std::vector<std::uint64_t> values);

  std::uint64_t seed_ = 0;
  std::uint64_t fingerprint_ = 0;
  bool empty_ = true;
  std::vector<std::uint64_t> values_;
};

/// Computes ICWS weighted MinHash signatures (Ioffe 2010).
/// Thread safety: immutable after construction; every method is const and may
/// be called from many threads at once.
class SAMESTORY_API weighted_minhasher {
 public:
  /// @param options k and seed
  /// @param text_fingerprint identifies how the features were made (e.g.
  /// text_pipeline::fingerprint()); folded into every signature's fingerprint
  /// @throws invalid_options_error when num_hashes is outside 1..4096
  explicit weighted_minhasher(const weighted_minhash_options& options = {},
                              std::uint64_t text_fingerprint = 0);

  /// Signs one weighted vector. Features of weight 0 are skipped. Each
  /// feature should occur once; a repeated feature is treated as separate
  /// draws of the same feature and its largest weight decides.
  /// @param features feature hashes (e.g. distinct shingle hashes), any order
  /// @param weights one weight per feature, >= 0 and finite
  /// @return the signature; is_empty() when no weight is positive
  /// @throws error (invalid_argument) when the spans differ in size or a
  /// weight is negative, NaN or infinite
  /// Complexity: O(k n) with about four logarithms per step.
  weighted_minhash_signature sign(std::span<const std::uint64_t> features,
                                  std::span<const float> weights) const;

  /// @return k
  std::uint32_t num_hashes() const noexcept { return options_.num_hashes; }
  /// @return the options given to the constructor
  const weighted_minhash_options& options() const noexcept { return options_; }
  /// @return the fingerprint every signature of this weighted_minhasher carries
  std::uint64_t fingerprint() const noexcept { return fingerprint_; }

 private:
  weighted_minhash_options options_;
  std::uint64_t fingerprint_ = 0;
  std::uint64_t key_ = 0;  // the seed, mixed once
};

/// Estimates the generalized Jaccard similarity Σmin/Σmax of the two weighted
/// vectors as the share of equal samples. When either signature is_empty()
/// the estimate is 0 with 0 matches.
/// @return the estimate; its standard error is about sqrt(J_w (1 − J_w) / k)
/// @throws error (invalid_argument) naming both k, seeds and fingerprints
/// when the signatures were made with different settings
SAMESTORY_API jaccard_estimate estimate_weighted_jaccard(const weighted_minhash_signature& a,
                                                         const weighted_minhash_signature& b);

}  // namespace samestory
