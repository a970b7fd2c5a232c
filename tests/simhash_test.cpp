#include <samestory/error.hpp>
#include <samestory/simhash.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>
#include <string>
#include <vector>

namespace {

using samestory::counted_shingle;
using samestory::simhash_options;
using samestory::simhash_signature;
using samestory::simhash_weighting;
using samestory::simhasher;

// Tests-only reference: the textbook per-bit loop of Charikar's construction,
// one ±1 vote per bit per feature, sign of the sum. Obviously correct, slow.
std::uint64_t naive_simhash(const simhasher& h, const std::vector<std::uint64_t>& features) {
  std::int64_t sum[64] = {};
  for (const std::uint64_t f : features) {
    const std::uint64_t x = h.mix(f);
    for (int bit = 0; bit < 64; ++bit) sum[bit] += ((x >> bit) & 1u) != 0 ? 1 : -1;
  }
  std::uint64_t out = 0;
  for (int bit = 0; bit < 64; ++bit) {
    if (sum[bit] > 0) out |= std::uint64_t{1} << bit;
  }
  return out;
}

// Tests-only reference for weighted votes, in double precision.
std::uint64_t naive_weighted(const simhasher& h, const std::vector<std::uint64_t>& features,
                             const std::vector<double>& weights) {
  double sum[64] = {};
  for (std::size_t i = 0; i < features.size(); ++i) {
    const std::uint64_t x = h.mix(features[i]);
    for (int bit = 0; bit < 64; ++bit)
      sum[bit] += ((x >> bit) & 1u) != 0 ? weights[i] : -weights[i];
  }
  std::uint64_t out = 0;
  for (int bit = 0; bit < 64; ++bit) {
    if (sum[bit] > 0.0) out |= std::uint64_t{1} << bit;
  }
  return out;
}

std::vector<std::uint64_t> random_features(std::mt19937_64& rng, std::size_t n) {
  std::vector<std::uint64_t> v(n);
  for (auto& x : v) x = rng();
  return v;
}

const std::vector<std::uint64_t> known_features = {
    0x0123456789abcdefULL, 0xfedcba9876543210ULL, 0x0000000000000001ULL, 0xffffffffffffffffULL,
    0xdeadbeefcafebabeULL, 0x9e3779b97f4a7c15ULL, 0x00000000ffffffffULL, 0x5555555555555555ULL,
    0xaaaaaaaaaaaaaaaaULL, 0x1234000056780000ULL};

}  // namespace

TEST_CASE("simhash: per-bit disagreement rate matches theta/pi", "[simhash]") {
  // Charikar (2002) section 3: for a random hyperplane, P[bit differs] = θ/π,
  // so the collision rate per bit is 1 − θ/π. Two documents of n distinct
  // features sharing s have binary vectors with cosine s/n, θ = acos(s/n).
  //
  // Tolerance: 64 bits × T trials give a mean whose standard error would be
  // sqrt(p(1−p)/(64·T)) ≤ sqrt(0.25/19200) ≈ 0.0036 if bits were independent
  // draws with exactly Gaussian hyperplanes. They are not quite: each bit's
  // hyperplane has ±1 coordinates from hash bits rather than Gaussian ones,
  // so for finite n the vote is only approximately Gaussian and the bits of
  // one trial share the same features. With n = 2000 the central limit
  // approximation is good to well under 0.01; ±0.02 (about 5 standard
  // errors) leaves room for that bias without hiding a broken kernel, which
  // would be off by far more (e.g. 0.5 for unrelated bits).
  constexpr std::size_t n = 2000;
  constexpr int trials = 300;
  std::mt19937_64 rng(20260522);
  for (const double theta_over_pi : {0.1, 0.25, 0.4, 0.5}) {
    const double theta = theta_over_pi * std::numbers::pi;
    const auto s = static_cast<std::size_t>(std::lround(static_cast<double>(n) * std::cos(theta)));
    const double expected = std::acos(static_cast<double>(s) / static_cast<double>(n)) /
                            std::numbers::pi;  // θ/π after rounding s
    double differing = 0;
    for (int t = 0; t < trials; ++t) {
      const simhasher h({simhash_weighting::binary, static_cast<std::uint64_t>(t)});
      std::vector<std::uint64_t> a = random_features(rng, n);
      std::vector<std::uint64_t> b(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(s));
      const std::vector<std::uint64_t> rest = random_features(rng, n - s);
      b.insert(b.end(), rest.begin(), rest.end());
      differing += samestory::hamming_distance(h.hash(a), h.hash(b));
    }
    const double measured = differing / (64.0 * trials);
    WARN("theta = " << theta_over_pi << " pi: differing bits " << measured << " (expected "
                    << expected << "), collision rate " << 1 - measured
                    << " (1 - theta/pi = " << 1 - expected << ")");
    CHECK(measured == Approx(expected).margin(0.02));
  }
}

TEST_CASE("simhash: fast kernel equals the naive per-bit loop", "[simhash]") {
  std::mt19937_64 rng(7);
  std::vector<std::size_t> lengths;
  for (std::size_t len = 0; len <= 40; ++len) lengths.push_back(len);
  // Around the 255-feature widening of the 8-bit lanes, and up to 5000.
  for (const std::size_t len : {254, 255, 256, 257, 509, 510, 511, 765, 766, 1000, 4999, 5000}) {
    lengths.push_back(len);
  }
  for (int i = 0; i < 40; ++i) lengths.push_back(static_cast<std::size_t>(rng() % 5001));
  for (const std::uint64_t seed : {0ULL, 42ULL}) {
    const simhasher h({simhash_weighting::binary, seed});
    for (const std::size_t len : lengths) {
      CAPTURE(seed, len);
      const std::vector<std::uint64_t> f = random_features(rng, len);
      CHECK(h.hash(f) == naive_simhash(h, f));
      // Few distinct values: many duplicates and exact ties (sum 0 → bit 0).
      std::vector<std::uint64_t> dup(len);
      for (auto& x : dup) x = rng() % 4;
      CHECK(h.hash(dup) == naive_simhash(h, dup));
    }
  }
}

TEST_CASE("simhash: weighted variants equal double-precision references", "[simhash]") {
  std::mt19937_64 rng(11);
  for (const std::size_t len : {0, 1, 2, 3, 10, 100, 1000, 3000}) {
    CAPTURE(len);
    std::vector<counted_shingle> counted(len);
    std::vector<std::uint64_t> hashes(len);
    std::vector<double> ones(len, 1.0), raw(len), sub(len), w(len);
    std::vector<float> fw(len);
    for (std::size_t i = 0; i < len; ++i) {
      const auto count = static_cast<std::uint32_t>(1 + rng() % 20);
      counted[i] = {rng(), count};
      hashes[i] = counted[i].hash;
      raw[i] = count;
      sub[i] = 1.0 + std::log(static_cast<double>(count));
      // Signed weights: the sign-bit trick in the kernel must negate exactly.
      fw[i] = static_cast<float>(static_cast<int>(rng() % 2000) - 1000) / 100.0f;
      w[i] = fw[i];
    }
    const simhasher binary({simhash_weighting::binary, 3});
    const simhasher raw_count({simhash_weighting::raw_count, 3});
    const simhasher sublinear({simhash_weighting::sublinear_tf, 3});
    CHECK(binary.hash(counted) == naive_weighted(binary, hashes, ones));
    CHECK(raw_count.hash(counted) == naive_weighted(raw_count, hashes, raw));
    CHECK(sublinear.hash(counted) == naive_weighted(sublinear, hashes, sub));
    CHECK(binary.hash_weighted(hashes, fw) == naive_weighted(binary, hashes, w));
    // Votes over positions are count-weighted votes over distinct features.
    std::vector<std::uint64_t> positions;
    for (const auto& c : counted) positions.insert(positions.end(), c.count, c.hash);
    CHECK(raw_count.hash(positions) == raw_count.hash(counted));
  }
}

TEST_CASE("simhash: Hamming distance and implied cosine", "[simhash]") {
  using samestory::hamming_distance;
  using samestory::simhash_cosine;
  CHECK(hamming_distance(0, 0) == 0);
  CHECK(hamming_distance(0, ~0ULL) == 64);
  CHECK(hamming_distance(0xF0, 0x0F) == 8);
  CHECK(hamming_distance(0x8000000000000001ULL, 0) == 2);
  CHECK(simhash_cosine(5, 5) == 1.0);
  CHECK(simhash_cosine(0, ~0ULL) == Approx(-1.0));
  CHECK(simhash_cosine(0, 0xFFFFFFFFULL) == Approx(0.0).margin(1e-12));  // d = 32: θ = π/2
  CHECK(simhash_cosine(0, 0xFFFFULL) == Approx(std::cos(std::numbers::pi / 4)));
}

TEST_CASE("simhash: identical inputs, order, determinism and seeds", "[simhash]") {
  std::mt19937_64 rng(5);
  const std::vector<std::uint64_t> f = random_features(rng, 500);
  std::vector<std::uint64_t> shuffled = f;
  std::shuffle(shuffled.begin(), shuffled.end(), rng);
  const simhasher h0({simhash_weighting::binary, 0});
  const simhasher h0_again({simhash_weighting::binary, 0});
  const simhasher h1({simhash_weighting::binary, 1});
  CHECK(samestory::hamming_distance(h0.hash(f), h0.hash(f)) == 0);
  CHECK(h0.hash(shuffled) == h0.hash(f));
  CHECK(h0_again.hash(f) == h0.hash(f));
  // Independent seeds: about 32 bits differ; 10 or fewer has probability < 1e-7.
  CHECK(samestory::hamming_distance(h0.hash(f), h1.hash(f)) > 10);
  // An empty document's SimHash is 0, whatever the seed or weighting.
  CHECK(h1.hash(std::span<const std::uint64_t>{}) == 0);
  CHECK(h1.hash(std::span<const counted_shingle>{}) == 0);
  CHECK(h1.hash_weighted({}, {}) == 0);
  // A single feature's SimHash is its mixed value: every vote is unanimous.
  CHECK(h1.hash(std::span<const std::uint64_t>(f.data(), 1)) == h1.mix(f[0]));
}

TEST_CASE("simhash: sublinear_tf damps repeated features that raw_count lets dominate",
          "[simhash]") {
  // One feature occurring 100 times among 50 singletons: under raw_count its
  // ±100 outweighs the others' at most ±50 in every bit, so the SimHash is
  // exactly its mixed value; under 1 + ln(100) ≈ 5.6 it no longer dominates.
  std::mt19937_64 rng(9);
  std::vector<counted_shingle> doc;
  doc.push_back({rng(), 100});
  for (int i = 0; i < 50; ++i) doc.push_back({rng(), 1});
  const simhasher raw({simhash_weighting::raw_count, 0});
  const simhasher sub({simhash_weighting::sublinear_tf, 0});
  const simhasher bin({simhash_weighting::binary, 0});
  const std::uint64_t heavy = raw.mix(doc[0].hash);
  CHECK(raw.hash(doc) == heavy);
  const int d_sub = samestory::hamming_distance(sub.hash(doc), heavy);
  const int d_bin = samestory::hamming_distance(bin.hash(doc), heavy);
  WARN("distance to the repeated feature: sublinear_tf " << d_sub << ", binary " << d_bin);
  CHECK(d_sub > 0);
  CHECK(d_bin >= d_sub);
}

TEST_CASE("simhash: weights must match features and be finite", "[simhash]") {
  const simhasher h;
  const std::vector<std::uint64_t> f = {1, 2, 3};
  const std::vector<float> two = {1.0f, 2.0f};
  const std::vector<float> nan = {1.0f, std::nanf(""), 1.0f};
  const auto is_invalid_argument = [](const samestory::error& e) {
    return e.code() == samestory::error_code::invalid_argument;
  };
  CHECK_THROWS_MATCHES(h.hash_weighted(f, two), samestory::error,
                       Catch::Predicate<samestory::error>(is_invalid_argument));
  CHECK_THROWS_MATCHES(h.hash_weighted(f, nan), samestory::error,
                       Catch::Predicate<samestory::error>(is_invalid_argument));
  CHECK_THROWS_AS(simhasher({static_cast<simhash_weighting>(7), 0}),
                  samestory::invalid_options_error);
}

TEST_CASE("simhash: known answers", "[simhash]") {
  // Generated once from this implementation; a change here changes every
  // saved signature and must bump the format version (STYLE.md section 5).
  const simhasher h0({simhash_weighting::binary, 0});
  const simhasher h42({simhash_weighting::binary, 42});
  CHECK(h0.hash(known_features) == 0x310b1d1d44702b88ULL);
  CHECK(h42.hash(known_features) == 0x03760166a29424c0ULL);
}

TEST_CASE("simhash: signature round trip and fingerprints", "[simhash]") {
  std::mt19937_64 rng(3);
  const std::vector<std::uint64_t> f = random_features(rng, 300);
  const simhasher h({simhash_weighting::sublinear_tf, 42}, 0x1234);
  const simhash_signature s = h.sign(f);
  CHECK(s.value == h.hash(f));
  CHECK(s.weighting == simhash_weighting::raw_count);
  CHECK(s.seed == 42);
  CHECK(s.fingerprint == h.fingerprint(simhash_weighting::raw_count));
  const std::string bytes = s.serialize();
  CHECK(bytes.size() == 16 + 25 + 8);  // header, payload, checksum
  CHECK(simhash_signature::deserialize(bytes) == s);

  std::vector<counted_shingle> counted;
  for (const auto x : f) counted.push_back({x, 2});
  const simhash_signature c = h.sign(counted);
  CHECK(c.weighting == simhash_weighting::sublinear_tf);
  CHECK(simhash_signature::deserialize(c.serialize()) == c);

  // Same settings compare; any different setting changes the fingerprint.
  CHECK(samestory::compare_distance(
            s, simhasher({simhash_weighting::binary, 42}, 0x1234).sign(f)) == 0);
  const auto is_invalid_argument = [](const samestory::error& e) {
    return e.code() == samestory::error_code::invalid_argument;
  };
  for (const simhash_signature& other :
       {c, simhasher({simhash_weighting::binary, 43}, 0x1234).sign(f),
        simhasher({simhash_weighting::binary, 42}, 0x1235).sign(f)}) {
    CHECK_THROWS_MATCHES(samestory::compare_distance(s, other), samestory::error,
                         Catch::Predicate<samestory::error>(is_invalid_argument));
  }
}

TEST_CASE("simhash: deserialize rejects truncation, bit flips and other kinds", "[simhash]") {
  const simhash_signature s{0x0123456789abcdefULL, 0x55aa55aa55aa55aaULL,
                            simhash_weighting::sublinear_tf, 42};
  const std::string bytes = s.serialize();
  for (std::size_t len = 0; len < bytes.size(); ++len) {
    CAPTURE(len);
    CHECK_THROWS_AS(simhash_signature::deserialize(bytes.substr(0, len)), samestory::format_error);
  }
  CHECK_THROWS_AS(simhash_signature::deserialize(bytes + '\0'), samestory::format_error);
  for (std::size_t bit = 0; bit < bytes.size() * 8; ++bit) {
    CAPTURE(bit);
    std::string flipped = bytes;
    flipped[bit / 8] = static_cast<char>(flipped[bit / 8] ^ (1 << (bit % 8)));
    CHECK_THROWS_AS(simhash_signature::deserialize(flipped), samestory::format_error);
  }
  // Another object kind (MinHash = 1) in an otherwise valid envelope.
  std::string other_kind = bytes;
  other_kind[6] = 1;
  CHECK_THROWS_AS(simhash_signature::deserialize(other_kind), samestory::format_error);
  // An unknown weighting behind a valid checksum is refused too.
  simhash_signature bad = s;
  bad.weighting = static_cast<simhash_weighting>(3);
  CHECK_THROWS_AS(simhash_signature::deserialize(bad.serialize()), samestory::format_error);
}
