#include <samestory/durable_cluster.hpp>
#include <samestory/error.hpp>

#include "binary_io.hpp"
#include "redis_cluster_state.hpp"

#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>

namespace samestory {

namespace {

namespace fs = std::filesystem;

// Log records: u8 operation, then its fields (docs/format.md).
enum class operation : std::uint8_t { add = 1, remove = 2, evict = 3 };

void append_text(std::string& out, std::string_view s) {
  detail::append_u32(out, static_cast<std::uint32_t>(s.size()));
  out += s;
}

std::string add_record(const document& d) {
  std::string r;
  r.reserve(32 + d.text.size() + d.title.size() + d.source.size());
  r.push_back(static_cast<char>(operation::add));
  detail::append_u64(r, d.id);
  r.push_back(d.time ? '\x01' : '\x00');
  detail::append_i64(r, d.time.value_or(0));
  append_text(r, d.text);
  append_text(r, d.title);
  append_text(r, d.source);
  return r;
}

std::string id_record(operation op, std::uint64_t v) {
  std::string r(1, static_cast<char>(op));
  detail::append_u64(r, v);
  return r;
}

std::string snapshot_name(std::uint64_t generation) {
  return "snapshot-" + std::to_string(generation) + ".smst";
}

// Generations of the snapshots in the directory, newest first.
std::vector<std::uint64_t> snapshot_generations(const fs::path& dir) {
  std::vector<std::uint64_t> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("snapshot-", 0) != 0 || name.size() <= 14 ||
        name.substr(name.size() - 5) != ".smst") {
      continue;
    }
    const std::string digits = name.substr(9, name.size() - 14);
    if (digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 19) continue;
    out.push_back(std::stoull(digits));
  }
  if (ec) throw io_error("list", dir.string(), ec.value());
  std::sort(out.rbegin(), out.rend());
  return out;
}

}  // namespace

struct durable_clusterer::impl {
  fs::path dir;
  cluster_options options;
  durability_options durability;
  std::optional<online_clusterer> clusterer;
  std::optional<append_log> log;
  std::unique_ptr<detail::redis_cluster_state> redis;  // set: state in Redis, no directory
  durable_recovery recovery;
  std::uint64_t generation = 0;
  std::uint64_t logged = 0;
  bool failed = false;  // a log write failed after the clusterer changed
  mutable std::mutex write_mutex;

  void apply(std::string_view rec) {
    detail::byte_reader r(rec);
    const auto op = static_cast<operation>(static_cast<unsigned char>(r.bytes(1, "operation")[0]));
    switch (op) {
      case operation::add: {
        document d;
        d.id = r.u64("document id");
        const bool has_time = r.bytes(1, "time flag")[0] != 0;
        const auto time = static_cast<std::int64_t>(r.u64("time"));
        if (has_time) d.time = time;
        d.text = r.bytes(r.u32("text length"), "text");
        d.title = r.bytes(r.u32("title length"), "title");
        d.source = r.bytes(r.u32("source length"), "source");
        r.expect_end("add record");
        clusterer->add(d);
        break;
      }
      case operation::remove:
        clusterer->remove(r.u64("document id"));
        r.expect_end("remove record");
        break;
      case operation::evict:
        clusterer->evict_older_than(static_cast<std::int64_t>(r.u64("cutoff")));
        r.expect_end("evict record");
        break;
      default:
        r.fail("expected a log operation 1..3, actual " +
               std::to_string(static_cast<unsigned>(op)));
    }
  }

  void check_writable() const {
    if (failed && redis) {
      throw store_error(redis->where(),
                        "an earlier log write failed; open the clusterer state again to recover");
    }
    if (failed) {
      throw io_error("write (an earlier log write failed; open the directory again to recover)",
                     (dir / "log.smsl").string(), 0);
    }
  }

  // Logs operations the clusterer has already applied, with one sync.
  void record_all(std::span<const std::string> records) {
    try {
      if (redis) {
        redis->append(records);
      } else {
        log->append(records);
      }
    } catch (...) {
      failed = true;
      throw;
    }
    logged += records.size();
  }

  void record(const std::string& rec) { record_all(std::span<const std::string>(&rec, 1)); }

  void maybe_checkpoint() {
    if (durability.checkpoint_every > 0 && logged >= durability.checkpoint_every) checkpoint();
  }

  void checkpoint() {
    check_writable();
    if (redis) {
      redis->checkpoint(clusterer->save());
      generation = redis->generation();
      logged = 0;
      return;
    }
    const std::uint64_t next = generation + 1;
    write_file_atomically(dir / snapshot_name(next), clusterer->save());
    log->reset(next);
    std::error_code ec;
    fs::remove(dir / snapshot_name(generation), ec);  // the previous one is no longer needed
    generation = next;
    logged = 0;
  }
};

durable_clusterer::durable_clusterer(const fs::path& directory, const cluster_options& options,
                                     const durability_options& durability)
    : impl_(std::make_unique<impl>()) {
  impl& m = *impl_;
  m.dir = directory;
  m.options = options;
  m.durability = durability;
  std::error_code ec;
  fs::create_directories(directory, ec);
  if (ec) throw io_error("create directory", directory.string(), ec.value());

  // The newest snapshot; an older one left by a crash mid-checkpoint is
  // removed once the log agrees.
  const std::vector<std::uint64_t> snapshots = snapshot_generations(directory);
  if (!snapshots.empty()) {
    m.generation = snapshots.front();
    m.clusterer.emplace(
        online_clusterer::load_file(directory / snapshot_name(m.generation), options));
    m.recovery.snapshot_loaded = true;
  } else {
    m.clusterer.emplace(options);
  }

  // Read the log's generation without applying anything, then decide.
  log_recovery found;
  std::vector<std::string> pending;
  m.log.emplace(append_log::open(
      directory / "log.smsl", [&](std::string_view rec) { pending.emplace_back(rec); },
      durability.sync, &found));
  m.recovery.dropped_bytes = found.dropped_bytes;
  if (found.generation < m.generation) {
    // A crash after snapshot g was written but before the log was reset:
    // the snapshot already holds every record of the old log.
    m.log->reset(m.generation);
    m.recovery.stale_log_discarded = true;
  } else if (found.generation > m.generation) {
    throw format_error(0, "expected " + (directory / snapshot_name(found.generation)).string() +
                              " for log generation " + std::to_string(found.generation) +
                              ", actual newest snapshot generation " +
                              std::to_string(m.generation) + ": the snapshot is missing");
  } else {
    std::uint64_t n = 0;
    for (const std::string& rec : pending) {
      try {
        m.apply(rec);
      } catch (const error& e) {
        throw format_error(0, "log record " + std::to_string(n) + " of " +
                                  (directory / "log.smsl").string() +
                                  " cannot be replayed: " + e.what());
      }
      ++n;
    }
    m.recovery.records_replayed = n;
    m.logged = n;
  }
  for (std::uint64_t g : snapshots) {
    if (g != m.generation) fs::remove(directory / snapshot_name(g), ec);
  }
  m.recovery.generation = m.generation;
}

durable_clusterer::durable_clusterer(const redis_options& store, const cluster_options& options,
                                     const durability_options& durability)
    : impl_(std::make_unique<impl>()) {
  impl& m = *impl_;
  m.options = options;
  m.durability = durability;
  m.redis = std::make_unique<detail::redis_cluster_state>(store);
  detail::redis_cluster_state::loaded state = m.redis->load();
  if (state.snapshot) {
    m.clusterer.emplace(online_clusterer::load(*state.snapshot, options));
    m.recovery.snapshot_loaded = true;
  } else {
    m.clusterer.emplace(options);
  }
  m.generation = state.generation;
  std::uint64_t n = 0;
  for (const std::string& rec : state.records) {
    try {
      m.apply(rec);
    } catch (const error& e) {
      throw format_error(0, "log record " + std::to_string(n) + " of " + m.redis->where() +
                                " cannot be replayed: " + e.what());
    }
    ++n;
  }
  m.recovery.records_replayed = n;
  m.logged = n;
  // A new state is stored with its settings at once, so that an opener with
  // other options is refused from the first document on, not after the
  // first checkpoint.
  if (!state.snapshot && state.records.empty()) m.checkpoint();
  m.recovery.generation = m.generation;
}

durable_clusterer::~durable_clusterer() = default;

assignment durable_clusterer::add(const document& doc) {
  impl& m = *impl_;
  const std::lock_guard<std::mutex> lock(m.write_mutex);
  m.check_writable();
  const bool known = m.clusterer->find(doc.id).has_value();
  const assignment a = m.clusterer->add(doc);
  // Re-adding a held id changes nothing, so there is nothing to log.
  if (!known) {
    m.record(add_record(doc));
    m.maybe_checkpoint();
  }
  return a;
}

std::vector<assignment> durable_clusterer::add_batch(std::span<const document> docs) {
  impl& m = *impl_;
  const std::lock_guard<std::mutex> lock(m.write_mutex);
  m.check_writable();
  std::vector<assignment> out;
  out.reserve(docs.size());
  std::vector<std::string> records;
  // Logs what was applied, with one sync; on a refused document, the ones
  // before it are logged before the refusal propagates.
  const auto log_applied = [&] { m.record_all(records); };
  try {
    for (const document& d : docs) {
      const bool known = m.clusterer->find(d.id).has_value();
      out.push_back(m.clusterer->add(d));
      if (!known) records.push_back(add_record(d));
    }
  } catch (...) {
    log_applied();
    throw;
  }
  log_applied();
  m.maybe_checkpoint();
  return out;
}

bool durable_clusterer::remove(document_id id) {
  impl& m = *impl_;
  const std::lock_guard<std::mutex> lock(m.write_mutex);
  m.check_writable();
  if (!m.clusterer->remove(id)) return false;
  m.record(id_record(operation::remove, id));
  m.maybe_checkpoint();
  return true;
}

std::size_t durable_clusterer::evict_older_than(std::int64_t cutoff) {
  impl& m = *impl_;
  const std::lock_guard<std::mutex> lock(m.write_mutex);
  m.check_writable();
  const std::size_t dropped = m.clusterer->evict_older_than(cutoff);
  if (dropped > 0) {
    m.record(id_record(operation::evict, static_cast<std::uint64_t>(cutoff)));
    m.maybe_checkpoint();
  }
  return dropped;
}

void durable_clusterer::checkpoint() {
  const std::lock_guard<std::mutex> lock(impl_->write_mutex);
  impl_->checkpoint();
}

void durable_clusterer::sync() {
  const std::lock_guard<std::mutex> lock(impl_->write_mutex);
  if (impl_->log) impl_->log->sync();  // Redis: every append has been answered already
}

const online_clusterer& durable_clusterer::clusterer() const noexcept {
  return *impl_->clusterer;
}
const durable_recovery& durable_clusterer::recovery() const noexcept {
  return impl_->recovery;
}
std::uint64_t durable_clusterer::logged() const {
  const std::lock_guard<std::mutex> lock(impl_->write_mutex);
  return impl_->logged;
}

}  // namespace samestory
