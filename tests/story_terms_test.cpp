// Tests for story_terms.hpp: document frequencies and IDF, term extraction
// (CJK bigrams, English unigrams, the entity boost), TF-IDF weighting
// (unit length, order, singletons, the max_terms cap), dot() and option checks.
#include <samestory/error.hpp>
#include <samestory/story_terms.hpp>

#include "support/documents.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

using samestory::story_terms_options;
using samestory::term_extractor;
using samestory::term_statistics;
using samestory::term_weight;

using samestory::test::with;

namespace {

double norm2(const std::vector<term_weight>& v) {
  double n = 0;
  for (const auto& t : v) n += static_cast<double>(t.weight) * t.weight;
  return n;
}

bool sorted_by_term(const std::vector<term_weight>& v) {
  return std::is_sorted(v.begin(), v.end(),
                        [](const term_weight& a, const term_weight& b) { return a.term < b.term; });
}

float weight_of(const std::vector<term_weight>& v, std::uint64_t term) {
  for (const auto& t : v) {
    if (t.term == term) return t.weight;
  }
  return -1.0f;
}

}  // namespace

TEST_CASE("story_terms: term_statistics counts each document once and gives smoothed idf",
          "[story_terms]") {
  term_statistics stats;
  CHECK(stats.documents() == 0);
  CHECK(stats.size() == 0);
  // With no documents, an unseen term has idf ln(1/1) + 1 = 1.
  CHECK(stats.idf(42) == Approx(1.0));

  const std::vector<term_weight> d1 = {{1, 3.0f}, {2, 1.0f}};
  const std::vector<term_weight> d2 = {{2, 5.0f}, {3, 1.0f}};
  const std::vector<term_weight> d3 = {{2, 1.0f}};
  stats.add(d1);
  stats.add(d2);
  stats.add(d3);
  CHECK(stats.documents() == 3);
  CHECK(stats.size() == 3);
  CHECK(stats.frequency(1) == 1);  // a weight of 3 still counts once
  CHECK(stats.frequency(2) == 3);
  CHECK(stats.frequency(3) == 1);
  CHECK(stats.frequency(99) == 0);
  CHECK(stats.idf(1) == Approx(std::log(4.0 / 2.0) + 1.0));
  CHECK(stats.idf(2) == Approx(std::log(4.0 / 4.0) + 1.0));
  CHECK(stats.idf(99) == Approx(std::log(4.0 / 1.0) + 1.0));
  CHECK(stats.idf(1) > stats.idf(2));
}

TEST_CASE("story_terms: halve() halves frequencies, forgets terms seen once, keeps the rest",
          "[story_terms]") {
  term_statistics stats;
  // Term t is in the documents d < t with d = t (mod 7), about t / 7 of them:
  // frequencies from 0 to 428, and enough terms that the table grows first.
  for (std::uint64_t d = 0; d < 3000; ++d) {
    std::vector<term_weight> terms;
    for (std::uint64_t t = d + 1; t <= 3000; ++t) {
      if (t % 7 == d % 7) terms.push_back({t, 1.0f});
    }
    stats.add(terms);
  }
  const std::size_t before = stats.size();
  std::vector<std::uint32_t> df(3001);
  for (std::uint64_t t = 1; t <= 3000; ++t) df[t] = stats.frequency(t);
  const std::size_t bytes = stats.memory_bytes();
  stats.halve();
  CHECK(stats.documents() == 1500);
  std::size_t kept = 0;
  for (std::uint64_t t = 1; t <= 3000; ++t) {
    CHECK(stats.frequency(t) == df[t] / 2);
    kept += df[t] / 2 > 0;
  }
  CHECK(stats.size() == kept);
  CHECK(kept < before);
  CHECK(stats.memory_bytes() <= bytes);
  // Learning goes on after a halving.
  stats.add(std::vector<term_weight>{{1, 1.0f}, {5000, 1.0f}});
  CHECK(stats.frequency(1) == df[1] / 2 + 1);
  CHECK(stats.frequency(5000) == 1);
  // Halving to nothing leaves an empty, usable table.
  for (int i = 0; i < 20; ++i) stats.halve();
  CHECK(stats.size() == 0);
  CHECK(stats.documents() == 0);
  stats.add(std::vector<term_weight>{{7, 1.0f}});
  CHECK(stats.frequency(7) == 1);
}

TEST_CASE("story_terms: English text gives word unigrams with their counts", "[story_terms]") {
  const term_extractor ex;
  const auto c = ex.counts("", "the cat saw the dog and the bird saw");
  // cat, saw ×2, dog, bird: "the" and "and" are function words, not terms.
  REQUIRE(c.size() == 4);
  CHECK(sorted_by_term(c));
  std::vector<float> w;
  for (const auto& t : c) w.push_back(t.weight);
  std::sort(w.begin(), w.end());
  CHECK(w == std::vector<float>{1, 1, 1, 2});
  CHECK(ex.counts("", "the").empty());
  CHECK(ex.counts("", "The Of AND").empty());
  // A single word is a term of its own, found in c with its count.
  const auto saw = ex.counts("", "saw");
  REQUIRE(saw.size() == 1);
  CHECK(weight_of(c, saw[0].term) == 2.0f);
  // The title adds its terms to the body's.
  const auto with_title = ex.counts("cat", "the cat saw the dog and the bird saw");
  const auto cat = ex.counts("", "cat");
  REQUIRE(cat.size() == 1);
  CHECK(with_title.size() == 4);
  CHECK(weight_of(with_title, cat[0].term) == 2.0f);
}

TEST_CASE("story_terms: CJK text gives character bigrams", "[story_terms]") {
  const term_extractor ex;
  // 中国电力: 中国, 国电, 电力.
  const auto c = ex.counts("", "中国电力");
  REQUIRE(c.size() == 3);
  for (const auto& t : c) CHECK(t.weight == 1.0f);
  const auto zhongguo = ex.counts("", "中国");
  REQUIRE(zhongguo.size() == 1);
  CHECK(weight_of(c, zhongguo[0].term) == 1.0f);
  // 中国中国: 中国 twice and 国中 once. CJK is never boosted.
  const auto twice = ex.counts("", "中国中国");
  REQUIRE(twice.size() == 2);
  CHECK(weight_of(twice, zhongguo[0].term) == 2.0f);
  // cjk_n = 1: single characters.
  const term_extractor unigrams({}, with<story_terms_options>([](auto& o) { o.cjk_n = 1; }));
  CHECK(unigrams.counts("", "中国电力").size() == 4);
  CHECK(unigrams.counts("", "中国中国").size() == 2);
}

TEST_CASE("story_terms: entity boost for capitalized and numeric words only", "[story_terms]") {
  const term_extractor ex;  // entity_boost 2
  const auto upper = ex.counts("", "Obama");
  const auto lower = ex.counts("", "obama");
  REQUIRE(upper.size() == 1);
  REQUIRE(lower.size() == 1);
  CHECK(upper[0].term == lower[0].term);  // case is folded: one term
  CHECK(upper[0].weight == 2.0f);
  CHECK(lower[0].weight == 1.0f);

  // In running text: Obama boosted, "visited" not; a number is boosted.
  const auto sentence = ex.counts("", "yesterday Obama visited 2026 berlin");
  const auto visited = ex.counts("", "visited");
  // (A line that is only a number is page chrome in the body; the title is kept whole.)
  const auto year = ex.counts("2026", "");
  REQUIRE(year.size() == 1);
  CHECK(year[0].weight == 2.0f);
  CHECK(weight_of(sentence, upper[0].term) == 2.0f);
  CHECK(weight_of(sentence, visited[0].term) == 1.0f);
  CHECK(weight_of(sentence, year[0].term) == 2.0f);

  // Repeats: the count times the boost when any occurrence was capitalized.
  const auto mixed = ex.counts("", "obama met Obama");
  CHECK(weight_of(mixed, upper[0].term) == 4.0f);
  const auto lowers = ex.counts("", "obama met obama");
  CHECK(weight_of(lowers, upper[0].term) == 2.0f);

  // Boost 3; boost 1 switches it off.
  const term_extractor three({}, with<story_terms_options>([](auto& o) { o.entity_boost = 3.0f; }));
  CHECK(three.counts("", "Obama")[0].weight == 3.0f);
  const term_extractor off({}, with<story_terms_options>([](auto& o) { o.entity_boost = 1.0f; }));
  CHECK(off.counts("", "Obama")[0].weight == 1.0f);

  // The title is read for capitals as well.
  const auto titled = ex.counts("Obama", "");
  REQUIRE(titled.size() == 1);
  CHECK(titled[0].weight == 2.0f);
}

TEST_CASE("story_terms: weigh gives a unit TF-IDF vector sorted by term", "[story_terms]") {
  const term_extractor ex;  // idf_power 1.5
  const auto a = ex.counts("", "alpha alpha alpha beta gamma");
  const auto b = ex.counts("", "beta delta");
  const auto c = ex.counts("", "beta epsilon");
  term_statistics stats;
  stats.add(a);
  stats.add(b);
  stats.add(c);
  const auto v = ex.weigh(a, stats, false);
  REQUIRE(v.size() == 3);
  CHECK(sorted_by_term(v));
  CHECK(norm2(v) == Approx(1.0).epsilon(1e-5));

  // Expected raw weights: (1 + ln tf) * idf^1.5, then normalized.
  const std::uint64_t alpha = ex.counts("", "alpha")[0].term;
  const std::uint64_t beta = ex.counts("", "beta")[0].term;
  const std::uint64_t gamma = ex.counts("", "gamma")[0].term;
  const double idf_rare = std::log(4.0 / 2.0) + 1.0, idf_beta = std::log(4.0 / 4.0) + 1.0;
  const double ra = (1.0 + std::log(3.0)) * std::pow(idf_rare, 1.5);
  const double rb = 1.0 * std::pow(idf_beta, 1.5);
  const double rg = 1.0 * std::pow(idf_rare, 1.5);
  const double n = std::sqrt(ra * ra + rb * rb + rg * rg);
  CHECK(weight_of(v, alpha) == Approx(ra / n).epsilon(1e-5));
  CHECK(weight_of(v, beta) == Approx(rb / n).epsilon(1e-5));
  CHECK(weight_of(v, gamma) == Approx(rg / n).epsilon(1e-5));
  CHECK(samestory::dot(v, v) == Approx(1.0).epsilon(1e-5));

  // skip_singletons: alpha and gamma are only in a (df 1); beta (df 3) stays, alone: weight 1.
  const auto s = ex.weigh(a, stats, true);
  REQUIRE(s.size() == 1);
  CHECK(s[0].term == beta);
  CHECK(s[0].weight == Approx(1.0f));

  // A document whose every term is a singleton has an empty vector (no NaN).
  const auto d = ex.counts("", "zeta eta");
  term_statistics one;
  one.add(d);
  CHECK(ex.weigh(d, one, true).empty());
  const auto dv = ex.weigh(d, one, false);
  CHECK(dv.size() == 2);
  CHECK(norm2(dv) == Approx(1.0));
}

TEST_CASE("story_terms: max_terms keeps the heaviest terms", "[story_terms]") {
  const term_extractor capped({}, with<story_terms_options>([](auto& o) { o.max_terms = 2; }));
  const term_extractor full;
  // alpha ×4, beta ×2, the rest once: the cap keeps alpha and beta.
  const auto c = full.counts("", "alpha alpha alpha alpha beta beta gamma delta epsilon zeta");
  REQUIRE(c.size() == 6);
  term_statistics stats;
  stats.add(c);
  const auto v = capped.weigh(c, stats, false);
  REQUIRE(v.size() == 2);
  CHECK(sorted_by_term(v));
  CHECK(norm2(v) == Approx(1.0).epsilon(1e-5));
  const std::uint64_t alpha = full.counts("", "alpha")[0].term;
  const std::uint64_t beta = full.counts("", "beta")[0].term;
  CHECK(weight_of(v, alpha) > weight_of(v, beta));
  CHECK(weight_of(v, beta) > 0);
  CHECK(full.weigh(c, stats, false).size() == 6);
}

TEST_CASE("story_terms: dot of sorted vectors", "[story_terms]") {
  const std::vector<term_weight> a = {{1, 0.6f}, {3, 0.8f}};
  const std::vector<term_weight> b = {{2, 1.0f}, {3, 0.5f}};
  CHECK(samestory::dot(a, a) == Approx(1.0));
  CHECK(samestory::dot(a, b) == Approx(0.4));
  CHECK(samestory::dot(b, a) == Approx(0.4));
  CHECK(samestory::dot(a, {}) == 0.0);
  // Similar texts score higher than unrelated ones.
  const term_extractor ex;
  const auto x = ex.counts("", "Musk says China will lead in AI compute");
  const auto y = ex.counts("", "China will lead AI compute says Musk on podcast");
  const auto z = ex.counts("", "heavy rain floods the valley farms");
  term_statistics stats;
  stats.add(x);
  stats.add(y);
  stats.add(z);
  const auto vx = ex.weigh(x, stats, false), vy = ex.weigh(y, stats, false),
             vz = ex.weigh(z, stats, false);
  CHECK(samestory::dot(vx, vy) > 0.5);
  CHECK(samestory::dot(vx, vz) == 0.0);
}

TEST_CASE("story_terms: invalid options throw invalid_options_error", "[story_terms]") {
  using samestory::invalid_options_error;
  CHECK_THROWS_AS(term_extractor({}, with<story_terms_options>([](auto& o) { o.cjk_n = 0; })),
                  invalid_options_error);
  CHECK_THROWS_AS(term_extractor({}, with<story_terms_options>([](auto& o) { o.cjk_n = 5; })),
                  invalid_options_error);
  CHECK_THROWS_AS(
      term_extractor({}, with<story_terms_options>([](auto& o) { o.idf_power = 0.0f; })),
      invalid_options_error);
  CHECK_THROWS_AS(
      term_extractor({}, with<story_terms_options>([](auto& o) { o.idf_power = 4.5f; })),
      invalid_options_error);
  CHECK_THROWS_AS(
      term_extractor({}, with<story_terms_options>([](auto& o) { o.idf_power = std::nanf(""); })),
      invalid_options_error);
  CHECK_THROWS_AS(
      term_extractor({}, with<story_terms_options>([](auto& o) { o.entity_boost = 0.5f; })),
      invalid_options_error);
  CHECK_THROWS_AS(
      term_extractor({}, with<story_terms_options>([](auto& o) { o.entity_boost = 17.0f; })),
      invalid_options_error);
  CHECK_THROWS_AS(term_extractor({}, with<story_terms_options>([](auto& o) { o.max_terms = 0; })),
                  invalid_options_error);
  CHECK_NOTHROW(term_extractor({}, with<story_terms_options>([](auto& o) {
                                 o.cjk_n = 4;
                                 o.idf_power = 4.0f;
                                 o.entity_boost = 16.0f;
                                 o.max_terms = 1;
                               })));
  try {
    term_extractor({}, with<story_terms_options>([](auto& o) { o.cjk_n = 9; }));
    FAIL("no exception");
  } catch (const invalid_options_error& e) {
    CHECK(e.code() == samestory::error_code::invalid_options);
    CHECK(std::string(e.what()).find("cjk_n") != std::string::npos);
  }
}

TEST_CASE("bigram_share: Chinese vectors are bigrams, English ones are not", "[story_terms]") {
  const term_extractor ex;
  term_statistics stats;
  const auto zh = ex.counts("", "马斯克表示中国将在人工智能领域领先，特斯拉上海工厂开始生产。");
  const auto en = ex.counts("", "Elon Musk said China will lead in artificial intelligence.");
  const auto mixed = ex.counts("", "特斯拉 Tesla 上海 Shanghai Gigafactory production begins");
  stats.add(zh);
  stats.add(en);
  stats.add(mixed);
  CHECK(samestory::bigram_share(ex.weigh(zh, stats, false)) == Approx(1.0).margin(0.01));
  CHECK(samestory::bigram_share(ex.weigh(en, stats, false)) == 0.0);
  const double m = samestory::bigram_share(ex.weigh(mixed, stats, false));
  CHECK(m > 0.1);
  CHECK(m < 0.9);
  CHECK(samestory::bigram_share({}) == 0.0);
}
