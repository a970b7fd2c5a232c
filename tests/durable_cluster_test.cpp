// Tests for durable_cluster.hpp: reopening gives the same clusterer,
// checkpoints, the crash windows of a checkpoint, a torn log tail, refused
// documents, other settings, and one process per directory. (Crashes by
// SIGKILL at random moments are in crash_test.cpp.)
#include <samestory/durable_cluster.hpp>
#include <samestory/error.hpp>
#include <samestory/io.hpp>

#include "support/documents.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

using namespace samestory;
namespace fs = std::filesystem;
using samestory::test::doc;
using samestory::test::word;

namespace {

struct scratch_dir {
  fs::path path;
  scratch_dir() {
    static int n = 0;
    path = fs::temp_directory_path() /
           ("samestory-durable-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    fs::remove_all(path);
  }
  ~scratch_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// A stream with stories and copies: text i is new, or every fourth a light
// edit of the one three before it.
std::vector<std::string> stream(std::size_t n) {
  std::vector<std::string> t;
  for (std::size_t i = 0; i < n; ++i) {
    if (i % 4 == 3) {
      t.push_back(t[i - 3].substr(0, t[i - 3].size() * 9 / 10) + " " +
                  word(4000 + static_cast<unsigned>(i)));
      continue;
    }
    std::mt19937 rng(static_cast<unsigned>(i));
    const auto topic = static_cast<unsigned>(300 * (i % 5));
    std::uniform_int_distribution<unsigned> pick(topic, topic + 150);
    std::string s;
    for (int w = 0; w < 80; ++w) {
      if (w > 0) s += ' ';
      s += word(pick(rng));
    }
    t.push_back(s + ".");
  }
  return t;
}

std::int64_t time_of(std::size_t i) {
  return 1'700'000'000 + 600 * static_cast<std::int64_t>(i);
}

void check_same(const online_clusterer& a, const online_clusterer& b) {
  REQUIRE(a.documents() == b.documents());
  for (document_id id : a.documents()) {
    const assignment x = *a.find(id);
    const assignment y = *b.find(id);
    CHECK(x.story == y.story);
    CHECK(x.copy == y.copy);
    CHECK(x.kind == y.kind);
    CHECK(x.similarity == y.similarity);
  }
  CHECK(a.save() == b.save());
}

durability_options no_auto_checkpoint() {
  durability_options d;
  d.checkpoint_every = 0;
  return d;
}

}  // namespace

TEST_CASE("durable: reopening replays the log into the same clusterer", "[durable]") {
  scratch_dir d;
  const auto texts = stream(30);
  online_clusterer reference;
  {
    durable_clusterer dc(d.path, {}, no_auto_checkpoint());
    CHECK_FALSE(dc.recovery().snapshot_loaded);
    for (std::size_t i = 0; i < 20; ++i) {
      const assignment a = dc.add(doc(i, texts[i], time_of(i)));
      CHECK(a.story == reference.add(doc(i, texts[i], time_of(i))).story);
    }
    CHECK(dc.remove(5));
    reference.remove(5);
    CHECK(dc.logged() == 21);
  }
  durable_clusterer dc(d.path, {}, no_auto_checkpoint());
  CHECK(dc.recovery().records_replayed == 21);
  CHECK(dc.recovery().dropped_bytes == 0);
  check_same(dc.clusterer(), reference);
  // And it goes on as the reference does.
  for (std::size_t i = 20; i < 30; ++i) {
    const assignment a = dc.add(doc(i, texts[i], time_of(i)));
    const assignment b = reference.add(doc(i, texts[i], time_of(i)));
    CHECK(a.story == b.story);
    CHECK(a.copy == b.copy);
  }
}

TEST_CASE("durable: a checkpoint snapshots and empties the log", "[durable]") {
  scratch_dir d;
  const auto texts = stream(24);
  online_clusterer reference;
  {
    durability_options every8;
    every8.checkpoint_every = 8;
    durable_clusterer dc(d.path, {}, every8);
    std::vector<document> batch;
    for (std::size_t i = 0; i < 12; ++i) batch.push_back(doc(i, texts[i], time_of(i)));
    const auto out = dc.add_batch(batch);  // 12 logged, then a checkpoint
    for (std::size_t i = 0; i < 12; ++i) CHECK(out[i].story == reference.add(batch[i]).story);
    CHECK(dc.logged() == 0);
    for (std::size_t i = 12; i < 17; ++i) {
      dc.add(doc(i, texts[i], time_of(i)));
      reference.add(doc(i, texts[i], time_of(i)));
    }
    CHECK(dc.logged() == 5);
    CHECK(dc.evict_older_than(time_of(3)) == 3);
    reference.evict_older_than(time_of(3));
  }
  CHECK(fs::exists(d.path / "snapshot-1.smst"));
  durable_clusterer dc(d.path, {}, no_auto_checkpoint());
  CHECK(dc.recovery().snapshot_loaded);
  CHECK(dc.recovery().generation == 1);
  CHECK(dc.recovery().records_replayed == 6);
  check_same(dc.clusterer(), reference);
  dc.checkpoint();
  CHECK(fs::exists(d.path / "snapshot-2.smst"));
  CHECK_FALSE(fs::exists(d.path / "snapshot-1.smst"));
}

TEST_CASE("durable: every crash window of a checkpoint recovers", "[durable]") {
  scratch_dir d;
  const auto texts = stream(10);
  online_clusterer reference;
  {
    durable_clusterer dc(d.path, {}, no_auto_checkpoint());
    for (std::size_t i = 0; i < 10; ++i) {
      dc.add(doc(i, texts[i], time_of(i)));
      reference.add(doc(i, texts[i], time_of(i)));
    }
  }
  // Crash after the new snapshot was written, before the log was reset: the
  // old log must not be replayed on top of the snapshot that holds it.
  write_file_atomically(d.path / "snapshot-1.smst", reference.save());
  {
    durable_clusterer dc(d.path, {}, no_auto_checkpoint());
    CHECK(dc.recovery().stale_log_discarded);
    CHECK(dc.recovery().generation == 1);
    check_same(dc.clusterer(), reference);
  }
  // Crash after the log reset, before the old snapshot was deleted: the
  // newest snapshot wins and the old one is cleaned up.
  write_file_atomically(d.path / "snapshot-0.smst", online_clusterer().save());
  {
    durable_clusterer dc(d.path, {}, no_auto_checkpoint());
    CHECK(dc.recovery().generation == 1);
    CHECK_FALSE(dc.recovery().stale_log_discarded);
    check_same(dc.clusterer(), reference);
  }
  CHECK_FALSE(fs::exists(d.path / "snapshot-0.smst"));
  // A log whose snapshot is gone is an error, not a silent loss.
  fs::remove(d.path / "snapshot-1.smst");
  CHECK_THROWS_AS(durable_clusterer(d.path, {}, no_auto_checkpoint()), format_error);
}

TEST_CASE("durable: a torn last record loses only the add that never returned", "[durable]") {
  scratch_dir d;
  const auto texts = stream(6);
  {
    durable_clusterer dc(d.path, {}, no_auto_checkpoint());
    for (std::size_t i = 0; i < 6; ++i) dc.add(doc(i, texts[i], time_of(i)));
  }
  const std::string log = read_file(d.path / "log.smsl");
  write_file_atomically(d.path / "log.smsl", std::string_view(log).substr(0, log.size() - 7));
  durable_clusterer dc(d.path, {}, no_auto_checkpoint());
  CHECK(dc.recovery().records_replayed == 5);
  CHECK(dc.recovery().dropped_bytes > 0);
  CHECK(dc.clusterer().size() == 5);
  CHECK_FALSE(dc.clusterer().find(5).has_value());
  dc.add(doc(5, texts[5], time_of(5)));  // the crawler sends it again
  CHECK(dc.clusterer().size() == 6);
}

TEST_CASE("durable: refused documents are not logged, and a batch keeps the ones before",
          "[durable]") {
  scratch_dir d;
  const auto texts = stream(4);
  const std::string bad = "caf\xC3";  // truncated UTF-8: refused under the strict policy
  {
    durable_clusterer dc(d.path, {}, no_auto_checkpoint());
    CHECK_THROWS_AS(dc.add(doc(9, bad)), invalid_utf8_error);
    const std::vector<document> batch = {doc(0, texts[0]), doc(1, texts[1]), doc(9, bad),
                                         doc(3, texts[3])};
    CHECK_THROWS_AS(dc.add_batch(batch), invalid_utf8_error);
    CHECK(dc.logged() == 2);
    dc.add(doc(0, texts[0]));  // already held: nothing to log
    CHECK(dc.logged() == 2);
  }
  durable_clusterer dc(d.path, {}, no_auto_checkpoint());
  CHECK(dc.clusterer().documents() == std::vector<document_id>{0, 1});
}

TEST_CASE("durable: other settings and a second process are refused", "[durable]") {
  scratch_dir d;
  {
    durable_clusterer dc(d.path);
    dc.add(doc(1, stream(1)[0]));
    dc.checkpoint();
    CHECK_THROWS_AS(durable_clusterer(d.path), io_error);  // the log is locked
  }
  cluster_options other;
  other.copy_jaccard = 0.7;
  CHECK_THROWS_AS(durable_clusterer(d.path, other), settings_mismatch_error);
  durable_clusterer again(d.path);
  CHECK(again.clusterer().size() == 1);
}

TEST_CASE("durable: threads adding and reading, and the reopened state is the same",
          "[durable][concurrency]") {
  scratch_dir d;
  const auto texts = stream(64);
  std::string saved;
  {
    durability_options o;
    o.sync = log_sync::never;  // the OS holds the writes: a process crash loses nothing
    o.checkpoint_every = 20;   // checkpoints race with adds and readers
    durable_clusterer dc(d.path, {}, o);
    std::atomic<unsigned> lost{0};
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < 4; ++t) {
      pool.emplace_back([&, t] {
        for (std::size_t i = t; i < texts.size(); i += 4) {
          dc.add(doc(i, texts[i], time_of(i)));
          // Catch's assertions are not thread-safe: count, check after the join.
          if (!dc.clusterer().find(i).has_value()) ++lost;
          (void)dc.clusterer().stories();
        }
      });
    }
    for (auto& th : pool) th.join();
    CHECK(lost == 0);
    CHECK(dc.clusterer().size() == texts.size());
    saved = dc.clusterer().save();
  }
  durable_clusterer again(d.path, {}, no_auto_checkpoint());
  CHECK(again.clusterer().save() == saved);
}
