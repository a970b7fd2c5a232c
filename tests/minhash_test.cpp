// Tests for minhash.hpp: estimator statistics for both schemes, edge cases
// (tiny and empty sets), batch/threads determinism, known answers, settings
// checks, serialization and hostile bytes.
#include <samestory/error.hpp>
#include <samestory/minhash.hpp>

// Internal envelope writer, to build hostile payloads with valid checksums.
#include "../src/binary_io.hpp"
// Internal classic kernels, to compare the AVX2 one with the scalar one.
#include "../src/kernels/minhash_kernels.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace {

using samestory::estimate_containment;
using samestory::estimate_jaccard;
using samestory::minhash_options;
using samestory::minhash_scheme;
using samestory::minhash_signature;
using samestory::minhasher;

const char* name_of(minhash_scheme s) {
  return s == minhash_scheme::classic ? "classic" : "one_permutation";
}

std::vector<std::uint64_t> random_hashes(std::mt19937_64& rng, std::size_t n) {
  std::vector<std::uint64_t> v(n);
  for (auto& x : v) x = rng();
  return v;
}

}  // namespace

// Estimator statistics. For each J, A and B are built from three disjoint
// groups of random 64-bit values (shared, A-only, B-only) with
// shared / (shared + A-only + B-only) = J exactly and |A|, |B| >= 4000.
//
// Tolerances: one estimate from k = 128 positions has standard deviation
// sigma = sqrt(J(1-J)/k) (binomial; for one-permutation hashing with optimal
// densification the variance is at most that of classic MinHash when no
// bins are empty, Shrivastava 2017, and with >= 4000 shingles in 128 bins
// none is). The mean of 1000 trials has standard error sigma / sqrt(1000),
// about 0.0014 at J = 0.5 (the worst case), so |mean - J| <= 0.01 is more
// than 7 standard errors: a failure means bias, not bad luck. The sample sd
// of 1000 trials has a relative standard error of about 1 / sqrt(2 * 999)
// = 2.2%, so sd <= 1.25 sigma is over 10 standard errors above sigma: it
// fails only when the estimator is noisier than MinHash should be (e.g.
// correlated hash functions or a bad densification).
TEST_CASE("minhash: Jaccard estimates are unbiased with MinHash variance",
          "[minhash][statistics][slow]") {
  constexpr std::uint32_t k = 128;
  constexpr int trials = 1000;
  const int per_mille[] = {50, 100, 300, 500, 800, 950};
  for (const minhash_scheme scheme : {minhash_scheme::classic, minhash_scheme::one_permutation}) {
    std::mt19937_64 rng(20261122);  // fixed master seed: the test is deterministic
    std::vector<std::uint64_t> a, b;
    std::vector<std::uint32_t> sa(k), sb(k);
    for (const int jm : per_mille) {
      const double j = jm / 1000.0;
      // Smallest union (a multiple of 20, so J * union is whole) that keeps
      // |A| = shared + floor(rest / 2) >= 4000.
      std::size_t total = 20;
      while (total * static_cast<std::size_t>(jm) / 1000 +
                 (total - total * static_cast<std::size_t>(jm) / 1000) / 2 <
             4000)
        total += 20;
      const std::size_t shared = total * static_cast<std::size_t>(jm) / 1000;
      const std::size_t only_a = (total - shared) / 2;
      const std::size_t only_b = total - shared - only_a;
      double sum = 0, sum_sq = 0;
      for (int t = 0; t < trials; ++t) {
        const minhasher hasher({k, scheme, rng()});
        a.clear();
        b.clear();
        for (std::size_t i = 0; i < shared; ++i) {
          const std::uint64_t x = rng();
          a.push_back(x);
          b.push_back(x);
        }
        for (std::size_t i = 0; i < only_a; ++i) a.push_back(rng());
        for (std::size_t i = 0; i < only_b; ++i) b.push_back(rng());
        hasher.sign_into(a, sa);
        hasher.sign_into(b, sb);
        const double e = estimate_jaccard(std::span<const std::uint32_t>(sa),
                                          std::span<const std::uint32_t>(sb));
        sum += e;
        sum_sq += e * e;
      }
      const double mean = sum / trials;
      const double sd = std::sqrt((sum_sq - trials * mean * mean) / (trials - 1));
      const double sigma = std::sqrt(j * (1 - j) / k);
      std::ostringstream report;
      report << name_of(scheme) << " J=" << j << " |A|=" << shared + only_a
             << " |B|=" << shared + only_b << ": mean " << mean << ", sd " << sd << " (binomial sd "
             << sigma << ", ratio " << sd / sigma << ")";
      WARN(report.str());
      CHECK(std::abs(mean - j) <= 0.01);
      CHECK(sd <= 1.25 * sigma);
    }
  }
}

TEST_CASE("minhash: options are validated", "[minhash]") {
  CHECK_THROWS_AS(minhasher({0}), samestory::invalid_options_error);
  CHECK_THROWS_AS(minhasher({4097}), samestory::invalid_options_error);
  CHECK_THROWS_WITH(minhasher({5000}), Catch::Contains("num_hashes") && Catch::Contains("5000"));
  CHECK_THROWS_AS(minhasher({128, static_cast<minhash_scheme>(7)}),
                  samestory::invalid_options_error);
  CHECK_NOTHROW(minhasher({1}));
  CHECK_NOTHROW(minhasher({4096}));
}

TEST_CASE("minhash: tiny sets give valid signatures", "[minhash]") {
  for (const minhash_scheme scheme : {minhash_scheme::classic, minhash_scheme::one_permutation}) {
    INFO(name_of(scheme));
    const minhasher hasher({128, scheme, 7});
    for (std::size_t n = 1; n <= 3; ++n) {
      std::vector<std::uint64_t> set;
      for (std::size_t i = 0; i < n; ++i) set.push_back(0x1234567890abcdefull * (i + 1));
      const minhash_signature s = hasher.sign(set);
      CHECK_FALSE(s.is_empty());
      CHECK(s.set_size() == n);
      REQUIRE(s.values().size() == 128);
      // Densification fills every bin; no value is left at the empty marker.
      for (const std::uint32_t v : s.values()) CHECK(v != 0xFFFFFFFFu);
      // Order and duplicates do not matter.
      std::vector<std::uint64_t> shuffled(set.rbegin(), set.rend());
      shuffled.push_back(set[0]);
      const minhash_signature s2 = hasher.sign(shuffled);
      CHECK(s2 == s);
      CHECK(estimate_jaccard(s, s2).estimate == 1.0);
      CHECK(estimate_jaccard(s, s2).matches == 128);
    }
  }
}

TEST_CASE("minhash: tiny overlapping sets estimate their Jaccard on average", "[minhash]") {
  // {1,2} and {2,3}: J = 1/3. One signature can be far off (two shingles may
  // share a bin), so check the mean over 200 seeds: its sd is at most
  // sqrt(1/3 * 2/3 / 64) / sqrt(200) = 0.004 for independent positions, and
  // densified positions are correlated, so allow 0.05.
  for (const minhash_scheme scheme : {minhash_scheme::classic, minhash_scheme::one_permutation}) {
    INFO(name_of(scheme));
    double sum = 0;
    for (std::uint64_t seed = 0; seed < 200; ++seed) {
      const minhasher hasher({64, scheme, seed});
      const minhash_signature x = hasher.sign(std::vector<std::uint64_t>{1, 2});
      const minhash_signature y = hasher.sign(std::vector<std::uint64_t>{2, 3});
      const double e = estimate_jaccard(x, y).estimate;
      CHECK(e < 1.0);
      sum += e;
    }
    CHECK(std::abs(sum / 200 - 1.0 / 3) <= 0.05);
  }
}

TEST_CASE("minhash: an empty set gives an empty signature that matches nothing", "[minhash]") {
  for (const minhash_scheme scheme : {minhash_scheme::classic, minhash_scheme::one_permutation}) {
    INFO(name_of(scheme));
    const minhasher hasher({16, scheme});
    const minhash_signature empty = hasher.sign({});
    CHECK(empty.is_empty());
    CHECK(empty.set_size() == 0);
    for (const std::uint32_t v : empty.values()) CHECK(v == 0xFFFFFFFFu);
    const auto self = estimate_jaccard(empty, empty);
    CHECK(self.estimate == 0.0);
    CHECK(self.matches == 0);
    CHECK(self.compared == 16);
    const minhash_signature some = hasher.sign(std::vector<std::uint64_t>{42});
    CHECK(estimate_jaccard(empty, some).estimate == 0.0);
    CHECK(estimate_jaccard(some, empty).estimate == 0.0);
    CHECK(estimate_containment(empty, some) == 0.0);
    CHECK(estimate_containment(some, empty) == 0.0);
    std::vector<std::uint32_t> out(16, 0);
    hasher.sign_into({}, out);
    CHECK(std::all_of(out.begin(), out.end(), [](std::uint32_t v) { return v == 0xFFFFFFFFu; }));
  }
}

TEST_CASE("minhash: one shingle fills all 4096 bins with its value", "[minhash]") {
  // The worst case for densification: one non-empty bin, every other bin
  // probes until it finds it. All values must then be that one value.
  const minhasher hasher({4096, minhash_scheme::one_permutation, 1});
  const minhash_signature s = hasher.sign(std::vector<std::uint64_t>{0xFEEDull});
  const auto v = s.values();
  CHECK(std::all_of(v.begin(), v.end(), [&](std::uint32_t x) { return x == v[0]; }));
  CHECK(v[0] != 0xFFFFFFFFu);
}

TEST_CASE("minhash: sign_into checks the output size", "[minhash]") {
  const minhasher hasher({8});
  std::vector<std::uint32_t> out(7);
  const std::vector<std::uint64_t> set{1, 2, 3};
  CHECK_THROWS_AS(hasher.sign_into(set, out), samestory::error);
  std::vector<std::uint32_t> batch(15);
  const std::vector<std::span<const std::uint64_t>> docs{set, set};
  CHECK_THROWS_AS(hasher.sign_batch(docs, batch), samestory::error);
}

TEST_CASE("minhash: batch output equals one-by-one output for any thread count", "[minhash]") {
  std::mt19937_64 rng(99);
  std::vector<std::vector<std::uint64_t>> storage;
  for (std::size_t d = 0; d < 37; ++d) storage.push_back(random_hashes(rng, d * 13 % 200));
  std::vector<std::span<const std::uint64_t>> docs(storage.begin(), storage.end());
  for (const minhash_scheme scheme : {minhash_scheme::classic, minhash_scheme::one_permutation}) {
    INFO(name_of(scheme));
    const minhasher hasher({64, scheme, 3});
    std::vector<std::uint32_t> expected(docs.size() * 64);
    for (std::size_t d = 0; d < docs.size(); ++d)
      hasher.sign_into(docs[d], std::span<std::uint32_t>(expected).subspan(d * 64, 64));
    for (const unsigned threads : {1u, 2u, 4u, 0u}) {
      INFO("threads " << threads);
      std::vector<std::uint32_t> out(docs.size() * 64, 0);
      hasher.sign_batch(docs, out, threads);
      CHECK(out == expected);
    }
    std::vector<std::uint32_t> none;
    CHECK_NOTHROW(hasher.sign_batch({}, none, 4));
  }
}

TEST_CASE("minhash: deterministic for a seed, different across seeds", "[minhash]") {
  std::mt19937_64 rng(5);
  const auto set = random_hashes(rng, 500);
  for (const minhash_scheme scheme : {minhash_scheme::classic, minhash_scheme::one_permutation}) {
    INFO(name_of(scheme));
    const minhash_signature a = minhasher({128, scheme, 11}).sign(set);
    const minhash_signature b = minhasher({128, scheme, 11}).sign(set);
    const minhash_signature c = minhasher({128, scheme, 12}).sign(set);
    CHECK(a == b);
    CHECK(a.serialize() == b.serialize());
    CHECK_FALSE(a == c);
    CHECK(a.fingerprint() != c.fingerprint());
    // Values from another seed are another sample, not a shifted copy.
    CHECK(estimate_jaccard(a.values(), c.values()) < 0.1);
  }
}

// Known answers: the values are part of the format (STYLE.md section 5).
// Changing them needs an algorithm_version bump in src/minhash.cpp.
TEST_CASE("minhash: known-answer vectors", "[minhash]") {
  std::vector<std::uint64_t> set;
  for (std::uint64_t i = 1; i <= 10; ++i) set.push_back(i * 0x9E3779B97F4A7C15ull);
  const minhash_signature classic = minhasher({8, minhash_scheme::classic, 42}).sign(set);
  const minhash_signature oph = minhasher({8, minhash_scheme::one_permutation, 42}).sign(set);
  std::ostringstream dump;
  dump << std::hex;
  for (const auto v : classic.values()) dump << "0x" << v << "u, ";
  dump << "| ";
  for (const auto v : oph.values()) dump << "0x" << v << "u, ";
  INFO(dump.str());
  // Generated once by this test (the INFO dump above) and frozen here.
  // Classic regenerated for algorithm_version 3 (32-bit multiply-add family).
  const std::vector<std::uint32_t> expected_classic{0x137468dcu, 0x00629e97u, 0x0a5c10d1u,
                                                    0x043793bbu, 0x131d1246u, 0x017caf22u,
                                                    0x1f180c4bu, 0x0a33a728u};
  // Ten shingles in eight bins leave some empty: the repeated 0x23a1bfbc
  // entries are bins filled by densification.
  const std::vector<std::uint32_t> expected_oph{0x27303d42u, 0x23a1bfbcu, 0x74014814u, 0x23a1bfbcu,
                                                0x3f7c760fu, 0x815e8851u, 0x23a1bfbcu, 0x5bfd333fu};
  CHECK(std::vector<std::uint32_t>(classic.values().begin(), classic.values().end()) ==
        expected_classic);
  CHECK(std::vector<std::uint32_t>(oph.values().begin(), oph.values().end()) == expected_oph);
}

TEST_CASE("minhash: signatures made with different settings cannot be compared", "[minhash]") {
  const std::vector<std::uint64_t> set{1, 2, 3, 4, 5};
  const minhash_signature base = minhasher({64, minhash_scheme::classic, 1}, 100).sign(set);
  const minhash_signature other_scheme =
      minhasher({64, minhash_scheme::one_permutation, 1}, 100).sign(set);
  const minhash_signature other_k = minhasher({32, minhash_scheme::classic, 1}, 100).sign(set);
  const minhash_signature other_seed = minhasher({64, minhash_scheme::classic, 2}, 100).sign(set);
  const minhash_signature other_text = minhasher({64, minhash_scheme::classic, 1}, 101).sign(set);
  for (const minhash_signature* s : {&other_scheme, &other_k, &other_seed, &other_text}) {
    try {
      (void)estimate_jaccard(base, *s);
      FAIL("expected samestory::error");
    } catch (const samestory::error& e) {
      CHECK(e.code() == samestory::error_code::invalid_argument);
      const std::string what = e.what();
      CHECK_THAT(what, Catch::Contains("classic") && Catch::Contains("k 64") &&
                           Catch::Contains("fingerprint 0x"));
    }
    CHECK_THROWS_AS(estimate_containment(*s, base), samestory::error);
  }
  CHECK(
      estimate_jaccard(base, minhasher({64, minhash_scheme::classic, 1}, 100).sign(set)).estimate ==
      1.0);
}

TEST_CASE("minhash: serialize and deserialize round trip", "[minhash]") {
  std::mt19937_64 rng(8);
  const auto set = random_hashes(rng, 300);
  for (const minhash_scheme scheme : {minhash_scheme::classic, minhash_scheme::one_permutation}) {
    for (const std::uint32_t k : {1u, 7u, 128u}) {
      const minhasher hasher({k, scheme, 77}, 0xABCDEFull);
      for (const minhash_signature& s : {hasher.sign(set), hasher.sign({})}) {
        const std::string bytes = s.serialize();
        // Envelope 16 + payload 30 + 4k + checksum 8.
        CHECK(bytes.size() == 16 + 30 + 4 * std::size_t{k} + 8);
        const minhash_signature back = minhash_signature::deserialize(bytes);
        CHECK(back == s);
        CHECK(back.set_size() == s.set_size());
        CHECK(back.is_empty() == s.is_empty());
        CHECK(back.fingerprint() == hasher.fingerprint());
      }
    }
  }
}

TEST_CASE("minhash: deserialize rejects truncated, corrupted and foreign bytes", "[minhash]") {
  const minhasher hasher({16, minhash_scheme::one_permutation, 5}, 9);
  const std::string bytes = hasher.sign(std::vector<std::uint64_t>{10, 20, 30, 40}).serialize();
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    INFO("truncated to " << n);
    CHECK_THROWS_AS(minhash_signature::deserialize(std::string_view(bytes).substr(0, n)),
                    samestory::format_error);
  }
  CHECK_THROWS_AS(minhash_signature::deserialize(bytes + '\0'), samestory::format_error);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = bytes;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      INFO("byte " << i << " bit " << bit);
      CHECK_THROWS_AS(minhash_signature::deserialize(bad), samestory::format_error);
    }
  }
  // Another object kind (2 = simhash) with a valid checksum is refused by kind.
  std::string other_kind = bytes;
  other_kind[6] = 2;
  CHECK_THROWS_WITH(minhash_signature::deserialize(other_kind),
                    Catch::Contains("object kind 1, actual 2"));
}

// Payloads with bad fields behind a valid checksum: the field checks, not
// the checksum, must refuse them.
TEST_CASE("minhash: deserialize rejects bad fields behind a valid checksum", "[minhash]") {
  namespace d = samestory::detail;
  const auto seal = [](std::uint8_t scheme, std::uint32_t k, std::uint8_t flags,
                       std::uint64_t set_size, std::size_t values) {
    std::string out;
    const std::size_t start = d::begin_envelope(out, d::object_kind::minhash_signature, 1);
    out.push_back(static_cast<char>(scheme));
    d::append_u32(out, k);
    d::append_u64(out, 1);  // seed
    d::append_u64(out, 2);  // fingerprint
    d::append_u64(out, set_size);
    out.push_back(static_cast<char>(flags));
    for (std::size_t i = 0; i < values; ++i) d::append_u32(out, static_cast<std::uint32_t>(i));
    d::end_envelope(out, start);
    return out;
  };
  CHECK_NOTHROW(minhash_signature::deserialize(seal(2, 4, 0, 9, 4)));
  CHECK_THROWS_WITH(minhash_signature::deserialize(seal(2, 0, 0, 9, 0)),
                    Catch::Contains("number of hashes in 1..4096, actual 0"));
  CHECK_THROWS_AS(minhash_signature::deserialize(seal(2, 5, 0, 9, 4)), samestory::format_error);
  CHECK_THROWS_AS(minhash_signature::deserialize(seal(2, 4096, 0, 9, 4)), samestory::format_error);
  CHECK_THROWS_AS(minhash_signature::deserialize(seal(2, 0xFFFFFFFFu, 0, 9, 4)),
                  samestory::format_error);
  CHECK_THROWS_AS(minhash_signature::deserialize(seal(2, 3, 0, 9, 4)), samestory::format_error);
  CHECK_THROWS_WITH(minhash_signature::deserialize(seal(3, 4, 0, 9, 4)),
                    Catch::Contains("scheme 1 or 2, actual 3"));
  CHECK_THROWS_AS(minhash_signature::deserialize(seal(2, 4, 2, 9, 4)), samestory::format_error);
  CHECK_THROWS_AS(minhash_signature::deserialize(seal(2, 4, 1, 9, 4)), samestory::format_error);
  CHECK_NOTHROW(minhash_signature::deserialize(seal(2, 4, 1, 0, 4)));
  // Another version is refused.
  std::string v2 = seal(2, 4, 0, 9, 4);
  v2[4] = 2;
  CHECK_THROWS_WITH(minhash_signature::deserialize(v2), Catch::Contains("format version"));
}

TEST_CASE("minhash: containment of a small set in a big one", "[minhash][statistics]") {
  // A ⊂ B, |A| = 1000, |B| = 8000: J = 1/8, true containment 1.
  // containment(J) = J(|A|+|B|)/((1+J)|A|) = 9J/(1+J); d/dJ = 9/(1+J)^2 =
  // 7.1 at J = 1/8. With k = 1024, sd(J) = sqrt(J(1-J)/k) = 0.0103, so the
  // containment estimate has sd about 0.073; 4 sd is 0.3. The estimate is
  // clamped at 1, so check >= 0.7. The mean over 50 seeds has sd 0.073 /
  // sqrt(50) = 0.010 (before clamping), so its tolerance is 0.05.
  std::mt19937_64 rng(31337);
  for (const minhash_scheme scheme : {minhash_scheme::classic, minhash_scheme::one_permutation}) {
    INFO(name_of(scheme));
    double sum = 0;
    for (int t = 0; t < 50; ++t) {
      const minhasher hasher({1024, scheme, rng()});
      const auto big = random_hashes(rng, 8000);
      const std::vector<std::uint64_t> small(big.begin(), big.begin() + 1000);
      const minhash_signature a = hasher.sign(small);
      const minhash_signature b = hasher.sign(big);
      const double c = estimate_containment(a, b);
      CHECK(c >= 0.7);
      CHECK(c <= 1.0);
      sum += c;
      // The other way round: |A∩B|/|B| = 1/8.
      CHECK(std::abs(estimate_containment(b, a) - 0.125) <= 0.05);
    }
    CHECK(std::abs(sum / 50 - 1.0) <= 0.05);
  }
}

TEST_CASE("minhash: the AVX2 classic kernel equals the scalar one", "[minhash][simd]") {
  if (!samestory::detail::minhash_cpu_has_avx2()) {
    WARN("this CPU lacks AVX2; the AVX2 kernel is not tested");
    return;
  }
  std::mt19937_64 rng(20260522);
  for (const std::size_t k : {1u, 7u, 8u, 64u, 128u, 130u, 256u}) {
    // Lengths around the kernel's 256-shingle chunk, plus 0 and 1.
    for (const std::size_t n : {0u, 1u, 2u, 3u, 17u, 255u, 256u, 257u, 1000u}) {
      std::vector<std::uint64_t> hashes(n);
      for (auto& h : hashes) h = rng();
      std::vector<std::uint32_t> a(k), b(k);
      for (std::size_t i = 0; i < k; ++i) {
        a[i] = static_cast<std::uint32_t>(rng()) | 1u;
        b[i] = static_cast<std::uint32_t>(rng());
      }
      const std::uint64_t key = rng();
      std::vector<std::uint32_t> scalar(k, 0xFFFFFFFFu);
      std::vector<std::uint32_t> avx2(k, 0xFFFFFFFFu);
      samestory::detail::minhash_classic_scalar(hashes.data(), n, key, a.data(), b.data(),
                                                scalar.data(), k);
      samestory::detail::minhash_classic_avx2(hashes.data(), n, key, a.data(), b.data(),
                                              avx2.data(), k);
      INFO("k " << k << ", n " << n);
      CHECK(avx2 == scalar);
    }
  }
}
