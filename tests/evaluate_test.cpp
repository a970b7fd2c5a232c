#include <samestory/error.hpp>
#include <samestory/evaluate.hpp>

#include <catch2/catch.hpp>

#include <cstddef>
#include <optional>
#include <sstream>
#include <string>
#include <utility>

// Every expected JSON line below was printed by ../shared/tools/score.py on
// the same data written as JSONL (gold key "g", pred key "p"); the tests do
// not run Python themselves.

namespace {

using samestory::clustering_scores;
using samestory::label_map;
using samestory::score_clustering;

// "a=x b=y c=~" -> {a: "x", b: "y", c: nullopt}, to keep the cases readable.
label_map labels(const std::string& spec) {
  label_map out;
  std::istringstream in(spec);
  std::string item;
  while (in >> item) {
    const std::size_t eq = item.find('=');
    const std::string value = item.substr(eq + 1);
    out[item.substr(0, eq)] = value == "~" ? std::nullopt : std::optional<std::string>(value);
  }
  return out;
}

// prefix followed by n; avoids `"literal" + std::string`, on which g++ 12
// raises a false -Wrestrict warning.
std::string name(const char* prefix, std::size_t n) {
  std::string out(prefix);
  out += std::to_string(n);
  return out;
}

std::string json(const std::string& gold, const std::string& pred) {
  return score_clustering(labels(gold), labels(pred)).to_json();
}

}  // namespace

TEST_CASE("hand-computed scores", "[evaluate]") {
  // Cells (G1,P1)=2 (G1,P2)=1 (G2,P2)=2: tp=2, tpfp=1+3, tpfn=3+1.
  const clustering_scores s =
      score_clustering(labels("a=G1 b=G1 c=G1 d=G2 e=G2"), labels("a=P1 b=P1 c=P2 d=P2 e=P2"));
  CHECK(s.n == 5);
  CHECK(s.gold_clusters == 2);
  CHECK(s.pred_clusters == 2);
  CHECK(s.pair_p == 0.5);
  CHECK(s.pair_r == 0.5);
  CHECK(s.pair_f1 == 0.5);
  // BCubed P: (2/2 + 2/2 + 1/3 + 2/3 + 2/3) / 5 = 11/15; R likewise.
  CHECK(s.bcubed_p == Approx(11.0 / 15.0));
  CHECK(s.bcubed_r == Approx(11.0 / 15.0));
  CHECK(s.bcubed_f1 == Approx(11.0 / 15.0));
  // exp = 4*4/10 = 1.6, max = 4: ARI = 0.4/2.4.
  CHECK(s.ari == Approx(1.0 / 6.0));
  CHECK(s.to_json() ==
        R"({"n": 5, "gold_clusters": 2, "pred_clusters": 2, "pair_p": 0.5, "pair_r": 0.5, )"
        R"("pair_f1": 0.5, "bcubed_p": 0.7333, "bcubed_r": 0.7333, "bcubed_f1": 0.7333, )"
        R"("ari": 0.1667})");
}

TEST_CASE("perfect clustering scores 1 everywhere", "[evaluate]") {
  const clustering_scores s =
      score_clustering(labels("a=x b=x c=y d=y e=z"), labels("a=1 b=1 c=2 d=2 e=3"));
  CHECK(s.pair_p == 1.0);
  CHECK(s.pair_r == 1.0);
  CHECK(s.bcubed_f1 == 1.0);
  CHECK(s.ari == 1.0);
  CHECK(s.to_json() ==
        R"({"n": 5, "gold_clusters": 3, "pred_clusters": 3, "pair_p": 1.0, "pair_r": 1.0, )"
        R"("pair_f1": 1.0, "bcubed_p": 1.0, "bcubed_r": 1.0, "bcubed_f1": 1.0, "ari": 1.0})");
}

TEST_CASE("all singletons", "[evaluate]") {
  SECTION("empty prediction: every document is its own cluster") {
    const clustering_scores s = score_clustering(labels("a=x b=x c=y d=y e=z"), {});
    CHECK(s.pred_clusters == 5);
    CHECK(s.pair_p == 1.0);  // no predicted pairs
    CHECK(s.pair_r == 0.0);
    CHECK(s.pair_f1 == 0.0);
    CHECK(s.to_json() ==
          R"({"n": 5, "gold_clusters": 3, "pred_clusters": 5, "pair_p": 1.0, "pair_r": 0.0, )"
          R"("pair_f1": 0.0, "bcubed_p": 1.0, "bcubed_r": 0.6, "bcubed_f1": 0.75, "ari": 0.0})");
  }
  SECTION("gold and prediction both singletons") {
    CHECK(json("a=x b=y c=z", "a=1 b=2 c=3") ==
          R"({"n": 3, "gold_clusters": 3, "pred_clusters": 3, "pair_p": 1.0, "pair_r": 1.0, )"
          R"("pair_f1": 1.0, "bcubed_p": 1.0, "bcubed_r": 1.0, "bcubed_f1": 1.0, "ari": 1.0})");
  }
}

TEST_CASE("everything in one cluster", "[evaluate]") {
  SECTION("one predicted cluster") {
    CHECK(json("a=x b=x c=y d=y e=z", "a=p b=p c=p d=p e=p") ==
          R"({"n": 5, "gold_clusters": 3, "pred_clusters": 1, "pair_p": 0.2, "pair_r": 1.0, )"
          R"("pair_f1": 0.3333, "bcubed_p": 0.36, "bcubed_r": 1.0, "bcubed_f1": 0.5294, )"
          R"("ari": 0.0})");
  }
  SECTION("one gold cluster") {
    CHECK(json("a=x b=x c=x d=x", "a=1 b=1 c=2 d=3") ==
          R"({"n": 4, "gold_clusters": 1, "pred_clusters": 3, "pair_p": 1.0, )"
          R"("pair_r": 0.1667, "pair_f1": 0.2857, "bcubed_p": 1.0, "bcubed_r": 0.375, )"
          R"("bcubed_f1": 0.5455, "ari": 0.0})");
  }
}

TEST_CASE("missing, null and extra predicted ids", "[evaluate]") {
  // c and e are absent from pred, f is null: three singletons. zz has no
  // gold label and is ignored.
  const clustering_scores s =
      score_clustering(labels("a=x b=x c=x d=y e=y f=z"), labels("a=1 b=1 d=2 f=~ zz=1"));
  CHECK(s.n == 6);
  CHECK(s.pred_clusters == 5);
  CHECK(s.pair_p == 1.0);
  CHECK(s.pair_r == 0.25);
  CHECK(s.to_json() ==
        R"({"n": 6, "gold_clusters": 3, "pred_clusters": 5, "pair_p": 1.0, "pair_r": 0.25, )"
        R"("pair_f1": 0.4, "bcubed_p": 1.0, "bcubed_r": 0.6111, "bcubed_f1": 0.7586, )"
        R"("ari": 0.3284})");
}

TEST_CASE("null gold labels are not scored", "[evaluate]") {
  const clustering_scores s =
      score_clustering(labels("a=x b=x c=~ d=~ e=y"), labels("a=1 b=1 c=1 d=1 e=1 q=1"));
  CHECK(s.n == 3);
  CHECK(s.gold_clusters == 2);
  CHECK(s.to_json() ==
        R"({"n": 3, "gold_clusters": 2, "pred_clusters": 1, "pair_p": 0.3333, "pair_r": 1.0, )"
        R"("pair_f1": 0.5, "bcubed_p": 0.5556, "bcubed_r": 1.0, "bcubed_f1": 0.7143, )"
        R"("ari": 0.0})");
}

TEST_CASE("label text never links unrelated groups", "[evaluate]") {
  // Pred labels reuse gold label strings and document ids: "a" is b's
  // predicted label and also the id of a, a missing-pred singleton. Only
  // b and d share a predicted cluster.
  const clustering_scores s = score_clustering(labels("a=b b=a c=c d=d"), labels("b=a c=b d=a"));
  CHECK(s.pred_clusters == 3);
  CHECK(s.pair_p == 0.0);
  CHECK(s.to_json() ==
        R"({"n": 4, "gold_clusters": 4, "pred_clusters": 3, "pair_p": 0.0, "pair_r": 1.0, )"
        R"("pair_f1": 0.0, "bcubed_p": 0.75, "bcubed_r": 1.0, "bcubed_f1": 0.8571, )"
        R"("ari": 0.0})");
}

TEST_CASE("anti-correlated clustering has negative ARI", "[evaluate]") {
  const clustering_scores s =
      score_clustering(labels("a=G1 b=G1 c=G2 d=G2"), labels("a=P1 b=P2 c=P1 d=P2"));
  // tp = 0, exp = 2*2/6, max = 2: ARI = -(2/3)/(4/3).
  CHECK(s.ari == Approx(-0.5));
  CHECK(s.pair_f1 == 0.0);
  CHECK(s.to_json() ==
        R"({"n": 4, "gold_clusters": 2, "pred_clusters": 2, "pair_p": 0.0, "pair_r": 0.0, )"
        R"("pair_f1": 0.0, "bcubed_p": 0.5, "bcubed_r": 0.5, "bcubed_f1": 0.5, "ari": -0.5})");
}

TEST_CASE("a single scored document", "[evaluate]") {
  const std::string expected =
      R"({"n": 1, "gold_clusters": 1, "pred_clusters": 1, "pair_p": 1.0, "pair_r": 1.0, )"
      R"("pair_f1": 1.0, "bcubed_p": 1.0, "bcubed_r": 1.0, "bcubed_f1": 1.0, "ari": 1.0})";
  CHECK(json("a=x", "a=y") == expected);
  CHECK(json("a=x", "") == expected);
}

TEST_CASE("no scored document is an error", "[evaluate]") {
  for (const char* gold : {"", "a=~ b=~"}) {
    try {
      score_clustering(labels(gold), labels("a=1"));
      FAIL("expected samestory::error");
    } catch (const samestory::error& e) {
      CHECK(e.code() == samestory::error_code::invalid_argument);
    }
  }
}

TEST_CASE("500 generated documents", "[evaluate]") {
  // Every 17th document has a null gold label, every 13th has no prediction
  // and every 11th a null one. score.py got the same data from the same
  // formulas.
  label_map gold;
  label_map independent;
  label_map correlated;
  for (std::size_t i = 0; i < 500; ++i) {
    const std::string id = name("d", i);
    const std::size_t g = i * 7919 % 37;
    gold[id] = i % 17 == 0 ? std::nullopt : std::optional<std::string>(name("g", g));
    if (i % 13 == 0) continue;
    if (i % 11 == 0) {
      independent[id] = std::nullopt;
      correlated[id] = std::nullopt;
      continue;
    }
    const std::string noise = name("p", (i * i * 31 + 7) % 41);
    independent[id] = noise;
    correlated[id] = i % 5 != 0 ? name("p", g) : noise;
  }
  CHECK(score_clustering(gold, independent).to_json() ==
        R"({"n": 470, "gold_clusters": 37, "pred_clusters": 97, "pair_p": 0.0127, )"
        R"("pair_r": 0.0163, "pair_f1": 0.0143, "bcubed_p": 0.2165, "bcubed_r": 0.094, )"
        R"("bcubed_f1": 0.1311, "ari": -0.0142})");
  CHECK(score_clustering(gold, correlated).to_json() ==
        R"({"n": 470, "gold_clusters": 37, "pred_clusters": 116, "pair_p": 0.6367, )"
        R"("pair_r": 0.44, "pair_f1": 0.5204, "bcubed_p": 0.7551, "bcubed_r": 0.4852, )"
        R"("bcubed_f1": 0.5908, "ari": 0.5104})");
}

TEST_CASE("pair-count products beyond 64 bits", "[evaluate]") {
  // tpfp * tpfn is about 6.7e19 > 2^64; score.py divides it exactly and its
  // ARI lands a hair below zero, printed "-0.0".
  label_map gold;
  label_map pred;
  for (std::size_t i = 0; i < 200000; ++i) {
    const std::string id = name("d", i);
    gold[id] = name("g", i % 2);
    pred[id] = name("p", i % 3);
  }
  CHECK(score_clustering(gold, pred).to_json() ==
        R"({"n": 200000, "gold_clusters": 2, "pred_clusters": 3, "pair_p": 0.5, )"
        R"("pair_r": 0.3333, "pair_f1": 0.4, "bcubed_p": 0.5, "bcubed_r": 0.3333, )"
        R"("bcubed_f1": 0.4, "ari": -0.0})");
}

TEST_CASE("to_json prints floats as Python's json.dumps(round(x, 4))", "[evaluate]") {
  // Each pair: value, then json.dumps(round(value, 4)) from Python 3.11.
  const std::pair<double, const char*> cases[] = {
      {1.0, "1.0"},        {0.5, "0.5"},          {0.12345, "0.1235"},    {0.12355, "0.1235"},
      {-0.0, "-0.0"},      {-0.01234, "-0.0123"}, {-0.012345, "-0.0123"}, {0.00005, "0.0001"},
      {0.00004, "0.0"},    {0.03125, "0.0312"},   {0.99995, "1.0"},       {0.999949, "0.9999"},
      {1e-5, "0.0"},       {-1e-5, "-0.0"},       {0.0001, "0.0001"},     {1.0 / 3, "0.3333"},
      {2.0 / 3, "0.6667"}, {-0.5, "-0.5"},        {0.1 + 0.2, "0.3"}};
  for (const auto& [value, expected] : cases) {
    clustering_scores s;
    s.ari = value;
    const std::string line = s.to_json();
    INFO(value);
    std::string tail = R"("ari": )";
    tail += expected;
    tail += '}';
    REQUIRE(line.size() >= tail.size());
    CHECK(line.substr(line.size() - tail.size()) == tail);
  }
  clustering_scores s;
  CHECK(s.to_json() ==
        R"({"n": 0, "gold_clusters": 0, "pred_clusters": 0, "pair_p": 0.0, "pair_r": 0.0, )"
        R"("pair_f1": 0.0, "bcubed_p": 0.0, "bcubed_r": 0.0, "bcubed_f1": 0.0, "ari": 0.0})");
}
