// samestory_bench: the headline throughput figures, in one program.
//
//   samestory_bench                      seeds + a 50 MB synthetic Chinese corpus
//   samestory_bench --jsonl FILE.jsonl   also a real corpus ("text"/"title" fields)
//   samestory_bench --json               one JSON object per measurement
//   samestory_bench --only redis         the shared index on Redis (redis_bench.hpp);
//                                        in the default run only when servers are
//                                        given (SAMESTORY_REDIS*, --redis*)
//   samestory_bench --only redis --redis-docs 1000000   (or --million) at a million
//
// Every figure is MB/s of raw input (10^6 bytes per second), best of --reps
// runs. The naive baseline (ICU's transliterator called per document) runs in
// the same process over the same documents, and ratios are printed against it.
// Results are checked before they are timed: the pipeline must give the same
// shingles on every run and thread count.
#include <samestory/samestory.hpp>

#include <unicode/translit.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "cluster_bench.hpp"
#include "corpus.hpp"
#include "durability_bench.hpp"
#include "index_bench.hpp"
#include "redis_bench.hpp"
#include "signature_bench.hpp"

namespace {

using clock_type = std::chrono::steady_clock;
using bench::corpus;

struct settings {
  bool json = false;
  int reps = 3;
  std::size_t synthetic_mb = 50;
  std::string jsonl;
  std::string seeds_dir = SAMESTORY_SEEDS_DIR;
  std::size_t baseline_mb = 4;         // the ICU baseline is slow; its rate needs no more
  std::size_t synthetic_docs = 20000;  // the signature rows want at least this many
  bool text = true, signatures = true, index = true;
  std::size_t index_docs = 100000;  // the index rows' corpus size
  bool million = false;             // also index 1,000,000 documents (minutes, GBs)
  bool cluster = true;
  std::size_t cluster_docs = 100000;  // batch clustering corpus size
  bool durability = true;
  std::size_t durability_docs = 2000;  // fsync per add: a few ms each on a real disk
  // Skipped, saying so, when no server is given: a default run without Redis
  // stays as long as before.
  bool redis = true;
  bench::redis_bench_settings redis_bench;
  std::vector<std::uint32_t> ks{64, 128, 256};
};

struct row {
  std::string name;
  std::string corpus;
  unsigned threads;
  double mb_per_s;
};

// Best wall time of `reps` runs of `fn`.
double best_seconds(int reps, const std::function<void()>& fn) {
  double best = 1e300;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = clock_type::now();
    fn();
    best = std::min(best, std::chrono::duration<double>(clock_type::now() - t0).count());
  }
  return best;
}

template <class T>
void do_not_optimize(const T& value) {
  asm volatile("" : : "r"(&value) : "memory");
}

// Runs fn(doc index) over all documents on `threads` threads, interleaved.
void parallel_for(std::size_t n, unsigned threads, const std::function<void(std::size_t)>& fn) {
  if (threads <= 1) {
    for (std::size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (std::size_t i; (i = next.fetch_add(64)) < n;) {
        for (std::size_t j = i; j < std::min(n, i + 64); ++j) fn(j);
      }
    });
  }
  for (auto& th : pool) th.join();
}

// The naive way: hand each document to ICU's transliterator, which does the
// same folding as our normalizer (Han fold, NFKC, case fold, drop non-letters).
class icu_baseline {
 public:
  icu_baseline() {
    UErrorCode status = U_ZERO_ERROR;
    UParseError pe;
    t_.reset(icu::Transliterator::createFromRules(
        "baseline", "::Traditional-Simplified; ::NFKC; ::Any-Lower; [[:P:][:S:][:Z:][:C:]] > ' ';",
        UTRANS_FORWARD, pe, status));
    if (U_FAILURE(status)) {
      std::fprintf(stderr, "ICU baseline transliterator: %s\n", u_errorName(status));
      std::exit(2);
    }
  }
  std::size_t run(std::string_view doc) const {
    icu::UnicodeString s = icu::UnicodeString::fromUTF8(
        icu::StringPiece(doc.data(), static_cast<std::int32_t>(doc.size())));
    t_->transliterate(s);
    std::string out;
    s.toUTF8String(out);
    return out.size();
  }

 private:
  std::unique_ptr<icu::Transliterator> t_;
};

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

void print_header(const settings& s) {
  if (s.json) return;
  std::printf("samestory_bench %s\n", samestory::version_string);
  std::printf("cpu: %s, %u hardware threads\n", cpu_model().c_str(),
              std::thread::hardware_concurrency());
  std::printf("compiler: %s, build: %s, flags: %s\n", __VERSION__, SAMESTORY_BUILD_TYPE,
              SAMESTORY_CXX_FLAGS);
  std::printf("figures: MB/s of raw input (10^6 bytes/s), best of %d runs\n\n", s.reps);
}

void print_row(const settings& s, const row& r, double baseline) {
  if (s.json) {
    std::printf("{\"name\": \"%s\", \"corpus\": \"%s\", \"threads\": %u, \"mb_per_s\": %.1f}\n",
                r.name.c_str(), r.corpus.c_str(), r.threads, r.mb_per_s);
  } else if (baseline > 0) {
    std::printf("  %-28s %-10s threads %-2u %9.1f MB/s  %7.1fx baseline\n", r.name.c_str(),
                r.corpus.c_str(), r.threads, r.mb_per_s, r.mb_per_s / baseline);
  } else {
    std::printf("  %-28s %-10s threads %-2u %9.1f MB/s\n", r.name.c_str(), r.corpus.c_str(),
                r.threads, r.mb_per_s);
  }
  std::fflush(stdout);
}

void run_text_benches(const settings& s, const corpus& c) {
  const double mb = static_cast<double>(c.bytes) / 1e6;
  if (!s.json) {
    std::printf("corpus %s: %zu documents, %.2f MB\n", c.name.c_str(), c.docs.size(), mb);
  }
  // The library's defaults (strict UTF-8), unless the corpus holds bad bytes:
  // then the lenient policy a crawler would use, and the output says so.
  samestory::text_pipeline_options po;
  std::size_t bad_docs = 0;
  for (const auto& d : c.docs) bad_docs += samestory::check_utf8(d).ok ? 0 : 1;
  if (bad_docs > 0) {
    po.normalize.utf8 = samestory::utf8_policy::lenient;
    if (!s.json) std::printf("  (%zu documents hold invalid UTF-8: lenient policy)\n", bad_docs);
  }
  const samestory::text_pipeline pipeline(po);
  samestory::normalize_options no = po.normalize;
  no.keep_offsets = false;
  const samestory::normalizer norm(no);
  const samestory::shingler shingler(po.shingle);
  const samestory::chrome_stripper stripper(po.chrome);

  // Verify before timing: pipeline output is deterministic across runs and threads.
  std::vector<std::uint64_t> reference(c.docs.size());
  {
    std::vector<std::uint64_t> h;
    for (std::size_t i = 0; i < c.docs.size(); ++i) {
      pipeline.shingles(c.docs[i], h);
      reference[i] = XXH3_64bits(h.data(), h.size() * sizeof(h[0]));
    }
    std::vector<std::uint64_t> again(c.docs.size());
    parallel_for(c.docs.size(), 2, [&](std::size_t i) {
      thread_local std::vector<std::uint64_t> local;
      pipeline.shingles(c.docs[i], local);
      again[i] = XXH3_64bits(local.data(), local.size() * sizeof(local[0]));
    });
    if (again != reference) {
      std::fprintf(stderr, "pipeline output differs between runs: refusing to time it\n");
      std::exit(3);
    }
  }

  // Baseline first, on a prefix of the corpus: its rate does not depend on size.
  const icu_baseline baseline;
  std::size_t base_docs = 0, base_bytes = 0;
  while (base_docs < c.docs.size() && base_bytes < s.baseline_mb * 1000000) {
    base_bytes += c.docs[base_docs++].size();
  }
  const double base_t = best_seconds(std::max(1, s.reps - 1), [&] {
    std::size_t total = 0;
    for (std::size_t i = 0; i < base_docs; ++i) total += baseline.run(c.docs[i]);
    do_not_optimize(total);
  });
  const double base_rate = static_cast<double>(base_bytes) / 1e6 / base_t;
  print_row(s, {"icu-transliterator-baseline", c.name, 1, base_rate}, 0);

  // A small corpus (the seeds) is run several times per timing, so that every
  // timed run covers at least 20 MB and thread start-up does not dominate.
  const std::size_t passes =
      std::max<std::size_t>(1, static_cast<std::size_t>(20e6 / std::max(1.0, mb * 1e6)));
  auto measure = [&](const char* name, unsigned threads,
                     const std::function<void(std::size_t)>& fn) {
    const std::size_t n = c.docs.size();
    const double t = best_seconds(
        s.reps, [&] { parallel_for(n * passes, threads, [&](std::size_t i) { fn(i % n); }); });
    print_row(s, {name, c.name, threads, mb * static_cast<double>(passes) / t}, base_rate);
  };

  measure("text-validate", 1,
          [&](std::size_t i) { do_not_optimize(samestory::check_utf8(c.docs[i])); });
  {
    samestory::normalized_text out;
    measure("text-normalize", 1, [&](std::size_t i) { norm.normalize(c.docs[i], out); });
  }
  measure("text-chrome", 1, [&](std::size_t i) { do_not_optimize(stripper.strip(c.docs[i])); });
  {
    // Shingling alone, over text normalized beforehand (MB/s of the raw input).
    std::vector<samestory::normalized_text> normalized(c.docs.size());
    for (std::size_t i = 0; i < c.docs.size(); ++i) norm.normalize(c.docs[i], normalized[i]);
    std::vector<std::uint64_t> h;
    measure("text-shingle", 1, [&](std::size_t i) { shingler.hash(normalized[i], h); });
    // The hashing floor: XXH3 over every character 3-gram, nothing else.
    measure("xxh3-3gram-floor", 1, [&](std::size_t i) {
      const auto& t = normalized[i].text;
      std::uint64_t acc = 0;
      for (std::size_t j = 0; j + 3 <= t.size(); ++j) {
        acc ^= XXH3_64bits(t.data() + j, 3 * sizeof(char32_t));
      }
      do_not_optimize(acc);
    });
  }
  {
    std::vector<std::uint64_t> h;
    measure("text-pipeline", 1, [&](std::size_t i) { pipeline.shingles(c.docs[i], h); });
  }
  const unsigned hw = std::max(2u, std::thread::hardware_concurrency());
  measure("text-pipeline", hw, [&](std::size_t i) {
    thread_local std::vector<std::uint64_t> h;
    pipeline.shingles(c.docs[i], h);
  });
  if (!s.json) std::printf("\n");
}

int usage(const char* argv0) {
  std::fprintf(
      stderr,
      "usage: %s [--json] [--reps N] [--synthetic-mb N] [--synthetic-docs N]\n"
      "          [--jsonl FILE] [--seeds DIR] [--k 64,128,256]\n"
      "          [--only text|signatures|index|cluster|durability|redis]\n"
      "          [--index-docs N] [--cluster-docs N] [--durability-docs N] [--million]\n"
      "          [--redis URL] [--redis-cluster URL] [--redis-docs N]\n"
      "          [--redis-unpipelined-docs N]\n"
      "  Text rows: pipeline throughput (MB/s of raw input) beside the naive ICU\n"
      "  transliterator baseline, on the seed articles, a deterministic synthetic\n"
      "  Chinese corpus (at least 50 MB and 20,000 documents by default) and\n"
      "  optionally a JSONL corpus (fields text and title).\n"
      "  Signature rows: MinHash and SimHash per scheme and k beside the hashing\n"
      "  floor and a naive textbook MinHash, on the synthetic and JSONL corpora.\n"
      "  Index rows: LSH (tuned for t = 0.3, 0.5, 0.8) and SimHash index insert and\n"
      "  query rates, p50/p99 latency, bytes per document, and recall against the\n"
      "  brute-force index, at 100,000 documents (--index-docs) and with --million\n"
      "  also at 1,000,000; plus gaoya's 10,000-document 25x5 configuration.\n"
      "  Cluster rows: batch clustering docs/s from raw text beside the text pipeline\n"
      "  alone, at 100,000 documents (--cluster-docs); online add() p50/p99 latency\n"
      "  and bytes per document held, at 100,000 documents held (1,000,000 with --million).\n"
      "  Durability rows: durable_clusterer add() per sync policy beside add() in memory,\n"
      "  checkpoint and reopen times, lsh_index save/load (--durability-docs, 2,000).\n"
      "  Redis rows: lsh_index on a Redis server and a Redis Cluster beside the in-memory\n"
      "  index: insert_batch and query_batch rates, insert()/query() p50/p99 latency,\n"
      "  server memory per document, with pipelining at 100,000 documents (--redis-docs;\n"
      "  1,000,000 with --million) and on against off at 10,000 (--redis-unpipelined-docs,\n"
      "  0 = skip). Servers: --redis/--redis-cluster redis://HOST:PORT[/NAME] or\n"
      "  SAMESTORY_REDIS/SAMESTORY_REDIS_CLUSTER (scripts/redis-servers); none: skipped.\n"
      "  The index NAME (default bench-PID) is dropped before and after.\n",
      argv0);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  settings s;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(usage(argv[0]));
      }
      return argv[++i];
    };
    if (a == "--json") {
      s.json = true;
    } else if (a == "--reps") {
      s.reps = std::max(1, std::atoi(value().c_str()));
    } else if (a == "--synthetic-mb") {
      s.synthetic_mb = static_cast<std::size_t>(std::atol(value().c_str()));
    } else if (a == "--jsonl") {
      s.jsonl = value();
    } else if (a == "--seeds") {
      s.seeds_dir = value();
    } else if (a == "--only") {
      const std::string v = value();
      s.text = v == "text";
      s.signatures = v == "signatures";
      s.index = v == "index";
      s.cluster = v == "cluster";
      s.durability = v == "durability";
      s.redis = v == "redis";
      if (!s.text && !s.signatures && !s.index && !s.cluster && !s.durability && !s.redis) {
        return usage(argv[0]);
      }
    } else if (a == "--index-docs") {
      s.index_docs = static_cast<std::size_t>(std::atol(value().c_str()));
    } else if (a == "--cluster-docs") {
      s.cluster_docs = static_cast<std::size_t>(std::atol(value().c_str()));
    } else if (a == "--durability-docs") {
      s.durability_docs = static_cast<std::size_t>(std::atol(value().c_str()));
    } else if (a == "--million") {
      s.million = true;
    } else if (a == "--redis") {
      s.redis_bench.single_url = value();
    } else if (a == "--redis-cluster") {
      s.redis_bench.cluster_url = value();
    } else if (a == "--redis-docs") {
      s.redis_bench.docs = static_cast<std::size_t>(std::atol(value().c_str()));
    } else if (a == "--redis-unpipelined-docs") {
      s.redis_bench.unpipelined_docs = static_cast<std::size_t>(std::atol(value().c_str()));
    } else if (a == "--synthetic-docs") {
      s.synthetic_docs = static_cast<std::size_t>(std::atol(value().c_str()));
    } else if (a == "--k") {
      s.ks.clear();
      std::stringstream list(value());
      for (std::string item; std::getline(list, item, ',');) {
        s.ks.push_back(static_cast<std::uint32_t>(std::atol(item.c_str())));
      }
    } else {
      return usage(argv[0]);
    }
  }
  print_header(s);
  try {
    if (s.text) run_text_benches(s, bench::load_seeds(s.seeds_dir));
    if ((s.text || s.signatures) && (s.synthetic_mb > 0 || s.synthetic_docs > 0)) {
      const auto synthetic = bench::synthetic_chinese(s.synthetic_mb, 20261122, s.synthetic_docs);
      if (s.text) run_text_benches(s, synthetic);
      if (s.signatures) bench::run_signature_benches(s.json, s.reps, synthetic, s.ks);
    }
    if (!s.jsonl.empty()) {
      const auto file = bench::load_jsonl(s.jsonl);
      if (s.text) run_text_benches(s, file);
      if (s.signatures) bench::run_signature_benches(s.json, s.reps, file, s.ks);
    }
    if (s.index) bench::run_index_benches(s.json, s.index_docs, s.million);
    if (s.cluster) {
      bench::run_cluster_benches(s.json, s.cluster_docs, s.million ? 1000000 : s.cluster_docs);
    }
    if (s.durability) bench::run_durability_benches(s.json, s.durability_docs);
    if (s.redis) {
      if (s.million) s.redis_bench.docs = std::max<std::size_t>(s.redis_bench.docs, 1000000);
      bench::run_redis_benches(s.json, s.redis_bench);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "samestory_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
