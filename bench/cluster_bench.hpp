// Clustering rows of samestory_bench: batch documents/s end to end from raw
// text, beside the text pipeline alone (the floor: every document must at
// least be normalized and shingled); online add() latency with N documents
// held, and memory per document held.
#pragma once

#include "corpus.hpp"

#include <samestory/cluster.hpp>
#include <samestory/online_cluster.hpp>
#include <samestory/text_pipeline.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

namespace bench {

struct cluster_row {
  const char* name;
  std::size_t docs;
  double docs_per_s = 0, p50_us = 0, p99_us = 0, bytes_per_doc = 0;
  std::size_t stories = 0;
};

inline void print_cluster_row(bool json, const cluster_row& r) {
  if (json) {
    std::printf("{\"name\": \"%s\", \"docs\": %zu, \"docs_per_s\": %.0f", r.name, r.docs,
                r.docs_per_s);
    if (r.p99_us > 0) std::printf(", \"p50_us\": %.1f, \"p99_us\": %.1f", r.p50_us, r.p99_us);
    if (r.bytes_per_doc > 0) std::printf(", \"bytes_per_doc\": %.0f", r.bytes_per_doc);
    if (r.stories > 0) std::printf(", \"stories\": %zu", r.stories);
    std::printf("}\n");
  } else {
    std::printf("  %-28s %9zu docs %10.0f docs/s", r.name, r.docs, r.docs_per_s);
    if (r.p99_us > 0) std::printf("  p50 %7.1f us  p99 %8.1f us", r.p50_us, r.p99_us);
    if (r.bytes_per_doc > 0) std::printf("  %6.0f B/doc held", r.bytes_per_doc);
    std::printf("\n");
  }
  std::fflush(stdout);
}

// Synthetic documents in chunks, so a million never sit in memory at once.
// Every chunk has its own seed: no two documents are copies.
template <class Sink>
void synthetic_stream(std::size_t n, std::uint64_t seed, Sink&& sink) {
  std::size_t done = 0;
  for (std::uint64_t chunk = 0; done < n; ++chunk) {
    const corpus c = synthetic_chinese(0, seed + chunk, std::min<std::size_t>(2000, n - done));
    for (std::size_t i = 0; i < c.docs.size() && done < n; ++i, ++done) sink(done, c.docs[i]);
  }
}

inline void run_cluster_benches(bool json, std::size_t batch_docs, std::size_t online_docs) {
  using clk = std::chrono::steady_clock;
  if (!json) std::printf("Clustering (synthetic Chinese pages, 2 threads where parallel)\n");
  {
    const corpus c = synthetic_chinese(0, 20261130, batch_docs);
    const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
    // Floor: the text pipeline alone over every document, on the same threads.
    const samestory::text_pipeline pipeline;
    auto t0 = clk::now();
    {
      std::vector<std::thread> pool;
      for (unsigned t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
          std::vector<std::uint64_t> h;
          for (std::size_t i = t; i < c.docs.size(); i += threads) pipeline.shingles(c.docs[i], h);
        });
      }
      for (auto& th : pool) th.join();
    }
    const double floor_s = std::chrono::duration<double>(clk::now() - t0).count();
    print_cluster_row(json, {"cluster-floor-shingles", c.docs.size(),
                             static_cast<double>(c.docs.size()) / floor_s});
    std::vector<samestory::document> docs(c.docs.size());
    for (std::size_t i = 0; i < c.docs.size(); ++i) docs[i] = {i, c.docs[i], {}, std::nullopt, {}};
    t0 = clk::now();
    const samestory::clustering result = samestory::cluster_documents(docs);
    const double s = std::chrono::duration<double>(clk::now() - t0).count();
    cluster_row r{"cluster-batch", docs.size(), static_cast<double>(docs.size()) / s};
    r.stories = result.stories.size();
    print_cluster_row(json, r);
    if (!json) std::printf("  batch / floor time: %.2fx\n", s / floor_s);
  }
  {
    samestory::online_clusterer online;
    std::vector<double> us;
    us.reserve(online_docs);
    const auto start = clk::now();
    synthetic_stream(online_docs, 7000000, [&](std::size_t i, const std::string& text) {
      const auto t0 = clk::now();
      online.add({i, text, {}, static_cast<std::int64_t>(i), {}});
      us.push_back(std::chrono::duration<double, std::micro>(clk::now() - t0).count());
    });
    const double total = std::chrono::duration<double>(clk::now() - start).count();
    // Latency of the last tenth: adds made with 90-100% of the documents held.
    std::vector<double> tail(us.end() - static_cast<std::ptrdiff_t>(us.size() / 10), us.end());
    std::sort(tail.begin(), tail.end());
    cluster_row r{"online-add", online_docs, static_cast<double>(online_docs) / total};
    r.p50_us = tail[tail.size() / 2];
    r.p99_us = tail[tail.size() * 99 / 100];
    r.bytes_per_doc =
        static_cast<double>(online.memory_bytes()) / static_cast<double>(online.size());
    r.stories = online.stories().size();
    print_cluster_row(json, r);
  }
  if (!json) std::printf("\n");
}

}  // namespace bench
