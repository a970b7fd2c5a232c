/// @file redis_store.hpp
/// Where a shared index lives: a Redis server or Redis Cluster, and the
/// index's name there. Many processes on many machines that open the same
/// name with the same settings share one index and see each other's
/// documents as soon as the call that added them returns.
///
/// An lsh_index or document_index takes a redis_options at construction
/// instead of keeping its documents in memory; the rest of its interface is
/// unchanged. The key layout, the failure guarantees and expiry are in
/// docs/redis.md.
///
/// Example:
/// @code
///   samestory::redis_options store = samestory::parse_redis_url("redis://10.0.0.5:6379/news");
///   samestory::lsh_index seen(params, hasher, store);  // creates or opens "news"
///   seen.insert_batch(ids, signatures, times);          // one round trip per node
/// @endcode
#pragma once

#include <samestory/export.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace samestory {

/// How to reach the Redis server or cluster that holds a named index, and how
/// hard to try.
struct redis_options {
  /// Any node of the server or cluster; a cluster's other nodes are found
  /// with CLUSTER SLOTS.
  std::string host = "127.0.0.1";
  std::uint16_t port = 6379;  ///< its TCP port
  /// The index's name: 1 to 64 bytes of [A-Za-z0-9_.-]. Every key of the
  /// index starts with "ss:" + name + ":".
  std::string name;
  /// Longest wait for a TCP connection to a node.
  std::chrono::milliseconds connect_timeout{2000};
  /// Longest wait for one node to read a pipeline or answer it.
  std::chrono::milliseconds timeout{5000};
  /// Further attempts after a lost connection, a timeout, or a node that is
  /// loading its data or is briefly without a slot owner; then store_error.
  unsigned retries = 5;
  /// Wait before the first further attempt; it doubles with each attempt
  /// (200 ms, 400 ms, ... 6.2 s over 5 attempts).
  std::chrono::milliseconds retry_delay{200};
  /// true: the commands of a batch are sent to each node at once and the
  /// replies read afterwards (about one round trip per node). false: one
  /// round trip per command, for measurement and for proxies that cannot
  /// pipeline.
  bool pipelining = true;
};

/// Reads "redis://HOST:PORT/NAME" (PORT defaults to 6379; HOST may be an
/// IPv4 address, a name, or an IPv6 address in brackets).
/// @param url the address and the index name
/// @return the options, with the other fields at their defaults
/// @throws invalid_options_error naming what is wrong with the URL
SAMESTORY_API redis_options parse_redis_url(std::string_view url);

/// Deletes every key of the named index on every node (SCAN and UNLINK), so
/// the name can be reused with other settings. Processes that still have the
/// index open get wrong answers until they reopen it: stop them first.
/// @param store where the index is and its name
/// @return how many keys were deleted
/// @throws store_error when a node cannot be reached
/// @throws invalid_options_error for an invalid name
SAMESTORY_API std::size_t drop_redis_index(const redis_options& store);

}  // namespace samestory
