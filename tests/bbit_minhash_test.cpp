// Tests for bbit_minhash.hpp: packing, the corrected estimator's statistics
// (Li and König, "b-Bit Minwise Hashing", WWW 2010), settings checks,
// serialization and hostile bytes.
#include <samestory/bbit_minhash.hpp>
#include <samestory/error.hpp>
#include <samestory/minhash.hpp>

// Internal envelope writer, to build hostile payloads with valid checksums.
#include "../src/binary_io.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace {

using samestory::bbit_signature;
using samestory::estimate_jaccard;
using samestory::minhash_scheme;
using samestory::minhash_signature;
using samestory::minhasher;

constexpr unsigned all_bits[] = {1, 2, 4, 8, 16};

// Two sets with Jaccard similarity exactly shared / (shared + only_a + only_b),
// built from three groups of random 64-bit values (disjoint with overwhelming
// probability: a collision among ~10^4 draws from 2^64 has chance ~10^-11).
struct set_pair {
  std::vector<std::uint64_t> a, b;
};

set_pair make_pair_with(std::mt19937_64& rng, std::size_t shared, std::size_t only_a,
                        std::size_t only_b) {
  set_pair p;
  p.a.reserve(shared + only_a);
  p.b.reserve(shared + only_b);
  for (std::size_t i = 0; i < shared; ++i) {
    const std::uint64_t x = rng();
    p.a.push_back(x);
    p.b.push_back(x);
  }
  for (std::size_t i = 0; i < only_a; ++i) p.a.push_back(rng());
  for (std::size_t i = 0; i < only_b; ++i) p.b.push_back(rng());
  return p;
}

std::vector<std::uint64_t> random_set(std::mt19937_64& rng, std::size_t n) {
  std::vector<std::uint64_t> v(n);
  for (auto& x : v) x = rng();
  return v;
}

// A valid payload prefix for hostile-envelope tests (everything before the values).
std::string hostile(std::uint32_t k, std::uint8_t bits, std::uint8_t flags, std::uint64_t set_size,
                    const std::string& values) {
  std::string out;
  const std::size_t start =
      samestory::detail::begin_envelope(out, samestory::detail::object_kind::bbit_signature, 1);
  out.push_back(static_cast<char>(minhash_scheme::one_permutation));
  samestory::detail::append_u32(out, k);
  out.push_back(static_cast<char>(bits));
  samestory::detail::append_u64(out, 1);  // seed
  samestory::detail::append_u64(out, 2);  // fingerprint
  samestory::detail::append_u64(out, set_size);
  out.push_back(static_cast<char>(flags));
  out += values;
  samestory::detail::end_envelope(out, start);
  return out;
}

}  // namespace

// Estimator statistics. For each J, A and B come from make_pair_with with a
// union of 8000 values, so |A|, |B| >= 4400 and J is exact.
//
// Tolerances. At each of the k positions the b-bit values agree with
// probability P = J + (1 - J) 2^-b (Li & König, Theorem 1, r → 0), so the
// match count is binomial (k, P) for independent positions, and
// Ĵ = (P̂ - 2^-b) / (1 - 2^-b) is linear in P̂:
//   E[Ĵ] = J,  Var(Ĵ) = Var(P̂) / (1 - 2^-b)^2 = P (1 - P) / (k (1 - 2^-b)^2).
// sigma = sqrt(P(1-P)/k) / (1 - 2^-b). One-permutation hashing samples the k
// bins without replacement, which can only lower the variance; with >= 4400
// elements in 128 bins no bin is empty, so no densification noise.
// The worst case is b = 1, J = 0.5: P = 0.75, sigma = 0.077; the mean of 500
// trials has standard error sigma / sqrt(500) = 0.0034, so |mean - J| <= 0.015
// is over 4 standard errors. The sample sd of 500 trials has a relative
// standard error of 1 / sqrt(2 * 499) = 3.2%, so sd <= 1.25 sigma is about 8
// standard errors above sigma. Clamping to [0, 1] could bias the mean when J
// is within ~2 sigma of 0 or 1; the tested (J, b) pairs are >= 3.8 sigma away.
TEST_CASE("bbit_minhash: corrected estimates are unbiased with the predicted variance",
          "[bbit_minhash][statistics]") {
  constexpr std::uint32_t k = 128;
  constexpr int trials = 500;
  constexpr std::size_t total = 8000;
  struct config {
    double j;
    std::vector<unsigned> bits;
  };
  const config configs[] = {{0.1, {8, 16}}, {0.5, {1, 4, 8, 16}}, {0.8, {8, 16}}};
  std::mt19937_64 rng(20261122);  // fixed master seed: the test is deterministic
  for (const config& cfg : configs) {
    const auto shared = static_cast<std::size_t>(std::lround(cfg.j * total));
    const std::size_t only_a = (total - shared) / 2;
    const std::size_t only_b = total - shared - only_a;
    std::vector<double> sum(cfg.bits.size(), 0.0), sum_sq(cfg.bits.size(), 0.0);
    for (int t = 0; t < trials; ++t) {
      const minhasher hasher({k, minhash_scheme::one_permutation, rng()});
      const set_pair p = make_pair_with(rng, shared, only_a, only_b);
      const minhash_signature sa = hasher.sign(p.a);
      const minhash_signature sb = hasher.sign(p.b);
      for (std::size_t i = 0; i < cfg.bits.size(); ++i) {
        const double e = estimate_jaccard(bbit_signature::pack(sa, cfg.bits[i]),
                                          bbit_signature::pack(sb, cfg.bits[i]))
                             .estimate;
        sum[i] += e;
        sum_sq[i] += e * e;
      }
    }
    for (std::size_t i = 0; i < cfg.bits.size(); ++i) {
      const unsigned bits = cfg.bits[i];
      const double c = std::ldexp(1.0, -static_cast<int>(bits));
      const double prob = cfg.j + (1 - cfg.j) * c;
      const double sigma = std::sqrt(prob * (1 - prob) / k) / (1 - c);
      const double mean = sum[i] / trials;
      const double sd = std::sqrt((sum_sq[i] - trials * mean * mean) / (trials - 1));
      std::ostringstream report;
      report << "b=" << bits << " J=" << cfg.j << " |A|=" << shared + only_a
             << " |B|=" << shared + only_b << ": mean " << mean << ", sd " << sd
             << " (predicted sd " << sigma << ", ratio " << sd / sigma << ")";
      WARN(report.str());
      CHECK(std::abs(mean - cfg.j) <= 0.015);
      CHECK(sd <= 1.25 * sigma);
    }
  }
}

TEST_CASE("bbit_minhash: packed values are the low b bits", "[bbit_minhash]") {
  std::mt19937_64 rng(1);
  for (const std::uint32_t k : {1u, 37u, 128u}) {
    const minhasher hasher({k, minhash_scheme::one_permutation, 3});
    const minhash_signature s = hasher.sign(random_set(rng, 500));
    for (const unsigned bits : all_bits) {
      INFO("k=" << k << " b=" << bits);
      const bbit_signature p = bbit_signature::pack(s, bits);
      CHECK(p.bits() == bits);
      CHECK(p.num_hashes() == k);
      CHECK(p.scheme() == s.scheme());
      CHECK(p.seed() == s.seed());
      CHECK(p.fingerprint() == s.fingerprint());
      CHECK(p.set_size() == s.set_size());
      CHECK(p.is_empty() == s.is_empty());
      CHECK(p.bytes().size() == (std::size_t{k} * bits + 7) / 8);
      const std::uint32_t mask = bits == 16 ? 0xFFFFu : (1u << bits) - 1u;
      bool all_equal = true;
      for (std::size_t i = 0; i < k; ++i)
        all_equal = all_equal && p.value(i) == (s.values()[i] & mask);
      CHECK(all_equal);
    }
  }
  // Layout: b = 16 is little-endian, b = 4 puts value 0 in the low nibble.
  const minhasher hasher({2, minhash_scheme::one_permutation, 9});
  const minhash_signature s = hasher.sign(random_set(rng, 100));
  const auto p16 = bbit_signature::pack(s, 16);
  CHECK(p16.bytes()[0] == (s.values()[0] & 0xFFu));
  CHECK(p16.bytes()[1] == ((s.values()[0] >> 8) & 0xFFu));
  const auto p4 = bbit_signature::pack(s, 4);
  CHECK(p4.bytes()[0] == ((s.values()[0] & 0xFu) | ((s.values()[1] & 0xFu) << 4)));
}

TEST_CASE("bbit_minhash: invalid b is refused", "[bbit_minhash]") {
  const minhasher hasher({16});
  const minhash_signature s = hasher.sign(std::vector<std::uint64_t>{1, 2, 3});
  for (const unsigned bits : {0u, 3u, 5u, 32u}) {
    CHECK_THROWS_AS(bbit_signature::pack(s, bits), samestory::invalid_options_error);
  }
}

TEST_CASE("bbit_minhash: match counts agree with a position-by-position count", "[bbit_minhash]") {
  std::mt19937_64 rng(2);
  for (const std::uint32_t k : {1u, 7u, 37u, 128u, 200u}) {
    const minhasher hasher({k, minhash_scheme::one_permutation, 5});
    const set_pair p = make_pair_with(rng, 300, 100, 100);
    const minhash_signature sa = hasher.sign(p.a);
    const minhash_signature sb = hasher.sign(p.b);
    for (const unsigned bits : all_bits) {
      INFO("k=" << k << " b=" << bits);
      const auto a = bbit_signature::pack(sa, bits);
      const auto b = bbit_signature::pack(sb, bits);
      std::uint32_t expected = 0;
      for (std::size_t i = 0; i < k; ++i) expected += a.value(i) == b.value(i) ? 1u : 0u;
      const auto e = estimate_jaccard(a, b);
      CHECK(e.matches == expected);
      CHECK(e.compared == k);
      CHECK(e.estimate >= 0.0);
      CHECK(e.estimate <= 1.0);
    }
  }
}

TEST_CASE("bbit_minhash: identical sets estimate 1, empty sets 0", "[bbit_minhash]") {
  std::mt19937_64 rng(3);
  const minhasher hasher({128});
  const auto set = random_set(rng, 2000);
  const auto s = hasher.sign(set);
  const auto empty = hasher.sign(std::vector<std::uint64_t>{});
  REQUIRE(empty.is_empty());
  for (const unsigned bits : all_bits) {
    INFO("b=" << bits);
    const auto p = bbit_signature::pack(s, bits);
    const auto e = bbit_signature::pack(empty, bits);
    CHECK(estimate_jaccard(p, bbit_signature::pack(hasher.sign(set), bits)).estimate == 1.0);
    CHECK(estimate_jaccard(p, e).estimate == 0.0);
    CHECK(estimate_jaccard(e, p).matches == 0);
    CHECK(estimate_jaccard(e, e).estimate == 0.0);
  }
}

TEST_CASE("bbit_minhash: signatures made differently do not compare", "[bbit_minhash]") {
  std::mt19937_64 rng(4);
  const auto set = random_set(rng, 1000);
  const minhasher h128({128, minhash_scheme::one_permutation, 1});
  const minhasher h64({64, minhash_scheme::one_permutation, 1});
  const minhasher other_seed({128, minhash_scheme::one_permutation, 2});
  const minhasher classic({128, minhash_scheme::classic, 1});
  const minhasher other_text({128, minhash_scheme::one_permutation, 1}, 42);
  const auto base = bbit_signature::pack(h128.sign(set), 8);
  const auto is_invalid_argument = [](const samestory::error& e) {
    return e.code() == samestory::error_code::invalid_argument;
  };
  const auto check_refused = [&](const bbit_signature& other) {
    try {
      (void)estimate_jaccard(base, other);
      FAIL("expected samestory::error");
    } catch (const samestory::error& e) {
      CHECK(is_invalid_argument(e));
    }
  };
  check_refused(bbit_signature::pack(h128.sign(set), 16));  // b
  check_refused(bbit_signature::pack(h64.sign(set), 8));    // k
  check_refused(bbit_signature::pack(other_seed.sign(set), 8));
  check_refused(bbit_signature::pack(classic.sign(set), 8));
  check_refused(bbit_signature::pack(other_text.sign(set), 8));
  CHECK_NOTHROW(estimate_jaccard(base, bbit_signature::pack(h128.sign(set), 8)));
}

TEST_CASE("bbit_minhash: serialization round-trips", "[bbit_minhash]") {
  std::mt19937_64 rng(5);
  for (const std::uint32_t k : {1u, 37u, 128u}) {
    const minhasher hasher({k, minhash_scheme::one_permutation, 11}, 99);
    for (const std::size_t n : {std::size_t{0}, std::size_t{300}}) {
      const auto s = hasher.sign(random_set(rng, n));
      for (const unsigned bits : all_bits) {
        INFO("k=" << k << " n=" << n << " b=" << bits);
        const auto p = bbit_signature::pack(s, bits);
        const std::string bytes = p.serialize();
        CHECK(bytes.size() == 16 + 31 + p.bytes().size() + 8);
        const auto q = bbit_signature::deserialize(bytes);
        CHECK(q == p);
        CHECK(q.serialize() == bytes);
      }
    }
  }
}

TEST_CASE("bbit_minhash: deserialize rejects every truncation and bit flip", "[bbit_minhash]") {
  std::mt19937_64 rng(6);
  const minhasher hasher({37});
  const auto s = hasher.sign(random_set(rng, 300));
  for (const unsigned bits : {2u, 16u}) {
    INFO("b=" << bits);
    const std::string bytes = bbit_signature::pack(s, bits).serialize();
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      INFO("truncated to " << n);
      CHECK_THROWS_AS(bbit_signature::deserialize(std::string_view(bytes).substr(0, n)),
                      samestory::format_error);
    }
    CHECK_THROWS_AS(bbit_signature::deserialize(bytes + '\0'), samestory::format_error);
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      for (int bit = 0; bit < 8; ++bit) {
        std::string flipped = bytes;
        flipped[i] = static_cast<char>(flipped[i] ^ (1 << bit));
        INFO("byte " << i << " bit " << bit);
        CHECK_THROWS_AS(bbit_signature::deserialize(flipped), samestory::format_error);
      }
    }
  }
}

TEST_CASE("bbit_minhash: deserialize rejects inconsistent fields", "[bbit_minhash]") {
  // Sanity: the hostile builder makes readable bytes when the fields agree.
  CHECK_NOTHROW(bbit_signature::deserialize(hostile(16, 8, 0, 5, std::string(16, 'x'))));
  CHECK_NOTHROW(bbit_signature::deserialize(hostile(3, 2, 0, 5, std::string(1, '\x3f'))));
  // b not in {1, 2, 4, 8, 16}
  for (const unsigned bits : {0u, 3u, 7u, 32u, 255u}) {
    CHECK_THROWS_AS(bbit_signature::deserialize(
                        hostile(8, static_cast<std::uint8_t>(bits), 0, 5, std::string(8, 'x'))),
                    samestory::format_error);
  }
  // k = 0
  CHECK_THROWS_AS(bbit_signature::deserialize(hostile(0, 8, 0, 5, "")), samestory::format_error);
  // value bytes do not match ceil(k*b/8), including a huge k
  CHECK_THROWS_AS(bbit_signature::deserialize(hostile(16, 8, 0, 5, std::string(15, 'x'))),
                  samestory::format_error);
  CHECK_THROWS_AS(bbit_signature::deserialize(hostile(16, 8, 0, 5, std::string(17, 'x'))),
                  samestory::format_error);
  CHECK_THROWS_AS(bbit_signature::deserialize(hostile(0xFFFFFFFFu, 16, 0, 5, std::string(8, 'x'))),
                  samestory::format_error);
  // padding bits set: k = 3, b = 2 uses 6 of 8 bits
  CHECK_THROWS_AS(bbit_signature::deserialize(hostile(3, 2, 0, 5, std::string(1, '\x40'))),
                  samestory::format_error);
  // unknown flags; empty with a set size
  CHECK_THROWS_AS(bbit_signature::deserialize(hostile(16, 8, 2, 5, std::string(16, 'x'))),
                  samestory::format_error);
  CHECK_THROWS_AS(bbit_signature::deserialize(hostile(16, 8, 1, 5, std::string(16, 'x'))),
                  samestory::format_error);
  // another object kind (a MinHash signature's envelope)
  const minhasher hasher({16});
  const std::string minhash_bytes = hasher.sign(std::vector<std::uint64_t>{1, 2}).serialize();
  CHECK_THROWS_AS(bbit_signature::deserialize(minhash_bytes), samestory::format_error);
}
