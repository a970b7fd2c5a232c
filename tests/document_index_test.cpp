// Tests for document_index.hpp: matches by key above the threshold, replacing
// and removing keys, eviction, empty texts, options, and a save/load round
// trip that keeps the answers. (Hostile bytes: saved_state_test.cpp.)
#include <samestory/document_index.hpp>
#include <samestory/error.hpp>

#include "support/documents.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

using namespace samestory;
using samestory::test::word;

namespace {

std::string article(unsigned seed, std::size_t n = 150) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<unsigned> pick(0, 4000);
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0) s += ' ';
    s += word(pick(rng));
  }
  return s + ".";
}

// The article with its last tenth replaced: Jaccard about 0.8.
std::string edited(const std::string& a, unsigned seed) {
  return a.substr(0, a.size() * 9 / 10) + " " + article(seed, 12);
}

}  // namespace

TEST_CASE("document_index: finds copies by key, best first, above the threshold",
          "[document_index]") {
  document_index index;
  const std::string a = article(1);
  index.add("a", a);
  index.add("a-copy", a);
  index.add("a-edit", edited(a, 2));
  index.add("other", article(3));
  const auto m = index.query(a);
  REQUIRE(m.size() == 3);
  CHECK((m[0].key == "a" || m[0].key == "a-copy"));
  CHECK(m[0].jaccard == 1.0);
  CHECK(m[2].key == "a-edit");
  CHECK(m[2].jaccard >= 0.5);
  CHECK(m[2].jaccard < 1.0);
  CHECK(index.query(a, 1).size() == 1);
  CHECK(index.query(article(4)).empty());
}

TEST_CASE("document_index: a key is replaced, removed and evicted", "[document_index]") {
  document_index index;
  const std::string a = article(10), b = article(11);
  index.add("k", a, 100);
  index.add("k", b, 200);  // a re-fetched page with new content
  CHECK(index.size() == 1);
  CHECK(index.query(a).empty());
  REQUIRE(index.query(b).size() == 1);
  index.add("old", a, 50);
  CHECK(index.evict_older_than(100) == 1);
  CHECK_FALSE(index.contains("old"));
  CHECK(index.contains("k"));
  CHECK(index.remove("k"));
  CHECK_FALSE(index.remove("k"));
  CHECK(index.size() == 0);
}

TEST_CASE("document_index: empty texts match nothing, and bad options and keys are refused",
          "[document_index]") {
  document_index index;
  index.add("empty", "");
  index.add("punctuation", "。。 。。。。 。 , , ,,,,,");
  CHECK(index.query("").empty());
  CHECK(index.size() == 2);
  document_index_options o;
  o.threshold = 1.0;
  CHECK_THROWS_AS(document_index(o), invalid_options_error);
  CHECK_THROWS_AS(index.add(std::string(70000, 'k'), "text"), error);
  CHECK_THROWS_AS(index.add("bad", "caf\xC3"), invalid_utf8_error);
}

TEST_CASE("document_index: a loaded index answers as the saved one", "[document_index]") {
  document_index index;
  for (unsigned i = 0; i < 30; ++i) {
    const std::string a = article(100 + i);
    index.add("doc/" + std::to_string(i), a, i);
    if (i % 3 == 0) index.add("copy/" + std::to_string(i), edited(a, 500 + i), i);
  }
  index.remove("doc/4");
  const document_index loaded = document_index::load(index.save());
  CHECK(loaded.size() == index.size());
  CHECK(loaded.save() == index.save());
  for (unsigned i = 0; i < 30; ++i) {
    const auto x = index.query(article(100 + i));
    const auto y = loaded.query(article(100 + i));
    REQUIRE(x.size() == y.size());
    for (std::size_t j = 0; j < x.size(); ++j) {
      CHECK(x[j].key == y[j].key);
      CHECK(x[j].jaccard == y[j].jaccard);
    }
  }
  document_index_options other;
  other.threshold = 0.8;
  CHECK_THROWS_AS(document_index::load(index.save(), other), settings_mismatch_error);
}

TEST_CASE("document_index: threads adding, querying and removing lose nothing",
          "[document_index][concurrency]") {
  document_index index;
  constexpr unsigned threads = 4, per_thread = 40;
  std::atomic<unsigned> bad{0};
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (unsigned i = 0; i < per_thread; ++i) {
        const std::string key = std::to_string(t) + "/" + std::to_string(i);
        const std::string text = article(1000 * t + i);
        index.add(key, text);
        const auto m = index.query(text);
        // Its own key is there until this thread removes it.
        bool found = false;
        for (const auto& x : m) found = found || x.key == key;
        if (!found) ++bad;
        if (i % 4 == 0 && !index.remove(key)) ++bad;
      }
    });
  }
  for (auto& th : pool) th.join();
  CHECK(bad == 0);
  CHECK(index.size() == threads * (per_thread - per_thread / 4));
}
