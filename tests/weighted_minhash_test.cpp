#include <samestory/error.hpp>
#include <samestory/weighted_minhash.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

namespace {

using samestory::weighted_minhash_options;
using samestory::weighted_minhasher;

// splitmix64, so the test vectors are the same everywhere.
struct rng {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [lo, hi): positive, non-integer weights.
  float uniform(double lo, double hi) {
    const double u = static_cast<double>(next() >> 11) / 9007199254740992.0;
    return static_cast<float>(lo + (hi - lo) * u);
  }
};

struct weighted_vector {
  std::vector<std::uint64_t> features;
  std::vector<float> weights;
};

// Two vectors over `shared` common features with independent random weights,
// plus `unique` features each of its own.
std::pair<weighted_vector, weighted_vector> make_vectors(std::uint64_t seed, int shared,
                                                         int unique) {
  rng r{seed};
  weighted_vector a, b;
  for (int i = 0; i < shared; ++i) {
    const std::uint64_t f = r.next();
    a.features.push_back(f);
    a.weights.push_back(r.uniform(0.1, 5.0));
    b.features.push_back(f);
    b.weights.push_back(r.uniform(0.1, 5.0));
  }
  for (int i = 0; i < unique; ++i) {
    a.features.push_back(r.next());
    a.weights.push_back(r.uniform(0.1, 5.0));
    b.features.push_back(r.next());
    b.weights.push_back(r.uniform(0.1, 5.0));
  }
  return {a, b};
}

// Exact generalized Jaccard Σmin/Σmax, features matched by value.
double exact_weighted_jaccard(const weighted_vector& a, const weighted_vector& b) {
  double num = 0, den = 0;
  for (std::size_t i = 0; i < a.features.size(); ++i) {
    const auto it = std::find(b.features.begin(), b.features.end(), a.features[i]);
    const double wb =
        it == b.features.end() ? 0.0 : b.weights[static_cast<std::size_t>(it - b.features.begin())];
    num += std::min<double>(a.weights[i], wb);
    den += std::max<double>(a.weights[i], wb);
  }
  for (std::size_t i = 0; i < b.features.size(); ++i) {
    if (std::find(a.features.begin(), a.features.end(), b.features[i]) == a.features.end()) {
      den += b.weights[i];
    }
  }
  return num / den;
}

struct moments {
  double mean, sd;
};

// Estimates over `trials` seeds of the weighted minhasher.
moments estimate_over_seeds(const weighted_vector& a, const weighted_vector& b, int trials,
                            std::uint32_t k) {
  double sum = 0, sum2 = 0;
  for (int t = 0; t < trials; ++t) {
    const weighted_minhasher h({k, static_cast<std::uint64_t>(t) * 7919u + 1u});
    const double e = samestory::estimate_weighted_jaccard(h.sign(a.features, a.weights),
                                                          h.sign(b.features, b.weights))
                         .estimate;
    sum += e;
    sum2 += e * e;
  }
  const double mean = sum / trials;
  return {mean, std::sqrt(std::max(0.0, sum2 / trials - mean * mean))};
}

weighted_vector scaled(weighted_vector v, float factor) {
  for (auto& w : v.weights) w *= factor;
  return v;
}

}  // namespace

TEST_CASE("weighted_minhash: estimate is unbiased with binomial spread", "[weighted_minhash]") {
  // ICWS makes each of the k samples agree with probability exactly J_w
  // (Ioffe 2010, Theorem 1), independently across samples, so the number of
  // matches is Binomial(k, J_w): the estimate has mean J_w and standard
  // deviation sqrt(J_w (1 − J_w) / k). Over 300 trials the sample mean has
  // standard error sd / sqrt(300) ≈ 0.0025, so 0.02 is a wide margin; the
  // sample sd of 300 draws is within about ±8% of the truth (1/sqrt(2·300)
  // ≈ 4% per sigma), so 1.3× the binomial sd fails only on a real defect.
  const auto [a, b] = make_vectors(42, 300, 60);
  const double jw = exact_weighted_jaccard(a, b);
  REQUIRE(jw > 0.2);
  REQUIRE(jw < 0.8);
  const std::uint32_t k = 128;
  const auto m = estimate_over_seeds(a, b, 300, k);
  CHECK(std::abs(m.mean - jw) < 0.02);
  CHECK(m.sd <= 1.3 * std::sqrt(jw * (1 - jw) / k));
}

TEST_CASE("weighted_minhash: uniform weights reduce to plain Jaccard", "[weighted_minhash]") {
  // A = {0..199}, B = {100..299}: |A∩B| = 100, |A∪B| = 300, J = 1/3.
  weighted_vector a, b;
  for (std::uint64_t f = 0; f < 200; ++f) {
    a.features.push_back(f * 0x9E3779B97F4A7C15ull);
    a.weights.push_back(1.0f);
  }
  for (std::uint64_t f = 100; f < 300; ++f) {
    b.features.push_back(f * 0x9E3779B97F4A7C15ull);
    b.weights.push_back(1.0f);
  }
  REQUIRE(exact_weighted_jaccard(a, b) == Approx(1.0 / 3.0));
  const auto m = estimate_over_seeds(a, b, 200, 128);
  CHECK(std::abs(m.mean - 1.0 / 3.0) < 0.02);
}

TEST_CASE("weighted_minhash: scaling both vectors keeps the estimate", "[weighted_minhash]") {
  const auto [a, b] = make_vectors(7, 100, 30);
  const double jw = exact_weighted_jaccard(a, b);
  // J_w is invariant under a common scale; so is the estimate, in expectation.
  const auto plain = estimate_over_seeds(a, b, 100, 128);
  const auto big = estimate_over_seeds(scaled(a, 3.7f), scaled(b, 3.7f), 100, 128);
  CHECK(std::abs(plain.mean - jw) < 0.02);
  CHECK(std::abs(big.mean - jw) < 0.02);
  // One vector against itself scaled by 2: J_w = 1/2 exactly.
  const auto half = estimate_over_seeds(a, scaled(a, 2.0f), 100, 128);
  CHECK(std::abs(half.mean - 0.5) < 0.02);
  // Identical vectors (at any scale) agree everywhere: consistency.
  const weighted_minhasher h;
  for (float s : {1.0f, 0.01f, 1000.0f}) {
    const auto sa = scaled(a, s);
    const auto e = samestory::estimate_weighted_jaccard(h.sign(sa.features, sa.weights),
                                                        h.sign(sa.features, sa.weights));
    CHECK(e.estimate == 1.0);
    CHECK(e.matches == 128u);
  }
}

TEST_CASE("weighted_minhash: deterministic for a seed, order-independent", "[weighted_minhash]") {
  const auto [a, b] = make_vectors(3, 50, 10);
  const weighted_minhasher h1({64, 99}), h2({64, 99}), other({64, 100});
  const auto s1 = h1.sign(a.features, a.weights);
  CHECK(s1 == h2.sign(a.features, a.weights));
  CHECK(s1.num_hashes() == 64u);
  CHECK(s1.seed() == 99u);
  CHECK_FALSE(s1.is_empty());
  // Feature order does not matter.
  weighted_vector rev = a;
  std::reverse(rev.features.begin(), rev.features.end());
  std::reverse(rev.weights.begin(), rev.weights.end());
  CHECK(s1 == h1.sign(rev.features, rev.weights));
  // Zero-weight features are skipped.
  weighted_vector extra = a;
  extra.features.push_back(12345);
  extra.weights.push_back(0.0f);
  CHECK(s1 == h1.sign(extra.features, extra.weights));
  // Another seed gives other values.
  const auto s3 = other.sign(a.features, a.weights);
  CHECK(std::vector<std::uint64_t>(s1.values().begin(), s1.values().end()) !=
        std::vector<std::uint64_t>(s3.values().begin(), s3.values().end()));
}

TEST_CASE("weighted_minhash: mismatched settings throw", "[weighted_minhash]") {
  const auto [a, b] = make_vectors(5, 20, 5);
  const weighted_minhasher h({64, 1}), k_other({32, 1}), seed_other({64, 2}),
      text_other({64, 1}, 77);
  const auto s = h.sign(a.features, a.weights);
  CHECK_THROWS_AS(samestory::estimate_weighted_jaccard(s, k_other.sign(b.features, b.weights)),
                  samestory::error);
  CHECK_THROWS_AS(samestory::estimate_weighted_jaccard(s, seed_other.sign(b.features, b.weights)),
                  samestory::error);
  CHECK_THROWS_AS(samestory::estimate_weighted_jaccard(s, text_other.sign(b.features, b.weights)),
                  samestory::error);
  CHECK_NOTHROW(samestory::estimate_weighted_jaccard(s, h.sign(b.features, b.weights)));
}

TEST_CASE("weighted_minhash: empty vectors estimate 0", "[weighted_minhash]") {
  const weighted_minhasher h({16, 0});
  const auto e = h.sign({}, {});
  CHECK(e.is_empty());
  CHECK(e.num_hashes() == 16u);
  const std::vector<std::uint64_t> f{1, 2, 3};
  const std::vector<float> zeros{0.0f, 0.0f, 0.0f}, ones{1.0f, 1.0f, 1.0f};
  CHECK(h.sign(f, zeros).is_empty());
  const auto full = h.sign(f, ones);
  const auto r1 = samestory::estimate_weighted_jaccard(e, full);
  CHECK(r1.estimate == 0.0);
  CHECK(r1.matches == 0u);
  CHECK(samestory::estimate_weighted_jaccard(e, e).estimate == 0.0);
}

TEST_CASE("weighted_minhash: invalid input throws", "[weighted_minhash]") {
  using samestory::error_code;
  CHECK_THROWS_AS(weighted_minhasher({0, 0}), samestory::invalid_options_error);
  CHECK_THROWS_AS(weighted_minhasher({4097, 0}), samestory::invalid_options_error);
  CHECK_NOTHROW(weighted_minhasher({4096, 0}));
  const weighted_minhasher h({8, 0});
  const std::vector<std::uint64_t> f{1, 2};
  const auto code_of = [&](std::vector<float> w) {
    try {
      (void)h.sign(f, w);
    } catch (const samestory::error& e) {
      return e.code();
    }
    return error_code::format;  // no throw: never expected
  };
  CHECK(code_of({1.0f, -1.0f}) == error_code::invalid_argument);
  CHECK(code_of({std::numeric_limits<float>::quiet_NaN(), 1.0f}) == error_code::invalid_argument);
  CHECK(code_of({std::numeric_limits<float>::infinity(), 1.0f}) == error_code::invalid_argument);
  CHECK(code_of({1.0f}) == error_code::invalid_argument);
}
