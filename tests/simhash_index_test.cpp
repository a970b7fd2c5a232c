// Tests for simhash_index.hpp: the permuted tables find exactly the
// fingerprints within k bits (checked against a linear scan), and the
// replace / remove / evict / limit / option semantics.
#include <samestory/error.hpp>
#include <samestory/simhash_index.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <bit>
#include <random>
#include <vector>

using samestory::simhash_index;
using samestory::simhash_index_options;
using samestory::simhash_match;

namespace {

std::uint64_t flip_bits(std::mt19937_64& rng, std::uint64_t fp, std::uint32_t bits) {
  std::uint64_t mask = 0;
  while (static_cast<std::uint32_t>(std::popcount(mask)) < bits) mask |= 1ull << (rng() % 64);
  return fp ^ mask;
}

}  // namespace

TEST_CASE("simhash_index: exactly the fingerprints within k bits", "[simhash_index]") {
  for (const auto& [k, blocks] : std::vector<std::pair<std::uint32_t, std::uint32_t>>{
           {0, 1}, {3, 6}, {3, 0}, {6, 8}, {6, 0}, {8, 10}}) {
    CAPTURE(k, blocks);
    simhash_index index({.max_distance = k, .blocks = blocks});
    std::mt19937_64 rng(k * 100 + blocks);
    std::vector<std::uint64_t> stored;
    std::vector<std::uint64_t> queries;
    for (int c = 0; c < 200; ++c) {
      const std::uint64_t centre = rng();
      queries.push_back(centre);
      // Neighbours at every distance up to k + 3, so the boundary is tested.
      for (std::uint32_t d = 0; d <= k + 3; ++d) stored.push_back(flip_bits(rng, centre, d));
    }
    for (std::size_t i = 0; i < stored.size(); ++i) index.insert(i, stored[i]);
    for (const std::uint64_t q : queries) {
      std::vector<std::uint64_t> truth;
      for (std::size_t i = 0; i < stored.size(); ++i) {
        if (static_cast<std::uint32_t>(std::popcount(stored[i] ^ q)) <= k) truth.push_back(i);
      }
      std::vector<std::uint64_t> got;
      std::uint32_t last = 0;
      for (const simhash_match& m : index.query(q)) {
        got.push_back(m.id);
        CHECK(m.distance == static_cast<std::uint32_t>(std::popcount(stored[m.id] ^ q)));
        CHECK(m.distance >= last);  // nearest first
        last = m.distance;
      }
      std::sort(got.begin(), got.end());
      REQUIRE(got == truth);
    }
  }
}

TEST_CASE("simhash_index: default options and table counts", "[simhash_index]") {
  const simhash_index index;
  CHECK(index.options().max_distance == 6);
  CHECK(index.options().blocks == 8);
  CHECK(index.tables() == 28);  // C(8, 6)
  CHECK(simhash_index({.max_distance = 3, .blocks = 6}).tables() == 20);
  CHECK_THROWS_AS(simhash_index({.max_distance = 32}), samestory::invalid_options_error);
  CHECK_THROWS_AS(simhash_index({.max_distance = 6, .blocks = 6}),
                  samestory::invalid_options_error);
  CHECK_THROWS_AS(simhash_index({.max_distance = 3, .blocks = 65}),
                  samestory::invalid_options_error);
  CHECK_THROWS_AS(simhash_index({.max_distance = 20, .blocks = 40}),
                  samestory::invalid_options_error);  // C(40, 20) tables
}

TEST_CASE("simhash_index: replace, remove, evict, limit", "[simhash_index]") {
  simhash_index index({.max_distance = 4});
  std::mt19937_64 rng(11);
  const std::uint64_t a = rng(), b = rng();
  index.insert(1, a, 100);
  index.insert(1, b, 200);  // re-fetched page
  CHECK(index.size() == 1);
  CHECK(index.query(a).empty());
  auto m = index.query(b);
  REQUIRE(m.size() == 1);
  CHECK(m[0].time == 200);
  CHECK(m[0].distance == 0);

  for (std::uint64_t id = 2; id < 12; ++id) {
    index.insert(id, flip_bits(rng, b, static_cast<std::uint32_t>(id % 5)),
                 static_cast<std::int64_t>(id));
  }
  CHECK(index.query(b).size() == 11);
  CHECK(index.query(b, 0).size() == 1 + 2);  // ids 1, 5, 10 are at distance 0
  const auto top = index.query(b, 4, 3);
  REQUIRE(top.size() == 3);
  CHECK(top[0].distance == 0);
  CHECK_THROWS_AS(index.query(b, 5), samestory::error);

  CHECK(index.remove(1));
  CHECK_FALSE(index.remove(1));
  const std::vector<std::uint64_t> ids{2, 3, 99};
  CHECK(index.remove(ids) == 2);
  CHECK(index.evict_older_than(8) == 4);  // 4, 5, 6, 7
  CHECK(index.size() == 4);
  for (const auto& x : index.query(b)) CHECK(x.time >= 8);
  CHECK(index.contains(11));
  CHECK_FALSE(index.contains(4));
  CHECK(index.memory_bytes() > 0);
}
