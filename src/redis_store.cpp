#include <samestory/error.hpp>
#include <samestory/redis_store.hpp>

#include "redis_client.hpp"
#include "redis_lsh.hpp"

#include <charconv>

namespace samestory {

redis_options parse_redis_url(std::string_view url) {
  const auto fail = [&](const std::string& why) {
    throw invalid_options_error("a Redis URL is redis://HOST:PORT/NAME; \"" + std::string(url) +
                                "\" " + why);
  };
  constexpr std::string_view scheme = "redis://";
  if (url.substr(0, scheme.size()) != scheme) fail("does not start with redis://");
  std::string_view rest = url.substr(scheme.size());
  const std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos) fail("has no /NAME");
  std::string_view authority = rest.substr(0, slash);
  redis_options o;
  o.name = std::string(rest.substr(slash + 1));
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {  // [IPv6]:port
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) fail("has an unclosed [");
    o.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') fail("has something other than :PORT after ]");
      port = after.substr(1);
    }
  } else {
    const std::size_t colon = authority.rfind(':');
    o.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (o.host.empty()) fail("has no host");
  if (!port.empty()) {
    unsigned value = 0;
    const auto r = std::from_chars(port.data(), port.data() + port.size(), value);
    if (r.ec != std::errc{} || r.ptr != port.data() + port.size() || value == 0 || value > 65535) {
      fail("has a port that is not a number in 1..65535");
    }
    o.port = static_cast<std::uint16_t>(value);
  }
  detail::redis_key_prefix(o.name);  // throws for a bad name
  return o;
}

std::size_t drop_redis_index(const redis_options& store) {
  const std::string pattern = detail::redis_key_prefix(store.name) + "*";
  redis_options pipelined = store;
  pipelined.pipelining = true;  // deleting keys one round trip each could take hours
  detail::redis_client client(pipelined);
  std::size_t deleted = 0;
  for (std::size_t node = 0; node < client.masters(); ++node) {
    std::string cursor = "0";
    do {
      const detail::redis_reply r =
          client.run_on(node, {"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"});
      if (r.elements.size() != 2) {
        throw store_error(client.address(node), "SCAN answered with an unexpected reply");
      }
      cursor = r.elements[0].str;
      detail::redis_batch batch;
      for (const detail::redis_reply& key : r.elements[1].elements) batch.add({"UNLINK", key.str});
      if (!batch.empty()) {
        for (const detail::redis_reply& n : client.run(batch)) {
          deleted += static_cast<std::size_t>(n.integer);
        }
      }
    } while (cursor != "0");
  }
  return deleted;
}

}  // namespace samestory
