// A small Redis client over hiredis for the shared index: one connection per
// node, Redis Cluster slot routing (CRC16 key slots, CLUSTER SLOTS, MOVED and
// ASK redirects), pipelined batches per node, and retries after lost
// connections. Debian's hiredis 0.14 has no cluster support of its own.
#pragma once

#include <samestory/redis_store.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct redisContext;

namespace samestory::detail {

/// The cluster hash slot of a key: CRC16-CCITT (XMODEM) of the key, or of
/// its first non-empty {hash tag}, modulo 16384 (Redis Cluster specification).
std::uint16_t redis_key_slot(std::string_view key) noexcept;

/// One reply, copied out of hiredis.
struct redis_reply {
  enum class kind : std::uint8_t { nil, string, integer, array, status, error };
  kind type = kind::nil;
  long long integer = 0;
  std::string str;  // string, status and error replies
  std::vector<redis_reply> elements;

  bool is_nil() const noexcept { return type == kind::nil; }
};

/// Commands to be sent together. Each command's second argument is its key,
/// which routes it (for EVAL, the first key after numkeys); a command without
/// one goes to the first node.
class redis_batch {
 public:
  void add(std::initializer_list<std::string_view> args);
  /// A command whose arguments are given one by one: begin(), arg()..., end().
  void begin() { first_arg_.push_back(static_cast<std::uint32_t>(arg_end_.size())); }
  void arg(std::string_view a) {
    data_.append(a);
    arg_end_.push_back(data_.size());
  }
  void end() {}

  std::size_t size() const noexcept { return first_arg_.size(); }
  bool empty() const noexcept { return first_arg_.empty(); }
  void clear() noexcept {
    data_.clear();
    arg_end_.clear();
    first_arg_.clear();
  }
  std::size_t args(std::size_t command) const noexcept {
    const std::size_t last =
        command + 1 < first_arg_.size() ? first_arg_[command + 1] : arg_end_.size();
    return last - first_arg_[command];
  }
  std::string_view argument(std::size_t command, std::size_t i) const noexcept {
    const std::size_t a = first_arg_[command] + i;
    const std::size_t begin = a == 0 ? 0 : arg_end_[a - 1];
    return std::string_view(data_).substr(begin, arg_end_[a] - begin);
  }

 private:
  std::string data_;
  std::vector<std::size_t> arg_end_;
  std::vector<std::uint32_t> first_arg_;
};

/// Connections to one Redis server or to every master of a cluster. Not
/// thread-safe: its owner serializes calls.
class redis_client {
 public:
  /// Connects to options.host:port and learns whether it is a cluster.
  /// @throws store_error when it cannot be reached after the retries
  explicit redis_client(const redis_options& options);
  ~redis_client();
  redis_client(const redis_client&) = delete;
  redis_client& operator=(const redis_client&) = delete;

  /// Runs every command of the batch and returns the replies in order.
  /// Pipelined: each node gets its commands at once, so a batch costs about
  /// one round trip per node. Redirects are followed; lost connections,
  /// timeouts and transient refusals (LOADING, TRYAGAIN, CLUSTERDOWN) are
  /// retried with backoff for the commands not yet answered.
  /// @throws store_error after the retries, or when a command is refused
  std::vector<redis_reply> run(const redis_batch& batch);
  /// One command, routed by its key.
  redis_reply run(std::initializer_list<std::string_view> args);
  /// One command on master `node` (SCAN, INFO, DBSIZE): 0 ≤ node < masters().
  redis_reply run_on(std::size_t node, std::initializer_list<std::string_view> args);

  /// Masters known now: 1 for a single server.
  std::size_t masters() const noexcept { return masters_.size(); }
  /// "host:port" of master `node`.
  std::string address(std::size_t node) const;
  bool is_cluster() const noexcept { return cluster_; }
  /// Commands sent and round trips made since construction (bench figures).
  std::uint64_t round_trips() const noexcept { return round_trips_; }

 private:
  struct node {
    std::string host;
    int port = 0;
    redisContext* context = nullptr;
  };
  struct pending;

  node& node_at(std::size_t index) { return nodes_[index]; }
  std::size_t node_for(std::string_view host, int port);
  void connect(node& n);
  std::string try_connect(node& n);
  void disconnect(node& n) noexcept;
  void refresh_slots();
  bool try_refresh_slots(node& n);
  std::size_t route(std::string_view key) const;
  std::size_t route_command(const redis_batch& batch, std::size_t command) const;
  void backoff(unsigned attempt, const std::string& address, const std::string& why);

  redis_options options_;
  std::vector<node> nodes_;                       // every node ever seen; index = node id
  std::vector<std::size_t> masters_;              // node ids that own slots
  std::array<std::uint16_t, 16384> slot_node_{};  // slot -> node id
  bool cluster_ = false;
  std::uint64_t round_trips_ = 0;
  std::string last_failure_;  // why the last slot map refresh failed
};

}  // namespace samestory::detail
