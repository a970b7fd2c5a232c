// Redis rows of samestory_bench: the shared lsh_index on a local Redis (one
// server and a 3-master cluster) beside the in-memory index, in one run.
//
//   samestory_bench --only redis                       100,000 documents
//   samestory_bench --only redis --redis-docs 1000000  (or --million; minutes, GBs of Redis)
//   samestory_bench --only redis --redis redis://127.0.0.1:6379/NAME
//                                --redis-cluster redis://127.0.0.1:7000/NAME
//
// The servers come from --redis / --redis-cluster (redis://HOST:PORT[/NAME]
// or HOST:PORT) or else from SAMESTORY_REDIS / SAMESTORY_REDIS_CLUSTER, which
// scripts/redis-servers writes; with neither the rows are skipped, saying so,
// which keeps the default run (no --only) as long as before on machines
// without Redis.
// The index name is NAME or bench-PID; it is dropped before every run and at
// the end, so never point NAME at an index you want to keep. Every key holds
// the name, so its length shows in memory per document (about +10% for 21
// bytes over 11 at 20,000 documents): the default is short, as a real one would be.
//
// Documents: MinHash signatures (k = 128, one-permutation, seed 0) of
// synthetic shingle sets with near-duplicate families, as in index_bench.hpp,
// but generated as a stream and signed on the fly, so that 1,000,000 documents
// hold only their signatures. Every sixth page is held back as unseen: queried
// and inserted singly, it is sometimes a copy of a stored page. The banding is document_index's
// default: tune_lsh at t = 0.5; queries ask for min_jaccard 0.5.
//
// Per backend and mode:
//   - insert_batch of 1,000: documents/s; Redis commands per document;
//   - insert() of single unseen documents: p50/p99 latency (a crawler's wait);
//   - query_batch of 1,000, half stored and half unseen documents: queries/s;
//   - query() of single documents, alternately stored and unseen: p50/p99;
//   - memory per document: the sum over masters of INFO used_memory (less
//     mem_clients_normal, the connections' buffers) after the batch inserts
//     minus before, beside the in-memory index's memory_bytes();
//   - evict_older_than of the older half: documents/s.
// Pipelining on is measured at --redis-docs; on against off at
// --redis-unpipelined-docs (10,000: every command is a round trip, so 100,000
// would take tens of minutes) with every backend rerun at that size, so the
// speedups compare like with like. Redis answers are checked against the
// in-memory index's before their rates are printed.
#pragma once

#include <samestory/error.hpp>
#include <samestory/lsh_index.hpp>
#include <samestory/lsh_tuner.hpp>
#include <samestory/minhash.hpp>
#include <samestory/redis_store.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>

#include "../src/redis_client.hpp"  // INFO per master; the bench links the static library
#include "corpus.hpp"
#include "index_bench.hpp"

namespace bench {

struct redis_bench_settings {
  std::size_t docs = 100000;             // stored with pipelining on
  std::size_t unpipelined_docs = 10000;  // on against off (0: skip)
  std::string single_url, cluster_url;   // empty: the environment's
};

namespace redis_detail {

using clk = std::chrono::steady_clock;

inline double seconds_since(clk::time_point t0) {
  return std::chrono::duration<double>(clk::now() - t0).count();
}

// CPU seconds of this process, every thread.
inline double process_cpu_s() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

// Signatures of a stream of pages: every sixth is held back as unseen, so
// that unseen pages are copies of stored ones as often as stored pages are
// of each other (a crawler's "have we seen this?" finds some).
struct signed_corpus {
  std::vector<samestory::minhash_signature> stored, unseen;
};

// Shingle sets streamed in order and signed in blocks on every core: the
// families of index_bench.hpp (bases of 200-1000 shingles, 10% from a shared
// Zipf-like pool; 40% edited copies of one of the 50 latest bases, a share
// 0.7 u^2 replaced), without keeping the sets.
inline signed_corpus signed_stream(std::size_t stored, std::size_t unseen,
                                   const samestory::minhasher& h, std::uint64_t seed) {
  const std::size_t docs = std::max(stored + stored / 5, stored + unseen) + 8;
  rng r{seed};
  std::vector<std::uint64_t> pool(20000);
  for (auto& x : pool) x = r.next();
  std::vector<std::vector<std::uint64_t>> recent;  // the latest bases, oldest first
  std::vector<samestory::minhash_signature> out(docs);
  constexpr std::size_t block = 8192;
  std::vector<std::vector<std::uint64_t>> sets(block);
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  for (std::size_t from = 0; from < docs; from += block) {
    const std::size_t n = std::min(block, docs - from);
    for (std::size_t i = 0; i < n; ++i) {
      std::vector<std::uint64_t>& s = sets[i];
      if (!recent.empty() && r.below(100) < 40) {
        s = recent[r.below(recent.size())];
        const double u = static_cast<double>(r.below(1000001)) / 1e6;
        const auto replace = static_cast<std::size_t>(0.7 * u * u * static_cast<double>(s.size()));
        for (std::size_t k = 0; k < replace; ++k) s[r.below(s.size())] = r.next();
      } else {
        fill_base(r, pool, s);
        recent.push_back(s);
        if (recent.size() > 50) recent.erase(recent.begin());
      }
    }
    parallel_for(n, threads, [&](std::size_t i) { out[from + i] = h.sign(sets[i]); });
  }
  signed_corpus c;
  for (std::size_t i = 0; i < docs; ++i) {
    const bool hold_back = i % 6 == 5 || c.stored.size() == stored;
    if (!hold_back) c.stored.push_back(std::move(out[i]));
    if (hold_back && c.unseen.size() < std::max(unseen, stored / 5)) {
      c.unseen.push_back(std::move(out[i]));
    }
  }
  return c;
}

// What one run measures; -1 where it does not apply.
struct row {
  std::string backend;     // "memory", "redis-single", "redis-cluster"
  const char* mode = "-";  // "-" in memory, "on"/"off" for pipelining
  std::size_t docs = 0;
  double insert_per_s = 0, insert_p50 = 0, insert_p99 = 0;
  double query_per_s = 0, query_p50 = 0, query_p99 = 0;
  double bytes_per_doc = -1;
  std::vector<double> master_bytes;  // per master, after - before (a cluster's balance)
  double commands_per_insert = -1, commands_per_query = -1;
  // CPU per document of insert_batch and per query of query_batch, on the
  // servers (summed over masters) and in this process: which side is the limit.
  double server_us_insert = -1, client_us_insert = -1, server_us_query = -1, client_us_query = -1;
  double evict_per_s = 0;
  std::size_t singles = 0, batch_queries = 0;
  std::size_t differing = 0;  // query_batch answers unlike the in-memory ones
};

// Sums over a server's masters of the INFO figures the rows need.
struct server_figures {
  double used_memory = 0, commands = 0, lazyfree_pending = 0, cpu_s = 0;
  std::vector<double> master_memory;
};

// The number after `name` (which ends in ':' or '=') on a line of INFO; 0 when absent.
inline double info_field(const std::string& info, const char* name) {
  const std::string key = std::string("\n") + name;
  const std::size_t at = ("\n" + info).find(key);
  if (at == std::string::npos) return 0;
  return std::atof(info.c_str() + at + key.size() - 1);
}

inline server_figures read_figures(samestory::detail::redis_client& c) {
  server_figures f;
  for (std::size_t m = 0; m < c.masters(); ++m) {
    const std::string info = c.run_on(m, {"INFO", "memory", "stats", "commandstats", "cpu"}).str;
    f.cpu_s += info_field(info, "used_cpu_user:") + info_field(info, "used_cpu_sys:");
    // Client buffers are left out: a pipeline's query and reply buffers are
    // freed lazily and are no part of the index.
    f.master_memory.push_back(info_field(info, "used_memory:") -
                              info_field(info, "mem_clients_normal:"));
    f.used_memory += f.master_memory.back();
    // Our own INFO calls are left out of the command counts.
    f.commands +=
        info_field(info, "total_commands_processed:") - info_field(info, "cmdstat_info:calls=");
    f.lazyfree_pending += info_field(info, "lazyfree_pending_objects:");
  }
  return f;
}

// Figures once UNLINK's background frees and the keyspace's incremental
// rehash (both tables held meanwhile; the server cron finishes it within
// seconds) are done: used_memory no longer moves.
inline server_figures settled_figures(samestory::detail::redis_client& c) {
  server_figures last = read_figures(c);
  for (int i = 0; i < 100; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const server_figures f = read_figures(c);
    if (f.lazyfree_pending == 0 &&
        std::abs(f.used_memory - last.used_memory) <= 1e-3 * f.used_memory) {
      return f;
    }
    last = f;
  }
  return last;
}

struct endpoint {
  std::string backend;
  samestory::redis_options options;
  std::unique_ptr<samestory::detail::redis_client> stats;  // INFO, on its own connections
  std::string version;
};

inline bool same_answers(const std::vector<samestory::match>& a,
                         const std::vector<samestory::match>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].id != b[i].id || std::abs(a[i].jaccard - b[i].jaccard) > 1e-9) return false;
  }
  return true;
}

// One run stores the first `docs` stored pages; the unseen pages held back
// among them come first in `unseen`.
struct run_plan {
  std::size_t docs, batch_queries, singles;
};

// One backend at one size: batch inserts, memory, batch queries, single
// queries, single inserts of unseen documents, eviction of the older half.
// `stats` is null in memory. `reference` holds the in-memory answers to
// compare with, or is empty (then filled: this is the in-memory run).
inline row measure(const std::string& backend, const char* mode, samestory::lsh_index& index,
                   samestory::detail::redis_client* stats, const run_plan& plan,
                   const signed_corpus& corpus,
                   std::vector<std::vector<samestory::match>>& reference) {
  const std::vector<samestory::minhash_signature>& sigs = corpus.stored;
  const std::size_t n = plan.docs;
  row r;
  r.backend = backend;
  r.mode = mode;
  r.docs = n;
  r.singles = plan.singles;
  r.batch_queries = plan.batch_queries;
  constexpr std::size_t batch = 1000;
  const server_figures before = stats != nullptr ? settled_figures(*stats) : server_figures{};

  std::vector<samestory::document_id> ids(n + plan.singles);
  std::vector<std::int64_t> times(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = i, times[i] = static_cast<std::int64_t>(i);
  const auto ids_span = std::span<const samestory::document_id>(ids);
  const auto times_span = std::span<const std::int64_t>(times);
  const auto sig_span = std::span<const samestory::minhash_signature>(sigs);

  double cpu0 = process_cpu_s();
  auto t0 = clk::now();
  for (std::size_t from = 0; from < n; from += batch) {
    const std::size_t m = std::min(batch, n - from);
    index.insert_batch(ids_span.subspan(from, m), sig_span.subspan(from, m),
                       times_span.subspan(from, m));
  }
  r.insert_per_s = static_cast<double>(n) / seconds_since(t0);
  r.client_us_insert = (process_cpu_s() - cpu0) * 1e6 / static_cast<double>(n);
  const server_figures inserted = stats != nullptr ? settled_figures(*stats) : server_figures{};
  if (stats != nullptr) {
    r.bytes_per_doc = (inserted.used_memory - before.used_memory) / static_cast<double>(n);
    for (std::size_t m = 0; m < inserted.master_memory.size() && m < before.master_memory.size();
         ++m) {
      r.master_bytes.push_back(inserted.master_memory[m] - before.master_memory[m]);
    }
    r.commands_per_insert = (inserted.commands - before.commands) / static_cast<double>(n);
    r.server_us_insert = (inserted.cpu_s - before.cpu_s) * 1e6 / static_cast<double>(n);
  } else {
    r.bytes_per_doc = static_cast<double>(index.memory_bytes()) / static_cast<double>(n);
  }

  // Query q: even q a stored document spread over the corpus, odd q the next unseen one.
  const auto query_doc = [&](std::size_t q, std::size_t count) -> std::size_t {
    const std::size_t step = std::max<std::size_t>(1, n / std::max<std::size_t>(1, count / 2));
    return q % 2 == 0 ? (q / 2 * step) % n : q / 2;
  };
  const auto query_sig = [&](std::size_t q, std::size_t count) -> const auto& {
    return q % 2 == 0 ? sigs[query_doc(q, count)] : corpus.unseen[query_doc(q, count)];
  };
  samestory::query_options o;
  o.min_jaccard = 0.5;
  std::vector<samestory::minhash_signature> queries(plan.batch_queries);
  for (std::size_t q = 0; q < queries.size(); ++q) {
    queries[q] = query_sig(q, plan.batch_queries);
  }
  std::vector<std::vector<samestory::match>> answers;
  answers.reserve(queries.size());
  cpu0 = process_cpu_s();
  t0 = clk::now();
  for (std::size_t from = 0; from < queries.size(); from += batch) {
    const std::size_t m = std::min(batch, queries.size() - from);
    for (auto& a : index.query_batch(
             std::span<const samestory::minhash_signature>(queries).subspan(from, m), o)) {
      answers.push_back(std::move(a));
    }
  }
  r.query_per_s = static_cast<double>(queries.size()) / seconds_since(t0);
  const auto nq = static_cast<double>(queries.size());
  r.client_us_query = (process_cpu_s() - cpu0) * 1e6 / nq;
  if (stats != nullptr) {
    const server_figures queried = read_figures(*stats);
    r.commands_per_query = (queried.commands - inserted.commands) / nq;
    r.server_us_query = (queried.cpu_s - inserted.cpu_s) * 1e6 / nq;
  }
  if (reference.empty()) {
    reference = std::move(answers);
  } else {
    for (std::size_t q = 0; q < answers.size(); ++q) {
      r.differing += same_answers(answers[q], reference[q]) ? 0 : 1;
    }
  }

  std::vector<samestory::match> out;
  auto lq = time_each(plan.singles,
                      [&](std::size_t q) { index.query_into(query_sig(q, plan.singles), o, out); });
  r.query_p50 = lq.pct(0.5);
  r.query_p99 = lq.pct(0.99);
  auto li = time_each(plan.singles, [&](std::size_t i) {
    index.insert(ids[n + i], corpus.unseen[i], times[n + i]);
  });
  r.insert_p50 = li.pct(0.5);
  r.insert_p99 = li.pct(0.99);

  t0 = clk::now();
  const std::size_t evicted = index.evict_older_than(static_cast<std::int64_t>(n / 2));
  r.evict_per_s = static_cast<double>(evicted) / seconds_since(t0);
  return r;
}

inline void print_header(bool json) {
  if (json) return;
  std::printf("  %-13s %-4s %8s %9s %6s %8s %8s %9s %6s %8s %8s %6s %6s %7s %6s %9s\n", "backend",
              "pipe", "docs", "ins/s", "x mem", "ins p50", "ins p99", "query/s", "x mem", "q p50",
              "q p99", "B/doc", "x mem", "cmd/ins", "cmd/q", "evict/s");
}

inline void print_row(bool json, const row& r, const row& memory) {
  if (json) {
    std::printf(
        "{\"name\": \"redis-lsh\", \"backend\": \"%s\", \"pipelining\": \"%s\", \"docs\": %zu, "
        "\"insert_batch_docs_per_s\": %.0f, \"insert_p50_us\": %.1f, \"insert_p99_us\": %.1f, "
        "\"query_batch_per_s\": %.0f, \"query_p50_us\": %.1f, \"query_p99_us\": %.1f, "
        "\"bytes_per_doc\": %.0f, \"commands_per_insert\": %.2f, \"commands_per_query\": %.2f, "
        "\"evict_docs_per_s\": %.0f, \"single_calls\": %zu, \"batch_queries\": %zu, "
        "\"answers_differing\": %zu, \"server_cpu_us_per_insert\": %.1f, "
        "\"client_cpu_us_per_insert\": %.1f, \"server_cpu_us_per_query\": %.1f, "
        "\"client_cpu_us_per_query\": %.1f}\n",
        r.backend.c_str(), r.mode, r.docs, r.insert_per_s, r.insert_p50, r.insert_p99,
        r.query_per_s, r.query_p50, r.query_p99, r.bytes_per_doc, r.commands_per_insert,
        r.commands_per_query, r.evict_per_s, r.singles, r.batch_queries, r.differing,
        r.server_us_insert, r.client_us_insert, r.server_us_query, r.client_us_query);
  } else {
    std::printf(
        "  %-13s %-4s %8zu %9.0f %6.3f %8.1f %8.1f %9.0f %6.3f %8.1f %8.1f %6.0f %6s %7s %6s "
        "%9.0f\n",
        r.backend.c_str(), r.mode, r.docs, r.insert_per_s, r.insert_per_s / memory.insert_per_s,
        r.insert_p50, r.insert_p99, r.query_per_s, r.query_per_s / memory.query_per_s, r.query_p50,
        r.query_p99, r.bytes_per_doc, fig(r.bytes_per_doc / memory.bytes_per_doc, "%.2f"),
        fig(r.commands_per_insert, "%.1f"), fig(r.commands_per_query, "%.1f"), r.evict_per_s);
    if (r.server_us_insert >= 0) {
      std::printf(
          "  %-13s (CPU per document: insert_batch server %.1f + client %.1f us, "
          "query_batch server %.1f + client %.1f us)\n",
          "", r.server_us_insert, r.client_us_insert, r.server_us_query, r.client_us_query);
    }
    if (r.master_bytes.size() > 1) {
      std::printf("  %-13s (used_memory added per master:", "");
      for (const double b : r.master_bytes) std::printf(" %.1f MB", b / 1e6);
      std::printf(")\n");
    }
    if (r.differing > 0) {
      std::printf("  %-13s !! %zu of %zu query_batch answers differ from the in-memory index's\n",
                  "", r.differing, r.batch_queries);
    }
  }
  std::fflush(stdout);
}

// "redis://H:P/NAME", "redis://H:P" or "H:P" -> options; the name defaults to our own.
inline samestory::redis_options endpoint_options(std::string address) {
  const std::string own = "bench-" + std::to_string(::getpid());
  if (address.rfind("redis://", 0) != 0) address = "redis://" + address;
  if (address.find('/', 8) == std::string::npos) address += "/" + own;
  return samestory::parse_redis_url(address);
}

}  // namespace redis_detail

inline void run_redis_benches(bool json, const redis_bench_settings& settings) {
  using namespace redis_detail;
  const auto section_start = clk::now();
  std::vector<endpoint> endpoints;
  std::string missing;
  const auto add = [&](const char* backend, const std::string& flag, const char* variable) {
    std::string address = flag;
    if (address.empty()) {
      const char* v = std::getenv(variable);
      address = v != nullptr ? v : "";
    }
    if (address.empty()) {
      missing += std::string(missing.empty() ? "" : ", ") + variable;
      return;
    }
    endpoint e{backend, endpoint_options(address), nullptr, "?"};
    try {
      e.stats = std::make_unique<samestory::detail::redis_client>(e.options);
      const std::string server = e.stats->run_on(0, {"INFO", "server"}).str;
      const std::size_t at = server.find("redis_version:");
      if (at != std::string::npos)
        e.version = server.substr(at + 14, server.find('\r', at) - at - 14);
    } catch (const samestory::error& x) {
      std::printf("Redis rows: %s at %s:%u cannot be used (%s): skipped\n", backend,
                  e.options.host.c_str(), e.options.port, x.what());
      return;
    }
    endpoints.push_back(std::move(e));
  };
  add("redis-single", settings.single_url, "SAMESTORY_REDIS");
  add("redis-cluster", settings.cluster_url, "SAMESTORY_REDIS_CLUSTER");
  if (endpoints.empty()) {
    const char* why = json ? "{\"name\": \"redis-lsh\", \"skipped\": \"no server: %s unset\"}\n"
                           : "Redis rows: skipped, no server (--redis/--redis-cluster not given, "
                             "%s unset; scripts/redis-servers start DIR, then source DIR/env)\n\n";
    std::printf(why, missing.c_str());
    return;
  }

  const samestory::minhasher hasher({}, 0);
  const samestory::lsh_tuning tuning = samestory::tune_lsh({.threshold = 0.5});
  const samestory::lsh_parameters params = tuning.parameters;
  const std::size_t docs = std::max<std::size_t>(1000, settings.docs);
  const std::size_t small = std::min(docs, settings.unpipelined_docs);
  const run_plan pipelined{docs, std::min<std::size_t>(docs, 20000), 10000};
  // Without pipelining a call costs a round trip per command: fewer samples.
  const run_plan unpipelined{small, std::min<std::size_t>(small, 2000), 2000};
  const std::size_t unseen = 20000;  // at least: >= every plan's singles and batch_queries / 2

  auto t0 = clk::now();
  const signed_corpus sigs = signed_stream(docs, unseen, hasher, 20261122);
  const double generate_s = seconds_since(t0);
  if (!json) {
    std::printf(
        "Redis rows: lsh_index on Redis beside the in-memory index (bench/redis_bench.hpp)\n");
    std::printf(
        "  %zu stored + %zu unseen synthetic documents with near-duplicate families, signed in "
        "%.1f s;\n  k = 128 one-permutation MinHash, %ux%u bands (tune_lsh t = 0.5, "
        "document_index's default), queries min_jaccard 0.5\n",
        docs, sigs.unseen.size(), generate_s, params.bands, params.rows);
    for (const endpoint& e : endpoints) {
      std::printf("  %-13s %s:%u, %zu master(s), Redis %s, index \"%s\"\n", e.backend.c_str(),
                  e.options.host.c_str(), e.options.port, e.stats->masters(), e.version.c_str(),
                  e.options.name.c_str());
    }
    std::printf(
        "  ins/s: insert_batch of 1,000; ins p50/p99 (us): insert() of single unseen documents;\n"
        "  query/s: query_batch of 1,000; q p50/p99 (us): query() alternately of stored and\n"
        "  unseen documents; x mem: fraction of (or, for B/doc, multiple of) the in-memory\n"
        "  figure; B/doc: INFO used_memory - mem_clients_normal, after - before, over\n"
        "  masters; in memory memory_bytes();\n"
        "  cmd/ins, cmd/q: Redis commands per document (INFO total_commands_processed);\n"
        "  evict/s: evict_older_than of the older half. In memory insert_batch uses every core.\n");
  }

  // One size, several backends and modes; the in-memory run comes first and
  // is the baseline and the answer key.
  struct job {
    std::size_t endpoint;  // SIZE_MAX: in memory
    bool pipelining;
  };
  const auto run_table = [&](const run_plan& plan, const std::vector<job>& jobs,
                             const char* title) {
    if (!json) {
      std::printf(
          "\n  %s: %zu documents; %zu query_batch queries, %zu insert() and %zu query() calls\n",
          title, plan.docs, plan.batch_queries, plan.singles, plan.singles);
      print_header(json);
    }
    std::vector<std::vector<samestory::match>> reference;
    std::vector<row> rows;
    row memory;
    for (const job& j : jobs) {
      if (j.endpoint == SIZE_MAX) {
        samestory::lsh_index index(params, hasher);
        memory = measure("memory", "-", index, nullptr, plan, sigs, reference);
        rows.push_back(memory);
        print_row(json, memory, memory);
        if (!json) {
          // Near-duplicates must be there to find, or the queries test little.
          double found[2] = {0, 0};
          for (std::size_t q = 0; q < reference.size(); ++q) {
            found[q % 2] += static_cast<double>(reference[q].size());
          }
          const double half = static_cast<double>(std::max<std::size_t>(1, reference.size() / 2));
          std::printf(
              "  %-13s (matches per query: %.2f for stored documents, themselves "
              "included; %.2f for unseen ones)\n",
              "", found[0] / half, found[1] / half);
        }
        continue;
      }
      endpoint& e = endpoints[j.endpoint];
      samestory::redis_options o = e.options;
      o.pipelining = j.pipelining;
      try {
        // Dropping is cleanup, not measured: pipelined whatever the mode.
        samestory::drop_redis_index(e.options);
        std::optional<samestory::lsh_index> index;
        index.emplace(params, hasher, o);
        rows.push_back(measure(e.backend, j.pipelining ? "on" : "off", *index, e.stats.get(), plan,
                               sigs, reference));
        print_row(json, rows.back(), memory);
        index.reset();
        const auto d0 = clk::now();
        const std::size_t keys = samestory::drop_redis_index(e.options);
        if (!json) {
          std::printf("  %-13s (drop_redis_index: %zu keys in %.1f s)\n", "", keys,
                      seconds_since(d0));
        }
      } catch (const samestory::error& x) {
        std::printf("  %-13s %-4s failed: %s\n", e.backend.c_str(), j.pipelining ? "on" : "off",
                    x.what());
        try {
          samestory::drop_redis_index(e.options);
        } catch (const samestory::error&) {
        }
      }
    }
    // Say that the check ran, not only when it fails.
    std::size_t differing = 0;
    for (const row& r : rows) differing += r.differing;
    if (!json && differing == 0 && rows.size() > 1) {
      std::printf(
          "  answers: every Redis row's %zu query_batch answers equal the in-memory "
          "index's\n",
          plan.batch_queries);
    }
    return rows;
  };

  std::vector<job> jobs{{SIZE_MAX, true}};
  for (std::size_t e = 0; e < endpoints.size(); ++e) jobs.push_back({e, true});
  const std::vector<row> main_rows = run_table(pipelined, jobs, "Pipelining on");
  if (!json) {
    for (const row& r : main_rows) {
      if (r.backend == "memory") continue;
      std::printf(
          "  target %-13s p99 query() %7.1f us <= 2000 us: %-4s  B/doc %5.2fx in-memory <= 10x: "
          "%s\n",
          r.backend.c_str(), r.query_p99, r.query_p99 <= 2000 ? "met" : "MISSED",
          r.bytes_per_doc / main_rows.front().bytes_per_doc,
          r.bytes_per_doc <= 10 * main_rows.front().bytes_per_doc ? "met" : "MISSED");
    }
  }

  if (small > 0) {
    std::vector<job> pairs{{SIZE_MAX, true}};
    for (std::size_t e = 0; e < endpoints.size(); ++e) {
      pairs.push_back({e, true});
      pairs.push_back({e, false});
    }
    const std::vector<row> rows = run_table(unpipelined, pairs, "Pipelining on against off");
    if (!json) {
      for (const row& on : rows) {
        const auto off = std::find_if(rows.begin(), rows.end(), [&](const row& r) {
          return r.backend == on.backend && std::string(r.mode) == "off";
        });
        if (std::string(on.mode) != "on" || off == rows.end()) continue;
        std::printf(
            "  speedup %-13s on/off: insert_batch %.1fx, query_batch %.1fx, insert() p50 %.1fx, "
            "query() p50 %.1fx\n",
            on.backend.c_str(), on.insert_per_s / off->insert_per_s,
            on.query_per_s / off->query_per_s, off->insert_p50 / on.insert_p50,
            off->query_p50 / on.query_p50);
      }
    }
  }
  if (!json) std::printf("  (redis rows took %.0f s)\n\n", seconds_since(section_start));
}

}  // namespace bench
