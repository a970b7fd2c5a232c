// The conformance suite of lsh_index's backends: the same operations on the
// in-memory index, on a single Redis server and on a 3-master Redis Cluster
// must give the same answers, field for field.
#include <samestory/error.hpp>
#include <samestory/lsh_index.hpp>
#include <samestory/minhash.hpp>

#include "support/matches.hpp"
#include "support/redis.hpp"
#include "support/sets.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <random>
#include <thread>
#include <vector>

using samestory::document_id;
using samestory::lsh_index;
using samestory::match;
using samestory::minhash_signature;
using samestory::minhasher;
using samestory::query_options;
using samestory::test::same;

namespace {

// A corpus of near-duplicate families: 60 originals, each with 4 edits of
// growing distance (Jaccard about 0.9 down to 0.4), and 60 unrelated documents.
struct corpus {
  std::vector<document_id> ids;
  std::vector<minhash_signature> signatures;
  std::vector<std::int64_t> times;
};

corpus make_corpus(const minhasher& hasher) {
  std::mt19937_64 rng(7);
  corpus c;
  document_id next = 1;
  const auto add = [&](const std::vector<std::uint64_t>& set) {
    // Ids spread over the whole 64-bit range, high bit included.
    c.ids.push_back(next * 0x9E3779B97F4A7C15ULL);
    c.signatures.push_back(hasher.sign(set));
    c.times.push_back(static_cast<std::int64_t>(1'700'000'000 + next * 60));
    ++next;
  };
  for (int f = 0; f < 60; ++f) {
    const auto original = samestory::test::random_set(rng, 200 + 10 * static_cast<std::size_t>(f));
    add(original);
    for (const double edit : {0.05, 0.15, 0.3, 0.45}) {
      add(samestory::test::edited(rng, original, edit));
    }
  }
  for (int u = 0; u < 60; ++u) add(samestory::test::random_set(rng, 300));
  add({});  // an empty document: stored, never matches
  return c;
}

// Runs the same script on `index` and the in-memory reference.
void conform(lsh_index& index) {
  const minhasher hasher({}, 3);
  lsh_index reference({16, 8}, hasher);
  const corpus c = make_corpus(hasher);
  REQUIRE(index.size() == 0);

  // Batch insert with a duplicate id inside (the later one wins), then singles.
  const std::size_t half = c.ids.size() / 2;
  std::vector<document_id> ids(c.ids.begin(), c.ids.begin() + static_cast<std::ptrdiff_t>(half));
  std::vector<minhash_signature> sigs(c.signatures.begin(),
                                      c.signatures.begin() + static_cast<std::ptrdiff_t>(half));
  std::vector<std::int64_t> times(c.times.begin(),
                                  c.times.begin() + static_cast<std::ptrdiff_t>(half));
  ids.push_back(c.ids[0]);
  sigs.push_back(c.signatures[7]);
  times.push_back(42);
  for (lsh_index* i : {&index, &reference}) i->insert_batch(ids, sigs, times);
  for (std::size_t d = half; d < c.ids.size(); ++d) {
    for (lsh_index* i : {&index, &reference}) i->insert(c.ids[d], c.signatures[d], c.times[d]);
  }
  // Replace a document with another's values: its old band entries must go.
  for (lsh_index* i : {&index, &reference}) i->insert(c.ids[3], c.signatures[200], 99);
  CHECK(index.size() == reference.size());

  std::vector<document_id> a = index.ids();
  std::vector<document_id> b = reference.ids();
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  CHECK(a == b);

  query_options loose;
  query_options strict;
  strict.min_jaccard = 0.5;
  query_options top;
  top.limit = 2;
  top.order = samestory::rank_by::containment;
  std::size_t compared = 0;
  std::size_t differing = 0;
  for (const query_options& o : {loose, strict, top}) {
    const auto batch = index.query_batch(c.signatures, o);
    for (std::size_t d = 0; d < c.ids.size(); ++d) {
      const auto expected = reference.query(c.signatures[d], o);
      differing += !same(index.query(c.signatures[d], o), expected);
      differing += !same(batch[d], expected);
      differing += !same(index.query_id(c.ids[d], o), reference.query_id(c.ids[d], o));
      compared += 3;
    }
  }
  CHECK(compared == 3 * 3 * c.ids.size());
  CHECK(differing == 0);
  std::size_t candidate_sets = 0;
  for (std::size_t d = 0; d < c.ids.size(); d += 7) {
    CHECK(index.candidates(c.signatures[d]) == reference.candidates(c.signatures[d]));
    ++candidate_sets;
  }
  CHECK(candidate_sets > 0);
  // Near-duplicates are really found: document 5 and its closer edits.
  CHECK(index.query(c.signatures[5], strict).size() >= 3);

  // The saved snapshot is byte for byte the in-memory one.
  CHECK(index.save() == reference.save());

  // Removal, one and many (with an unknown id and a duplicate), and eviction.
  CHECK(index.remove(c.ids[1]) == reference.remove(c.ids[1]));
  CHECK_FALSE(index.remove(c.ids[1]));
  const std::vector<document_id> some = {c.ids[10], c.ids[11], c.ids[11], 12345};
  CHECK(index.remove(some) == 2);
  CHECK(reference.remove(some) == 2);
  CHECK_FALSE(index.contains(c.ids[10]));
  CHECK(index.contains(c.ids[12]));
  const std::int64_t cutoff = c.times[100];
  const std::size_t evicted = index.evict_older_than(cutoff);
  CHECK(evicted == reference.evict_older_than(cutoff));
  CHECK(evicted > 50);
  CHECK(index.size() == reference.size());
  differing = 0;
  for (std::size_t d = 0; d < c.ids.size(); ++d) {
    differing +=
        !same(index.query(c.signatures[d], loose), reference.query(c.signatures[d], loose));
  }
  CHECK(differing == 0);
  CHECK(index.save() == reference.save());

  // Limits behave alike.
  query_options tight;
  tight.max_candidates = 1;
  CHECK_THROWS_AS(index.query(c.signatures[150], tight), samestory::limit_exceeded_error);
  CHECK_THROWS_AS(reference.query(c.signatures[150], tight), samestory::limit_exceeded_error);
}

}  // namespace

TEST_CASE("conformance: the in-memory backend", "[conformance]") {
  const minhasher hasher({}, 3);
  lsh_index index({16, 8}, hasher);
  conform(index);
}

TEST_CASE("conformance: a single Redis server", "[conformance][redis]") {
  const minhasher hasher({}, 3);
  samestory::test::dropped_at_exit store{samestory::test::redis_store("single", "conform")};
  lsh_index index({16, 8}, hasher, store.store);
  CHECK(index.is_shared());
  conform(index);
}

TEST_CASE("conformance: a Redis Cluster of three masters", "[conformance][redis]") {
  const minhasher hasher({}, 3);
  samestory::test::dropped_at_exit store{samestory::test::redis_store("cluster", "conform")};
  lsh_index index({16, 8}, hasher, store.store);
  conform(index);
}

TEST_CASE("conformance: without pipelining the answers are the same", "[conformance][redis]") {
  const minhasher hasher({}, 3);
  samestory::test::dropped_at_exit store{samestory::test::redis_store("cluster", "conform")};
  store.store.pipelining = false;
  lsh_index index({16, 8}, hasher, store.store);
  conform(index);
}

TEST_CASE("conformance: one Redis-backed index shared by threads", "[redis][concurrency]") {
  // Calls on one object are serialized over its connections: 4 threads
  // inserting and querying must leave what a serial run leaves.
  const minhasher hasher({}, 3);
  samestory::test::dropped_at_exit store{samestory::test::redis_store("cluster", "threads")};
  lsh_index shared({16, 8}, hasher, store.store);
  lsh_index reference({16, 8}, hasher);
  const corpus c = make_corpus(hasher);
  std::atomic<std::size_t> missing{0};
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (std::size_t d = t; d < c.ids.size(); d += 4) {
        shared.insert(c.ids[d], c.signatures[d], c.times[d]);
        // Read your own write: a stored non-empty document finds itself.
        if (!c.signatures[d].is_empty()) {
          const auto found = shared.query(c.signatures[d]);
          const bool self = std::any_of(found.begin(), found.end(),
                                        [&](const match& m) { return m.id == c.ids[d]; });
          missing += self ? 0 : 1;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(missing == 0);
  reference.insert_batch(c.ids, c.signatures, c.times);
  CHECK(shared.size() == reference.size());
  CHECK(shared.save() == reference.save());
}
