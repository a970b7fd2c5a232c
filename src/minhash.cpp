// MinHash signatures: classic k-hash MinHash and one-permutation hashing with
// optimal densification. See include/samestory/minhash.hpp for the contract.
#include <samestory/error.hpp>
#include <samestory/minhash.hpp>

#include "binary_io.hpp"
#include "kernels/minhash_kernels.hpp"
#include "minhash_fields.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <thread>
#include <utility>

namespace samestory {
namespace {

constexpr std::uint32_t max_num_hashes = 4096;
constexpr std::uint32_t empty_value = 0xFFFFFFFFu;
constexpr std::uint16_t format_version = 1;
constexpr std::uint8_t flag_empty = detail::signature_flag_empty;
// Bumped whenever the values a given (scheme, k, seed) produce change, so old
// signatures stop comparing equal-settings with new ones (STYLE.md section 5).
// 2: classic hash family moved to 32-bit lanes (multiply-add + finalizer).
constexpr std::uint64_t algorithm_version = 3;

// splitmix64 (Steele, Lea, Flood 2014): a cheap, well-mixed stream of 64-bit
// values from one seed, used to derive the classic hash-function parameters.
std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// One stateless 64-bit mix (the splitmix64 finalizer), shared with the kernels.
std::uint64_t mix64(std::uint64_t z) noexcept {
  return detail::minhash_mix64(z);
}

std::uint64_t settings_fingerprint(const minhash_options& o, std::uint64_t text_fingerprint) {
  std::string bytes;
  detail::append_u64(bytes, algorithm_version);
  bytes.push_back(static_cast<char>(o.scheme));
  detail::append_u32(bytes, o.num_hashes);
  detail::append_u64(bytes, o.seed);
  detail::append_u64(bytes, text_fingerprint);
  return XXH3_64bits(bytes.data(), bytes.size());
}

const char* scheme_name(minhash_scheme s) noexcept {
  switch (s) {
    case minhash_scheme::classic:
      return "classic";
    case minhash_scheme::one_permutation:
      return "one_permutation";
  }
  return "unknown";
}

std::string describe(const minhash_signature& s) {
  return std::string("scheme ") + scheme_name(s.scheme()) + ", k " +
         std::to_string(s.num_hashes()) + ", seed " + std::to_string(s.seed()) + ", fingerprint " +
         detail::hex64(s.fingerprint());
}

void check_comparable(const minhash_signature& a, const minhash_signature& b) {
  if (a.fingerprint() != b.fingerprint() || a.scheme() != b.scheme() ||
      a.num_hashes() != b.num_hashes() || a.seed() != b.seed()) {
    throw error(error_code::invalid_argument,
                "MinHash signatures made with different settings cannot be compared: first has " +
                    describe(a) + "; second has " + describe(b));
  }
}

}  // namespace

minhash_signature::minhash_signature(minhash_scheme scheme, std::uint64_t seed,
                                     std::uint64_t fingerprint, std::uint64_t set_size, bool empty,
                                     std::vector<std::uint32_t> values)
    : scheme_(scheme),
      seed_(seed),
      fingerprint_(fingerprint),
      set_size_(set_size),
      empty_(empty),
      values_(std::move(values)) {}

std::string minhash_signature::serialize() const {
  std::string out;
  out.reserve(detail::envelope_header_bytes + 30 + 4 * values_.size() +
              detail::envelope_trailer_bytes);
  const std::size_t start =
      detail::begin_envelope(out, detail::object_kind::minhash_signature, format_version);
  out.push_back(static_cast<char>(scheme_));
  detail::append_u32(out, num_hashes());
  detail::append_u64(out, seed_);
  detail::append_u64(out, fingerprint_);
  detail::append_u64(out, set_size_);
  out.push_back(static_cast<char>(empty_ ? flag_empty : 0));
  for (const std::uint32_t v : values_) detail::append_u32(out, v);
  detail::end_envelope(out, start);
  return out;
}

minhash_signature minhash_signature::deserialize(std::string_view bytes) {
  const detail::envelope env =
      detail::open_envelope(bytes, detail::object_kind::minhash_signature, format_version);
  detail::byte_reader r(env.payload, env.payload_offset);

  const minhash_scheme scheme = detail::read_minhash_scheme(r);
  const std::size_t k_at = r.offset();
  const std::uint32_t k = r.u32("number of hashes");
  if (k == 0 || k > max_num_hashes) {
    throw format_error(k_at, "expected number of hashes in 1.." + std::to_string(max_num_hashes) +
                                 ", actual " + std::to_string(k));
  }
  const detail::signature_identity id = detail::read_signature_identity(r);
  // Check before sizing anything by k: a hostile k must not allocate.
  r.check_count(k, 4, k_at, "number of hashes");
  std::vector<std::uint32_t> values(k);
  for (std::uint32_t& v : values) v = r.u32("hash value");
  r.expect_end("MinHash signature");
  return minhash_signature(scheme, id.seed, id.fingerprint, id.set_size, id.empty,
                           std::move(values));
}

minhasher::minhasher(const minhash_options& options, std::uint64_t text_fingerprint)
    : options_(options) {
  if (options.num_hashes < 1 || options.num_hashes > max_num_hashes) {
    throw invalid_options_error("minhash_options::num_hashes must be in 1.." +
                                std::to_string(max_num_hashes) + ", actual " +
                                std::to_string(options.num_hashes));
  }
  if (options.scheme != minhash_scheme::classic &&
      options.scheme != minhash_scheme::one_permutation) {
    throw invalid_options_error(
        "minhash_options::scheme must be classic (1) or one_permutation (2), actual " +
        std::to_string(static_cast<unsigned>(options.scheme)));
  }
  fingerprint_ = settings_fingerprint(options, text_fingerprint);
  // One splitmix64 stream from the seed: first the mixing key, then (classic)
  // the k multipliers and offsets, so no parameter repeats another.
  std::uint64_t state = options.seed;
  permutation_key_ = splitmix64(state);
  if (options.scheme == minhash_scheme::classic) {
    multipliers_.resize(options.num_hashes);
    offsets_.resize(options.num_hashes);
    for (std::uint32_t i = 0; i < options.num_hashes; ++i) {
      // Odd multipliers make x -> a*x + b a bijection mod 2^32, so distinct
      // keys never collide before the finalizer. One splitmix64 draw per function: multiplier from
      // the high half (forced odd), offset from the low half.
      const std::uint64_t r = splitmix64(state);
      multipliers_[i] = static_cast<std::uint32_t>(r >> 32) | 1u;
      offsets_[i] = static_cast<std::uint32_t>(r);
    }
    classic_kernel_ = detail::minhash_best_classic_kernel();
  }
}

// Classic MinHash (Broder 1997, "On the resemblance and containment of
// documents"): with k independent hash functions h_i, P[min h_i(A) = min
// h_i(B)] = J(A, B), so the fraction of equal minima is an unbiased estimator
// of J with variance J(1-J)/k. Each shingle hash is first mixed once,
// x = high 32 bits of mix64(h ^ key), an O(1) cost per shingle that also
// breaks structured inputs (arithmetic progressions such as 1, 2, 3, which
// made plain multiply-shift's k minima correlated: the "tiny overlapping sets"
// test). Then h_i(x) = fmix(a_i x + b_i) in 32-bit arithmetic; see
// minhash_classic_value in src/kernels/minhash_kernels.hpp for why the
// finalizer. 32-bit lanes let the O(k) loop run 4 (SSE2) or 8 (AVX2) functions
// per instruction; 64-bit multiplies do not vectorize before AVX-512.
void minhasher::sign_classic(std::span<const std::uint64_t> hashes,
                             std::span<std::uint32_t> out) const noexcept {
  std::fill(out.begin(), out.end(), empty_value);
  classic_kernel_(hashes.data(), hashes.size(), permutation_key_, multipliers_.data(),
                  offsets_.data(), out.data(), out.size());
}

namespace detail {

// Portable kernel. The loop over k is branch-free 32-bit arithmetic on
// contiguous arrays, so GCC vectorizes it with the baseline ISA (SSE2 emulates
// the 32-bit mullo with pmuludq and shuffles).
void minhash_classic_scalar(const std::uint64_t* hashes, std::size_t n, std::uint64_t key,
                            const std::uint32_t* a, const std::uint32_t* b, std::uint32_t* mins,
                            std::size_t k) noexcept {
  for (std::size_t j = 0; j < n; ++j) {
    const std::uint32_t x = minhash_classic_key(hashes[j], key);
    for (std::size_t i = 0; i < k; ++i) {
      mins[i] = std::min(mins[i], minhash_classic_value(x, a[i], b[i]));
    }
  }
}

bool minhash_cpu_has_avx2() noexcept {
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
  return __builtin_cpu_supports("avx2") != 0;
#else
  return false;
#endif
}

minhash_classic_kernel minhash_best_classic_kernel() noexcept {
  return minhash_cpu_has_avx2() ? &minhash_classic_avx2 : &minhash_classic_scalar;
}

}  // namespace detail

// One-permutation hashing (Li, Owen, Zhang, NIPS 2012): one hash per shingle;
// its upper bits choose one of k bins, its lower 32 bits are the value, and
// each bin keeps its minimum. With fewer shingles than bins (short articles)
// some bins stay empty; optimal densification (Shrivastava, ICML 2017,
// "Optimal Densification for Fast and Accurate Minwise Hashing") fills every
// empty bin j from the first non-empty bin found by probing a hash of
// (j, attempt). Because the probe sequence depends only on j and the seed,
// two documents copy from the same bin whenever both have it non-empty, which
// keeps P[equal at j] = J for every bin and the estimator's variance close to
// that of classic MinHash.
void minhasher::sign_one_permutation(std::span<const std::uint64_t> hashes,
                                     std::span<std::uint32_t> out) const noexcept {
  const std::size_t k = out.size();
  const std::uint64_t key = permutation_key_;
  std::uint32_t* const mins = out.data();
  std::fill(mins, mins + k, empty_value);
  // One bit per bin on the stack (k <= 4096): a bin whose minimum happens to
  // be 0xFFFFFFFF is still non-empty, so the value cannot double as the mark.
  std::array<std::uint64_t, max_num_hashes / 64> filled{};
  const auto k64 = static_cast<std::uint64_t>(k);
  for (const std::uint64_t h : hashes) {
    const std::uint64_t x = mix64(h ^ key);
    // Lemire's multiply-shift range reduction: the upper 32 bits times k,
    // shifted, pick a bin uniformly without a division (k <= 4096 so the
    // product fits in 64 bits).
    const auto bin = static_cast<std::size_t>(((x >> 32) * k64) >> 32);
    const auto v = static_cast<std::uint32_t>(x);
    mins[bin] = std::min(mins[bin], v);
    filled[bin / 64] |= std::uint64_t{1} << (bin % 64);
  }
  if (hashes.empty()) return;
  for (std::size_t j = 0; j < k; ++j) {
    if ((filled[j / 64] >> (j % 64)) & 1u) continue;
    // At least one bin is non-empty, so the probe ends with probability 1;
    // expected attempts are k / (non-empty bins).
    for (std::uint64_t attempt = 1;; ++attempt) {
      const std::uint64_t p = mix64(mix64(key ^ (static_cast<std::uint64_t>(j) << 32)) + attempt);
      const auto src = static_cast<std::size_t>(((p >> 32) * k64) >> 32);
      if ((filled[src / 64] >> (src % 64)) & 1u) {
        mins[j] = mins[src];
        break;
      }
    }
  }
}

void minhasher::sign_into(std::span<const std::uint64_t> shingle_hashes,
                          std::span<std::uint32_t> out) const {
  if (out.size() != options_.num_hashes) {
    throw error(error_code::invalid_argument, "minhasher::sign_into: expected an output of " +
                                                  std::to_string(options_.num_hashes) +
                                                  " values, actual " + std::to_string(out.size()));
  }
  if (options_.scheme == minhash_scheme::classic) {
    sign_classic(shingle_hashes, out);
  } else {
    sign_one_permutation(shingle_hashes, out);
  }
}

minhash_signature minhasher::sign(std::span<const std::uint64_t> shingle_hashes) const {
  std::vector<std::uint32_t> values(options_.num_hashes);
  sign_into(shingle_hashes, values);
  std::vector<std::uint64_t> distinct(shingle_hashes.begin(), shingle_hashes.end());
  std::sort(distinct.begin(), distinct.end());
  const auto set_size =
      static_cast<std::uint64_t>(std::unique(distinct.begin(), distinct.end()) - distinct.begin());
  return minhash_signature(options_.scheme, options_.seed, fingerprint_, set_size,
                           shingle_hashes.empty(), std::move(values));
}

void minhasher::sign_batch(std::span<const std::span<const std::uint64_t>> docs,
                           std::span<std::uint32_t> out, unsigned threads) const {
  const std::size_t k = options_.num_hashes;
  if (out.size() / k != docs.size() || out.size() % k != 0) {
    throw error(error_code::invalid_argument, "minhasher::sign_batch: expected an output of " +
                                                  std::to_string(docs.size()) + " documents x " +
                                                  std::to_string(k) + " values, actual " +
                                                  std::to_string(out.size()) + " values");
  }
  if (docs.empty()) return;
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t workers = std::min<std::size_t>(threads, docs.size());
  const auto sign_row = [&](std::size_t d) noexcept {
    const std::span<std::uint32_t> row = out.subspan(d * k, k);
    if (options_.scheme == minhash_scheme::classic) {
      sign_classic(docs[d], row);
    } else {
      sign_one_permutation(docs[d], row);
    }
  };
  if (workers == 1) {
    for (std::size_t d = 0; d < docs.size(); ++d) sign_row(d);
    return;
  }
  // Each document's row depends only on that document, so any split of the
  // documents gives the same bytes. Fixed equal blocks left threads idle when
  // document lengths vary (and the caller's block finished last); instead
  // every thread, the caller included, claims small chunks of consecutive
  // documents from a shared counter until none are left. Two threads can
  // share at most the one output cache line at a chunk boundary.
  const std::size_t chunk_docs = std::clamp<std::size_t>(docs.size() / (workers * 16), 1, 64);
  std::atomic<std::size_t> next{0};
  const auto work = [&]() noexcept {
    for (;;) {
      const std::size_t begin = next.fetch_add(chunk_docs, std::memory_order_relaxed);
      if (begin >= docs.size()) return;
      const std::size_t end = std::min(docs.size(), begin + chunk_docs);
      for (std::size_t d = begin; d < end; ++d) sign_row(d);
    }
  };
  {
    std::vector<std::jthread> pool;
    pool.reserve(workers - 1);
    for (std::size_t w = 0; w + 1 < workers; ++w) pool.emplace_back(work);
    work();  // the calling thread works too instead of idling in join()
  }
}

double estimate_jaccard(std::span<const std::uint32_t> a,
                        std::span<const std::uint32_t> b) noexcept {
  if (a.size() != b.size() || a.empty()) return 0.0;
  std::size_t matches = 0;
  for (std::size_t i = 0; i < a.size(); ++i) matches += a[i] == b[i] ? 1u : 0u;
  return static_cast<double>(matches) / static_cast<double>(a.size());
}

jaccard_estimate estimate_jaccard(const minhash_signature& a, const minhash_signature& b) {
  check_comparable(a, b);
  jaccard_estimate result;
  result.compared = a.num_hashes();
  // An empty set shares nothing; treating its all-0xFFFFFFFF values as data
  // would make every empty document a duplicate of every other one.
  if (a.is_empty() || b.is_empty()) return result;
  const auto va = a.values();
  const auto vb = b.values();
  std::uint32_t matches = 0;
  for (std::size_t i = 0; i < va.size(); ++i) matches += va[i] == vb[i] ? 1u : 0u;
  result.matches = matches;
  result.estimate = static_cast<double>(matches) / static_cast<double>(result.compared);
  return result;
}

double estimate_containment(const minhash_signature& a, const minhash_signature& b) {
  const double j = estimate_jaccard(a, b).estimate;
  if (a.is_empty() || b.is_empty() || a.set_size() == 0) return 0.0;
  // |A∪B| = |A|+|B|-|A∩B| and J = |A∩B|/|A∪B| give |A∩B| = J(|A|+|B|)/(1+J).
  const double size_a = static_cast<double>(a.set_size());
  const double size_b = static_cast<double>(b.set_size());
  const double intersection = j * (size_a + size_b) / (1.0 + j);
  return std::clamp(intersection / size_a, 0.0, 1.0);
}

}  // namespace samestory
