// Clustering scores with the rules and arithmetic of ../shared/tools/score.py,
// so that `samestory eval` prints the same 4-decimal figures.
#include <samestory/error.hpp>
#include <samestory/evaluate.hpp>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

namespace samestory {

namespace {

__extension__ typedef unsigned __int128 u128;

std::uint64_t c2(std::uint64_t n) noexcept {
  return n * (n - 1) / 2;
}

int bit_length(u128 x) noexcept {
  const auto high = static_cast<std::uint64_t>(x >> 64);
  if (high != 0) return 128 - std::countl_zero(high);
  return 64 - std::countl_zero(static_cast<std::uint64_t>(x));
}

// a / b correctly rounded, as Python's int / int true division is. Products
// of pair counts overflow 64 bits and exceed 2^53 long before that, so
// converting each side to double first could round differently from Python.
double divide(u128 a, std::uint64_t b) noexcept {
  if (a == 0) return 0.0;
  // Scale so the integer quotient has 64 or 65 bits; the remainder becomes a
  // sticky bit below the rounding position, so one conversion rounds right.
  const int k = 64 + bit_length(b) - bit_length(a);  // b < 2^64 keeps shifts in range
  u128 q = 0;
  bool inexact = false;
  if (k >= 0) {
    const u128 scaled = a << k;  // bit_length(a) + k = 64 + bit_length(b) <= 128
    q = scaled / b;
    inexact = scaled % b != 0;
  } else {
    const u128 scaled = u128{b} << -k;  // bit_length(b) - k = bit_length(a) - 64 <= 64
    q = a / scaled;
    inexact = a % scaled != 0;
  }
  if (inexact) q |= 1;
  return std::ldexp(static_cast<double>(q), -k);
}

// Python's repr(round(x, 4)): glibc's %.4f rounds the exact binary value
// (ties to even) as round() does; the shortest fixed-notation digits of the
// result are what repr prints for magnitudes in [1e-4, 1e16).
void append_rounded(std::string& out, double x) {
  char fixed[64];
  std::snprintf(fixed, sizeof fixed, "%.4f", x);
  const double rounded = std::strtod(fixed, nullptr);
  char shortest[64];
  const auto result =
      std::to_chars(shortest, shortest + sizeof shortest, rounded, std::chars_format::fixed);
  const std::string_view digits(shortest, static_cast<std::size_t>(result.ptr - shortest));
  out += digits;
  if (digits.find_first_of(".e") == std::string_view::npos) out += ".0";
}

double harmonic_mean(double p, double r) noexcept {
  return p + r != 0.0 ? 2 * p * r / (p + r) : 0.0;
}

}  // namespace

std::string clustering_scores::to_json() const {
  std::string out;
  out += "{\"n\": " + std::to_string(n);
  out += ", \"gold_clusters\": " + std::to_string(gold_clusters);
  out += ", \"pred_clusters\": " + std::to_string(pred_clusters);
  const std::pair<const char*, double> fields[] = {{"pair_p", pair_p},
                                                   {"pair_r", pair_r},
                                                   {"pair_f1", pair_f1},
                                                   {"bcubed_p", bcubed_p},
                                                   {"bcubed_r", bcubed_r},
                                                   {"bcubed_f1", bcubed_f1},
                                                   {"ari", ari}};
  for (const auto& [key, value] : fields) {
    out += ", \"";
    out += key;
    out += "\": ";
    append_rounded(out, value);
  }
  out += '}';
  return out;
}

clustering_scores score_clustering(const ordered_labels& gold, const label_map& pred) {
  // Dense cluster numbers per scored document. Real predicted labels and
  // singletons get numbers from one counter but only labels go through the
  // map, so a singleton can never merge with a label, whatever its text.
  std::unordered_map<std::string_view, std::size_t> gold_ids;
  std::unordered_map<std::string_view, std::size_t> pred_ids;
  std::size_t pred_count = 0;
  std::vector<std::pair<std::size_t, std::size_t>> docs;  // (gold, pred), in gold's order
  docs.reserve(gold.size());
  for (const auto& [id, gold_label] : gold) {
    if (!gold_label) continue;
    const std::size_t g = gold_ids.try_emplace(*gold_label, gold_ids.size()).first->second;
    std::size_t p = 0;
    const auto it = pred.find(id);
    if (it != pred.end() && it->second) {
      const auto [slot, inserted] = pred_ids.try_emplace(*it->second, pred_count);
      if (inserted) ++pred_count;
      p = slot->second;
    } else {
      p = pred_count++;
    }
    docs.emplace_back(g, p);
  }
  if (docs.empty()) {
    throw error(error_code::invalid_argument,
                "score_clustering: no document has a gold label, so there is nothing to score");
  }

  std::vector<std::uint64_t> gold_sizes(gold_ids.size(), 0);
  std::vector<std::uint64_t> pred_sizes(pred_count, 0);
  for (const auto& [g, p] : docs) {
    ++gold_sizes[g];
    ++pred_sizes[p];
  }
  // Contingency cells as runs of equal (gold, pred) pairs in a sorted copy.
  std::vector<std::pair<std::size_t, std::size_t>> sorted = docs;
  std::sort(sorted.begin(), sorted.end());
  std::uint64_t tp = 0;
  std::unordered_map<std::uint64_t, std::uint64_t> cell_of;  // key g * pred_count + p
  for (std::size_t begin = 0; begin < sorted.size();) {
    std::size_t end = begin + 1;
    while (end < sorted.size() && sorted[end] == sorted[begin]) ++end;
    const auto cell = static_cast<std::uint64_t>(end - begin);
    tp += c2(cell);
    cell_of[sorted[begin].first * pred_count + sorted[begin].second] = cell;
    begin = end;
  }
  // BCubed terms added one document at a time in gold's order, exactly as
  // score.py does, so the sums agree to the bit.
  double bp_sum = 0.0;
  double br_sum = 0.0;
  for (const auto& [g, p] : docs) {
    const std::uint64_t cell = cell_of.at(g * pred_count + p);
    bp_sum += divide(cell, pred_sizes[p]);
    br_sum += divide(cell, gold_sizes[g]);
  }
  std::uint64_t tpfp = 0;
  for (const std::uint64_t size : pred_sizes) tpfp += c2(size);
  std::uint64_t tpfn = 0;
  for (const std::uint64_t size : gold_sizes) tpfn += c2(size);

  clustering_scores s;
  s.n = docs.size();
  s.gold_clusters = gold_sizes.size();
  s.pred_clusters = pred_sizes.size();
  s.pair_p = tpfp != 0 ? divide(tp, tpfp) : 1.0;
  s.pair_r = tpfn != 0 ? divide(tp, tpfn) : 1.0;
  s.pair_f1 = harmonic_mean(s.pair_p, s.pair_r);
  const auto n_docs = static_cast<double>(docs.size());
  s.bcubed_p = bp_sum / n_docs;
  s.bcubed_r = br_sum / n_docs;
  s.bcubed_f1 = harmonic_mean(s.bcubed_p, s.bcubed_r);
  const std::uint64_t all_pairs = c2(docs.size());
  const double expected = all_pairs != 0 ? divide(u128{tpfp} * tpfn, all_pairs) : 0.0;
  const double max_index = divide(u128{tpfp} + tpfn, 2);
  s.ari =
      max_index != expected ? (static_cast<double>(tp) - expected) / (max_index - expected) : 1.0;
  return s;
}

clustering_scores score_clustering(const label_map& gold, const label_map& pred) {
  ordered_labels in_order(gold.begin(), gold.end());
  std::sort(in_order.begin(), in_order.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  return score_clustering(in_order, pred);
}

}  // namespace samestory
