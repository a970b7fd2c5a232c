// Index rows of samestory_bench: LSH, SimHash and brute-force indexes on a
// synthetic corpus of shingle sets with planted near-duplicates.
//
// Why sets and not text: banding catches a pair with a probability that
// depends on its Jaccard similarity only, so recall and the cost of a query
// are properties of the similarity distribution, which a set generator
// controls exactly; the text pipeline's own speed is measured by the text rows.
//
// Corpus: families of documents. A family starts with a base of 200-1000
// shingles (90% unique to it, 10% drawn from a shared Zipf-like pool of
// 20,000 common shingles, so unrelated documents overlap a little as real
// news does); 40% of documents are edited copies of a recent base with a
// share f = 0.7 u^2 (u uniform) of shingles replaced: Jaccard (1-f)/(1+f)
// from 0.18 to 1, 40% of copies above 0.8.
//
// Truth: brute_force_index over the exact sets. Recall is measured on a
// sample of query documents drawn from families with copies: for each, every
// stored document with exact Jaccard >= t is a true pair; "recall" is the
// share of true pairs among the LSH index's raw candidates, "recall_filtered"
// the share it returns with its estimate >= t, and "precision" the share of
// returned documents whose exact Jaccard is >= t.
#pragma once

#include <samestory/brute_force_index.hpp>
#include <samestory/lsh_index.hpp>
#include <samestory/lsh_tuner.hpp>
#include <samestory/minhash.hpp>
#include <samestory/simhash.hpp>
#include <samestory/simhash_index.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <thread>
#include <vector>

#include "corpus.hpp"

namespace bench {

// A table cell: `v` printed with `fmt`, or "-" for a figure not measured
// (v < 0). Eight rotating buffers, so one printf may hold eight cells.
inline const char* fig(double v, const char* fmt) {
  static char buf[8][32];
  static int i = 0;
  i = (i + 1) % 8;
  if (v < 0) return "-";
  std::snprintf(buf[i], sizeof buf[i], fmt, v);
  return buf[i];
}

struct set_corpus {
  std::vector<std::vector<std::uint64_t>> sets;  // sorted, distinct
  std::vector<std::uint32_t> family;             // family number per document
  std::vector<std::uint32_t> family_size;
};

// A fresh base: 200-1000 shingles, one in ten drawn Zipf-like from the
// shared pool (index ~ 20000^u for uniform u favours low indexes), the rest new.
inline void fill_base(rng& r, const std::vector<std::uint64_t>& pool,
                      std::vector<std::uint64_t>& s) {
  s.resize(200 + r.below(801));
  for (auto& x : s) {
    if (r.below(10) == 0) {
      const double u = static_cast<double>(r.below(1u << 20)) / (1u << 20);
      x = pool[static_cast<std::size_t>(std::pow(20000.0, u)) - 1];
    } else {
      x = r.next();
    }
  }
}

inline set_corpus make_set_corpus(std::size_t docs, std::uint64_t seed) {
  rng r{seed};
  set_corpus c;
  c.sets.reserve(docs);
  std::vector<std::uint64_t> pool(20000);
  for (auto& x : pool) x = r.next();
  std::vector<std::size_t> recent;  // indexes of recent bases
  for (std::size_t d = 0; d < docs; ++d) {
    std::vector<std::uint64_t> s;
    if (!recent.empty() && r.below(100) < 40) {
      const std::size_t base = recent[r.below(recent.size())];
      s = c.sets[base];
      // f = 0.7 u^2: every Jaccard from 0.18 to 1, with enough pairs above 0.8.
      const double u = static_cast<double>(r.below(1000001)) / 1e6;
      const double f = 0.7 * u * u;
      const auto replace = static_cast<std::size_t>(f * static_cast<double>(s.size()) + 0.5);
      for (std::size_t i = 0; i < replace; ++i) {
        const std::size_t at = r.below(s.size());
        s[at] = r.next();
      }
      c.family.push_back(c.family[base]);
      ++c.family_size[c.family[base]];
    } else {
      fill_base(r, pool, s);
      c.family.push_back(static_cast<std::uint32_t>(c.family_size.size()));
      c.family_size.push_back(1);
      recent.push_back(d);
      if (recent.size() > 50) recent.erase(recent.begin());
    }
    std::sort(s.begin(), s.end());
    s.erase(std::unique(s.begin(), s.end()), s.end());
    c.sets.push_back(std::move(s));
  }
  return c;
}

struct latencies {
  std::vector<double> us;
  double total_s = 0;
  double pct(double p) {
    if (us.empty()) return 0;
    std::sort(us.begin(), us.end());
    return us[std::min(us.size() - 1,
                       static_cast<std::size_t>(p * static_cast<double>(us.size())))];
  }
};

template <class F>
latencies time_each(std::size_t n, F&& f) {
  using clk = std::chrono::steady_clock;
  latencies l;
  l.us.reserve(n);
  const auto start = clk::now();
  for (std::size_t i = 0; i < n; ++i) {
    const auto t0 = clk::now();
    f(i);
    l.us.push_back(std::chrono::duration<double, std::micro>(clk::now() - t0).count());
  }
  l.total_s = std::chrono::duration<double>(clk::now() - start).count();
  return l;
}

struct index_row {
  const char* name;
  std::size_t docs;
  double threshold;
  double recall = -1, recall_filtered = -1, precision = -1;
  double p50_us = 0, p99_us = 0, ops_per_s = 0, bytes_per_doc = 0;
  std::string config;
};

inline void print_index_row(bool json, const index_row& r) {
  if (json) {
    std::printf("{\"name\": \"%s\", \"docs\": %zu, \"threshold\": %.2f", r.name, r.docs,
                r.threshold);
    if (r.recall >= 0) std::printf(", \"recall\": %.4f", r.recall);
    if (r.recall_filtered >= 0) std::printf(", \"recall_filtered\": %.4f", r.recall_filtered);
    if (r.precision >= 0) std::printf(", \"precision\": %.4f", r.precision);
    std::printf(", \"p50_us\": %.2f, \"p99_us\": %.2f, \"ops_per_s\": %.0f", r.p50_us, r.p99_us,
                r.ops_per_s);
    if (r.bytes_per_doc > 0) std::printf(", \"bytes_per_doc\": %.0f", r.bytes_per_doc);
    std::printf(", \"config\": \"%s\"}\n", r.config.c_str());
    return;
  }
  std::printf("  %-17s %8zu  %4.2f  %-14s %7s %7s %7s %9.0f %8.2f %8.2f %7s\n", r.name, r.docs,
              r.threshold, r.config.c_str(), fig(r.recall, "%.4f"), fig(r.recall_filtered, "%.4f"),
              fig(r.precision, "%.4f"), r.ops_per_s, r.p50_us, r.p99_us,
              fig(r.bytes_per_doc > 0 ? r.bytes_per_doc : -1, "%.0f"));
}

inline void print_index_header(bool json) {
  if (json) return;
  std::printf("  %-17s %8s  %4s  %-14s %7s %7s %7s %9s %8s %8s %7s\n", "index", "docs", "t",
              "config", "recall", "rec>=t", "prec", "ops/s", "p50 us", "p99 us", "B/doc");
}

// Runs fn(i) for i in [0, n) on `threads` threads.
template <class F>
void parallel_for(std::size_t n, unsigned threads, F&& fn) {
  std::atomic<std::size_t> next{0};
  const auto work = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < n;) fn(i);
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
}

// One LSH measurement: insert everything, query a sample, score recall on
// the recall sample against `truth` (ids with exact J >= 0.3, and their J).
struct truth_entry {
  std::uint64_t id;
  double jaccard;
};

inline void run_lsh_rows(bool json, double t, samestory::lsh_parameters p, const char* tag,
                         const samestory::minhasher& hasher,
                         const std::vector<samestory::minhash_signature>& sigs,
                         const std::vector<std::size_t>& recall_queries,
                         const std::vector<std::vector<truth_entry>>* truth,
                         const set_corpus* corpus, std::size_t query_count) {
  const std::size_t n = sigs.size();
  samestory::lsh_index index(p, hasher);
  auto ins = time_each(n, [&](std::size_t i) { index.insert(i, sigs[i], 0); });
  const double bytes = static_cast<double>(index.memory_bytes()) / static_cast<double>(n);
  char config[64];
  std::snprintf(config, sizeof config, "%ux%u%s", p.bands, p.rows, tag);
  print_index_row(json, {"lsh-insert", n, t, -1, -1, -1, ins.pct(0.5), ins.pct(0.99),
                         static_cast<double>(n) / ins.total_s, bytes, config});

  samestory::query_options o;
  o.min_jaccard = t;
  std::vector<samestory::match> out;
  const std::size_t step = std::max<std::size_t>(1, n / query_count);
  const std::size_t queries = std::min(n, query_count);
  auto q = time_each(queries, [&](std::size_t i) { index.query_into(sigs[i * step], o, out); });
  index_row row{"lsh-query", n,           t,
                -1,          -1,          -1,
                q.pct(0.5),  q.pct(0.99), static_cast<double>(queries) / q.total_s,
                bytes,       config};
  if (truth != nullptr) {
    std::size_t pairs = 0, raw = 0, kept = 0, returned = 0, correct = 0;
    for (std::size_t k = 0; k < recall_queries.size(); ++k) {
      const std::size_t qi = recall_queries[k];
      const auto cands = index.candidates(sigs[qi]);
      index.query_into(sigs[qi], o, out);
      std::vector<std::uint64_t> got;
      for (const auto& m : out) {
        if (m.id == qi) continue;
        got.push_back(m.id);
        ++returned;
        const auto& s = (*corpus).sets;
        correct += samestory::exact_jaccard(s[qi], s[m.id]) >= t;
      }
      std::sort(got.begin(), got.end());
      for (const truth_entry& e : (*truth)[k]) {
        if (e.jaccard < t) continue;
        ++pairs;
        raw += std::binary_search(cands.begin(), cands.end(), e.id);
        kept += std::binary_search(got.begin(), got.end(), e.id);
      }
    }
    row.recall = static_cast<double>(raw) / static_cast<double>(std::max<std::size_t>(1, pairs));
    row.recall_filtered =
        static_cast<double>(kept) / static_cast<double>(std::max<std::size_t>(1, pairs));
    row.precision =
        static_cast<double>(correct) / static_cast<double>(std::max<std::size_t>(1, returned));
    if (!json) {
      std::printf("  %-17s (%zu true pairs over %zu sampled queries)\n", "", pairs,
                  recall_queries.size());
    }
  }
  print_index_row(json, row);
}

inline void run_index_benches(bool json, std::size_t docs, bool million) {
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  const samestory::minhasher hasher({}, 0);
  const samestory::simhasher simhash;
  if (!json) {
    std::printf(
        "Index rows: synthetic shingle sets with planted copies (bench/index_bench.hpp),\n"
        "k = 128 one-permutation MinHash; recall against brute_force_index.\n");
    print_index_header(json);
  }

  // gaoya's published MinHashIndex figures: 197,000 inserts/s and 180,000
  // queries/s at t = 0.5, 25 x 5 bands, 10,000 documents. Same configuration here.
  // The median of three fresh indexes, since a cold heap makes the first slower.
  {
    const auto c = make_set_corpus(10000, 7);
    std::vector<samestory::minhash_signature> sigs;
    for (const auto& s : c.sets) sigs.push_back(hasher.sign(s));
    std::vector<index_row> inserts, queries;
    for (int rep = 0; rep < 3; ++rep) {
      samestory::lsh_index index({25, 5}, hasher);
      auto ins = time_each(sigs.size(), [&](std::size_t i) { index.insert(i, sigs[i], 0); });
      samestory::query_options o;
      o.min_jaccard = 0.5;
      std::vector<samestory::match> out;
      auto q = time_each(sigs.size(), [&](std::size_t i) { index.query_into(sigs[i], o, out); });
      const double bytes = static_cast<double>(index.memory_bytes()) / 10000.0;
      inserts.push_back({"lsh-insert", 10000, 0.5, -1, -1, -1, ins.pct(0.5), ins.pct(0.99),
                         10000.0 / ins.total_s, bytes, "25x5 gaoya"});
      queries.push_back({"lsh-query", 10000, 0.5, -1, -1, -1, q.pct(0.5), q.pct(0.99),
                         10000.0 / q.total_s, bytes, "25x5 gaoya"});
    }
    const auto median = [](std::vector<index_row>& v) {
      std::sort(v.begin(), v.end(),
                [](const index_row& a, const index_row& b) { return a.ops_per_s < b.ops_per_s; });
      return v[1];
    };
    const index_row ins = median(inserts), q = median(queries);
    print_index_row(json, ins);
    print_index_row(json, q);
    if (!json) {
      std::printf(
          "  %-17s inserts %.1fx and queries %.1fx gaoya's published 197,000 and "
          "180,000 per second (median of 3)\n",
          "", ins.ops_per_s / 197000.0, q.ops_per_s / 180000.0);
    }
  }

  for (const std::size_t n :
       million ? std::vector<std::size_t>{docs, 1000000} : std::vector<std::size_t>{docs}) {
    const bool with_truth = n <= 200000;
    const auto c = make_set_corpus(n, 20261122);
    std::vector<samestory::minhash_signature> sigs(n);
    parallel_for(n, threads, [&](std::size_t i) { sigs[i] = hasher.sign(c.sets[i]); });

    std::vector<std::size_t> recall_queries;
    std::vector<std::vector<truth_entry>> truth;
    if (with_truth) {
      // The oracle: every stored document against each sampled query, exact.
      samestory::brute_force_index oracle;
      for (std::size_t i = 0; i < n; ++i) oracle.insert(i, c.sets[i], 0);
      rng r{99};
      while (recall_queries.size() < 600) {
        const std::size_t i = r.below(n);
        if (c.family_size[c.family[i]] >= 2) recall_queries.push_back(i);
      }
      truth.resize(recall_queries.size());
      std::vector<double> us(recall_queries.size());
      samestory::query_options o;
      o.min_jaccard = 0.3;
      const auto start = std::chrono::steady_clock::now();
      parallel_for(recall_queries.size(), threads, [&](std::size_t k) {
        const auto t0 = std::chrono::steady_clock::now();
        for (const auto& m : oracle.query_id(recall_queries[k], o)) {
          truth[k].push_back({m.id, m.jaccard});
        }
        us[k] = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0)
                    .count();
      });
      const double wall =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      latencies l;
      l.us = us;
      l.total_s = wall;
      char config[48];
      std::snprintf(config, sizeof config, "exact %ut", threads);
      print_index_row(
          json, {"brute-query", n, 0.3, 1.0, 1.0, 1.0, l.pct(0.5), l.pct(0.99),
                 static_cast<double>(us.size()) / wall,
                 static_cast<double>(oracle.memory_bytes()) / static_cast<double>(n), config});
    }
    for (const double t : {0.3, 0.5, 0.8}) {
      const auto tuning = samestory::tune_lsh({.threshold = t, .num_hashes = 128});
      run_lsh_rows(json, t, tuning.parameters, "", hasher, sigs, recall_queries,
                   with_truth ? &truth : nullptr, &c, 20000);
    }

    // SimHash: exact within k bits by construction; its recall is reported
    // against the Jaccard truth at 0.8 (the copies it is meant to catch).
    samestory::simhash_index sindex;
    std::vector<std::uint64_t> fps(n);
    parallel_for(n, threads, [&](std::size_t i) { fps[i] = simhash.hash(c.sets[i]); });
    auto ins = time_each(n, [&](std::size_t i) { sindex.insert(i, fps[i], 0); });
    const double bytes = static_cast<double>(sindex.memory_bytes()) / static_cast<double>(n);
    char config[48];
    std::snprintf(config, sizeof config, "k=%u %zu tables", sindex.options().max_distance,
                  sindex.tables());
    print_index_row(json, {"simhash-insert", n, 0.8, -1, -1, -1, ins.pct(0.5), ins.pct(0.99),
                           static_cast<double>(n) / ins.total_s, bytes, config});
    std::vector<samestory::simhash_match> out;
    const std::size_t queries = std::min<std::size_t>(n, 20000);
    const std::size_t step = std::max<std::size_t>(1, n / queries);
    auto q = time_each(queries, [&](std::size_t i) {
      sindex.query_into(fps[i * step], sindex.options().max_distance, SIZE_MAX, out);
    });
    index_row row{"simhash-query",
                  n,
                  0.8,
                  -1,
                  -1,
                  -1,
                  q.pct(0.5),
                  q.pct(0.99),
                  static_cast<double>(queries) / q.total_s,
                  bytes,
                  config};
    if (with_truth) {
      std::size_t pairs = 0, found = 0, returned = 0, correct = 0;
      for (std::size_t k = 0; k < recall_queries.size(); ++k) {
        const std::size_t qi = recall_queries[k];
        sindex.query_into(fps[qi], sindex.options().max_distance, SIZE_MAX, out);
        std::vector<std::uint64_t> got;
        for (const auto& m : out) {
          if (m.id == qi) continue;
          got.push_back(m.id);
          ++returned;
          correct += samestory::exact_jaccard(c.sets[qi], c.sets[m.id]) >= 0.8;
        }
        std::sort(got.begin(), got.end());
        for (const auto& e : truth[k]) {
          if (e.jaccard < 0.8) continue;
          ++pairs;
          found += std::binary_search(got.begin(), got.end(), e.id);
        }
      }
      row.recall =
          static_cast<double>(found) / static_cast<double>(std::max<std::size_t>(1, pairs));
      row.precision =
          static_cast<double>(correct) / static_cast<double>(std::max<std::size_t>(1, returned));
    }
    print_index_row(json, row);
  }
  if (!json) std::printf("\n");
}

}  // namespace bench
