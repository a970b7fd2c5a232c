// Tests for the internal flat multimap behind every index (src/tag_table.hpp):
// a long random sequence of inserts and erases, with many equal tags and a
// table that grows and wraps around, checked against std::multimap.
#include "../src/tag_table.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <random>
#include <vector>

using samestory::detail::tag_table;

namespace {

std::vector<std::uint32_t> slots_of(const tag_table& t, std::uint32_t tag) {
  std::vector<std::uint32_t> v;
  t.for_each(tag, [&](std::uint32_t s) { v.push_back(s); });
  std::sort(v.begin(), v.end());
  return v;
}

std::vector<std::uint32_t> slots_of(const std::multimap<std::uint32_t, std::uint32_t>& m,
                                    std::uint32_t tag) {
  std::vector<std::uint32_t> v;
  for (auto [it, end] = m.equal_range(tag); it != end; ++it) v.push_back(it->second);
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

TEST_CASE("tag_table: agrees with std::multimap under random inserts and erases", "[tag_table]") {
  for (const std::uint32_t tag_range : {7u, 1000u, 0xFFFFFFFFu}) {
    CAPTURE(tag_range);
    std::mt19937_64 rng(tag_range);
    tag_table t;
    std::multimap<std::uint32_t, std::uint32_t> model;
    // Tags near the top of the range make homes wrap to the table's start.
    const auto draw_tag = [&] {
      const auto x = static_cast<std::uint32_t>(rng() % tag_range);
      return tag_range == 0xFFFFFFFFu ? x : 0xFFFFFFFFu - x;
    };
    std::uint32_t next_slot = 0;
    for (int step = 0; step < 60000; ++step) {
      if (model.empty() || rng() % 3 != 0) {
        const std::uint32_t tag = draw_tag();
        t.insert(tag, next_slot);
        model.emplace(tag, next_slot);
        ++next_slot;
      } else {
        auto it = model.begin();
        std::advance(it, static_cast<long>(rng() % std::min<std::size_t>(model.size(), 50)));
        REQUIRE(t.erase(it->first, it->second));
        REQUIRE_FALSE(t.erase(it->first, it->second));
        model.erase(it);
      }
      if (step % 997 == 0) {
        REQUIRE(t.size() == model.size());
        for (int probe = 0; probe < 20; ++probe) {
          const std::uint32_t tag = draw_tag();
          REQUIRE(slots_of(t, tag) == slots_of(model, tag));
        }
      }
    }
    for (const auto& [tag, slot] : model) {
      const auto v = slots_of(t, tag);
      REQUIRE(std::binary_search(v.begin(), v.end(), slot));
    }
    REQUIRE(t.relabel(model.begin()->first, model.begin()->second, 0xABCDu));
    REQUIRE_FALSE(t.relabel(model.begin()->first, model.begin()->second, 1u));
    // Load stays below 7/8 and the table is not wastefully large.
    REQUIRE(t.size() * 8 <= t.capacity() * 7);
  }
}

TEST_CASE("tag_table: erase of an absent entry and lookups in an empty table", "[tag_table]") {
  tag_table t;
  REQUIRE_FALSE(t.erase(1, 2));
  REQUIRE(slots_of(t, 1).empty());
  t.insert(1, 2);
  REQUIRE_FALSE(t.erase(1, 3));
  REQUIRE_FALSE(t.erase(2, 2));
  REQUIRE(t.erase(1, 2));
  REQUIRE(t.size() == 0);
}
