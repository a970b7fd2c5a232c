// weighted_study: does IDF-weighted MinHash separate same-story from
// different-story pairs better than unweighted MinHash?
//
//   weighted_study [--seeds DIR] [--idf background.jsonl] [--en ecbplus.jsonl] [--k K]
//
// Feature weights are tf-idf with sublinear tf: (1 + ln tf) × idf, where
// idf = ln((N + 1) / (df + 1)) + 1 over the document frequencies of shingle
// hashes in a background corpus of N documents (unseen shingles have df 0).
// It prints:
// - seeds: for the six pairs of the four seed articles (IDF from --idf, e.g.
//   the Sina corpus), the exact Jaccard of the shingle sets, the exact
//   generalized Jaccard Σmin/Σmax of the tf-idf vectors, and the weighted
//   MinHash (ICWS) estimate of the latter (and the unweighted MinHash estimate); then the
//   separation min(same-story) / max(different-story) for each;
// - en (ECB+, IDF from ECB+ itself): the AUC of same-event pairs against
//   same-topic-other-event pairs for exact Jaccard, exact weighted Jaccard and
//   the ICWS estimate, with word 3-grams and word unigrams.
// For comparison each block also shows the unweighted one-permutation MinHash
// estimate (minhash.hpp) at the same k: estimate against estimate.
#include <samestory/samestory.hpp>
#include <samestory/weighted_minhash.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <unordered_map>
#include <vector>

#include "corpus.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

struct counted_doc {
  std::vector<std::uint64_t> hashes;  // distinct, sorted
  std::vector<std::uint32_t> counts;  // parallel: occurrences
};

struct weighted_doc {
  std::vector<std::uint64_t> hashes;  // distinct, sorted
  std::vector<float> weights;         // parallel: tf-idf
};

counted_doc count_shingles(const samestory::text_pipeline& p, const std::string& text) {
  std::vector<std::uint64_t> h;
  p.shingles(text, h);
  std::sort(h.begin(), h.end());
  counted_doc d;
  for (std::size_t i = 0; i < h.size();) {
    std::size_t j = i;
    while (j < h.size() && h[j] == h[i]) ++j;
    d.hashes.push_back(h[i]);
    d.counts.push_back(static_cast<std::uint32_t>(j - i));
    i = j;
  }
  return d;
}

struct idf_table {
  std::unordered_map<std::uint64_t, std::uint32_t> df;
  std::size_t docs = 0;
  double idf(std::uint64_t h) const {
    const auto it = df.find(h);
    const double d = it == df.end() ? 0.0 : static_cast<double>(it->second);
    return std::log((static_cast<double>(docs) + 1.0) / (d + 1.0)) + 1.0;
  }
};

idf_table make_idf(const samestory::text_pipeline& p, const std::vector<std::string>& docs) {
  idf_table t;
  t.docs = docs.size();
  t.df.reserve(docs.size() * 256);
  for (const auto& d : docs) {
    for (std::uint64_t h : count_shingles(p, d).hashes) ++t.df[h];
  }
  return t;
}

weighted_doc weigh(const counted_doc& d, const idf_table& idf) {
  weighted_doc w;
  w.hashes = d.hashes;
  w.weights.reserve(d.hashes.size());
  for (std::size_t i = 0; i < d.hashes.size(); ++i) {
    const double tf = 1.0 + std::log(static_cast<double>(d.counts[i]));
    w.weights.push_back(static_cast<float>(tf * idf.idf(d.hashes[i])));
  }
  return w;
}

using bench::sorted_jaccard;

// Generalized Jaccard Σ min / Σ max over the union of features.
double weighted_jaccard(const weighted_doc& a, const weighted_doc& b) {
  double num = 0, den = 0;
  std::size_t i = 0, j = 0;
  while (i < a.hashes.size() || j < b.hashes.size()) {
    if (j == b.hashes.size() || (i < a.hashes.size() && a.hashes[i] < b.hashes[j])) {
      den += a.weights[i++];
    } else if (i == a.hashes.size() || b.hashes[j] < a.hashes[i]) {
      den += b.weights[j++];
    } else {
      num += std::min(a.weights[i], b.weights[j]);
      den += std::max(a.weights[i], b.weights[j]);
      ++i, ++j;
    }
  }
  return den > 0 ? num / den : 0.0;
}

// AUC by ranks: the chance a positive pair outscores a negative one (ties 1/2).
double auc(const std::vector<double>& pos, std::vector<double> neg) {
  std::sort(neg.begin(), neg.end());
  double wins = 0;
  for (double x : pos) {
    const auto lo = std::lower_bound(neg.begin(), neg.end(), x);
    const auto hi = std::upper_bound(neg.begin(), neg.end(), x);
    wins += static_cast<double>(lo - neg.begin()) + 0.5 * static_cast<double>(hi - lo);
  }
  return wins / (static_cast<double>(pos.size()) * static_cast<double>(neg.size()));
}

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0.0 : s / static_cast<double>(v.size());
}

samestory::text_pipeline make_pipeline(std::uint32_t word_n) {
  samestory::text_pipeline_options o;
  o.normalize.utf8 = samestory::utf8_policy::lenient;
  o.shingle.word_n = word_n;
  return samestory::text_pipeline(o);
}

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

void run_seeds(const std::string& seeds_dir, const std::string& idf_path, std::uint32_t k) {
  const auto t0 = clock_type::now();
  const auto p = make_pipeline(3);
  const auto seeds = bench::load_seeds(seeds_dir);
  idf_table idf;
  std::string idf_name = "none: all idf 1";
  if (!idf_path.empty()) {
    const auto background = bench::load_jsonl(idf_path);
    idf = make_idf(p, background.docs);
    idf_name = background.name + ", " + std::to_string(idf.docs) + " docs";
  }
  const samestory::weighted_minhasher hasher({k, 0}, p.fingerprint());
  std::vector<counted_doc> counted;
  std::vector<weighted_doc> weighted;
  const samestory::minhasher plain({k}, p.fingerprint());
  std::vector<samestory::weighted_minhash_signature> sigs;
  std::vector<samestory::minhash_signature> plain_sigs;
  for (const auto& d : seeds.docs) {
    counted.push_back(count_shingles(p, d));
    weighted.push_back(weigh(counted.back(), idf));
    sigs.push_back(hasher.sign(weighted.back().hashes, weighted.back().weights));
    plain_sigs.push_back(plain.sign(counted.back().hashes));
  }
  std::printf("seeds (char 3-grams after chrome removal; IDF from %s; k = %u)\n", idf_name.c_str(),
              k);
  std::printf("  %-8s %-10s %-10s %-10s %-12s %s\n", "pair", "story", "Jaccard", "MinHash",
              "weighted J", "ICWS est.");
  double same_j = 1, same_m = 1, same_w = 1, same_e = 1;
  double diff_j = 0, diff_m = 0, diff_w = 0, diff_e = 0;
  for (std::size_t i = 0; i < seeds.docs.size(); ++i) {
    for (std::size_t j = i + 1; j < seeds.docs.size(); ++j) {
      const bool same = i != 2 && j != 2;  // 000, 001, 003 are one story; 002 another
      const double jj = sorted_jaccard(counted[i].hashes, counted[j].hashes);
      const double jw = weighted_jaccard(weighted[i], weighted[j]);
      const double je = samestory::estimate_weighted_jaccard(sigs[i], sigs[j]).estimate;
      const double jm = samestory::estimate_jaccard(plain_sigs[i], plain_sigs[j]).estimate;
      std::printf("  %03zu-%03zu  %-10s %-10.4f %-10.4f %-12.4f %.4f\n", i, j,
                  same ? "same" : "different", jj, jm, jw, je);
      if (same) {
        same_j = std::min(same_j, jj), same_m = std::min(same_m, jm);
        same_w = std::min(same_w, jw), same_e = std::min(same_e, je);
      } else {
        diff_j = std::max(diff_j, jj), diff_m = std::max(diff_m, jm);
        diff_w = std::max(diff_w, jw), diff_e = std::max(diff_e, je);
      }
    }
  }
  const auto ratio = [](double a, double b) { return b > 0 ? a / b : INFINITY; };
  std::printf("  separation min(same) / max(different):\n");
  std::printf("    Jaccard    %.2f (%.4f / %.4f)\n", ratio(same_j, diff_j), same_j, diff_j);
  std::printf("    MinHash    %.2f (%.4f / %.4f)\n", ratio(same_m, diff_m), same_m, diff_m);
  std::printf("    weighted J %.2f (%.4f / %.4f)\n", ratio(same_w, diff_w), same_w, diff_w);
  std::printf("    ICWS est.  %.2f (%.4f / %.4f)\n", ratio(same_e, diff_e), same_e, diff_e);
  std::printf("  (%.1f s)\n", seconds_since(t0));
}

void run_ecb(const std::string& path, std::uint32_t k) {
  const auto records = bench::read_jsonl_fields(path);
  std::vector<std::string> docs, cluster, topic;
  for (auto r : records) {
    docs.push_back(r["title"].empty() ? r["text"] : r["title"] + "\n" + r["text"]);
    cluster.push_back(r["cluster"]);
    topic.push_back(r["topic"]);
  }
  std::printf(
      "\nen (%zu ECB+ docs, IDF from ECB+ itself; k = %u): same-event vs "
      "same-topic-other-event pairs\n",
      docs.size(), k);
  std::printf("  %-12s %-10s %-8s %-10s %-10s %s\n", "shingles", "score", "AUC", "same mean",
              "other mean", "time");
  for (std::uint32_t n : {3u, 1u}) {
    const auto t0 = clock_type::now();
    const auto p = make_pipeline(n);
    const idf_table idf = make_idf(p, docs);
    const samestory::weighted_minhasher hasher({k, 0}, p.fingerprint());
    std::vector<counted_doc> counted;
    std::vector<weighted_doc> weighted;
    for (const auto& d : docs) {
      counted.push_back(count_shingles(p, d));
      weighted.push_back(weigh(counted.back(), idf));
    }
    const double prep = seconds_since(t0);
    const auto t1 = clock_type::now();
    std::vector<samestory::weighted_minhash_signature> sigs;
    for (const auto& w : weighted) sigs.push_back(hasher.sign(w.hashes, w.weights));
    const double sign_time = seconds_since(t1);
    const samestory::minhasher plain({k}, p.fingerprint());
    std::vector<samestory::minhash_signature> plain_sigs;
    for (const auto& c : counted) plain_sigs.push_back(plain.sign(c.hashes));
    std::vector<double> same[4], other[4];
    for (std::size_t i = 0; i < docs.size(); ++i) {
      for (std::size_t j = i + 1; j < docs.size(); ++j) {
        if (topic[i] != topic[j]) continue;
        auto* bucket = cluster[i] == cluster[j] ? same : other;
        bucket[0].push_back(sorted_jaccard(counted[i].hashes, counted[j].hashes));
        bucket[1].push_back(weighted_jaccard(weighted[i], weighted[j]));
        bucket[2].push_back(samestory::estimate_jaccard(plain_sigs[i], plain_sigs[j]).estimate);
        bucket[3].push_back(samestory::estimate_weighted_jaccard(sigs[i], sigs[j]).estimate);
      }
    }
    static const char* names[] = {"Jaccard", "weighted J", "MinHash", "ICWS est."};
    const std::string label = "word " + std::to_string(n) + "-gram";
    for (int s = 0; s < 4; ++s) {
      std::printf("  %-12s %-10s %-8.4f %-10.4f %-10.4f", label.c_str(), names[s],
                  auc(same[s], other[s]), mean(same[s]), mean(other[s]));
      if (s == 0) std::printf(" shingle+idf %.1f s", prep);
      if (s == 3) std::printf(" ICWS signing %.1f s", sign_time);
      std::printf("\n");
    }
    std::printf("  %-12s pairs: %zu same-event, %zu same-topic-other-event\n", "", same[0].size(),
                other[0].size());
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string seeds_dir = SAMESTORY_SEEDS_DIR, idf, en;
  std::uint32_t k = 128;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--seeds") seeds_dir = argv[i + 1];
    if (a == "--idf") idf = argv[i + 1];
    if (a == "--en") en = argv[i + 1];
    if (a == "--k") k = static_cast<std::uint32_t>(std::stoul(argv[i + 1]));
  }
  try {
    run_seeds(seeds_dir, idf, k);
    if (!en.empty()) run_ecb(en, k);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "weighted_study: %s\n", e.what());
    return 1;
  }
  return 0;
}
