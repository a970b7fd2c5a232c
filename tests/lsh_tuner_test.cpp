// Tests for lsh_tuner.hpp: the S-curve formula, the recall floor, the choice
// against a brute-force search with an independent numerical integration,
// the effect of the weights, datasketch's 5 x 25 at t = 0.9, option checks
// and jaccard_for_containment.
#include <samestory/error.hpp>
#include <samestory/lsh_tuner.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace {

using samestory::describe_lsh;
using samestory::invalid_options_error;
using samestory::jaccard_for_containment;
using samestory::lsh_candidate_probability;
using samestory::lsh_parameters;
using samestory::lsh_tuning;
using samestory::lsh_tuning_options;
using samestory::tune_lsh;

// The textbook formula, written the obvious way (no log1p/expm1), as the
// reference for everything below.
double naive_probability(std::uint32_t b, std::uint32_t r, double s) {
  return 1.0 - std::pow(1.0 - std::pow(s, static_cast<double>(r)), static_cast<double>(b));
}

// Mean of P(s) over [0, t] and of 1 - P(s) over [t, 1] by the composite
// midpoint rule with `steps` steps on each side. The error of a mean over an
// interval of length L is at most L / (24 steps^2) times the total variation
// of P', i.e. below L max|P'| / (12 steps^2); max|P'| grows with the
// steepness of the S-curve (r for one band of r rows). For the moderate
// curves the tuner picks at k <= 256, 2000 steps are good to well below 1e-6.
struct rates {
  double false_positive = 0.0;
  double false_negative = 0.0;
};

rates midpoint_rates(std::uint32_t b, std::uint32_t r, double t, int steps) {
  rates out;
  const double h_low = t / steps;
  const double h_high = (1.0 - t) / steps;
  for (int i = 0; i < steps; ++i) {
    out.false_positive += naive_probability(b, r, (i + 0.5) * h_low);
    out.false_negative += 1.0 - naive_probability(b, r, t + (i + 0.5) * h_high);
  }
  out.false_positive /= steps;
  out.false_negative /= steps;
  return out;
}

std::string name_of(lsh_parameters p) {
  return std::to_string(p.bands) + " x " + std::to_string(p.rows);
}

}  // namespace

TEST_CASE("lsh_tuner: candidate probability at known points", "[lsh_tuner]") {
  CHECK(lsh_candidate_probability({1, 1}, 0.5) == Approx(0.5));
  CHECK(lsh_candidate_probability({2, 2}, 0.5) == Approx(1.0 - 0.75 * 0.75));
  CHECK(lsh_candidate_probability({20, 5}, 0.5) == Approx(1.0 - std::pow(31.0 / 32.0, 20)));
  CHECK(lsh_candidate_probability({32, 4}, 0.5) == Approx(1.0 - std::pow(15.0 / 16.0, 32)));
  CHECK(lsh_candidate_probability({5, 25}, 0.9) == Approx(naive_probability(5, 25, 0.9)));
  // Endpoints and clamping.
  CHECK(lsh_candidate_probability({32, 4}, 0.0) == 0.0);
  CHECK(lsh_candidate_probability({32, 4}, 1.0) == 1.0);
  CHECK(lsh_candidate_probability({32, 4}, -0.5) == 0.0);
  CHECK(lsh_candidate_probability({32, 4}, 1.5) == 1.0);
  CHECK(lsh_candidate_probability({32, 4}, std::nan("")) == 0.0);
  CHECK(lsh_candidate_probability({0, 4}, 0.9) == 0.0);
  // Tiny s^r: 1 - (1 - x)^b = b x (1 + O(x)). The naive form rounds 1 - 1e-18
  // to 1 and returns 0; the careful one keeps the relative precision.
  CHECK(naive_probability(1, 3, 1e-6) == 0.0);
  CHECK(lsh_candidate_probability({1, 3}, 1e-6) == Approx(1e-18).epsilon(1e-12));
  CHECK(lsh_candidate_probability({100, 4}, 1e-5) == Approx(100 * 1e-20).epsilon(1e-12));
}

TEST_CASE("lsh_tuner: s_curve is monotone from 0 to 1", "[lsh_tuner]") {
  for (const lsh_parameters p : {lsh_parameters{32, 4}, lsh_parameters{5, 25}, lsh_parameters{1, 1},
                                 lsh_parameters{128, 1}}) {
    INFO(name_of(p));
    const lsh_tuning tuning = describe_lsh(p, 0.5, 128);
    const auto curve = tuning.s_curve(101);
    REQUIRE(curve.size() == 101);
    CHECK(curve.front().first == 0.0);
    CHECK(curve.front().second == 0.0);
    CHECK(curve.back().first == 1.0);
    CHECK(curve.back().second == 1.0);
    for (std::size_t i = 1; i < curve.size(); ++i) {
      CHECK(curve[i].first > curve[i - 1].first);
      CHECK(curve[i].second >= curve[i - 1].second);
      CHECK(curve[i].second == tuning.candidate_probability(curve[i].first));
    }
  }
  CHECK(describe_lsh({32, 4}, 0.5, 128).s_curve(2).size() == 2);
  CHECK(describe_lsh({32, 4}, 0.5, 128).s_curve().size() == 21);
  CHECK_THROWS_AS(describe_lsh({32, 4}, 0.5, 128).s_curve(1), invalid_options_error);
  CHECK_THROWS_AS(describe_lsh({32, 4}, 0.5, 128).s_curve(0), invalid_options_error);
}

TEST_CASE("lsh_tuner: the result meets the recall floor and states its figures", "[lsh_tuner]") {
  for (const double t : {0.3, 0.5, 0.8, 0.9}) {
    for (const std::uint32_t k : {64u, 128u, 256u}) {
      const lsh_tuning tuning = tune_lsh({.threshold = t, .num_hashes = k});
      const lsh_parameters p = tuning.parameters;
      INFO("t = " << t << ", k = " << k << ": " << tuning.describe());
      REQUIRE(p.bands >= 1);
      REQUIRE(p.rows >= 1);
      CHECK(p.bands * p.rows <= k);
      CHECK(tuning.unused_hashes == k - p.bands * p.rows);
      CHECK(tuning.threshold == t);
      CHECK(tuning.num_hashes == k);
      CHECK(tuning.recall_at_threshold >= 0.99);
      CHECK(naive_probability(p.bands, p.rows, t) >= 0.99 - 1e-12);
      CHECK(tuning.recall_at_threshold == Approx(naive_probability(p.bands, p.rows, t)));
      // The stated rates match an independent integration (see midpoint_rates).
      const rates ref = midpoint_rates(p.bands, p.rows, t, 2000);
      CHECK(tuning.false_positive_rate == Approx(ref.false_positive).margin(1e-6));
      CHECK(tuning.false_negative_rate == Approx(ref.false_negative).margin(1e-6));
      // describe_lsh() of the chosen parameters gives the same figures.
      const lsh_tuning again = describe_lsh(p, t, k);
      CHECK(again.recall_at_threshold == tuning.recall_at_threshold);
      CHECK(again.false_positive_rate == tuning.false_positive_rate);
      CHECK(again.false_negative_rate == tuning.false_negative_rate);
      CHECK(again.unused_hashes == tuning.unused_hashes);
    }
  }
}

TEST_CASE("lsh_tuner: exact rates agree with numerical integration for every banding",
          "[lsh_tuner]") {
  // Every b x r with b r <= 64, at two thresholds. With 20000 midpoint steps
  // the bound above is max|P'| / (12 * 4e8); max|P'| is at most a few times
  // k = 64 here, so the reference is good to about 1e-8.
  constexpr std::uint32_t k = 64;
  for (const double t : {0.5, 0.9}) {
    for (std::uint32_t r = 1; r <= k; ++r) {
      for (std::uint32_t b = 1; b * r <= k; ++b) {
        const lsh_tuning d = describe_lsh({b, r}, t, k);
        const rates ref = midpoint_rates(b, r, t, 20000);
        INFO("t = " << t << ", " << b << " x " << r);
        CHECK(d.false_positive_rate == Approx(ref.false_positive).margin(1e-7));
        CHECK(d.false_negative_rate == Approx(ref.false_negative).margin(1e-7));
      }
    }
  }
}

TEST_CASE("lsh_tuner: no banding meeting the floor has a lower objective (brute force)",
          "[lsh_tuner]") {
  struct scenario {
    double t;
    std::uint32_t k;
    double fp_weight;
    double fn_weight;
    double min_recall;
  };
  const std::vector<scenario> scenarios = {
      {0.3, 128, 0.5, 0.5, 0.95}, {0.5, 128, 0.5, 0.5, 0.95}, {0.8, 128, 0.5, 0.5, 0.95},
      {0.9, 128, 0.5, 0.5, 0.95}, {0.5, 64, 0.2, 0.8, 0.0},   {0.7, 64, 0.9, 0.1, 0.0},
      {0.6, 96, 0.5, 0.5, 0.99},
  };
  for (const scenario& sc : scenarios) {
    const lsh_tuning chosen = tune_lsh({.threshold = sc.t,
                                        .num_hashes = sc.k,
                                        .false_positive_weight = sc.fp_weight,
                                        .false_negative_weight = sc.fn_weight,
                                        .min_recall = sc.min_recall});
    INFO("t = " << sc.t << ", k = " << sc.k << ", weights " << sc.fp_weight << "/" << sc.fn_weight
                << ", floor " << sc.min_recall << ": " << chosen.describe());
    const auto objective = [&](std::uint32_t b, std::uint32_t r) {
      const rates x = midpoint_rates(b, r, sc.t, 2000);
      return sc.fp_weight * x.false_positive + sc.fn_weight * x.false_negative;
    };
    const double chosen_objective = objective(chosen.parameters.bands, chosen.parameters.rows);
    int feasible = 0;
    for (std::uint32_t r = 1; r <= sc.k; ++r) {
      for (std::uint32_t b = 1; b * r <= sc.k; ++b) {
        const double recall = naive_probability(b, r, sc.t);
        // Skip bandings within rounding of the floor, where the naive and
        // careful formulas may disagree about feasibility.
        if (recall < sc.min_recall) continue;
        if (sc.min_recall > 0.0 && recall < sc.min_recall + 1e-12) continue;
        ++feasible;
        INFO("candidate " << b << " x " << r);
        CHECK(objective(b, r) >= chosen_objective - 1e-6);
      }
    }
    CHECK(feasible > 0);
  }
}

TEST_CASE("lsh_tuner: datasketch's 5 x 25 at t = 0.9 finds about 31% of pairs at 0.9",
          "[lsh_tuner]") {
  // What datasketch's un-normalised optimiser picks at threshold 0.9, k = 128,
  // and what that means: 1 - (1 - 0.9^25)^5 = 0.311.
  const lsh_tuning theirs = describe_lsh({5, 25}, 0.9, 128);
  CHECK(theirs.recall_at_threshold == Approx(0.311).margin(0.001));
  CHECK(theirs.unused_hashes == 3);

  // Reproduce their choice: minimising the un-normalised areas (each weight
  // 0.5) over b r <= 128 picks 5 x 25.
  lsh_parameters best;
  double best_objective = 1e9;
  for (std::uint32_t b = 1; b <= 128; ++b) {
    for (std::uint32_t r = 1; b * r <= 128; ++r) {
      const rates x = midpoint_rates(b, r, 0.9, 2000);
      const double o = 0.5 * x.false_positive * 0.9 + 0.5 * x.false_negative * 0.1;
      if (o < best_objective) {
        best_objective = o;
        best = {b, r};
      }
    }
  }
  CHECK(best == lsh_parameters{5, 25});

  const lsh_tuning ours = tune_lsh({.threshold = 0.9, .num_hashes = 128});
  INFO(ours.describe());
  CHECK(ours.recall_at_threshold >= 0.99);
  CHECK(ours.false_negative_rate < theirs.false_negative_rate);
}

TEST_CASE("lsh_tuner: weights shift the choice", "[lsh_tuner]") {
  for (const double t : {0.5, 0.8}) {
    const lsh_tuning fn_heavy = tune_lsh({.threshold = t,
                                          .false_positive_weight = 0.1,
                                          .false_negative_weight = 0.9,
                                          .min_recall = 0.0});
    const lsh_tuning fp_heavy = tune_lsh({.threshold = t,
                                          .false_positive_weight = 0.9,
                                          .false_negative_weight = 0.1,
                                          .min_recall = 0.0});
    INFO("t = " << t << "\nfn-heavy: " << fn_heavy.describe()
                << "\nfp-heavy: " << fp_heavy.describe());
    CHECK(fn_heavy.recall_at_threshold > fp_heavy.recall_at_threshold);
    CHECK(fn_heavy.false_negative_rate < fp_heavy.false_negative_rate);
    CHECK(fn_heavy.false_positive_rate > fp_heavy.false_positive_rate);
  }
  // Only false negatives count: every pair should be found, so one row per
  // band and all k bands (the highest curve there is).
  const lsh_tuning all_in =
      tune_lsh({.false_positive_weight = 0.0, .false_negative_weight = 1.0, .min_recall = 0.0});
  CHECK(all_in.parameters == lsh_parameters{128, 1});
  // Only false positives count: one band of all k rows (the lowest curve).
  const lsh_tuning strict =
      tune_lsh({.false_positive_weight = 1.0, .false_negative_weight = 0.0, .min_recall = 0.0});
  CHECK(strict.parameters == lsh_parameters{1, 128});
}

TEST_CASE("lsh_tuner: a higher recall floor is honoured", "[lsh_tuner]") {
  const lsh_tuning free = tune_lsh({.threshold = 0.7, .min_recall = 0.0});
  const lsh_tuning floor = tune_lsh({.threshold = 0.7, .min_recall = 0.999});
  INFO(free.describe() << "\n" << floor.describe());
  CHECK(floor.recall_at_threshold >= 0.999);
  CHECK(floor.recall_at_threshold >= free.recall_at_threshold);
}

TEST_CASE("lsh_tuner: deterministic", "[lsh_tuner]") {
  const lsh_tuning a = tune_lsh({.threshold = 0.62, .num_hashes = 200});
  const lsh_tuning b = tune_lsh({.threshold = 0.62, .num_hashes = 200});
  CHECK(a.parameters == b.parameters);
  CHECK(a.false_positive_rate == b.false_positive_rate);
  CHECK(a.false_negative_rate == b.false_negative_rate);
  CHECK(a.describe() == b.describe());
}

TEST_CASE("lsh_tuner: invalid options throw invalid_options_error", "[lsh_tuner]") {
  const auto throws_naming = [](const lsh_tuning_options& o, const std::string& field) {
    try {
      (void)tune_lsh(o);
    } catch (const invalid_options_error& e) {
      CHECK(e.code() == samestory::error_code::invalid_options);
      return std::string(e.what()).find(field) != std::string::npos;
    }
    return false;
  };
  CHECK(throws_naming({.threshold = 0.0}, "threshold"));
  CHECK(throws_naming({.threshold = 1.0}, "threshold"));
  CHECK(throws_naming({.threshold = -0.1}, "threshold"));
  CHECK(throws_naming({.threshold = std::nan("")}, "threshold"));
  CHECK(throws_naming({.num_hashes = 0}, "num_hashes"));
  CHECK(throws_naming({.num_hashes = 4097}, "num_hashes"));
  CHECK(throws_naming({.false_positive_weight = -1.0}, "false_positive_weight"));
  CHECK(throws_naming({.false_negative_weight = -1.0}, "false_negative_weight"));
  CHECK(throws_naming({.false_positive_weight = INFINITY}, "false_positive_weight"));
  CHECK(throws_naming({.false_positive_weight = 0.0, .false_negative_weight = 0.0},
                      "false_negative_weight"));
  CHECK(throws_naming({.min_recall = -0.01}, "min_recall"));
  CHECK(throws_naming({.min_recall = 1.01}, "min_recall"));
  // The value and the allowed range are in the message too.
  try {
    (void)tune_lsh({.num_hashes = 5000});
    FAIL("no exception");
  } catch (const invalid_options_error& e) {
    CHECK_THAT(e.what(), Catch::Contains("5000") && Catch::Contains("1..4096"));
  }
  // The floor cannot be met with one hash at t = 0.3 (best recall 0.3): the
  // message gives the reachable recall and the k needed (1 - 0.7^k >= 0.99,
  // the default floor, from k = 13).
  try {
    (void)tune_lsh({.threshold = 0.3, .num_hashes = 1});
    FAIL("no exception");
  } catch (const invalid_options_error& e) {
    CHECK_THAT(e.what(), Catch::Contains("min_recall") && Catch::Contains("0.3") &&
                             Catch::Contains("num_hashes >= 13"));
  }
  CHECK_NOTHROW(tune_lsh({.threshold = 0.3, .num_hashes = 13}));
  CHECK_THROWS_AS(tune_lsh({.threshold = 0.3, .num_hashes = 12}), invalid_options_error);

  CHECK_THROWS_AS(describe_lsh({0, 4}, 0.5, 128), invalid_options_error);
  CHECK_THROWS_AS(describe_lsh({32, 0}, 0.5, 128), invalid_options_error);
  CHECK_THROWS_AS(describe_lsh({33, 4}, 0.5, 128), invalid_options_error);
  CHECK_THROWS_AS(describe_lsh({65536, 65536}, 0.5, 128), invalid_options_error);
  CHECK_THROWS_AS(describe_lsh({32, 4}, 1.0, 128), invalid_options_error);
  CHECK_THROWS_AS(describe_lsh({1, 1}, 0.5, 0), invalid_options_error);
  CHECK_NOTHROW(describe_lsh({32, 4}, 0.5, 128));
}

TEST_CASE("lsh_tuner: jaccard_for_containment", "[lsh_tuner]") {
  CHECK(jaccard_for_containment(1.0, 1.0) == 1.0);
  CHECK(jaccard_for_containment(0.8, 4.0) == Approx(0.8 / 4.2));
  CHECK(jaccard_for_containment(1.0, 10.0) == Approx(0.1));
  // The bound is attained: |A| = 10, |B| = 40, 8 of A in B gives
  // |A ∩ B| / |A ∪ B| = 8 / (10 + 40 - 8).
  CHECK(jaccard_for_containment(0.8, 4.0) == Approx(8.0 / 42.0));
  // Larger pages need a lower threshold.
  CHECK(jaccard_for_containment(0.9, 5.0) < jaccard_for_containment(0.9, 2.0));
  CHECK_THROWS_AS(jaccard_for_containment(0.0, 2.0), invalid_options_error);
  CHECK_THROWS_AS(jaccard_for_containment(1.1, 2.0), invalid_options_error);
  CHECK_THROWS_AS(jaccard_for_containment(0.5, 0.9), invalid_options_error);
  CHECK_THROWS_AS(jaccard_for_containment(std::nan(""), 2.0), invalid_options_error);
  CHECK_THROWS_AS(jaccard_for_containment(0.5, INFINITY), invalid_options_error);
  // It feeds the tuner directly.
  CHECK_NOTHROW(tune_lsh({.threshold = jaccard_for_containment(0.8, 4.0)}));
}

TEST_CASE("lsh_tuner: describe() names bands, rows, hashes and the figures", "[lsh_tuner]") {
  const lsh_tuning d = describe_lsh({32, 4}, 0.5, 128);
  const std::string line = d.describe();
  INFO(line);
  CHECK_THAT(line, Catch::StartsWith("32 bands x 4 rows (128 of 128 hashes): "
                                     "P(candidate | J=0.50) = 0.87"));
  CHECK_THAT(line, Catch::Contains("false positives") && Catch::Contains("false negatives"));

  const std::string wasteful = describe_lsh({5, 25}, 0.9, 128).describe();
  CHECK_THAT(wasteful, Catch::StartsWith("5 bands x 25 rows (125 of 128 hashes)"));

  // A recall near 1 is not rounded to "1.00".
  const lsh_tuning high = describe_lsh({64, 2}, 0.5, 128);
  REQUIRE(high.recall_at_threshold > 0.9999);
  CHECK_THAT(high.describe(), !Catch::Contains("= 1.00,"));

  const lsh_tuning tuned = tune_lsh();
  CHECK_THAT(tuned.describe(),
             Catch::StartsWith(std::to_string(tuned.parameters.bands) + " bands x " +
                               std::to_string(tuned.parameters.rows) + " rows"));
}
