// Durability rows of samestory_bench: what crash safety costs.
//   - online add() in memory (the baseline) beside durable_clusterer::add()
//     with each log_sync policy: never (the OS flushes), every_record (an
//     fsync per add: nothing acknowledged is lost), and add_batch() of 100
//     documents with one fsync per batch;
//   - a checkpoint (snapshot written atomically) and reopening (load + replay);
//   - lsh_index save and load at 100,000 documents, beside the raw cost of
//     writing the same bytes to the same disk (the floor).
// fsync costs depend on the disk: the directory and its file system are printed.
#pragma once

#include "cluster_bench.hpp"
#include "corpus.hpp"

#include <samestory/durable_cluster.hpp>
#include <samestory/io.hpp>
#include <samestory/lsh_index.hpp>
#include <samestory/minhash.hpp>
#include <samestory/online_cluster.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <sys/vfs.h>
#include <unistd.h>

namespace bench {

namespace durability_detail {

inline std::string file_system_of(const std::filesystem::path& p) {
  struct statfs st {};
  if (::statfs(p.c_str(), &st) != 0) return "unknown";
  switch (static_cast<unsigned long>(st.f_type)) {
    case 0xEF53:
      return "ext4";
    case 0x01021994:
      return "tmpfs";
    case 0x794c7630:
      return "overlayfs";
    case 0x58465342:
      return "xfs";
    case 0x9123683E:
      return "btrfs";
    default: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "fs 0x%lx", static_cast<unsigned long>(st.f_type));
      return buf;
    }
  }
}

struct timing {
  double docs_per_s = 0, p50_us = 0, p99_us = 0;
};

inline timing summarize(std::vector<double>& us, double total_s) {
  timing t;
  t.docs_per_s = static_cast<double>(us.size()) / total_s;
  std::sort(us.begin(), us.end());
  t.p50_us = us[us.size() / 2];
  t.p99_us = us[us.size() * 99 / 100];
  return t;
}

}  // namespace durability_detail

inline void run_durability_benches(bool json, std::size_t docs) {
  using clk = std::chrono::steady_clock;
  namespace fs = std::filesystem;
  using namespace durability_detail;
  const fs::path dir =
      fs::temp_directory_path() / ("samestory-bench-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  if (!json) {
    std::printf("Durability (%zu synthetic Chinese pages; %s on %s)\n", docs, dir.c_str(),
                file_system_of(dir).c_str());
  }
  std::vector<std::string> texts;
  synthetic_stream(docs, 8100000, [&](std::size_t, const std::string& t) { texts.push_back(t); });
  const auto doc = [&](std::size_t i) {
    return samestory::document{i, texts[i], {}, static_cast<std::int64_t>(i), {}};
  };

  double baseline = 0;
  const auto print = [&](const char* name, const timing& t, const char* note) {
    if (json) {
      std::printf(
          "{\"name\": \"%s\", \"docs\": %zu, \"docs_per_s\": %.0f, \"p50_us\": %.1f, "
          "\"p99_us\": %.1f}\n",
          name, docs, t.docs_per_s, t.p50_us, t.p99_us);
    } else {
      std::printf("  %-30s %8.0f docs/s  p50 %8.1f us  p99 %8.1f us  %5.2fx in-memory  %s\n", name,
                  t.docs_per_s, t.p50_us, t.p99_us, baseline > 0 ? baseline / t.docs_per_s : 1.0,
                  note);
    }
    std::fflush(stdout);
  };

  {
    samestory::online_clusterer oc;
    std::vector<double> us;
    const auto start = clk::now();
    for (std::size_t i = 0; i < docs; ++i) {
      const auto t0 = clk::now();
      oc.add(doc(i));
      us.push_back(std::chrono::duration<double, std::micro>(clk::now() - t0).count());
    }
    const timing t = summarize(us, std::chrono::duration<double>(clk::now() - start).count());
    baseline = t.docs_per_s;
    print("online-add-in-memory", t, "(baseline)");
  }
  const auto durable_run = [&](const char* name, samestory::log_sync sync, std::size_t batch,
                               const char* note) {
    fs::remove_all(dir / name);
    samestory::durability_options o;
    o.sync = sync;
    o.checkpoint_every = 0;
    samestory::durable_clusterer dc(dir / name, {}, o);
    std::vector<double> us;
    const auto start = clk::now();
    std::vector<samestory::document> pending;
    for (std::size_t i = 0; i < docs; ++i) {
      if (batch <= 1) {
        const auto t0 = clk::now();
        dc.add(doc(i));
        us.push_back(std::chrono::duration<double, std::micro>(clk::now() - t0).count());
        continue;
      }
      pending.push_back(doc(i));
      if (pending.size() == batch || i + 1 == docs) {
        const auto t0 = clk::now();
        dc.add_batch(pending);
        us.push_back(std::chrono::duration<double, std::micro>(clk::now() - t0).count());
        pending.clear();
      }
    }
    timing t = summarize(us, std::chrono::duration<double>(clk::now() - start).count());
    t.docs_per_s =
        static_cast<double>(docs) / std::chrono::duration<double>(clk::now() - start).count();
    print(name, t, note);
  };
  durable_run("durable-add-sync-never", samestory::log_sync::never, 1, "(OS flushes)");
  durable_run("durable-add-sync-per-add", samestory::log_sync::every_record, 1, "(fsync per add)");
  durable_run("durable-add-batch100-sync", samestory::log_sync::every_record, 100,
              "(fsync per batch of 100; latencies per add_batch call)");

  {
    // Checkpoint and reopen the per-add directory: everything is in its log.
    const fs::path d = dir / "durable-add-sync-per-add";
    auto t0 = clk::now();
    std::uint64_t replayed = 0;
    {
      samestory::durable_clusterer dc(d, {}, {});
      replayed = dc.recovery().records_replayed;
      const double open_s = std::chrono::duration<double>(clk::now() - t0).count();
      t0 = clk::now();
      dc.checkpoint();
      const double checkpoint_s = std::chrono::duration<double>(clk::now() - t0).count();
      const auto snap = fs::file_size(d / "snapshot-1.smst");
      t0 = clk::now();
      const std::string bytes = dc.clusterer().save();
      const double save_s = std::chrono::duration<double>(clk::now() - t0).count();
      if (json) {
        std::printf(
            "{\"name\": \"durable-reopen-replay\", \"records\": %llu, \"seconds\": %.3f}\n"
            "{\"name\": \"durable-checkpoint\", \"docs\": %zu, \"seconds\": %.3f, "
            "\"snapshot_bytes\": %llu}\n",
            static_cast<unsigned long long>(replayed), open_s, docs, checkpoint_s,
            static_cast<unsigned long long>(snap));
      } else {
        std::printf("  %-30s %8.0f records/s (%llu records in %.2f s)\n", "reopen-replay-log",
                    static_cast<double>(replayed) / open_s,
                    static_cast<unsigned long long>(replayed), open_s);
        std::printf(
            "  %-30s %.3f s for %zu docs, snapshot %.1f MB (%.0f B/doc); save() alone "
            "%.3f s\n",
            "checkpoint", checkpoint_s, docs, static_cast<double>(snap) / 1e6,
            static_cast<double>(snap) / static_cast<double>(docs), save_s);
      }
    }
    t0 = clk::now();
    samestory::durable_clusterer reopened(d, {}, {});
    const double load_s = std::chrono::duration<double>(clk::now() - t0).count();
    if (json) {
      std::printf("{\"name\": \"durable-reopen-snapshot\", \"docs\": %zu, \"seconds\": %.3f}\n",
                  reopened.clusterer().size(), load_s);
    } else {
      std::printf("  %-30s %.3f s for %zu docs (snapshot load, empty log)\n", "reopen-snapshot",
                  load_s, reopened.clusterer().size());
    }
  }

  {
    // lsh_index save/load at 100,000 documents of random signatures.
    const std::size_t n = 100000;
    const samestory::minhasher h({}, 0);
    samestory::lsh_index index({16, 8}, h);
    std::mt19937_64 rng(5);
    std::vector<std::uint64_t> sh(64);
    for (std::size_t i = 0; i < n; ++i) {
      for (auto& s : sh) s = rng();
      index.insert(i, h.sign(sh));
    }
    auto t0 = clk::now();
    index.save_file(dir / "index.smst");
    const double save_s = std::chrono::duration<double>(clk::now() - t0).count();
    const std::string bytes = samestory::read_file(dir / "index.smst");
    t0 = clk::now();
    samestory::write_file_atomically(dir / "floor.bin", bytes);
    const double floor_s = std::chrono::duration<double>(clk::now() - t0).count();
    t0 = clk::now();
    const samestory::lsh_index loaded = samestory::lsh_index::load(bytes, {16, 8}, h);
    const double load_s = std::chrono::duration<double>(clk::now() - t0).count();
    const double mb = static_cast<double>(bytes.size()) / 1e6;
    if (json) {
      std::printf(
          "{\"name\": \"lsh-index-save\", \"docs\": %zu, \"mb\": %.1f, \"seconds\": %.3f, "
          "\"floor_seconds\": %.3f}\n{\"name\": \"lsh-index-load\", \"docs\": %zu, "
          "\"seconds\": %.3f, \"us_per_doc\": %.2f}\n",
          n, mb, save_s, floor_s, loaded.size(), load_s, load_s * 1e6 / n);
    } else {
      std::printf(
          "  %-30s %.1f MB in %.3f s (%.0f MB/s); writing the same bytes atomically: "
          "%.3f s (%.2fx floor)\n",
          "lsh-index-save-100k", mb, save_s, mb / save_s, floor_s, save_s / floor_s);
      std::printf("  %-30s %.3f s from memory (%.2f us/doc, band tables rebuilt)\n",
                  "lsh-index-load-100k", load_s, load_s * 1e6 / static_cast<double>(n));
    }
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  if (!json) std::printf("\n");
}

}  // namespace bench
