// Thread safety of the indexes as documented: queries run while another
// thread inserts, replaces, removes and evicts, and batch inserts from
// several threads at once lose nothing. Run under ThreadSanitizer with
// SAMESTORY_SANITIZE=thread; under the default build it still checks that
// every reader sees consistent results.
#include <samestory/brute_force_index.hpp>
#include <samestory/lsh_index.hpp>
#include <samestory/minhash.hpp>
#include <samestory/simhash_index.hpp>

#include "support/sets.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <random>
#include <thread>
#include <vector>

using samestory::document_id;
using samestory::minhasher;
using samestory::test::edited;
using samestory::test::random_set;

TEST_CASE("lsh_index: readers see stable documents while a writer churns", "[concurrency]") {
  const minhasher hasher({}, 0);
  samestory::lsh_index index({32, 4}, hasher);
  std::mt19937_64 rng(31);
  // Documents 0..199 stay for the whole test; the writer churns 1000 and up.
  std::vector<samestory::minhash_signature> stable;
  for (document_id id = 0; id < 200; ++id) {
    stable.push_back(hasher.sign(random_set(rng, 150)));
    index.insert(id, stable.back(), 1000);
  }
  std::vector<samestory::minhash_signature> churn;
  for (int i = 0; i < 400; ++i) churn.push_back(hasher.sign(random_set(rng, 150)));

  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&, r] {
      std::size_t i = static_cast<std::size_t>(r);
      while (!stop.load()) {
        const auto id = static_cast<document_id>(i % stable.size());
        const auto m = index.query(stable[id]);
        if (m.empty() || m[0].id != id || m[0].jaccard != 1.0) ++failures;
        if (!index.contains(id)) ++failures;
        i += 7;
      }
    });
  }
  std::thread writer([&] {
    for (int round = 0; round < 30; ++round) {
      for (int i = 0; i < 400; ++i) {
        index.insert(1000 + static_cast<document_id>(i), churn[static_cast<std::size_t>(i)], round);
      }
      std::vector<document_id> gone;
      for (document_id id = 1000; id < 1400; id += 3) gone.push_back(id);
      index.remove(gone);
      index.evict_older_than(round);  // stable documents have time 1000
    }
    stop = true;
  });
  writer.join();
  for (auto& t : readers) t.join();
  CHECK(failures.load() == 0);
  for (document_id id = 0; id < 200; ++id) CHECK(index.contains(id));
}

TEST_CASE("lsh_index: concurrent batch inserts lose nothing", "[concurrency]") {
  const minhasher hasher({}, 0);
  samestory::lsh_index index({32, 4}, hasher);
  constexpr int writers = 4;
  constexpr int per_writer = 500;
  std::vector<std::vector<std::vector<std::uint64_t>>> sets(writers);
  std::mt19937_64 rng(32);
  for (auto& w : sets) {
    for (int i = 0; i < per_writer; ++i) w.push_back(random_set(rng, 100));
  }
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      std::vector<document_id> ids;
      std::vector<samestory::minhash_signature> sigs;
      for (int i = 0; i < per_writer; ++i) {
        ids.push_back(static_cast<document_id>(w * per_writer + i));
        sigs.push_back(hasher.sign(sets[static_cast<std::size_t>(w)][static_cast<std::size_t>(i)]));
        if (ids.size() == 50) {
          index.insert_batch(ids, sigs, {}, 2);
          ids.clear();
          sigs.clear();
        }
      }
      // and a few single inserts, interleaved with other writers' batches
      for (int i = 0; i < per_writer; i += 10) {
        index.insert(static_cast<document_id>(w * per_writer + i),
                     hasher.sign(sets[static_cast<std::size_t>(w)][static_cast<std::size_t>(i)]));
      }
    });
  }
  for (auto& t : threads) t.join();
  REQUIRE(index.size() == writers * per_writer);
  for (int w = 0; w < writers; ++w) {
    for (int i = 0; i < per_writer; ++i) {
      const auto m = index.query_top(
          hasher.sign(sets[static_cast<std::size_t>(w)][static_cast<std::size_t>(i)]), 1);
      REQUIRE(m.size() == 1);
      CHECK(m[0].id == static_cast<document_id>(w * per_writer + i));
    }
  }
}

TEST_CASE("simhash_index and brute_force_index: readers beside a writer", "[concurrency]") {
  samestory::simhash_index sim;
  samestory::brute_force_index exact;
  std::mt19937_64 rng(33);
  std::vector<std::uint64_t> fps;
  std::vector<std::vector<std::uint64_t>> sets;
  for (document_id id = 0; id < 100; ++id) {
    fps.push_back(rng());
    sets.push_back(random_set(rng, 50));
    sim.insert(id, fps.back(), 1000);
    exact.insert(id, sets.back(), 1000);
  }
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::thread reader([&] {
    std::size_t i = 0;
    while (!stop.load()) {
      const auto id = static_cast<document_id>(i % 100);
      const auto a = sim.query(fps[id], 0);
      if (a.empty() || a[0].id != id) ++failures;
      const auto b = exact.query_top(sets[id], 1);
      if (b.empty() || b[0].id != id) ++failures;
      ++i;
    }
  });
  for (int round = 0; round < 50; ++round) {
    for (document_id id = 500; id < 600; ++id) {
      sim.insert(id, rng(), round);
      exact.insert(id, random_set(rng, 50), round);
    }
    sim.evict_older_than(round);
    exact.evict_older_than(round);
  }
  stop = true;
  reader.join();
  CHECK(failures.load() == 0);
}
