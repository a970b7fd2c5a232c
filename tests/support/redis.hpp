// Where the Redis tests find their throw-away servers: scripts/redis-servers
// exports SAMESTORY_REDIS (a single server) and SAMESTORY_REDIS_CLUSTER (one
// node of a 3-master cluster). A test that needs one and finds it unset
// fails: Redis tests are skipped only explicitly, with ctest -LE redis.
#pragma once

#include <samestory/redis_store.hpp>

#include <catch2/catch.hpp>

#include <unistd.h>
#include <atomic>
#include <cstdlib>
#include <string>

namespace samestory::test {

/// "single" or "cluster".
inline redis_options redis_store(const char* which, const std::string& name) {
  const char* variable =
      std::string(which) == "cluster" ? "SAMESTORY_REDIS_CLUSTER" : "SAMESTORY_REDIS";
  const char* address = std::getenv(variable);
  if (address == nullptr || *address == '\0') {
    FAIL(variable << " is not set: start servers with scripts/redis-servers start DIR and source "
                     "DIR/env, or skip the Redis tests with ctest -LE redis");
  }
  // A name of its own per run and test, so runs never see each other's keys.
  static std::atomic<int> counter{0};
  redis_options o =
      parse_redis_url(std::string("redis://") + address + "/" + name + "-" +
                      std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1)));
  o.retries = 3;
  o.retry_delay = std::chrono::milliseconds(50);
  return o;
}

/// Drops the index on scope exit.
struct dropped_at_exit {
  redis_options store;
  ~dropped_at_exit() {
    try {
      drop_redis_index(store);
    } catch (...) {
    }
  }
};

}  // namespace samestory::test
