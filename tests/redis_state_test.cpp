// Tests of the Redis-backed document_index and durable_clusterer: several
// objects on one name share documents at once, settings are checked against
// the stored ones, the clusterer state is resumed anywhere and has one writer.
#include <samestory/document_index.hpp>
#include <samestory/durable_cluster.hpp>
#include <samestory/error.hpp>
#include <samestory/lsh_index.hpp>
#include <samestory/minhash.hpp>

#include "support/documents.hpp"
#include "support/redis.hpp"

#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

using namespace samestory;
using samestory::test::doc;
using samestory::test::dropped_at_exit;
using samestory::test::redis_store;
using samestory::test::word;

namespace {

std::string article(unsigned topic, unsigned seed, int words = 120) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<unsigned> pick(topic * 200, topic * 200 + 199);
  std::string s;
  for (int w = 0; w < words; ++w) {
    if (w > 0) s += ' ';
    s += word(pick(rng));
  }
  return s + ".";
}

// The same article with its last tenth rewritten: a near copy.
std::string near_copy(const std::string& text, unsigned seed) {
  return text.substr(0, text.size() * 9 / 10) + " " + article(19, seed, 8);
}

// A key of the story state (docs/redis.md): ss:NAME:c:{NAME}:part.
std::string state_key(const redis_options& store, const char* part) {
  std::string key = "ss:";
  key += store.name;
  key += ":c:{";
  key += store.name;
  key += "}:";
  key += part;
  return key;
}

// Another program changing the store behind samestory's back (-c: cluster redirects).
void redis_cli(const redis_options& store, const std::string& command) {
  std::string line = "redis-cli -c -h ";
  line += store.host;
  line += " -p " + std::to_string(store.port) + " " + command + " >/dev/null";
  REQUIRE(std::system(line.c_str()) == 0);
}

}  // namespace

TEST_CASE("redis document_index: two openers share keys and documents at once", "[redis]") {
  for (const char* which : {"single", "cluster"}) {
    dropped_at_exit store{redis_store(which, "docs")};
    document_index writer({}, store.store);
    document_index reader({}, store.store);
    CHECK(writer.is_shared());
    const std::string a = article(1, 1);
    const std::string b = article(2, 2);
    writer.add("https://a.example/1", a, 100);
    const std::vector<std::string_view> keys = {"https://b.example/2", "https://c.example/3"};
    const std::string c = near_copy(a, 3);
    const std::vector<std::string_view> texts = {b, c};
    const std::vector<std::int64_t> times = {200, 300};
    writer.add_batch(keys, texts, times);
    // The other object sees them at once, keys included.
    CHECK(reader.size() == 3);
    CHECK(reader.contains("https://c.example/3"));
    const auto found = reader.query(a);
    REQUIRE(found.size() == 2);
    CHECK(found[0].key == "https://a.example/1");
    CHECK(found[0].jaccard == 1.0);
    CHECK(found[1].key == "https://c.example/3");
    // The in-memory index gives the same answer.
    document_index memory;
    memory.add("https://a.example/1", a, 100);
    memory.add_batch(keys, texts, times);
    const auto expected = memory.query(a);
    REQUIRE(expected.size() == found.size());
    for (std::size_t i = 0; i < found.size(); ++i) {
      CHECK(found[i].key == expected[i].key);
      CHECK(found[i].jaccard == expected[i].jaccard);
      CHECK(found[i].containment == expected[i].containment);
    }
    CHECK(reader.remove("https://a.example/1"));
    CHECK_FALSE(writer.remove("https://a.example/1"));
    CHECK(writer.evict_older_than(250) == 1);  // b, at 200
    CHECK(writer.size() == 1);
    CHECK_THROWS_AS(writer.save(), error);
  }
}

TEST_CASE("redis: opening a name with other settings is refused by name", "[redis]") {
  dropped_at_exit store{redis_store("cluster", "settings")};
  document_index first({}, store.store);
  document_index_options other;
  other.threshold = 0.8;
  try {
    document_index second(other, store.store);
    FAIL("opened with another threshold");
  } catch (const settings_mismatch_error& e) {
    CHECK(e.setting() == "threshold");
    CHECK(std::string(e.what()).find("0.8") != std::string::npos);
  }
  // An lsh_index is not a document_index either.
  const minhasher hasher({}, 0);
  CHECK_THROWS_AS(lsh_index({16, 8}, hasher, store.store), settings_mismatch_error);
  // After the name is dropped it can be made again with other settings.
  CHECK(drop_redis_index(store.store) > 0);
  document_index again(other, store.store);
  CHECK(again.size() == 0);
}

TEST_CASE("redis durable_clusterer: state resumes in another object, assignment for assignment",
          "[redis]") {
  for (const char* which : {"single", "cluster"}) {
    dropped_at_exit store{redis_store(which, "stories")};
    std::vector<std::string> texts;
    for (unsigned i = 0; i < 40; ++i) {
      texts.push_back(i % 4 == 3 ? near_copy(texts[i - 3], i) : article(i % 5, i));
    }
    online_clusterer reference;
    durability_options every_25;
    every_25.checkpoint_every = 25;
    {
      durable_clusterer dc(store.store, {}, every_25);
      CHECK_FALSE(dc.recovery().snapshot_loaded);
      for (unsigned i = 0; i < 30; ++i) {
        const auto t = 1'700'000'000 + 600 * static_cast<std::int64_t>(i);
        const assignment a = dc.add(doc(i, texts[i], t));
        const assignment b = reference.add(doc(i, texts[i], t));
        CHECK(a.story == b.story);
        CHECK(a.copy == b.copy);
      }
      CHECK(dc.remove(7));
      reference.remove(7);
      // Holding the state, this object is its only writer.
      CHECK_THROWS_AS(durable_clusterer(store.store), store_error);
    }
    cluster_options other;
    other.online_story_threshold = 0.9;
    CHECK_THROWS_AS(durable_clusterer(store.store, other), settings_mismatch_error);
    durable_clusterer dc(store.store, {}, every_25);
    CHECK(dc.recovery().snapshot_loaded);
    CHECK(dc.recovery().generation == 2);        // 1 on creation, 2 after 25 documents
    CHECK(dc.recovery().records_replayed == 6);  // adds 25..29 and the remove
    CHECK(dc.clusterer().save() == reference.save());
    std::vector<document> rest;
    for (unsigned i = 30; i < 40; ++i) {
      rest.push_back(doc(i, texts[i], 1'700'000'000 + 600 * static_cast<std::int64_t>(i)));
    }
    const auto got = dc.add_batch(rest);
    for (std::size_t i = 0; i < rest.size(); ++i) {
      CHECK(got[i].story == reference.add(rest[i]).story);
    }
    dc.checkpoint();
    CHECK(dc.logged() == 0);
    CHECK(dc.clusterer().save() == reference.save());
  }
}

TEST_CASE("redis durable_clusterer: a writer that lost its lease is refused", "[redis]") {
  dropped_at_exit store{redis_store("single", "fence")};
  durable_clusterer first(store.store);
  first.add(doc(1, article(1, 1), 1'700'000'000));
  // Someone breaks the lease by hand (or it expired while the first stalled)
  // and a second process takes the state and writes.
  redis_cli(store.store, "DEL '" + state_key(store.store, "lock") + "'");
  durable_clusterer second(store.store);
  CHECK(second.clusterer().documents().size() == 1);
  second.add(doc(2, article(2, 2), 1'700'000'600));
  // The first's next write would fork the history: refused, and it stays refused.
  CHECK_THROWS_AS(first.add(doc(3, article(3, 3), 1'700'001'200)), store_error);
  CHECK_THROWS_AS(first.add(doc(4, article(4, 4), 1'700'001'800)), store_error);
  CHECK(second.clusterer().documents().size() == 2);
}

TEST_CASE("redis durable_clusterer: a damaged stored snapshot is refused, not loaded", "[redis]") {
  dropped_at_exit store{redis_store("cluster", "damaged")};
  {
    durable_clusterer dc(store.store);
    for (unsigned i = 0; i < 5; ++i) dc.add(doc(i, article(i, i), 1'700'000'000 + i));
    dc.checkpoint();  // generation 2: chunk ss:NAME:c:{NAME}:snapshot:2:0
  }
  // Another program overwrites a byte of the snapshot behind our back.
  redis_cli(store.store, "SETRANGE '" + state_key(store.store, "snapshot:2:0") + "' 40 X");
  try {
    durable_clusterer dc(store.store);
    FAIL("a damaged snapshot was loaded");
  } catch (const format_error& e) {
    CHECK(std::string(e.what()).find("damaged or incomplete") != std::string::npos);
  }
}
