// Where a durable_clusterer on Redis keeps its state: the snapshot (in
// chunks), the log of operations since it, and a lease that makes one
// process at a time the writer. Every key carries the index name as a hash
// tag, so on a cluster they share one slot and the Lua scripts that commit
// them run atomically (docs/redis.md).
#pragma once

#include <samestory/redis_store.hpp>

#include "redis_client.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace samestory::detail {

class redis_cluster_state {
 public:
  /// Connects and takes the writer's lease.
  /// @throws store_error when Redis cannot be reached or another process holds the lease
  explicit redis_cluster_state(const redis_options& options);
  /// Gives the lease back.
  ~redis_cluster_state();
  redis_cluster_state(const redis_cluster_state&) = delete;
  redis_cluster_state& operator=(const redis_cluster_state&) = delete;

  struct loaded {
    std::optional<std::string> snapshot;  // online_clusterer::save() bytes
    std::uint64_t generation = 0;
    std::vector<std::string> records;  // operations after the snapshot, in order
  };
  /// Reads the snapshot and the log. @throws format_error for a damaged snapshot
  loaded load();

  /// Appends log records, fenced: refused (store_error) when another
  /// process has written since this one loaded. Durable when it returns if
  /// the server runs with appendfsync always.
  void append(std::span<const std::string> records);
  /// Stores a snapshot of generation + 1 and empties the log, atomically.
  void checkpoint(std::string_view snapshot);

  /// "redis://host:port/name", for messages.
  const std::string& where() const noexcept { return where_; }
  std::uint64_t generation() const noexcept { return generation_; }

 private:
  std::string key(const char* part) const;
  redis_reply eval(const char* script, std::initializer_list<std::string_view> keys_and_args,
                   std::size_t keys);

  redis_client client_;
  std::string prefix_;  // ss:NAME:c:{NAME}:
  std::string where_;
  std::string token_;
  std::uint64_t generation_ = 0;
  std::uint64_t log_length_ = 0;
  std::uint32_t chunks_ = 0;  // of the current generation's snapshot
};

}  // namespace samestory::detail
