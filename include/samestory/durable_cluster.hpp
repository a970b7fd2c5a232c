/// @file durable_cluster.hpp
/// An online_clusterer that survives crashes: snapshots plus a log.
///
/// A crawler that loses its clusterer sees every article again as new. This
/// wrapper keeps one in a directory: a snapshot (online_clusterer::save(),
/// written atomically) and an append-only log of every add, remove and
/// eviction since it (io.hpp). Opening the directory loads the snapshot and
/// replays the log; because the clusterer is deterministic, the result is
/// the clusterer as it was, assignment for assignment.
///
/// Durability: with log_sync::every_record (the default) a document whose
/// add() has returned is on disk, whatever happens next. add_batch() makes
/// a whole batch durable with one fsync, which is much cheaper per document
/// (docs/reliability.md measures both). With log_sync::never a crash of the
/// process loses nothing (the OS holds the writes) but a crash of the
/// machine may lose the tail of the log.
///
/// Files: `snapshot-<generation>.smst` and `log.smsl`. checkpoint() writes
/// snapshot g + 1, then starts the log afresh as generation g + 1, then
/// deletes snapshot g; a crash between any two steps is recovered on open.
///
/// On Redis: constructed with redis_options, the snapshot and the log live
/// in Redis under the name instead (docs/redis.md), so the clusterer can be
/// resumed on any machine. An add() that has returned is durable as the
/// server's persistence is: with appendonly yes and appendfsync always it
/// survives a crash of the server; with everysec up to a second of writes
/// may be lost. One process writes at a time, under a lease; a process that
/// opens a name another holds gets store_error.
///
/// Thread safety: every method may be called from any thread; writers are
/// serialized (log order is apply order), clusterer() queries run in parallel.
/// One process at a time: opening a directory another process holds throws.
#pragma once

#include <samestory/export.hpp>
#include <samestory/io.hpp>
#include <samestory/online_cluster.hpp>
#include <samestory/redis_store.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <vector>

namespace samestory {

/// How a durable_clusterer writes.
struct durability_options {
  /// When log records reach the disk; see the file comment.
  log_sync sync = log_sync::every_record;
  /// Take a snapshot (and empty the log) after this many logged operations,
  /// so opening never replays more than that; 0 = only when checkpoint() is called.
  std::uint64_t checkpoint_every = 100000;
};

/// What opening a durable_clusterer's directory found.
struct durable_recovery {
  bool snapshot_loaded = false;        ///< a snapshot was found and loaded
  std::uint64_t generation = 0;        ///< generation of the snapshot and log in use
  std::uint64_t records_replayed = 0;  ///< log records applied after the snapshot
  std::uint64_t dropped_bytes = 0;     ///< torn or corrupt log tail cut off
  bool stale_log_discarded = false;    ///< a crash mid-checkpoint left a log the snapshot holds
};

/// An online_clusterer kept in a directory; see the file comment.
class SAMESTORY_API durable_clusterer {
 public:
  /// Opens (or creates) the directory and recovers its state.
  /// @param directory created when absent
  /// @param options the clusterer's options; a snapshot made with other
  ///        assignment settings is refused
  /// @param durability when writes reach the disk, and how often to snapshot
  /// @throws io_error when the directory cannot be created, read or locked
  /// @throws format_error when a snapshot or the log header is damaged (a
  ///         torn log tail is not an error: it is cut and reported)
  /// @throws settings_mismatch_error when the snapshot was made with other options
  explicit durable_clusterer(const std::filesystem::path& directory,
                             const cluster_options& options = {},
                             const durability_options& durability = {});
  /// Opens (or creates) the clusterer state named store.name in Redis and
  /// recovers it. durability.sync has no effect there (the server's
  /// appendfsync decides); checkpoint_every applies.
  /// @param store the server or cluster and the state's name
  /// @param options the clusterer's options; a snapshot made with other
  ///        assignment settings is refused
  /// @param durability how often to snapshot
  /// @throws store_error when Redis cannot be reached or another process holds the state
  /// @throws format_error when the stored snapshot or a log record is damaged
  /// @throws settings_mismatch_error when the snapshot was made with other options
  durable_clusterer(const redis_options& store, const cluster_options& options = {},
                    const durability_options& durability = {});
  ~durable_clusterer();
  durable_clusterer(const durable_clusterer&) = delete;
  durable_clusterer& operator=(const durable_clusterer&) = delete;

  /// online_clusterer::add(), then logged: durable when it returns
  /// (every_record). A document the clusterer refuses is not logged.
  /// @throws as online_clusterer::add()
  /// @throws io_error (store_error on Redis) when the log cannot be written;
  ///         the clusterer then holds a document the log does not, so every
  ///         later write throws too until the state is opened again
  assignment add(const document& doc);
  /// Adds documents in order with one log sync for all of them.
  /// @return their assignments, in order
  /// @throws as add(); the documents before a refused one are added and
  ///         durable, the ones after it are not attempted
  std::vector<assignment> add_batch(std::span<const document> docs);
  /// online_clusterer::remove(), logged. @return false when the id is not held
  bool remove(document_id id);
  /// online_clusterer::evict_older_than(), logged. @return documents dropped
  std::size_t evict_older_than(std::int64_t cutoff);

  /// Writes a snapshot and empties the log. @throws io_error
  void checkpoint();
  /// Makes every logged operation durable (for log_sync::manual). @throws io_error
  void sync();

  /// @return the clusterer, for find(), documents(), stories() and the like
  const online_clusterer& clusterer() const noexcept;
  /// @return what opening the directory found
  const durable_recovery& recovery() const noexcept;
  /// @return operations in the log since the last snapshot
  std::uint64_t logged() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace samestory
