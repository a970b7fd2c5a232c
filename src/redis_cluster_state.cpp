#include "redis_cluster_state.hpp"

#include <samestory/error.hpp>

#include "binary_io.hpp"
#include "redis_lsh.hpp"  // redis_key_prefix

#include <unistd.h>
#include <chrono>
#include <random>

namespace samestory::detail {

namespace {

// The lease outlives a stalled writer by this much; every write renews it.
// An expired lease is harmless on its own: writes are also fenced by the
// generation and the log length, so a process that lost the race is refused.
constexpr const char* lease_ms = "30000";
constexpr std::size_t snapshot_chunk = 32u << 20;  // well below Redis' 512 MB per string
constexpr std::size_t records_per_append = 1000;

// KEYS: lock. ARGV: token, lease. 1 = ours now, else the holder's remaining ms.
constexpr const char* acquire_script = R"(
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return -redis.call('PTTL', KEYS[1]) - 1 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1)";

// The fence of every write: the lease is ours (or free) and nobody has moved
// the generation or the log since we last wrote.
// KEYS: lock, generation, log. ARGV: token, lease, generation, log length.
#define SAMESTORY_HOLDER                                                           \
  "local holder = redis.call('GET', KEYS[1])\n"                                    \
  "if holder and holder ~= ARGV[1] then return redis.error_reply('ERR samestory: " \
  "another process holds the lease') end\n"
#define SAMESTORY_POSITION                                                         \
  "local gen = redis.call('GET', KEYS[2]) or '0'\n"                                \
  "if gen ~= ARGV[3] or redis.call('LLEN', KEYS[3]) ~= tonumber(ARGV[4]) then "    \
  "return redis.error_reply('ERR samestory: another process wrote since this one " \
  "loaded') end\n"
#define SAMESTORY_RENEW "redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])\n"

// ARGV[5..]: records. The client resends a script whose reply was lost, so
// an append already applied (the log grew by exactly these records, the last
// one ours) answers as if applied now instead of failing the fence.
constexpr const char* append_script = SAMESTORY_HOLDER R"(
local n = redis.call('LLEN', KEYS[3])
if #ARGV > 4 and (redis.call('GET', KEYS[2]) or '0') == ARGV[3] and
   n == tonumber(ARGV[4]) + #ARGV - 4 and redis.call('LINDEX', KEYS[3], -1) == ARGV[#ARGV] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return n
end
)" SAMESTORY_POSITION SAMESTORY_RENEW R"(
for i = 5, #ARGV do redis.call('RPUSH', KEYS[3], ARGV[i]) end
return redis.call('LLEN', KEYS[3]))";

// KEYS[4]: snapshot header. ARGV[5]: new generation, ARGV[6]: header. A
// resent commit that was applied already answers as applied.
constexpr const char* commit_script = SAMESTORY_HOLDER R"(
if (redis.call('GET', KEYS[2]) or '0') == ARGV[5] and redis.call('GET', KEYS[4]) == ARGV[6] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
)" SAMESTORY_POSITION SAMESTORY_RENEW R"(
redis.call('SET', KEYS[2], ARGV[5])
redis.call('SET', KEYS[4], ARGV[6])
redis.call('DEL', KEYS[3])
return 1)";

#undef SAMESTORY_HOLDER
#undef SAMESTORY_POSITION
#undef SAMESTORY_RENEW

constexpr const char* release_script = R"(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0)";

std::string make_token() {
  std::random_device rd;
  std::mt19937_64 rng(
      (static_cast<std::uint64_t>(rd()) << 32) ^ rd() ^ static_cast<std::uint64_t>(::getpid()) ^
      static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
  return hex64(rng()) + hex64(rng());
}

std::uint64_t parse_u64(const redis_reply& r) {
  if (r.is_nil()) return 0;
  return std::stoull(r.str);
}

}  // namespace

redis_cluster_state::redis_cluster_state(const redis_options& options)
    : client_((static_cast<void>(redis_key_prefix(options.name)), options)),
      prefix_(redis_key_prefix(options.name) + "c:{" + options.name + "}:"),
      where_("redis://" + options.host + ":" + std::to_string(options.port) + "/" + options.name),
      token_(make_token()) {
  const redis_reply r = eval(acquire_script, {key("lock"), token_, lease_ms}, 1);
  if (r.integer != 1) {
    throw store_error(options.host + ":" + std::to_string(options.port),
                      "the clusterer state of \"" + options.name +
                          "\" is held by another process (its lease ends in " +
                          std::to_string(-r.integer - 1) + " ms unless renewed)");
  }
}

redis_cluster_state::~redis_cluster_state() {
  try {
    eval(release_script, {key("lock"), token_}, 1);
  } catch (...) {
    // The lease expires by itself.
  }
}

std::string redis_cluster_state::key(const char* part) const {
  return prefix_ + part;
}

redis_reply redis_cluster_state::eval(const char* script,
                                      std::initializer_list<std::string_view> keys_and_args,
                                      std::size_t keys) {
  redis_batch b;
  b.begin();
  b.arg("EVAL");
  b.arg(script);
  b.arg(std::to_string(keys));
  for (const std::string_view a : keys_and_args) b.arg(a);
  b.end();
  return std::move(client_.run(b).front());
}

redis_cluster_state::loaded redis_cluster_state::load() {
  loaded out;
  redis_batch head;
  head.add({"GET", key("generation")});
  head.add({"GET", key("snapshot")});
  head.add({"LLEN", key("log")});
  const std::vector<redis_reply> h = client_.run(head);
  generation_ = parse_u64(h[0]);
  out.generation = generation_;
  if (!h[1].is_nil()) {
    // Header: u64 generation, u32 chunks, u64 length, u64 XXH3 of the bytes.
    byte_reader r(h[1].str);
    const std::uint64_t gen = r.u64("snapshot generation");
    const std::uint32_t chunks = r.u32("snapshot chunks");
    const std::uint64_t length = r.u64("snapshot length");
    const std::uint64_t checksum = r.u64("snapshot checksum");
    r.expect_end("snapshot header");
    if (gen != generation_) {
      throw format_error(0, where_ + ": expected snapshot generation " +
                                std::to_string(generation_) + ", actual " + std::to_string(gen));
    }
    redis_batch parts;
    for (std::uint32_t i = 0; i < chunks; ++i) {
      parts.add({"GET", key("snapshot:") + std::to_string(gen) + ":" + std::to_string(i)});
    }
    std::string bytes;
    for (const redis_reply& p : client_.run(parts)) bytes += p.str;
    if (bytes.size() != length || XXH3_64bits(bytes.data(), bytes.size()) != checksum) {
      throw format_error(0, where_ + ": the snapshot of generation " + std::to_string(gen) +
                                " is damaged or incomplete (" + std::to_string(bytes.size()) +
                                " of " + std::to_string(length) + " bytes)");
    }
    out.snapshot = std::move(bytes);
    chunks_ = chunks;
  }
  const auto length = static_cast<std::uint64_t>(h[2].integer);
  for (std::uint64_t from = 0; from < length; from += 10000) {
    const redis_reply page =
        client_.run({"LRANGE", key("log"), std::to_string(from), std::to_string(from + 9999)});
    for (const redis_reply& rec : page.elements) out.records.push_back(rec.str);
  }
  log_length_ = out.records.size();
  return out;
}

void redis_cluster_state::append(std::span<const std::string> records) {
  for (std::size_t from = 0; from < records.size(); from += records_per_append) {
    const std::size_t to = std::min(records.size(), from + records_per_append);
    redis_batch b;
    b.begin();
    for (const std::string_view a :
         {std::string_view("EVAL"), std::string_view(append_script), std::string_view("3")}) {
      b.arg(a);
    }
    b.arg(key("lock"));
    b.arg(key("generation"));
    b.arg(key("log"));
    b.arg(token_);
    b.arg(lease_ms);
    b.arg(std::to_string(generation_));
    b.arg(std::to_string(log_length_));
    for (std::size_t i = from; i < to; ++i) b.arg(records[i]);
    b.end();
    const redis_reply r = client_.run(b).front();
    log_length_ = static_cast<std::uint64_t>(r.integer);
  }
}

void redis_cluster_state::checkpoint(std::string_view snapshot) {
  const std::uint64_t next = generation_ + 1;
  // Chunks first; they are reachable only once the header names them.
  redis_batch parts;
  std::uint32_t chunks = 0;
  for (std::size_t at = 0; at < snapshot.size() || chunks == 0; at += snapshot_chunk, ++chunks) {
    parts.add({"SET", key("snapshot:") + std::to_string(next) + ":" + std::to_string(chunks),
               snapshot.substr(std::min(at, snapshot.size()), snapshot_chunk)});
  }
  client_.run(parts);
  std::string header;
  append_u64(header, next);
  append_u32(header, chunks);
  append_u64(header, snapshot.size());
  append_u64(header, XXH3_64bits(snapshot.data(), snapshot.size()));
  eval(commit_script,
       {key("lock"), key("generation"), key("log"), key("snapshot"), token_, lease_ms,
        std::to_string(generation_), std::to_string(log_length_), std::to_string(next), header},
       4);
  // The previous generation's chunks are unreachable now.
  redis_batch old;
  for (std::uint32_t i = 0; i < chunks_; ++i) {
    old.add({"UNLINK", key("snapshot:") + std::to_string(generation_) + ":" + std::to_string(i)});
  }
  try {
    if (!old.empty()) client_.run(old);
  } catch (const store_error&) {
    // Garbage at worst: nothing reads an old generation's chunks.
  }
  chunks_ = chunks;
  generation_ = next;
  log_length_ = 0;
}

}  // namespace samestory::detail
