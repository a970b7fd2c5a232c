/// @file minhash.hpp
/// MinHash signatures of shingle sets and Jaccard estimates from them.
///
/// A minhasher turns the 64-bit shingle hashes of one document (shingle.hpp)
/// into k 32-bit values; the fraction of positions where two signatures agree
/// estimates the Jaccard similarity |A∩B|/|A∪B| of the two shingle sets.
/// Two schemes are offered:
/// - minhash_scheme::classic: k independent hash functions, k minima
///   (Broder 1997). Cost O(k) per shingle.
/// - minhash_scheme::one_permutation: one hash per shingle split into k bins
///   (Li, Owen, Zhang 2012) with optimal densification of empty bins
///   (Shrivastava 2017). Cost O(1) per shingle plus O(k) per document.
///
/// Every signature records the settings that made it (scheme, k, seed and a
/// caller-provided text fingerprint such as text_pipeline::fingerprint());
/// estimate_jaccard() refuses to compare signatures made differently.
///
/// Example:
/// @code
///   samestory::text_pipeline pipeline;
///   samestory::minhasher hasher({}, pipeline.fingerprint());
///   std::vector<std::uint64_t> a, b;
///   pipeline.shingles(page_a, a);
///   pipeline.shingles(page_b, b);
///   const auto j = samestory::estimate_jaccard(hasher.sign(a), hasher.sign(b));
/// @endcode
#pragma once

#include <samestory/export.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace samestory {

/// How a minhasher derives its k values; part of every signature's fingerprint.
enum class minhash_scheme : std::uint8_t {
  /// k hash functions, one minimum each (Broder 1997).
  classic = 1,
  /// One hash, k bins, optimal densification (Li et al. 2012; Shrivastava 2017).
  one_permutation = 2,
};

/// Options for minhasher; validated by its constructor.
struct minhash_options {
  /// k, the number of 32-bit values per signature (1..4096). The standard
  /// error of a Jaccard estimate is about sqrt(J(1-J)/k).
  std::uint32_t num_hashes = 128;
  /// Default one_permutation: same accuracy as classic at a fraction of the cost.
  minhash_scheme scheme = minhash_scheme::one_permutation;
  /// Selects the hash functions; signatures of different seeds never compare.
  std::uint64_t seed = 0;
};

/// A frozen MinHash signature: k values plus the settings that made them.
/// A value type: cheap to copy and move, comparable, serializable.
/// Thread safety: immutable after construction; may be shared by many threads.
class SAMESTORY_API minhash_signature {
 public:
  /// An empty signature of no values (k = 0): a placeholder to assign to,
  /// which no index or estimate accepts beside a real one.
  minhash_signature() = default;

  /// @return the scheme that made the values
  minhash_scheme scheme() const noexcept { return scheme_; }
  /// @return k, the number of values
  std::uint32_t num_hashes() const noexcept { return static_cast<std::uint32_t>(values_.size()); }
  /// @return the minhasher's seed
  std::uint64_t seed() const noexcept { return seed_; }
  /// @return a hash of scheme, k, seed and the text fingerprint; equal
  /// fingerprints mean comparable signatures
  std::uint64_t fingerprint() const noexcept { return fingerprint_; }
  /// @return the number of distinct shingle hashes the set had (used by
  /// estimate_containment); 0 when unknown (minhasher::sign_into does not count)
  std::uint64_t set_size() const noexcept { return set_size_; }
  /// @return true when the shingle set was empty; such a signature matches nothing
  bool is_empty() const noexcept { return empty_; }
  /// @return the k values (all 0xFFFFFFFF for an empty set)
  std::span<const std::uint32_t> values() const noexcept { return values_; }

  /// @return true when every field and value is equal
  friend bool operator==(const minhash_signature&, const minhash_signature&) = default;

  /// Saves the signature in a samestory envelope (object kind 1, version 1):
  /// payload u8 scheme, u32 k, u64 seed, u64 fingerprint, u64 set_size,
  /// u8 flags (bit 0: empty), then k × u32, all little-endian (docs/format.md).
  /// @return the bytes
  std::string serialize() const;

  /// Reads bytes written by serialize().
  /// @param bytes exactly one serialized signature
  /// @return the signature
  /// @throws format_error when the bytes are truncated, corrupted (checksum),
  /// of another object kind or version, or hold inconsistent fields
  static minhash_signature deserialize(std::string_view bytes);

 private:
  friend class minhasher;
  minhash_signature(minhash_scheme scheme, std::uint64_t seed, std::uint64_t fingerprint,
                    std::uint64_t set_size, bool empty, std::vector<std::uint32_t> values);

  minhash_scheme scheme_ = minhash_scheme::one_permutation;
  std::uint64_t seed_ = 0;
  std::uint64_t fingerprint_ = 0;
  std::uint64_t set_size_ = 0;
  bool empty_ = true;
  std::vector<std::uint32_t> values_;
};

/// Computes MinHash signatures of shingle-hash sets.
/// Thread safety: immutable after construction; every method is const and may
/// be called from many threads at once.
class SAMESTORY_API minhasher {
 public:
  /// @param options scheme, k and seed
  /// @param text_fingerprint identifies how the shingle hashes were made (e.g.
  /// text_pipeline::fingerprint()); folded into every signature's fingerprint
  /// @throws invalid_options_error when num_hashes is outside 1..4096 or the
  /// scheme is unknown
  explicit minhasher(const minhash_options& options, std::uint64_t text_fingerprint = 0);

  /// Signs one document. Duplicate hashes are allowed and do not change the values.
  /// @param shingle_hashes the document's shingle hashes, in any order
  /// @return the signature, with set_size() = number of distinct hashes
  /// Complexity: O(n log n) for counting distinct hashes, plus O(n k) (classic)
  /// or O(n + k e / m) expected (one_permutation; e empty and m non-empty
  /// bins, so up to k^2 probes for a one-shingle document).
  minhash_signature sign(std::span<const std::uint64_t> shingle_hashes) const;

  /// Signs one document into a caller buffer, without allocating (the hot path).
  /// An empty set writes 0xFFFFFFFF everywhere.
  /// @param shingle_hashes the document's shingle hashes; duplicates allowed
  /// @param out exactly num_hashes() entries
  /// @throws error (invalid_argument) when out.size() != num_hashes()
  void sign_into(std::span<const std::uint64_t> shingle_hashes, std::span<std::uint32_t> out) const;

  /// Signs many documents on several threads. Document i's values go to
  /// out[i*k, (i+1)*k); the output does not depend on the thread count.
  /// @param docs each document's shingle hashes
  /// @param out docs.size() × num_hashes() entries, row-major
  /// @param threads worker threads; 0 = std::thread::hardware_concurrency()
  /// @throws error (invalid_argument) when out has the wrong size
  /// @throws std::system_error when a thread cannot be started
  void sign_batch(std::span<const std::span<const std::uint64_t>> docs,
                  std::span<std::uint32_t> out, unsigned threads = 0) const;

  /// @return k
  std::uint32_t num_hashes() const noexcept { return options_.num_hashes; }
  /// @return the options given to the constructor
  const minhash_options& options() const noexcept { return options_; }
  /// @return the fingerprint every signature of this minhasher carries
  std::uint64_t fingerprint() const noexcept { return fingerprint_; }

 private:
  void sign_classic(std::span<const std::uint64_t> hashes,
                    std::span<std::uint32_t> out) const noexcept;
  void sign_one_permutation(std::span<const std::uint64_t> hashes,
                            std::span<std::uint32_t> out) const noexcept;

  minhash_options options_;
  std::uint64_t fingerprint_ = 0;
  // classic: per-function odd 32-bit multipliers and offsets, k each,
  // contiguous so the per-shingle loop over k vectorizes in 32-bit lanes.
  std::vector<std::uint32_t> multipliers_;
  std::vector<std::uint32_t> offsets_;
  // classic: the kernel chosen once at construction for this CPU (scalar or
  // AVX2; both give identical values). Internal; see src/kernels/.
  void (*classic_kernel_)(const std::uint64_t*, std::size_t, std::uint64_t, const std::uint32_t*,
                          const std::uint32_t*, std::uint32_t*, std::size_t) noexcept = nullptr;
  // Both schemes: the seed, mixed once, XORed into every shingle hash before
  // a one-step re-mix, so that nearby seeds give unrelated re-hashes.
  std::uint64_t permutation_key_ = 0;
};

/// A Jaccard estimate and how many positions it rests on.
struct jaccard_estimate {
  double estimate = 0.0;       ///< matches / compared; 0 when either set is empty
  std::uint32_t matches = 0;   ///< positions where the two signatures agree
  std::uint32_t compared = 0;  ///< positions compared (k)
};

/// Estimates the Jaccard similarity of the two shingle sets. When either
/// signature is_empty() the estimate is 0 with 0 matches: an empty document
/// is never a near-duplicate of anything, not even of another empty one.
/// @return the estimate; its standard error is about sqrt(J(1-J)/k)
/// @throws error (invalid_argument) naming both schemes, k and fingerprints
/// when the signatures were made with different settings
SAMESTORY_API jaccard_estimate estimate_jaccard(const minhash_signature& a,
                                                const minhash_signature& b);

/// Estimates the containment |A∩B|/|A| of A in B from the Jaccard estimate J
/// and the stored set sizes: |A∩B| ≈ J(|A|+|B|)/(1+J), clamped to [0, 1].
/// @return the estimate; 0 when either set is empty or |A| is unknown
/// @throws error (invalid_argument) as estimate_jaccard()
SAMESTORY_API double estimate_containment(const minhash_signature& a, const minhash_signature& b);

/// Raw estimate for hot loops over contiguous signature buffers: the fraction
/// of equal positions. No settings check, no empty-set check.
/// @return matches / size; 0 when the sizes differ or are 0
SAMESTORY_API double estimate_jaccard(std::span<const std::uint32_t> a,
                                      std::span<const std::uint32_t> b) noexcept;

}  // namespace samestory
