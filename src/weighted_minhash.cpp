// Weighted MinHash by Improved Consistent Weighted Sampling (Ioffe, ICDM 2010).
// See include/samestory/weighted_minhash.hpp for the contract.
#include <samestory/error.hpp>
#include <samestory/weighted_minhash.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <utility>

namespace samestory {
namespace {

constexpr std::uint64_t empty_value = ~std::uint64_t{0};

// splitmix64's finalizer: a bijective 64-bit mixer.
constexpr std::uint64_t mix(std::uint64_t z) noexcept {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Uniform in the open interval (0, 1): the top 53 bits plus half a step.
inline double unit(std::uint64_t x) noexcept {
  return (static_cast<double>(x >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

// A counter-based generator: draw `n` of the stream keyed by (seed, sample,
// feature). Any draw can be made alone, in any order, on any thread.
struct stream {
  std::uint64_t base;
  double operator()(std::uint64_t n) const noexcept {
    return unit(mix(base + n * 0x9E3779B97F4A7C15ull));
  }
};

}  // namespace

weighted_minhash_signature::weighted_minhash_signature(std::uint64_t seed,
                                                       std::uint64_t fingerprint, bool empty,
                                                       std::vector<std::uint64_t> values)
    : seed_(seed), fingerprint_(fingerprint), empty_(empty), values_(std::move(values)) {}

weighted_minhasher::weighted_minhasher(const weighted_minhash_options& options,
                                       std::uint64_t text_fingerprint)
    : options_(options) {
  if (options.num_hashes < 1 || options.num_hashes > 4096) {
    throw invalid_options_error("weighted_minhash_options::num_hashes must be in 1..4096, got " +
                                std::to_string(options.num_hashes));
  }
  key_ = mix(options.seed ^ 0x5743575357434157ull);  // "WCWSWCWA": keeps apart from minhasher
  fingerprint_ =
      mix(mix(mix(0x49435753ull ^ options.num_hashes) ^ options.seed) ^ text_fingerprint);
}

weighted_minhash_signature weighted_minhasher::sign(std::span<const std::uint64_t> features,
                                                    std::span<const float> weights) const {
  if (features.size() != weights.size()) {
    throw error(error_code::invalid_argument,
                "weighted_minhasher::sign: " + std::to_string(features.size()) + " features but " +
                    std::to_string(weights.size()) + " weights");
  }
  // ln S once per feature; zero weights drop out here.
  std::vector<std::uint64_t> keys;
  std::vector<double> log_weights;
  keys.reserve(features.size());
  log_weights.reserve(features.size());
  for (std::size_t j = 0; j < features.size(); ++j) {
    const float w = weights[j];
    if (!(w >= 0.0f) || !std::isfinite(w)) {
      throw error(error_code::invalid_argument,
                  "weighted_minhasher::sign: weight " + std::to_string(j) +
                      " is negative, NaN or infinite (" + std::to_string(w) + ")");
    }
    if (w == 0.0f) continue;
    keys.push_back(features[j]);
    log_weights.push_back(std::log(static_cast<double>(w)));
  }
  const std::uint32_t k = options_.num_hashes;
  if (keys.empty()) {
    return weighted_minhash_signature(options_.seed, fingerprint_, true,
                                      std::vector<std::uint64_t>(k, empty_value));
  }
  std::vector<std::uint64_t> values(k);
  for (std::uint32_t i = 0; i < k; ++i) {
    const std::uint64_t sample_key = mix(key_ ^ mix(i + 0x632BE59BD9B4E019ull));
    double best = std::numeric_limits<double>::infinity();
    std::uint64_t best_feature = 0;
    std::int64_t best_t = 0;
    for (std::size_t j = 0; j < keys.size(); ++j) {
      const stream u{mix(sample_key ^ keys[j])};
      // Gamma(2, 1) is the sum of two Exp(1): −ln(u1 u2).
      const double r = -std::log(u(0) * u(1));
      const double c = -std::log(u(2) * u(3));
      const double beta = u(4);
      const double t = std::floor(log_weights[j] / r + beta);
      // ln a = ln c − ln y − r with ln y = r (t − β): compare logarithms, no exp.
      const double log_a = std::log(c) - r * (t - beta) - r;
      if (log_a < best) {
        best = log_a;
        best_feature = keys[j];
        best_t = static_cast<std::int64_t>(t);
      }
    }
    values[i] = mix(mix(best_feature ^ 0xA0761D6478BD642Full) ^ static_cast<std::uint64_t>(best_t));
  }
  return weighted_minhash_signature(options_.seed, fingerprint_, false, std::move(values));
}

jaccard_estimate estimate_weighted_jaccard(const weighted_minhash_signature& a,
                                           const weighted_minhash_signature& b) {
  if (a.fingerprint() != b.fingerprint() || a.num_hashes() != b.num_hashes() ||
      a.seed() != b.seed()) {
    throw error(error_code::invalid_argument,
                "estimate_weighted_jaccard: signatures made with different settings (k " +
                    std::to_string(a.num_hashes()) + " vs " + std::to_string(b.num_hashes()) +
                    ", seed " + std::to_string(a.seed()) + " vs " + std::to_string(b.seed()) +
                    ", fingerprint " + std::to_string(a.fingerprint()) + " vs " +
                    std::to_string(b.fingerprint()) + ")");
  }
  jaccard_estimate out;
  if (a.is_empty() || b.is_empty()) return out;
  const auto va = a.values();
  const auto vb = b.values();
  for (std::size_t i = 0; i < va.size(); ++i) out.matches += va[i] == vb[i] ? 1u : 0u;
  out.compared = a.num_hashes();
  out.estimate = static_cast<double>(out.matches) / static_cast<double>(out.compared);
  return out;
}

}  // namespace samestory
