// Tests for lsh_index.hpp: insert/replace/remove/evict semantics, ranking
// and limits, settings checks, batch insert against one-by-one inserts,
// recall against the brute-force oracle, containment queries and memory.
#include <samestory/brute_force_index.hpp>
#include <samestory/error.hpp>
#include <samestory/lsh_index.hpp>
#include <samestory/lsh_tuner.hpp>
#include <samestory/minhash.hpp>

#include "support/sets.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

using samestory::document_id;
using samestory::lsh_index;
using samestory::lsh_parameters;
using samestory::match;
using samestory::minhasher;
using samestory::query_options;
using samestory::test::edited;
using samestory::test::random_set;

namespace {

bool has_id(const std::vector<match>& v, document_id id) {
  return std::any_of(v.begin(), v.end(), [&](const match& m) { return m.id == id; });
}

query_options at_least(double j) {
  query_options o;
  o.min_jaccard = j;
  return o;
}

}  // namespace

TEST_CASE("lsh_index: finds a near-duplicate and not an unrelated document", "[lsh_index]") {
  std::mt19937_64 rng(1);
  const minhasher hasher({}, 0);
  lsh_index index({32, 4}, hasher);
  const auto a = random_set(rng, 500);
  const auto near = edited(rng, a, 0.1);  // J = 0.818
  const auto other = random_set(rng, 500);
  index.insert(1, hasher.sign(near), 10);
  index.insert(2, hasher.sign(other), 20);
  REQUIRE(index.size() == 2);

  const auto found = index.query(hasher.sign(a), at_least(0.5));
  REQUIRE(found.size() == 1);
  CHECK(found[0].id == 1);
  CHECK(found[0].jaccard == Approx(0.818).margin(0.15));
  CHECK(found[0].time == 10);
  CHECK(found[0].set_size == 500);
  // A stored document matches itself exactly.
  const auto self = index.query(hasher.sign(other));
  REQUIRE_FALSE(self.empty());
  CHECK(self[0].id == 2);
  CHECK(self[0].jaccard == 1.0);
  CHECK(self[0].containment == 1.0);
  // query_id excludes the document itself.
  CHECK_FALSE(has_id(index.query_id(2), 2));
  CHECK(has_id(index.query_id(1), 1) == false);
  CHECK(index.query_id(99).empty());
}

TEST_CASE("lsh_index: re-inserting an id replaces the document", "[lsh_index]") {
  std::mt19937_64 rng(2);
  const minhasher hasher({}, 0);
  lsh_index index({32, 4}, hasher);
  const auto first = random_set(rng, 300);
  const auto second = random_set(rng, 300);
  index.insert(7, hasher.sign(first), 1);
  index.insert(7, hasher.sign(second), 2);
  REQUIRE(index.size() == 1);
  CHECK(index.query(hasher.sign(first), at_least(0.3)).empty());
  const auto m = index.query(hasher.sign(second));
  REQUIRE(m.size() == 1);
  CHECK(m[0].time == 2);
  CHECK(index.candidates(hasher.sign(first)).empty());
}

TEST_CASE("lsh_index: remove, batch remove and eviction by time", "[lsh_index]") {
  std::mt19937_64 rng(3);
  const minhasher hasher({}, 0);
  lsh_index index({32, 4}, hasher);
  std::vector<std::vector<std::uint64_t>> sets;
  for (document_id id = 0; id < 100; ++id) {
    sets.push_back(random_set(rng, 200));
    index.insert(id, hasher.sign(sets.back()), static_cast<std::int64_t>(id));
  }
  REQUIRE(index.remove(5));
  REQUIRE_FALSE(index.remove(5));
  CHECK_FALSE(index.contains(5));
  CHECK(index.query(hasher.sign(sets[5])).empty());
  const std::vector<document_id> batch{6, 7, 8, 1000};
  CHECK(index.remove(batch) == 3);
  CHECK(index.size() == 96);

  CHECK(index.evict_older_than(50) == 46);  // 0..49 minus the four removed
  CHECK(index.size() == 50);
  for (document_id id = 0; id < 100; ++id) {
    CAPTURE(id);
    CHECK(index.contains(id) == (id >= 50));
    CHECK(has_id(index.query(hasher.sign(sets[id])), id) == (id >= 50));
  }
  auto ids = index.ids();
  std::sort(ids.begin(), ids.end());
  REQUIRE(ids.size() == 50);
  CHECK(ids.front() == 50);
  CHECK(ids.back() == 99);
  // Freed slots are reused without mixing documents up.
  for (document_id id = 200; id < 260; ++id) {
    sets.push_back(random_set(rng, 200));
    index.insert(id, hasher.sign(sets.back()), 0);
  }
  for (document_id id = 200; id < 260; ++id) {
    const auto m = index.query(hasher.sign(sets[100 + (id - 200)]), at_least(0.9));
    REQUIRE(m.size() == 1);
    CHECK(m[0].id == id);
  }
}

TEST_CASE("lsh_index: results are ranked best first and limited", "[lsh_index]") {
  std::mt19937_64 rng(4);
  const minhasher hasher({}, 0);
  lsh_index index({64, 2}, hasher);
  const auto base = random_set(rng, 1000);
  const double edits[] = {0.0, 0.05, 0.1, 0.2, 0.3, 0.4};
  for (std::size_t i = 0; i < std::size(edits); ++i) {
    index.insert(i, hasher.sign(edited(rng, base, edits[i])));
  }
  const auto all = index.query(hasher.sign(base));
  REQUIRE(all.size() == std::size(edits));
  for (std::size_t i = 1; i < all.size(); ++i) CHECK(all[i - 1].jaccard >= all[i].jaccard);
  CHECK(all[0].id == 0);
  const auto top = index.query_top(hasher.sign(base), 2);
  REQUIRE(top.size() == 2);
  CHECK(top[0].id == all[0].id);
  CHECK(top[1].id == all[1].id);
  CHECK(index.query_top(hasher.sign(base), 0).empty());
}

TEST_CASE("lsh_index: refuses signatures and parameters that do not fit", "[lsh_index]") {
  const minhasher hasher({}, 0);
  const minhasher other_seed({.num_hashes = 128, .seed = 9}, 0);
  const minhasher other_k({.num_hashes = 64}, 0);
  lsh_index index({32, 4}, hasher);
  std::mt19937_64 rng(5);
  const auto s = random_set(rng, 50);
  CHECK_THROWS_AS(index.insert(1, other_seed.sign(s)), samestory::error);
  CHECK_THROWS_AS(index.query(other_k.sign(s)), samestory::error);
  CHECK_THROWS_WITH(index.candidates(other_seed.sign(s)), Catch::Contains("fingerprint"));
  CHECK(index.size() == 0);
  CHECK_THROWS_AS(lsh_index({33, 4}, hasher), samestory::invalid_options_error);
  CHECK_THROWS_AS(lsh_index({0, 4}, hasher), samestory::invalid_options_error);
  CHECK_THROWS_AS(lsh_index({4, 0}, hasher), samestory::invalid_options_error);
  // b·r < k is allowed: the spare values still sharpen the estimate.
  CHECK_NOTHROW(lsh_index({25, 5}, hasher));
}

TEST_CASE("lsh_index: an empty document is stored but matches nothing", "[lsh_index]") {
  const minhasher hasher({}, 0);
  lsh_index index({32, 4}, hasher);
  const std::vector<std::uint64_t> none;
  index.insert(1, hasher.sign(none));
  index.insert(2, hasher.sign(none));
  CHECK(index.size() == 2);
  CHECK(index.contains(1));
  CHECK(index.query(hasher.sign(none)).empty());
  CHECK(index.query_id(1).empty());
  CHECK(index.remove(1));
  CHECK(index.evict_older_than(1) == 1);
  CHECK(index.size() == 0);
}

TEST_CASE("lsh_index: insert_batch equals inserting one by one", "[lsh_index]") {
  std::mt19937_64 rng(6);
  const minhasher hasher({}, 0);
  std::vector<document_id> ids;
  std::vector<samestory::minhash_signature> sigs;
  std::vector<std::int64_t> times;
  std::vector<std::vector<std::uint64_t>> bases;
  for (int i = 0; i < 300; ++i) bases.push_back(random_set(rng, 300));
  for (document_id id = 0; id < 2000; ++id) {
    ids.push_back(id % 1500);  // ids 0..499 appear twice: the later one wins
    sigs.push_back(hasher.sign(edited(rng, bases[id % 300], 0.1)));
    times.push_back(static_cast<std::int64_t>(id));
  }
  lsh_index one({32, 4}, hasher), batch({32, 4}, hasher);
  for (std::size_t i = 0; i < ids.size(); ++i) one.insert(ids[i], sigs[i], times[i]);
  batch.insert(100, sigs[0]);  // replaced by the batch
  batch.insert_batch(ids, sigs, times, 3);
  REQUIRE(batch.size() == one.size());
  REQUIRE(batch.size() == 1500);
  for (int q = 0; q < 300; ++q) {
    const auto sig = hasher.sign(bases[static_cast<std::size_t>(q)]);
    const auto a = one.query(sig);
    const auto b = batch.query(sig);
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      CHECK(a[i].id == b[i].id);
      CHECK(a[i].jaccard == b[i].jaccard);
      CHECK(a[i].time == b[i].time);
    }
  }
  std::vector<document_id> bad_ids{1, 2};
  CHECK_THROWS_AS(batch.insert_batch(bad_ids, std::span(sigs).first(1)), samestory::error);
}

// Raw candidate recall against the exact oracle. Families of documents are
// edited copies of a base with Jaccard spread over [0.2, 1]; the truth is
// every pair with exact Jaccard >= t in the brute-force index. With tuned
// parameters the candidate probability at J = t is >= 0.95 and higher above
// it, so recall over all pairs >= t falls below 0.97 only if banding is broken.
TEST_CASE("lsh_index: raw candidates recall pairs above the threshold", "[lsh_index][slow]") {
  std::mt19937_64 rng(7);
  const minhasher hasher({}, 0);
  for (const double t : {0.3, 0.5, 0.8}) {
    CAPTURE(t);
    const auto tuning = samestory::tune_lsh({.threshold = t, .num_hashes = 128});
    lsh_index index(tuning.parameters, hasher);
    samestory::brute_force_index oracle;
    std::vector<std::vector<std::uint64_t>> sets;
    for (int family = 0; family < 150; ++family) {
      const auto base = random_set(rng, 200 + rng() % 400);
      for (int member = 0; member < 6; ++member) {
        // f = 0.65 u^2 puts pairs at every Jaccard from 0.2 to 1, many near 1.
        const double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
        const double f = 0.65 * u * u;
        sets.push_back(edited(rng, base, f));
      }
    }
    for (std::size_t i = 0; i < sets.size(); ++i) {
      index.insert(i, hasher.sign(sets[i]));
      oracle.insert(i, sets[i]);
    }
    std::size_t truth = 0, found = 0, false_hits = 0;
    for (std::size_t i = 0; i < sets.size(); ++i) {
      const auto cands = index.candidates(hasher.sign(sets[i]));
      for (const match& m : oracle.query_id(i, at_least(t))) {
        ++truth;
        found += std::binary_search(cands.begin(), cands.end(), m.id);
      }
      false_hits += cands.size();
    }
    const double recall = static_cast<double>(found) / static_cast<double>(truth);
    INFO("truth " << truth << " found " << found << " candidates " << false_hits);
    CHECK(truth > 500);
    CHECK(recall >= 0.97);
  }
}

// A short article quoted whole inside a page four times its size has Jaccard
// 0.25 with it, below any usual threshold; an index tuned for the Jaccard
// that containment 0.9 implies at that size ratio finds it, and ranking by
// containment puts it first.
TEST_CASE("lsh_index: containment finds a short article inside a long page", "[lsh_index]") {
  std::mt19937_64 rng(8);
  const minhasher hasher({}, 0);
  const double j = samestory::jaccard_for_containment(0.9, 4.0);
  const auto tuning = samestory::tune_lsh({.threshold = j, .num_hashes = 128});
  lsh_index index(tuning.parameters, hasher);
  const auto article = random_set(rng, 250);
  auto page = random_set(rng, 750);
  page.insert(page.end(), article.begin(), article.end());
  index.insert(1, hasher.sign(page));
  for (document_id id = 2; id < 200; ++id) {
    index.insert(id, hasher.sign(edited(rng, random_set(rng, 250), 0.0)));
  }
  query_options o;
  o.min_containment = 0.7;
  o.order = samestory::rank_by::containment;
  const auto m = index.query(hasher.sign(article), o);
  REQUIRE_FALSE(m.empty());
  CHECK(m[0].id == 1);
  CHECK(m[0].containment > 0.75);
  CHECK(m[0].jaccard < 0.45);
  CHECK(m.size() == 1);
}

TEST_CASE("lsh_index: memory per document stays under 1 KB at k = 128", "[lsh_index]") {
  std::mt19937_64 rng(9);
  const minhasher hasher({}, 0);
  for (const lsh_parameters p :
       {lsh_parameters{25, 5}, lsh_parameters{32, 4}, lsh_parameters{42, 3}}) {
    CAPTURE(p.bands, p.rows);
    lsh_index index(p, hasher);
    const auto set = random_set(rng, 100);
    for (document_id id = 0; id < 20000; ++id) {
      auto s = set;
      s[0] = id;  // distinct documents, cheap to sign
      s[1] = id * 7919;
      index.insert(id, hasher.sign(edited(rng, s, 0.5)));
    }
    const double per_doc = static_cast<double>(index.memory_bytes()) / 20000.0;
    INFO("bytes per document " << per_doc);
    CHECK(per_doc < 1024.0);
    CHECK(per_doc > 256.0);  // the 16-bit signature alone is 256 bytes
  }
}
