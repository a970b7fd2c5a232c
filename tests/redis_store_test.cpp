// Tests of redis_store.hpp and the client pieces that need no server: Redis
// URLs, index names, and the cluster key slots (checked against the values
// a Redis 7.0 server gives for CLUSTER KEYSLOT).
#include <samestory/error.hpp>
#include <samestory/redis_store.hpp>

#include "../src/redis_client.hpp"

#include <catch2/catch.hpp>

using samestory::invalid_options_error;
using samestory::parse_redis_url;
using samestory::detail::redis_key_slot;

TEST_CASE("redis url: host, port and name", "[redis_store]") {
  const auto o = parse_redis_url("redis://10.0.0.5:6380/news-zh.v2");
  CHECK(o.host == "10.0.0.5");
  CHECK(o.port == 6380);
  CHECK(o.name == "news-zh.v2");
  CHECK(parse_redis_url("redis://cache.internal/seen").port == 6379);
  const auto v6 = parse_redis_url("redis://[::1]:7000/x");
  CHECK(v6.host == "::1");
  CHECK(v6.port == 7000);
  CHECK(parse_redis_url("redis://[::1]/x").port == 6379);
}

TEST_CASE("redis url: what is wrong is said", "[redis_store]") {
  const auto refused = [](const char* url, const char* why) {
    try {
      parse_redis_url(url);
      FAIL("accepted " << url);
    } catch (const invalid_options_error& e) {
      INFO(e.what());
      CHECK(std::string(e.what()).find(why) != std::string::npos);
    }
  };
  refused("http://h:1/x", "does not start with redis://");
  refused("redis://h:1", "has no /NAME");
  refused("redis://:1/x", "has no host");
  refused("redis://h:0/x", "port");
  refused("redis://h:65536/x", "port");
  refused("redis://h:12ab/x", "port");
  refused("redis://[::1/x", "unclosed [");
  refused("redis://h:1/", "1 to 64 bytes");
  refused("redis://h:1/a b", "[A-Za-z0-9_.-]");
  refused("redis://h:1/a{b}", "[A-Za-z0-9_.-]");
  refused("redis://h:1/a*", "[A-Za-z0-9_.-]");
  refused(("redis://h:1/" + std::string(65, 'n')).c_str(), "1 to 64 bytes");
}

TEST_CASE("redis key slots: CRC16 mod 16384 with hash tags, as the server computes",
          "[redis_store]") {
  CHECK(redis_key_slot("somekey") == 11058);
  CHECK(redis_key_slot("foo") == 12182);
  CHECK(redis_key_slot("bar") == 5061);
  CHECK(redis_key_slot("") == 0);
  CHECK(redis_key_slot("ss:news:b:12:0123abcd") == 3618);
  // Only the first non-empty {tag} counts.
  CHECK(redis_key_slot("{user1000}.following") == 3443);
  CHECK(redis_key_slot("{user1000}.followers") == 3443);
  CHECK(redis_key_slot("foo{}{bar}") == 8363);
  CHECK(redis_key_slot("foo{{bar}}zap") == 4015);
  CHECK(redis_key_slot("foo{bar}{zap}") == 5061);
}
