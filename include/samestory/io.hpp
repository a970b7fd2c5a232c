/// @file io.hpp
/// Files that survive a crash: atomic snapshots and an append-only log.
///
/// A crawler keeps its index for months; a crash, a power cut or a full disk
/// in the middle of a save must never leave a file that is half old and half
/// new. Snapshots are therefore written beside the target and renamed over it
/// (rename is atomic on POSIX file systems), with fsync on the file and on
/// its directory so the rename itself is durable. Between snapshots an
/// append-only log records each change as a length-prefixed, checksummed
/// record; replay stops cleanly at a record torn by a crash. docs/format.md
/// gives the bytes, docs/reliability.md the guarantees and their cost.
#pragma once

#include <samestory/export.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace samestory {

/// Writes `bytes` to `path` atomically and durably: into a temporary file in
/// the same directory, fsync, rename over `path`, fsync the directory. After
/// a crash at any moment `path` holds either its old content or the new one,
/// whole; a stray temporary file (`path` + ".tmp-*") may be left behind and
/// is ignored by readers.
/// @throws io_error naming the operation and file when the system refuses one
SAMESTORY_API void write_file_atomically(const std::filesystem::path& path, std::string_view bytes);

/// Reads a whole file.
/// @param path the file
/// @param max_bytes a larger file is refused before anything is read
/// @throws io_error when the file cannot be opened or read
/// @throws limit_exceeded_error when the file is larger than max_bytes
SAMESTORY_API std::string read_file(const std::filesystem::path& path,
                                    std::size_t max_bytes = std::size_t{1} << 36);

/// When an append_log makes its records durable.
enum class log_sync : std::uint8_t {
  every_record = 1,  ///< fsync after each append(): nothing acknowledged is lost
  manual = 2,        ///< fsync only in sync(): call it once per batch
  never = 3,         ///< leave it to the OS: a crash of the machine may lose the tail
};

/// What opening a log found.
struct log_recovery {
  std::uint64_t records = 0;        ///< whole records replayed
  std::uint64_t dropped_bytes = 0;  ///< bytes of a torn or corrupt tail cut off
  std::uint64_t generation = 0;     ///< the log's generation (see append_log::reset)
};

/// An append-only file of records, each length-prefixed and checksummed.
///
/// open() replays the records already in the file through a callback, then
/// appends after them. A crash can tear only the last record (each is one
/// write()); replay stops at the first record whose length or checksum does
/// not hold, cuts the file there, and reports the bytes it dropped. The
/// generation number lets a snapshot say which log it already contains
/// (durable_clusterer uses it).
///
/// Thread safety: none; one writer at a time (callers lock around it).
class SAMESTORY_API append_log {
 public:
  /// Called once per record found on open, in order.
  using replay_function = std::function<void(std::string_view record)>;

  /// Opens `path`, creating it (generation 0) when absent, and replays its records.
  /// @param path the log file
  /// @param on_record receives each whole record; an exception it throws
  ///        propagates and leaves the file untouched
  /// @param sync when appends become durable
  /// @param recovery what was found, when not null
  /// @throws io_error when the file cannot be created, read or locked
  /// @throws format_error when the file is not a samestory log (bad header)
  static append_log open(const std::filesystem::path& path, const replay_function& on_record,
                         log_sync sync = log_sync::every_record, log_recovery* recovery = nullptr);

  ~append_log();
  /// Takes over the other log's file.
  append_log(append_log&&) noexcept;
  /// Closes this log's file and takes over the other's. @return *this
  append_log& operator=(append_log&&) noexcept;
  append_log(const append_log&) = delete;
  append_log& operator=(const append_log&) = delete;

  /// Appends one record (at most 4 GiB - 1 bytes) with a single write().
  /// With log_sync::every_record it is on disk when this returns.
  /// @throws io_error when the write or fsync fails (the file is then cut
  ///         back to its last whole record)
  /// @throws limit_exceeded_error for a record of 4 GiB or more
  void append(std::string_view record);

  /// Appends several records; with log_sync::every_record one fsync makes
  /// them all durable, the cost of one append() (fsync per batch).
  /// @throws as append()
  void append(std::span<const std::string> records);

  /// Makes every appended record durable (fsync). @throws io_error
  void sync();

  /// Empties the log and sets its generation: called after a snapshot that
  /// holds everything the log held. The new header is written to a fresh
  /// file that is renamed over the old one, so a crash leaves either log whole.
  /// @throws io_error
  void reset(std::uint64_t generation);

  /// @return the generation in the header
  std::uint64_t generation() const noexcept;
  /// @return records in the file (replayed plus appended)
  std::uint64_t records() const noexcept;
  /// @return bytes in the file
  std::uint64_t size_bytes() const noexcept;

 private:
  struct impl;
  explicit append_log(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace samestory
