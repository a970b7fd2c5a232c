// Choosing and describing LSH bandings. See include/samestory/lsh_tuner.hpp
// for the contract.
//
// The false-positive and false-negative areas are computed exactly, not by
// quadrature. Substituting x = s^r (s = x^a with a = 1/r, ds = a x^(a-1) dx):
//
//   ∫_0^t (1-s^r)^n ds = a B_X(a, n+1),          X = t^r,
//   ∫_0^1 (1-s^r)^n ds = a B(a, n+1),
//
// with B_X the incomplete beta function. Integrating by parts gives the
// forward recurrences, all with non-negative terms (so rounding errors are
// damped by n/(a+n) < 1 at every step, never amplified):
//
//   J_n = B_X(a, n+1) = (n J_{n-1} + X^a (1-X)^n) / (a+n),   J_0 = X^a / a = t r
//   C_n = B(a, n+1)   = n C_{n-1} / (a+n),                   C_0 = 1 / a = r
//   D_n = B_X(a, 1) - J_n = ∫_0^X x^(a-1) (1 - (1-x)^n) dx
//       = (n D_{n-1} + t (1 - (1-X)^n)) / (a+n),             D_0 = 0
//
// so the false-positive area ∫_0^t P(s) ds = a D_n and the false-negative
// area ∫_t^1 (1 - P(s)) ds = a (C_n - J_n). D_n keeps its relative precision
// (1 - (1-X)^n comes from expm1); C_n - J_n is accurate to a few ulp of C_n
// in absolute terms, which is what comparing objectives needs. For one r the
// recurrences visit every b = n at O(1) cost, so tuning k hashes costs
// sum_r k/r = O(k log k) steps.
#include <samestory/error.hpp>
#include <samestory/lsh_tuner.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

namespace samestory {
namespace {

constexpr std::uint32_t max_num_hashes = 4096;
// Objectives closer than this are equal; ties go to fewer unused hashes, then
// fewer bands. Well above the rounding error of the rates (see above).
constexpr double tie_tolerance = 1e-12;

// Shortest decimal that reads back as v, for error messages.
std::string number(double v) {
  char buf[64];
  const auto result = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, result.ptr);
}

void check_threshold(double threshold) {
  if (!(threshold > 0.0 && threshold < 1.0)) {
    throw invalid_options_error("lsh_tuning_options::threshold is " + number(threshold) +
                                "; allowed: 0 < threshold < 1");
  }
}

void check_num_hashes(std::uint32_t k) {
  if (k < 1 || k > max_num_hashes) {
    throw invalid_options_error("lsh_tuning_options::num_hashes is " + std::to_string(k) +
                                "; allowed: 1.." + std::to_string(max_num_hashes));
  }
}

void check_options(const lsh_tuning_options& o) {
  check_threshold(o.threshold);
  check_num_hashes(o.num_hashes);
  const auto check_weight = [](const char* field, double w) {
    if (!(w >= 0.0 && std::isfinite(w))) {
      throw invalid_options_error(std::string("lsh_tuning_options::") + field + " is " + number(w) +
                                  "; allowed: finite and >= 0");
    }
  };
  check_weight("false_positive_weight", o.false_positive_weight);
  check_weight("false_negative_weight", o.false_negative_weight);
  if (o.false_positive_weight == 0.0 && o.false_negative_weight == 0.0) {
    throw invalid_options_error(
        "lsh_tuning_options::false_positive_weight and false_negative_weight are both 0; "
        "allowed: at least one > 0");
  }
  if (!(o.min_recall >= 0.0 && o.min_recall <= 1.0)) {
    throw invalid_options_error("lsh_tuning_options::min_recall is " + number(o.min_recall) +
                                "; allowed: 0 <= min_recall <= 1");
  }
}

// The figures of one banding (b, r) at threshold t.
struct figures {
  double recall = 0.0;
  double false_positive_rate = 0.0;
  double false_negative_rate = 0.0;
};

// Walks b = 1, 2, ..., max_bands for a fixed r at threshold t, keeping the
// recurrences of the file comment; calls visit(b, figures) for every b.
template <typename Visit>
void for_each_band_count(std::uint32_t rows, std::uint32_t max_bands, double t, Visit&& visit) {
  const double r = static_cast<double>(rows);
  const double a = 1.0 / r;
  const double x = std::pow(t, r);         // X = t^r, may underflow to 0: then P = 0
  const double log_miss = std::log1p(-x);  // log(1 - X); X < 1 since t < 1
  double d = 0.0;                          // D_n
  double j = t * r;                        // J_n
  double c = r;                            // C_n
  for (std::uint32_t b = 1; b <= max_bands; ++b) {
    const double n = static_cast<double>(b);
    const double hit = -std::expm1(n * log_miss);  // 1 - (1-X)^n = P(t)
    const double miss = std::exp(n * log_miss);    // (1-X)^n
    d = (n * d + t * hit) / (a + n);
    j = (n * j + t * miss) / (a + n);
    c = n * c / (a + n);
    figures f;
    f.recall = hit;
    f.false_positive_rate = std::clamp(a * d / t, 0.0, 1.0);
    f.false_negative_rate = std::clamp(a * (c - j) / (1.0 - t), 0.0, 1.0);
    visit(b, f);
  }
}

lsh_tuning make_tuning(lsh_parameters p, double t, std::uint32_t k, const figures& f) {
  lsh_tuning out;
  out.parameters = p;
  out.threshold = t;
  out.num_hashes = k;
  out.recall_at_threshold = f.recall;
  out.false_positive_rate = f.false_positive_rate;
  out.false_negative_rate = f.false_negative_rate;
  out.unused_hashes = k - p.bands * p.rows;
  return out;
}

// A probability for a human: two significant digits of p or of 1 - p,
// whichever is smaller, so 0.9987 is not shown as "1.00".
std::string probability(double p) {
  char buf[64];
  const double m = std::min(p, 1.0 - p);
  if (m <= 0.0) {
    std::snprintf(buf, sizeof buf, "%s", p >= 1.0 ? "1" : "0");
  } else if (m < 1e-4) {
    if (p < 0.5) {
      std::snprintf(buf, sizeof buf, "%.1e", p);
    } else {
      std::snprintf(buf, sizeof buf, "1 - %.1e", 1.0 - p);
    }
  } else {
    const int decimals = std::max(2, static_cast<int>(std::ceil(-std::log10(m))) + 1);
    std::snprintf(buf, sizeof buf, "%.*f", decimals, p);
  }
  return buf;
}

}  // namespace

double lsh_candidate_probability(lsh_parameters p, double jaccard) noexcept {
  if (p.bands == 0) return 0.0;
  const double s = std::isnan(jaccard) ? 0.0 : std::clamp(jaccard, 0.0, 1.0);
  const double x = std::pow(s, static_cast<double>(p.rows));  // s^r; 0^0 = 1
  // 1 - (1 - x)^b without forming 1 - x: exact for tiny x, and 1 at x = 1
  // (log1p(-1) = -inf, expm1(-inf) = -1).
  return -std::expm1(static_cast<double>(p.bands) * std::log1p(-x));
}

double lsh_tuning::candidate_probability(double jaccard) const noexcept {
  return lsh_candidate_probability(parameters, jaccard);
}

std::vector<std::pair<double, double>> lsh_tuning::s_curve(std::size_t points) const {
  if (points < 2) {
    throw invalid_options_error("s_curve points is " + std::to_string(points) + "; allowed: >= 2");
  }
  std::vector<std::pair<double, double>> curve;
  curve.reserve(points);
  const double last = static_cast<double>(points - 1);
  for (std::size_t i = 0; i < points; ++i) {
    // i == points-1 gives exactly 1.0.
    const double s = static_cast<double>(i) / last;
    curve.emplace_back(s, candidate_probability(s));
  }
  return curve;
}

std::string lsh_tuning::describe() const {
  char head[160];
  std::snprintf(head, sizeof head,
                "%u bands x %u rows (%u of %u hashes): P(candidate | J=%.2f) = ", parameters.bands,
                parameters.rows, num_hashes - unused_hashes, num_hashes, threshold);
  return head + probability(recall_at_threshold) + ", false positives " +
         probability(false_positive_rate) + ", false negatives " + probability(false_negative_rate);
}

lsh_tuning describe_lsh(lsh_parameters p, double threshold, std::uint32_t num_hashes) {
  check_threshold(threshold);
  check_num_hashes(num_hashes);
  if (p.bands == 0 || p.rows == 0 ||
      static_cast<std::uint64_t>(p.bands) * p.rows > static_cast<std::uint64_t>(num_hashes)) {
    throw invalid_options_error("lsh_parameters is " + std::to_string(p.bands) + " bands x " +
                                std::to_string(p.rows) +
                                " rows; allowed: bands >= 1, rows >= 1, bands * rows <= "
                                "num_hashes = " +
                                std::to_string(num_hashes));
  }
  figures result;
  for_each_band_count(p.rows, p.bands, threshold, [&](std::uint32_t b, const figures& f) {
    if (b == p.bands) result = f;
  });
  return make_tuning(p, threshold, num_hashes, result);
}

lsh_tuning tune_lsh(const lsh_tuning_options& options) {
  check_options(options);
  const double t = options.threshold;
  const std::uint32_t k = options.num_hashes;

  bool found = false;
  lsh_parameters best;
  figures best_figures;
  double best_objective = std::numeric_limits<double>::infinity();
  for (std::uint32_t r = 1; r <= k; ++r) {
    for_each_band_count(r, k / r, t, [&](std::uint32_t b, const figures& f) {
      if (!(f.recall >= options.min_recall)) return;
      const double objective = options.false_positive_weight * f.false_positive_rate +
                               options.false_negative_weight * f.false_negative_rate;
      bool better = false;
      if (!found || objective < best_objective - tie_tolerance) {
        better = true;
      } else if (objective <= best_objective + tie_tolerance) {
        const std::uint32_t unused = k - b * r;
        const std::uint32_t best_unused = k - best.bands * best.rows;
        better = unused < best_unused || (unused == best_unused && b < best.bands);
      }
      if (better) {
        found = true;
        best = {b, r};
        best_figures = f;
        best_objective = objective;
      }
    });
  }
  if (!found) {
    // The highest recall any banding of k hashes reaches is b = k, r = 1:
    // (1 - t^r)^(1/r) >= 1 - t for r >= 1, so one row per band misses least.
    const double reachable = lsh_candidate_probability({k, 1}, t);
    std::string needed;
    if (options.min_recall >= 1.0) {
      needed = "recall 1 needs t = 1";
    } else {
      const double exact = std::log1p(-options.min_recall) / std::log1p(-t);
      double k_needed = std::max(1.0, std::ceil(exact));
      if (k_needed <= max_num_hashes &&
          lsh_candidate_probability({static_cast<std::uint32_t>(k_needed), 1}, t) <
              options.min_recall) {
        k_needed += 1.0;  // rounding at the boundary
      }
      needed = k_needed <= max_num_hashes
                   ? "num_hashes >= " + number(k_needed) + " would reach it"
                   : "no num_hashes up to " + std::to_string(max_num_hashes) + " reaches it";
    }
    throw invalid_options_error("lsh_tuning_options::min_recall is " + number(options.min_recall) +
                                ", but the best recall at threshold " + number(t) + " with " +
                                std::to_string(k) + " hashes is " + number(reachable) +
                                " (b = " + std::to_string(k) + ", r = 1); " + needed);
  }
  return make_tuning(best, t, k, best_figures);
}

double jaccard_for_containment(double containment, double size_ratio) {
  if (!(containment > 0.0 && containment <= 1.0)) {
    throw invalid_options_error("containment is " + number(containment) +
                                "; allowed: 0 < containment <= 1");
  }
  if (!(size_ratio >= 1.0 && std::isfinite(size_ratio))) {
    throw invalid_options_error("size_ratio is " + number(size_ratio) +
                                "; allowed: finite and >= 1");
  }
  return containment / (size_ratio + 1.0 - containment);
}

}  // namespace samestory
