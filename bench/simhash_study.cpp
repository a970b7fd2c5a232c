// simhash_study: which Hamming distance k (and how many blocks B) should a
// permuted-table SimHash index (simhash_index.hpp) search by default?
//
//   simhash_study [--json] [--max-d D] NAME=corpus.jsonl ... [--background NAME=news.jsonl]
//
// Each NAME=FILE is a JSONL corpus with planted copies (gen_corpus.py:
// fields id, text, cluster = the original a copy was made from). The
// --background file is unlabelled real news (e.g. sina_news_2018_zh): its
// pairs are the realistic unrelated pairs, with their shared boilerplate.
// For every document it computes the 3-gram shingles (text_pipeline with
// library defaults, lenient UTF-8) and three 64-bit SimHash values:
//   binary  simhasher{binary}.hash(counted)   each distinct shingle votes once
//   pos     simhasher{}.hash(positions)       every position votes (= raw_count)
//   tf      simhasher{sublinear_tf}.hash(counted)  1 + ln(count)
// and prints:
// 1. planted pairs (each copy with its original, copies of one original with
//    each other): the exact shingle-set Jaccard, distance quantiles and the
//    cumulative share within d = 0..D overall and by Jaccard band;
// 2. unrelated pairs: ALL pairs of documents from different clusters (exact,
//    no sampling: 2e8 popcounts take well under a second), the cumulative
//    share within d and the implied false matches per query at N = 1e5, 1e6;
//    pairs of the background that are this close are checked by Jaccard, since
//    real news holds unlabelled reposts;
// 3. for k in {3,4,5,6,7,8,10,12} and B from k+1 to the library's default B
//    (smallest B with keys of >= 16 bits): tables C(B,k), key bits, bucket
//    occupancy and candidates per query at 1e6 documents (uniform model, and
//    the collision rate measured on the unrelated documents' keys), memory
//    per document, and the recall of planted pairs at k.
// Deterministic: no sampling, no clock in the figures (timings go to stderr).
#include <samestory/samestory.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "corpus.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

constexpr int n_weightings = 3;
constexpr std::array<const char*, n_weightings> weighting_names = {"binary", "pos", "tf"};
constexpr std::array<std::uint32_t, 8> candidate_ks = {3, 4, 5, 6, 7, 8, 10, 12};
constexpr std::array<double, 5> band_lo = {0.0, 0.8, 0.5, 0.3, 0.0};  // band 0 = all pairs
constexpr std::array<double, 5> band_hi = {2.0, 2.0, 0.8, 0.5, 0.3};
constexpr std::array<const char*, 5> band_names = {"all", "J>=0.8", "0.5-0.8", "0.3-0.5", "<0.3"};

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

struct document {
  std::string text;
  std::string cluster;  // empty: its own cluster
  std::array<std::uint64_t, n_weightings> fp{};
};

struct histogram {
  std::array<std::uint64_t, 65> n{};
  std::uint64_t total = 0;
  void add(int d) {
    ++n[static_cast<std::size_t>(d)];
    ++total;
  }
  std::uint64_t within(int d) const {
    std::uint64_t s = 0;
    for (int i = 0; i <= d && i <= 64; ++i) s += n[static_cast<std::size_t>(i)];
    return s;
  }
  double share_within(int d) const {
    return total ? static_cast<double>(within(d)) / static_cast<double>(total) : 0.0;
  }
  int quantile(double q) const {  // smallest d with share_within(d) >= q
    for (int d = 0; d <= 64; ++d) {
      if (share_within(d) >= q) return d;
    }
    return 64;
  }
  double mean() const {
    double s = 0;
    for (std::size_t d = 0; d <= 64; ++d) s += static_cast<double>(d * n[d]);
    return total ? s / static_cast<double>(total) : 0.0;
  }
  double sd() const {
    const double m = mean();
    double s = 0;
    for (std::size_t d = 0; d <= 64; ++d) {
      const double x = static_cast<double>(d) - m;
      s += x * x * static_cast<double>(n[d]);
    }
    return total ? std::sqrt(s / static_cast<double>(total)) : 0.0;
  }
};

struct corpus_result {
  std::string name;
  std::size_t docs = 0;
  std::size_t clusters = 0;
  bool labelled = false;
  // planted[w][band]
  std::array<std::array<histogram, 5>, n_weightings> planted{};
  std::vector<double> jaccards;
  // Every planted pair: its Jaccard and binary distance (recall above a Jaccard).
  std::vector<std::pair<double, int>> pairs;
  // unrelated[w]
  std::array<histogram, n_weightings> unrelated{};
  // Close unrelated pairs that are really the same text (J >= 0.5), per w and d.
  std::array<std::array<std::uint64_t, 65>, n_weightings> close_dups{};
  std::uint64_t close_checked = 0;
  // Fingerprints of one document per cluster (for the key collision rate).
  std::array<std::vector<std::uint64_t>, n_weightings> unrelated_fps;
};

class fingerprinter {
 public:
  fingerprinter()
      : pipe_(make_options()),
        binary_({samestory::simhash_weighting::binary, 0}, pipe_.fingerprint()),
        tf_({samestory::simhash_weighting::sublinear_tf, 0}, pipe_.fingerprint()),
        raw_({samestory::simhash_weighting::raw_count, 0}, pipe_.fingerprint()) {}

  // Sorted distinct shingles of `text`; fills fp when asked.
  void run(const std::string& text, std::vector<std::uint64_t>& set,
           std::array<std::uint64_t, n_weightings>* fp) {
    pipe_.shingles(text, positions_);
    set = positions_;
    std::sort(set.begin(), set.end());
    counted_.clear();
    for (std::size_t i = 0; i < set.size();) {
      std::size_t j = i;
      while (j < set.size() && set[j] == set[i]) ++j;
      counted_.push_back({set[i], static_cast<std::uint32_t>(j - i)});
      i = j;
    }
    set.erase(std::unique(set.begin(), set.end()), set.end());
    if (!fp) return;
    (*fp)[0] = binary_.hash(std::span<const samestory::counted_shingle>(counted_));
    (*fp)[1] = binary_.hash(std::span<const std::uint64_t>(positions_));
    (*fp)[2] = tf_.hash(std::span<const samestory::counted_shingle>(counted_));
    // The positions fast path must equal raw_count weighting of the counts.
    if ((*fp)[1] != raw_.hash(std::span<const samestory::counted_shingle>(counted_))) {
      ++pos_mismatch;
    }
  }
  std::size_t pos_mismatch = 0;

 private:
  static samestory::text_pipeline_options make_options() {
    samestory::text_pipeline_options o;
    o.normalize.utf8 = samestory::utf8_policy::lenient;
    return o;
  }
  samestory::text_pipeline pipe_;
  samestory::simhasher binary_, tf_, raw_;
  std::vector<std::uint64_t> positions_;
  std::vector<samestory::counted_shingle> counted_;
};

std::vector<document> load(const std::string& path, bool& labelled) {
  std::vector<document> docs;
  labelled = false;
  for (auto& f : bench::read_jsonl_fields(path)) {
    const std::string& title = f["title"];
    const std::string& text = f["text"];
    if (title.empty() && text.empty()) continue;
    document d;
    d.text = title.empty() ? text : text.empty() ? title : title + "\n" + text;
    const auto it = f.find("cluster");
    if (it != f.end() && !it->second.empty()) {
      d.cluster = it->second;
      labelled = true;
    }
    docs.push_back(std::move(d));
  }
  if (docs.empty()) throw std::runtime_error("no documents in " + path);
  return docs;
}

int band_of(double j) {
  if (j >= 0.8) return 1;
  if (j >= 0.5) return 2;
  if (j >= 0.3) return 3;
  return 4;
}

corpus_result study_corpus(const std::string& name, const std::string& path, int max_close_d) {
  const auto t0 = clock_type::now();
  corpus_result r;
  r.name = name;
  auto docs = load(path, r.labelled);
  r.docs = docs.size();
  // Cluster ids: documents without a label are clusters of their own.
  std::map<std::string, std::vector<std::size_t>> members;
  std::vector<std::uint32_t> cluster(docs.size());
  std::vector<std::string> keys(docs.size());
  for (std::size_t i = 0; i < docs.size(); ++i) {
    if (docs[i].cluster.empty()) {
      keys[i] = std::string(1, '\x01');  // not a label gen_corpus.py writes
      keys[i].append(std::to_string(i));
    } else {
      keys[i] = docs[i].cluster;
    }
    members[keys[i]].push_back(i);
  }
  r.clusters = members.size();
  {
    std::uint32_t c = 0;
    for (const auto& [key, ids] : members) {
      for (std::size_t i : ids) cluster[i] = c;
      ++c;
    }
  }
  fingerprinter fpr;
  std::vector<std::vector<std::uint64_t>> sets(docs.size());
  std::vector<std::uint64_t> scratch;
  for (std::size_t i = 0; i < docs.size(); ++i) {
    fpr.run(docs[i].text, scratch, &docs[i].fp);
    if (members[keys[i]].size() > 1) {
      sets[i] = scratch;  // only planted pairs need the set now
    }
  }
  if (fpr.pos_mismatch) {
    std::fprintf(stderr, "warning: %zu documents where hash(positions) != raw_count\n",
                 fpr.pos_mismatch);
  }
  std::fprintf(stderr, "[%s] %zu docs fingerprinted in %.1f s\n", name.c_str(), docs.size(),
               seconds_since(t0));

  // 1. Planted pairs.
  for (const auto& [key, ids] : members) {
    for (std::size_t a = 0; a < ids.size(); ++a) {
      for (std::size_t b = a + 1; b < ids.size(); ++b) {
        const document& x = docs[ids[a]];
        const document& y = docs[ids[b]];
        const double j = bench::sorted_jaccard(sets[ids[a]], sets[ids[b]]);
        r.jaccards.push_back(j);
        const int band = band_of(j);
        r.pairs.emplace_back(j, samestory::hamming_distance(x.fp[0], y.fp[0]));
        for (std::size_t w = 0; w < n_weightings; ++w) {
          const int d = samestory::hamming_distance(x.fp[w], y.fp[w]);
          r.planted[w][0].add(d);
          r.planted[w][static_cast<std::size_t>(band)].add(d);
        }
      }
    }
  }
  std::sort(r.jaccards.begin(), r.jaccards.end());
  sets.clear();
  sets.shrink_to_fit();

  // 2. Every pair from different clusters. Close pairs (d <= max_close_d
  // under any weighting) are set aside for a Jaccard check.
  std::vector<std::array<std::uint64_t, n_weightings>> fps(docs.size());
  for (std::size_t i = 0; i < docs.size(); ++i) fps[i] = docs[i].fp;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> close;
  for (std::size_t i = 0; i < fps.size(); ++i) {
    std::array<std::array<std::uint64_t, 65>, n_weightings> local{};
    for (std::size_t k = i + 1; k < fps.size(); ++k) {
      if (cluster[i] == cluster[k]) continue;
      int dmin = 64;
      for (std::size_t w = 0; w < n_weightings; ++w) {
        const int d = std::popcount(fps[i][w] ^ fps[k][w]);
        ++local[w][static_cast<std::size_t>(d)];
        dmin = std::min(dmin, d);
      }
      if (dmin <= max_close_d && close.size() < 200000) {
        close.emplace_back(static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(k));
      }
    }
    for (std::size_t w = 0; w < n_weightings; ++w) {
      for (std::size_t d = 0; d <= 64; ++d) {
        r.unrelated[w].n[d] += local[w][d];
        r.unrelated[w].total += local[w][d];
      }
    }
  }
  // Jaccard of the close pairs, by recomputing their shingle sets.
  std::vector<std::uint64_t> sa, sb;
  const std::size_t check_cap = 20000;
  for (std::size_t c = 0; c < close.size() && c < check_cap; ++c) {
    fpr.run(docs[close[c].first].text, sa, nullptr);
    fpr.run(docs[close[c].second].text, sb, nullptr);
    if (bench::sorted_jaccard(sa, sb) < 0.5) continue;
    for (std::size_t w = 0; w < n_weightings; ++w) {
      const int d = std::popcount(fps[close[c].first][w] ^ fps[close[c].second][w]);
      ++r.close_dups[w][static_cast<std::size_t>(d)];
    }
  }
  r.close_checked = std::min(close.size(), check_cap);
  if (close.size() > check_cap) {
    std::fprintf(stderr, "[%s] %zu close unrelated pairs, only %zu checked by Jaccard\n",
                 name.c_str(), close.size(), check_cap);
  }
  // One document per cluster for the key collision rates.
  for (const auto& [key, ids] : members) {
    for (std::size_t w = 0; w < n_weightings; ++w) r.unrelated_fps[w].push_back(fps[ids[0]][w]);
  }
  std::fprintf(stderr, "[%s] done in %.1f s\n", name.c_str(), seconds_since(t0));
  return r;
}

// Share of the planted pairs with Jaccard >= t that are within k (binary); -1 when none.
double recall_above(const corpus_result& r, double t, int k, std::size_t* count = nullptr) {
  std::size_t n = 0, hit = 0;
  for (const auto& [j, d] : r.pairs) {
    if (j < t) continue;
    ++n;
    if (d <= k) ++hit;
  }
  if (count) *count = n;
  return n ? static_cast<double>(hit) / static_cast<double>(n) : -1.0;
}

// ---- index geometry (the block layout of src/simhash_index.cpp) ----

// The block count simhash_index picks for k when blocks = 0.
std::uint32_t library_blocks(std::uint32_t k) {
  return samestory::simhash_index({.max_distance = k}).options().blocks;
}

double binomial(std::uint32_t n, std::uint32_t k) {
  double r = 1;
  for (std::uint32_t i = 1; i <= k; ++i) r = r * static_cast<double>(n - k + i) / i;
  return r;
}

std::vector<std::uint64_t> table_masks(std::uint32_t blocks, std::uint32_t k) {
  std::vector<std::uint64_t> block_mask(blocks);
  std::uint32_t bit = 0;
  for (std::uint32_t b = 0; b < blocks; ++b) {
    const std::uint32_t width = 64 / blocks + (b < 64 % blocks ? 1 : 0);
    block_mask[b] = (width == 64 ? ~0ull : ((1ull << width) - 1)) << bit;
    bit += width;
  }
  const std::uint32_t keep = blocks - k;
  std::vector<std::uint32_t> pick(keep);
  for (std::uint32_t i = 0; i < keep; ++i) pick[i] = i;
  std::vector<std::uint64_t> masks;
  for (;;) {
    std::uint64_t m = 0;
    for (const std::uint32_t p : pick) m |= block_mask[p];
    masks.push_back(m);
    int i = static_cast<int>(keep) - 1;
    while (i >= 0 &&
           pick[static_cast<std::size_t>(i)] == blocks - keep + static_cast<std::uint32_t>(i)) {
      --i;
    }
    if (i < 0) break;
    ++pick[static_cast<std::size_t>(i)];
    for (std::size_t j = static_cast<std::size_t>(i) + 1; j < keep; ++j) pick[j] = pick[j - 1] + 1;
  }
  return masks;
}

struct geometry {
  std::uint32_t k = 0, blocks = 0;
  std::size_t tables = 0;
  int key_min = 0, key_max = 0;
  double occupancy_1m = 0;   // mean over tables of 1e6 / 2^keybits
  double candidates_1m = 0;  // sum over tables: uniform model
  double measured_1m = 0;    // sum over tables: measured pair collision rate x 1e6
  double bytes_per_doc = 0;
};

// Pair collision probability of one table's keys among `fps`.
double collision_rate(std::vector<std::uint64_t>& keys, const std::vector<std::uint64_t>& fps,
                      std::uint64_t mask) {
  keys.resize(fps.size());
  for (std::size_t i = 0; i < fps.size(); ++i) keys[i] = fps[i] & mask;
  std::sort(keys.begin(), keys.end());
  double same = 0;
  for (std::size_t i = 0; i < keys.size();) {
    std::size_t j = i;
    while (j < keys.size() && keys[j] == keys[i]) ++j;
    const double m = static_cast<double>(j - i);
    same += m * (m - 1) / 2;
    i = j;
  }
  const double n = static_cast<double>(fps.size());
  return n > 1 ? same / (n * (n - 1) / 2) : 0.0;
}

geometry make_geometry(std::uint32_t k, std::uint32_t blocks,
                       const std::vector<std::uint64_t>* fps) {
  geometry g;
  g.k = k;
  g.blocks = blocks;
  const auto masks = table_masks(blocks, k);
  g.tables = masks.size();
  g.key_min = 64;
  std::vector<std::uint64_t> keys;
  for (const std::uint64_t m : masks) {
    const int bits = std::popcount(m);
    g.key_min = std::min(g.key_min, bits);
    g.key_max = std::max(g.key_max, bits);
    const double occ = 1e6 / std::ldexp(1.0, bits);
    g.occupancy_1m += occ / static_cast<double>(masks.size());
    g.candidates_1m += occ;
    if (fps) g.measured_1m += collision_rate(keys, *fps, m) * 1e6;
  }
  g.bytes_per_doc = static_cast<double>(g.tables) * 10.7 + 8;
  return g;
}

// ---- printing ----

void print_planted(const corpus_result& r, int max_d) {
  std::printf("\n=== %s: %zu docs, %zu clusters, %llu planted pairs ===\n", r.name.c_str(), r.docs,
              r.clusters, static_cast<unsigned long long>(r.planted[0][0].total));
  if (r.jaccards.empty()) return;
  auto jq = [&](double q) {
    return r
        .jaccards[std::min(r.jaccards.size() - 1,
                           static_cast<std::size_t>(q * static_cast<double>(r.jaccards.size())))];
  };
  std::printf("Jaccard of planted pairs: p10 %.3f  p50 %.3f  p90 %.3f;  bands:", jq(0.1), jq(0.5),
              jq(0.9));
  for (std::size_t b = 1; b < 5; ++b) {
    std::printf(" %s %llu", band_names[b], static_cast<unsigned long long>(r.planted[0][b].total));
  }
  std::size_t n9 = 0, n95 = 0;
  recall_above(r, 0.9, 0, &n9);
  recall_above(r, 0.95, 0, &n95);
  std::printf(" (J>=0.9 %zu, J>=0.95 %zu)", n9, n95);
  std::printf("\n\nHamming distance of planted pairs (quantiles):\n");
  std::printf("%-8s %-8s %6s %5s %5s %5s %5s\n", "weight", "band", "pairs", "p10", "p50", "p90",
              "p99");
  for (std::size_t w = 0; w < n_weightings; ++w) {
    for (std::size_t b = 0; b < 5; ++b) {
      const histogram& h = r.planted[w][b];
      if (!h.total) continue;
      std::printf("%-8s %-8s %6llu %5d %5d %5d %5d\n", weighting_names[w], band_names[b],
                  static_cast<unsigned long long>(h.total), h.quantile(0.1), h.quantile(0.5),
                  h.quantile(0.9), h.quantile(0.99));
    }
  }
  for (std::size_t w = 0; w < n_weightings; ++w) {
    std::printf("\n[%s, %s] cumulative share within d: planted by Jaccard band | unrelated pairs\n",
                r.name.c_str(), weighting_names[w]);
    std::printf("%3s %7s %7s %7s %7s %7s | %11s %10s %10s\n", "d", "all", "J>=0.8", "0.5-0.8",
                "0.3-0.5", "<0.3", "unrel.share", "FP@100k", "FP@1M");
    for (int d = 0; d <= max_d; ++d) {
      std::printf("%3d", d);
      for (std::size_t b = 0; b < 5; ++b) std::printf(" %7.4f", r.planted[w][b].share_within(d));
      const double s = r.unrelated[w].share_within(d);
      std::printf(" | %11.3e %10.4f %10.3f\n", s, s * 1e5, s * 1e6);
    }
  }
}

void print_unrelated(const corpus_result& r, int max_d) {
  std::printf("\n=== %s: unrelated pairs (all %llu pairs from different clusters) ===\n",
              r.name.c_str(), static_cast<unsigned long long>(r.unrelated[0].total));
  for (std::size_t w = 0; w < n_weightings; ++w) {
    std::printf("%-7s distance mean %.2f sd %.2f (independent bits: 32, 4.00); min %d\n",
                weighting_names[w], r.unrelated[w].mean(), r.unrelated[w].sd(),
                r.unrelated[w].quantile(1e-300));
  }
  if (r.labelled) return;
  std::printf(
      "(unlabelled: every pair counts as unrelated; %llu pairs within d<=%d under some "
      "weighting were checked by Jaccard)\n",
      static_cast<unsigned long long>(r.close_checked), max_d);
  std::printf("%3s", "d");
  for (std::size_t w = 0; w < n_weightings; ++w) {
    std::printf(" | %7s %9s %9s %8s", weighting_names[w], "pairs<=d", "J>=0.5", "FP@1M");
  }
  std::printf("\n");
  for (int d = 0; d <= max_d; ++d) {
    std::printf("%3d", d);
    for (std::size_t w = 0; w < n_weightings; ++w) {
      const std::uint64_t within = r.unrelated[w].within(d);
      std::uint64_t dups = 0;
      for (int i = 0; i <= d; ++i) dups += r.close_dups[w][static_cast<std::size_t>(i)];
      // False matches: close pairs that are not reposts, scaled to 1e6 documents.
      const double fp =
          static_cast<double>(within - dups) / static_cast<double>(r.unrelated[w].total) * 1e6;
      std::printf(" | %7s %9llu %9llu %8.3f", "", static_cast<unsigned long long>(within),
                  static_cast<unsigned long long>(dups), fp);
    }
    std::printf("\n");
  }
}

}  // namespace

int main(int argc, char** argv) {
  bool json = false;
  int max_d = 32;
  std::vector<std::pair<std::string, std::string>> corpora;
  std::pair<std::string, std::string> background;
  auto split = [](const std::string& a) {
    const auto eq = a.find('=');
    if (eq == std::string::npos) return std::make_pair(std::filesystem::path(a).stem().string(), a);
    return std::make_pair(a.substr(0, eq), a.substr(eq + 1));
  };
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--json") {
      json = true;
    } else if (a == "--max-d" && i + 1 < argc) {
      max_d = std::clamp(std::atoi(argv[++i]), 0, 64);
    } else if (a == "--background" && i + 1 < argc) {
      background = split(argv[++i]);
    } else if (!a.empty() && a[0] != '-') {
      corpora.push_back(split(a));
    } else {
      std::fprintf(stderr,
                   "usage: simhash_study [--json] [--max-d D] NAME=corpus.jsonl ... "
                   "[--background NAME=news.jsonl]\n");
      return 2;
    }
  }
  if (corpora.empty()) {
    std::fprintf(stderr, "simhash_study: give at least one corpus with planted copies\n");
    return 2;
  }
  const int close_d = 12;
  try {
    std::vector<corpus_result> results;
    for (const auto& [name, path] : corpora) results.push_back(study_corpus(name, path, close_d));
    std::vector<corpus_result> bg;
    if (!background.second.empty()) {
      bg.push_back(study_corpus(background.first, background.second, close_d));
    }

    std::printf("SimHash study: 64-bit SimHash of 3-gram shingles (text_pipeline defaults).\n");
    std::printf(
        "Weightings: binary = distinct shingles vote once (simhash_options default);\n"
        "pos = hash(positions), every occurrence votes (= raw_count); tf = 1+ln(count).\n");
    std::printf("Unrelated pairs: ALL pairs from different clusters (exhaustive, no sampling).\n");
    std::printf("FP@N = expected false matches per query in an index of N docs = share x N.\n");
    for (const auto& r : results) print_planted(r, max_d);
    for (const auto& r : results) print_unrelated(r, close_d);
    for (const auto& r : bg) print_unrelated(r, close_d);

    // 3. Index geometry per k.
    const std::vector<std::uint64_t>* rate_fps =
        bg.empty() ? &results[0].unrelated_fps[0] : &bg[0].unrelated_fps[0];
    const std::string rate_name =
        bg.empty() ? results[0].name + " (one doc per cluster)" : bg[0].name;
    std::printf("\n=== permuted-table index at N = 1e6 (binary weighting) ===\n");
    std::printf(
        "cand(unif) = tables x 1e6/2^keybits; cand(meas) = tables x measured key-collision\n"
        "rate on %s x 1e6; mem = tables x 10.7 + 8 bytes/doc;\n"
        "recall = share of planted pairs within k; FP@1M = unrelated pairs within k x 1e6\n"
        "(%s: unlabelled pairs minus J>=0.5 reposts). * = library default B for k.\n",
        rate_name.c_str(), bg.empty() ? "first corpus" : bg[0].name.c_str());
    std::printf("%3s %3s %6s %7s %10s %10s %10s %8s", "k", "B", "tables", "keybits", "occ/table",
                "cand(unif)", "cand(meas)", "mem B");
    for (const auto& r : results) {
      std::printf(" | %-7.7s all  J>=.8  J>=.9 J>=.95 FP@1M", r.name.c_str());
    }
    if (!bg.empty()) std::printf(" | %-7.7s FP@1M", bg[0].name.c_str());
    std::printf("\n");
    std::vector<geometry> chosen;
    for (const std::uint32_t k : candidate_ks) {
      const std::uint32_t lib = library_blocks(k);
      for (std::uint32_t b = k + 1; b <= lib; ++b) {
        if (binomial(b, k) > 4096) continue;
        const geometry g = make_geometry(k, b, rate_fps);
        if (b == lib) chosen.push_back(g);
        const int ki = static_cast<int>(k);
        char keybits[16];
        std::snprintf(keybits, sizeof keybits, g.key_min == g.key_max ? "%d" : "%d-%d", g.key_min,
                      g.key_max);
        std::printf("%3u %2u%c %6zu %7s %10.1f %10.1f %10.1f %8.0f", k, b, b == lib ? '*' : ' ',
                    g.tables, keybits, g.occupancy_1m, g.candidates_1m, g.measured_1m,
                    g.bytes_per_doc);
        for (const auto& r : results) {
          std::printf(" | %7s %5.3f", "", r.planted[0][0].share_within(ki));
          for (const double t : {0.8, 0.9, 0.95}) {
            const double x = recall_above(r, t, ki);
            if (x < 0) {
              std::printf(" %5s", "-");
            } else {
              std::printf(" %5.3f", x);
            }
          }
          std::printf(" %5.3f", r.unrelated[0].share_within(ki) * 1e6);
        }
        if (!bg.empty()) {
          std::uint64_t dups = 0;
          for (int i = 0; i <= ki; ++i) dups += bg[0].close_dups[0][static_cast<std::size_t>(i)];
          const double fp = static_cast<double>(bg[0].unrelated[0].within(ki) - dups) /
                            static_cast<double>(bg[0].unrelated[0].total) * 1e6;
          std::printf(" | %7s %5.2f", "", fp);
        }
        std::printf("\n");
      }
    }

    if (json) {
      std::printf("\nJSON {\"corpora\":[");
      bool first = true;
      auto put = [&](const corpus_result& r) {
        std::printf("%s{\"name\":\"%s\",\"docs\":%zu,\"planted_pairs\":%llu", first ? "" : ",",
                    r.name.c_str(), r.docs, static_cast<unsigned long long>(r.planted[0][0].total));
        first = false;
        for (std::size_t w = 0; w < n_weightings; ++w) {
          std::printf(",\"%s\":{", weighting_names[w]);
          for (std::size_t b = 0; b < 5; ++b) {
            std::printf("\"planted_%s\":[", band_names[b]);
            for (int d = 0; d <= max_d; ++d) {
              std::printf("%s%.5f", d ? "," : "", r.planted[w][b].share_within(d));
            }
            std::printf("],");
          }
          std::printf("\"unrelated\":[");
          for (int d = 0; d <= max_d; ++d) {
            std::printf("%s%.4e", d ? "," : "", r.unrelated[w].share_within(d));
          }
          std::printf("]}");
        }
        std::printf("}");
      };
      for (const auto& r : results) put(r);
      for (const auto& r : bg) put(r);
      std::printf("],\"index\":[");
      for (std::size_t i = 0; i < chosen.size(); ++i) {
        const geometry& g = chosen[i];
        std::printf(
            "%s{\"k\":%u,\"blocks\":%u,\"tables\":%zu,\"key_bits\":%d,"
            "\"candidates_1m\":%.2f,\"measured_1m\":%.2f,\"bytes_per_doc\":%.1f}",
            i ? "," : "", g.k, g.blocks, g.tables, g.key_min, g.candidates_1m, g.measured_1m,
            g.bytes_per_doc);
      }
      std::printf("]}\n");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "simhash_study: %s\n", e.what());
    return 1;
  }
  return 0;
}
