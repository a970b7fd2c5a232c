// Tests for brute_force_index.hpp, the exact oracle: its figures equal a
// direct computation, its size filter loses nothing, and it shares the
// replace / remove / evict semantics of the other indexes.
#include <samestory/brute_force_index.hpp>

#include "support/exact.hpp"
#include "support/sets.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <vector>

using samestory::brute_force_index;
using samestory::match;
using samestory::query_options;
using samestory::test::edited;
using samestory::test::random_set;

TEST_CASE("brute_force_index: exact Jaccard and containment", "[brute_force]") {
  std::vector<std::uint64_t> a{1, 2, 3, 4}, b{3, 4, 5, 6, 7, 8}, c{9};
  CHECK(samestory::exact_jaccard(a, b) == Approx(2.0 / 8.0));
  CHECK(samestory::exact_jaccard(a, a) == 1.0);
  CHECK(samestory::exact_jaccard(a, {}) == 0.0);
  brute_force_index index;
  std::vector<std::uint64_t> b_with_duplicates = b;
  b_with_duplicates.insert(b_with_duplicates.end(), b.rbegin(), b.rend());
  index.insert(2, b_with_duplicates, 5);
  index.insert(3, c);
  const auto m = index.query(a);
  REQUIRE(m.size() == 2);  // no filter: even the disjoint set is listed
  CHECK(m[0].id == 2);
  CHECK(m[0].jaccard == Approx(0.25));
  CHECK(m[0].containment == Approx(0.5));  // 2 of the smaller set's 4
  CHECK(m[0].set_size == 6);
  CHECK(m[0].time == 5);
  CHECK(m[1].jaccard == 0.0);
  query_options o;
  o.min_jaccard = 0.01;
  CHECK(index.query(a, o).size() == 1);
}

TEST_CASE("brute_force_index: filters agree with a direct computation", "[brute_force]") {
  std::mt19937_64 rng(21);
  brute_force_index index;
  std::vector<std::vector<std::uint64_t>> sets;
  const auto base = random_set(rng, 300);
  for (std::uint64_t id = 0; id < 300; ++id) {
    auto s = edited(rng, base, std::uniform_real_distribution<double>(0, 1)(rng));
    s.resize(50 + rng() % 250);  // sizes differ, so the size filter has work
    sets.push_back(s);
    index.insert(id, s, static_cast<std::int64_t>(id));
  }
  for (const double t : {0.0, 0.2, 0.5, 0.8}) {
    for (const double c : {0.0, 0.6}) {
      query_options o;
      o.min_jaccard = t;
      o.min_containment = c;
      const auto got = index.query_id(0, o);
      std::vector<std::uint64_t> want;
      for (std::uint64_t id = 1; id < sets.size(); ++id) {
        const double j = samestory::test::jaccard(sets[0], sets[id]);
        const double k = samestory::test::containment(sets[0], sets[id]);
        if (j >= t && k >= c) want.push_back(id);
      }
      std::vector<std::uint64_t> ids;
      for (const match& m : got) {
        ids.push_back(m.id);
        CHECK(m.jaccard == Approx(samestory::test::jaccard(sets[0], sets[m.id])));
      }
      std::sort(ids.begin(), ids.end());
      CHECK(ids == want);
      for (std::size_t i = 1; i < got.size(); ++i) CHECK(got[i - 1].jaccard >= got[i].jaccard);
    }
  }
  CHECK(index.query_top(sets[0], 3).size() == 3);
  CHECK(index.query_top(sets[0], 3)[0].id == 0);
}

TEST_CASE("brute_force_index: replace, remove, evict", "[brute_force]") {
  brute_force_index index;
  const std::vector<std::uint64_t> a{1, 2, 3}, b{4, 5, 6}, none;
  index.insert(1, a, 10);
  index.insert(1, b, 20);
  CHECK(index.size() == 1);
  query_options o;
  o.min_jaccard = 0.1;
  CHECK(index.query(a, o).empty());
  CHECK(index.query(b, o).at(0).time == 20);
  index.insert(2, a, 30);
  index.insert(3, none, 40);  // stored, never matches
  CHECK(index.query(none).empty());
  CHECK(index.size() == 3);
  CHECK(index.evict_older_than(25) == 1);
  CHECK_FALSE(index.contains(1));
  const std::vector<std::uint64_t> ids{2, 3, 4};
  CHECK(index.remove(ids) == 2);
  CHECK(index.size() == 0);
  CHECK_FALSE(index.remove(2));
  CHECK(index.ids().empty());
}
