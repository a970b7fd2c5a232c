#include "redis_client.hpp"

#include <samestory/error.hpp>

#include <hiredis/hiredis.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <span>
#include <thread>

namespace samestory::detail {

namespace {

// CRC16-CCITT, polynomial 0x1021, initial value 0 (the "XMODEM" variant the
// Redis Cluster specification names), built once at compile time.
constexpr std::array<std::uint16_t, 256> crc16_table() {
  std::array<std::uint16_t, 256> t{};
  for (unsigned i = 0; i < 256; ++i) {
    unsigned crc = i << 8;
    for (int b = 0; b < 8; ++b) crc = (crc & 0x8000) ? (crc << 1) ^ 0x1021 : crc << 1;
    t[i] = static_cast<std::uint16_t>(crc);
  }
  return t;
}
constexpr auto crc16_lookup = crc16_table();

std::uint16_t crc16(std::string_view s) noexcept {
  std::uint16_t crc = 0;
  for (const char c : s) {
    crc = static_cast<std::uint16_t>(
        (crc << 8) ^ crc16_lookup[((crc >> 8) ^ static_cast<unsigned char>(c)) & 0xff]);
  }
  return crc;
}

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<decltype(tv.tv_sec)>(ms.count() / 1000);
  tv.tv_usec = static_cast<decltype(tv.tv_usec)>((ms.count() % 1000) * 1000);
  return tv;
}

redis_reply copy_reply(const redisReply* r) {
  redis_reply out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      out.type = redis_reply::kind::string;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = redis_reply::kind::status;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = redis_reply::kind::error;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = redis_reply::kind::integer;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = redis_reply::kind::array;
      out.elements.reserve(r->elements);
      for (std::size_t i = 0; i < r->elements; ++i)
        out.elements.push_back(copy_reply(r->element[i]));
      break;
    default:
      out.type = redis_reply::kind::nil;
  }
  return out;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Refusals that go away by themselves: a restarted node loading its AOF, a
// slot in the middle of a migration, a cluster that lost a master for a while.
bool is_transient(std::string_view error) {
  return starts_with(error, "LOADING") || starts_with(error, "TRYAGAIN") ||
         starts_with(error, "CLUSTERDOWN") || starts_with(error, "MASTERDOWN");
}

// "MOVED 3999 127.0.0.1:6381" / "ASK 3999 127.0.0.1:6381" -> host and port.
bool parse_redirect(std::string_view error, std::string& host, int& port) {
  const std::size_t space = error.rfind(' ');
  const std::size_t colon = error.rfind(':');
  if (space == std::string_view::npos || colon == std::string_view::npos || colon < space) {
    return false;
  }
  host.assign(error.substr(space + 1, colon - space - 1));
  const std::string_view p = error.substr(colon + 1);
  return std::from_chars(p.data(), p.data() + p.size(), port).ec == std::errc{};
}

std::string context_error(const redisContext* c) {
  if (c == nullptr) return "cannot allocate a connection";
  std::string what = c->errstr[0] != '\0' ? c->errstr : "connection lost";
  if (c->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK)) what = "timed out";
  return what;
}

// hiredis 0.14 writes with write(): a write to a connection the server has
// reset raises SIGPIPE, whose default action kills the process. While one of
// our writes runs, this thread blocks SIGPIPE and then swallows one it
// caused, so a lost connection is an EPIPE we retry; the process's own
// SIGPIPE handling is left alone.
class sigpipe_guard {
 public:
  sigpipe_guard() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigemptyset(&pending);
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~sigpipe_guard() {
    if (!was_pending_) {
      sigset_t pending;
      sigemptyset(&pending);
      sigpending(&pending);
      if (sigismember(&pending, SIGPIPE) == 1) {
        const timespec zero{0, 0};
        while (sigtimedwait(&pipe_, nullptr, &zero) == -1 && errno == EINTR) {
        }
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  sigpipe_guard(const sigpipe_guard&) = delete;
  sigpipe_guard& operator=(const sigpipe_guard&) = delete;

 private:
  sigset_t pipe_{};
  sigset_t old_{};
  bool was_pending_ = false;
};

}  // namespace

std::uint16_t redis_key_slot(std::string_view key) noexcept {
  const std::size_t open = key.find('{');
  if (open != std::string_view::npos) {
    const std::size_t close = key.find('}', open + 1);
    if (close != std::string_view::npos && close > open + 1) {
      key = key.substr(open + 1, close - open - 1);
    }
  }
  return static_cast<std::uint16_t>(crc16(key) & 16383);
}

void redis_batch::add(std::initializer_list<std::string_view> args) {
  begin();
  for (const std::string_view a : args) arg(a);
  end();
}

redis_client::redis_client(const redis_options& options) : options_(options) {
  nodes_.push_back(node{options.host, options.port, nullptr});
  masters_ = {0};
  refresh_slots();
}

redis_client::~redis_client() {
  for (node& n : nodes_) disconnect(n);
}

std::string redis_client::address(std::size_t index) const {
  const node& n = nodes_[masters_.at(index)];
  return n.host + ":" + std::to_string(n.port);
}

void redis_client::disconnect(node& n) noexcept {
  if (n.context != nullptr) redisFree(n.context);
  n.context = nullptr;
}

void redis_client::connect(node& n) {
  const std::string why = try_connect(n);
  if (!why.empty()) throw store_error(n.host + ":" + std::to_string(n.port), why);
}

// "" when connected, else why not.
std::string redis_client::try_connect(node& n) {
  if (n.context != nullptr) return {};
  redisContext* c =
      redisConnectWithTimeout(n.host.c_str(), n.port, to_timeval(options_.connect_timeout));
  if (c == nullptr || c->err != 0) {
    const std::string why = context_error(c);
    if (c != nullptr) redisFree(c);
    return "cannot connect: " + why;
  }
  if (redisSetTimeout(c, to_timeval(options_.timeout)) != REDIS_OK) {
    redisFree(c);
    return "cannot set the timeout";
  }
  n.context = c;
  return {};
}

std::size_t redis_client::node_for(std::string_view host, int port) {
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].host == host && nodes_[i].port == port) return i;
  }
  nodes_.push_back(node{std::string(host), port, nullptr});
  return nodes_.size() - 1;
}

// Asks node n for the slot map. false: n cannot be reached. A single server
// (cluster support disabled) owns every slot.
bool redis_client::try_refresh_slots(node& n) {
  if (const std::string why = try_connect(n); !why.empty()) {
    last_failure_ = n.host + ":" + std::to_string(n.port) + ": " + why;
    return false;
  }
  redisReply* raw = nullptr;
  {
    const sigpipe_guard guard;
    raw = static_cast<redisReply*>(redisCommand(n.context, "CLUSTER SLOTS"));
  }
  if (raw == nullptr) {
    last_failure_ = n.host + ":" + std::to_string(n.port) + ": " + context_error(n.context);
    disconnect(n);
    return false;
  }
  const redis_reply r = copy_reply(raw);
  freeReplyObject(raw);
  ++round_trips_;
  if (r.type == redis_reply::kind::error) {
    if (r.str.find("cluster support disabled") != std::string::npos) {
      cluster_ = false;
      const std::size_t self = static_cast<std::size_t>(&n - nodes_.data());
      masters_ = {self};
      slot_node_.fill(static_cast<std::uint16_t>(self));
      return true;
    }
    if (is_transient(r.str)) {
      last_failure_ = r.str;
      return false;
    }
    throw store_error(n.host + ":" + std::to_string(n.port), "CLUSTER SLOTS: " + r.str);
  }
  if (r.type != redis_reply::kind::array || r.elements.empty()) return false;
  const std::string seed_host = n.host;  // n may move when nodes_ grows
  std::array<std::uint16_t, 16384> map{};
  std::vector<bool> covered(16384, false);
  std::vector<std::size_t> masters;
  for (const redis_reply& range : r.elements) {
    if (range.elements.size() < 3 || range.elements[2].elements.size() < 2) return false;
    const long long first = range.elements[0].integer;
    const long long last = range.elements[1].integer;
    if (first < 0 || last > 16383 || first > last) return false;
    const redis_reply& master = range.elements[2];
    std::string host = master.elements[0].str;
    if (host.empty() || host == "?") host = seed_host;
    const std::size_t id = node_for(host, static_cast<int>(master.elements[1].integer));
    if (std::find(masters.begin(), masters.end(), id) == masters.end()) masters.push_back(id);
    for (long long s = first; s <= last; ++s) {
      map[static_cast<std::size_t>(s)] = static_cast<std::uint16_t>(id);
      covered[static_cast<std::size_t>(s)] = true;
    }
  }
  // A map with holes belongs to a cluster that is still forming or failing over.
  if (std::find(covered.begin(), covered.end(), false) != covered.end()) return false;
  cluster_ = true;
  slot_node_ = map;
  std::sort(masters.begin(), masters.end());
  masters_ = std::move(masters);
  return true;
}

void redis_client::refresh_slots() {
  for (unsigned attempt = 0;; ++attempt) {
    // Known masters first, then every node ever seen, then the seed.
    // Each node once a round: a stalled single server costs one timeout, not two.
    const std::vector<std::size_t> known = masters_;
    for (const std::size_t id : known) {
      if (try_refresh_slots(nodes_[id])) return;
    }
    for (std::size_t id = 0; id < nodes_.size(); ++id) {
      if (std::find(known.begin(), known.end(), id) != known.end()) continue;
      if (try_refresh_slots(nodes_[id])) return;
    }
    // A cluster mid-formation answers with holes in its slot map.
    backoff(attempt, options_.host + ":" + std::to_string(options_.port),
            last_failure_.empty() ? "no node answered CLUSTER SLOTS with a complete slot map"
                                  : "no node can tell the slot map; last: " + last_failure_);
    last_failure_.clear();
  }
}

void redis_client::backoff(unsigned attempt, const std::string& address, const std::string& why) {
  if (attempt >= options_.retries) {
    throw store_error(address, why + " (after " + std::to_string(options_.retries) + " retries)");
  }
  const auto delay = options_.retry_delay * (1LL << std::min(attempt, 16u));
  std::this_thread::sleep_for(delay);
}

std::size_t redis_client::route(std::string_view key) const {
  return cluster_ ? slot_node_[redis_key_slot(key)] : masters_.front();
}

// The key is the second argument, except for scripts: EVAL script numkeys key...
std::size_t redis_client::route_command(const redis_batch& batch, std::size_t c) const {
  const std::string_view name = batch.argument(c, 0);
  const bool script = name.size() == 4 && (name[0] == 'E' || name[0] == 'e') &&
                      (name.substr(1) == "VAL" || name.substr(1) == "val");
  const std::size_t at = script ? 3 : 1;
  return batch.args(c) > at ? route(batch.argument(c, at)) : masters_.front();
}

std::vector<redis_reply> redis_client::run(const redis_batch& batch) {
  const std::size_t n = batch.size();
  std::vector<redis_reply> replies(n);
  std::vector<std::size_t> todo(n);
  for (std::size_t i = 0; i < n; ++i) todo[i] = i;
  // ASK redirects: command -> node to ask once, with ASKING before it.
  std::vector<std::size_t> ask(n, SIZE_MAX);
  std::vector<const char*> argv;
  std::vector<std::size_t> argvlen;
  unsigned attempt = 0;
  unsigned redirects = 0;
  std::string failure;
  std::string failed_at;

  const auto append = [&](node& nd, std::size_t c) {
    const std::size_t argc = batch.args(c);
    argv.resize(argc);
    argvlen.resize(argc);
    for (std::size_t a = 0; a < argc; ++a) {
      const std::string_view s = batch.argument(c, a);
      argv[a] = s.data();
      argvlen[a] = s.size();
    }
    if (ask[c] != SIZE_MAX) redisAppendCommand(nd.context, "ASKING");
    redisAppendCommandArgv(nd.context, static_cast<int>(argc), argv.data(), argvlen.data());
  };
  // Reads one reply; false when the connection failed (the node is dropped).
  const auto read = [&](node& nd, redis_reply& out) {
    void* raw = nullptr;
    if (redisGetReply(nd.context, &raw) != REDIS_OK || raw == nullptr) {
      failure = context_error(nd.context);
      failed_at = nd.host + ":" + std::to_string(nd.port);
      disconnect(nd);
      return false;
    }
    out = copy_reply(static_cast<redisReply*>(raw));
    freeReplyObject(raw);
    return true;
  };

  while (!todo.empty()) {
    // Group the unanswered commands by node, in batch order.
    std::vector<std::vector<std::size_t>> by_node(nodes_.size());
    for (const std::size_t c : todo) {
      const std::size_t target = ask[c] != SIZE_MAX ? ask[c] : route_command(batch, c);
      by_node[target].push_back(c);
    }
    std::vector<std::size_t> next;
    bool lost = false;
    bool moved = false;
    bool transient = false;
    std::string refused;
    struct ask_target {
      std::size_t command;
      std::string host;
      int port;
    };
    std::vector<ask_target> asks;
    std::vector<ask_target> moves;  // command = the slot that moved
    const auto keep = [&](std::size_t c) { next.push_back(c); };

    // One exchange per node: send its commands (all at once when pipelining),
    // then read the replies.
    const auto exchange = [&](std::size_t id, std::span<const std::size_t> cmds, bool send) {
      node& nd = nodes_[id];
      if (send) {
        if (const std::string why = try_connect(nd); !why.empty()) {
          failure = why;
          failed_at = nd.host + ":" + std::to_string(nd.port);
          lost = true;
          for (const std::size_t c : cmds) keep(c);
          return false;
        }
        for (const std::size_t c : cmds) append(nd, c);
        const sigpipe_guard guard;
        int done = 0;
        while (done == 0) {
          if (redisBufferWrite(nd.context, &done) != REDIS_OK) {
            failure = context_error(nd.context);
            failed_at = nd.host + ":" + std::to_string(nd.port);
            disconnect(nd);
            lost = true;
            for (const std::size_t c : cmds) keep(c);
            return false;
          }
        }
        return true;
      }
      if (nd.context == nullptr) return false;  // send failed
      const sigpipe_guard guard;                // a reply read may flush what is left to write
      ++round_trips_;
      for (std::size_t i = 0; i < cmds.size(); ++i) {
        const std::size_t c = cmds[i];
        redis_reply r;
        if (ask[c] != SIZE_MAX) {
          redis_reply asking;
          if (!read(nd, asking)) {
            lost = true;
            for (std::size_t j = i; j < cmds.size(); ++j) keep(cmds[j]);
            return false;
          }
        }
        if (!read(nd, r)) {
          lost = true;
          for (std::size_t j = i; j < cmds.size(); ++j) keep(cmds[j]);
          return false;
        }
        ask[c] = SIZE_MAX;
        if (r.type == redis_reply::kind::error) {
          std::string host;
          int port = 0;
          if (starts_with(r.str, "MOVED ") && parse_redirect(r.str, host, port)) {
            moved = true;
            unsigned slot = 0;
            const std::string_view rest = std::string_view(r.str).substr(6);
            if (std::from_chars(rest.data(), rest.data() + rest.size(), slot).ec == std::errc{} &&
                slot < 16384) {
              moves.push_back({slot, std::move(host), port});
            }
            keep(c);
            continue;
          }
          if (starts_with(r.str, "ASK ") && parse_redirect(r.str, host, port)) {
            // Resolved after the round: node_for() may grow nodes_ under nd.
            asks.push_back({c, std::move(host), port});
            keep(c);
            continue;
          }
          if (is_transient(r.str)) {
            transient = true;
            failure = r.str;
            failed_at = nd.host + ":" + std::to_string(nd.port);
            keep(c);
            continue;
          }
          if (refused.empty()) {
            refused = nd.host + ":" + std::to_string(nd.port) + "|" +
                      std::string(batch.argument(c, 0)) + ": " + r.str;
          }
        }
        replies[c] = std::move(r);
      }
      return true;
    };

    // nodes_ may grow while reading (ASK to a new node): iterate by index.
    const std::size_t node_count = by_node.size();
    if (options_.pipelining) {
      std::vector<bool> sent(node_count, false);
      for (std::size_t id = 0; id < node_count; ++id) {
        if (!by_node[id].empty()) sent[id] = exchange(id, by_node[id], true);
      }
      for (std::size_t id = 0; id < node_count; ++id) {
        if (sent[id]) exchange(id, by_node[id], false);
      }
    } else {
      for (std::size_t id = 0; id < node_count; ++id) {
        for (std::size_t i = 0; i < by_node[id].size(); ++i) {
          const std::span<const std::size_t> one(&by_node[id][i], 1);
          if (!exchange(id, one, true)) {
            for (std::size_t j = i + 1; j < by_node[id].size(); ++j) keep(by_node[id][j]);
            break;
          }
          if (!exchange(id, one, false)) {
            for (std::size_t j = i + 1; j < by_node[id].size(); ++j) keep(by_node[id][j]);
            break;
          }
        }
      }
    }
    for (ask_target& a : asks) ask[a.command] = node_for(a.host, a.port);
    if (!refused.empty()) {
      const std::size_t bar = refused.find('|');
      throw store_error(refused.substr(0, bar), refused.substr(bar + 1));
    }
    std::sort(next.begin(), next.end());
    todo = std::move(next);
    if (todo.empty()) break;
    if (lost || transient) {
      backoff(attempt++, failed_at, failure);
      if (cluster_) {
        try {
          refresh_slots();
        } catch (const store_error&) {
          // The next round reports the node that cannot be reached.
        }
      }
    } else if (++redirects > 64) {
      throw store_error(options_.host + ":" + std::to_string(options_.port),
                        "more than 64 rounds of MOVED/ASK redirects");
    } else if (moved) {
      // The map from CLUSTER SLOTS, then what the redirects said: a node
      // that answered MOVED knows the slot's new owner even when the node
      // asked for the map has not learned it yet.
      try {
        refresh_slots();
      } catch (const store_error&) {
        // The redirects alone still route the next round.
      }
      for (ask_target& m : moves) {
        const std::size_t id = node_for(m.host, m.port);
        slot_node_[m.command] = static_cast<std::uint16_t>(id);
        if (std::find(masters_.begin(), masters_.end(), id) == masters_.end()) {
          masters_.push_back(id);
        }
      }
    }
  }
  return replies;
}

redis_reply redis_client::run(std::initializer_list<std::string_view> args) {
  redis_batch b;
  b.add(args);
  return std::move(run(b).front());
}

redis_reply redis_client::run_on(std::size_t index, std::initializer_list<std::string_view> args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> argvlen;
  for (const std::string_view a : args) {
    argv.push_back(a.data());
    argvlen.push_back(a.size());
  }
  for (unsigned attempt = 0;; ++attempt) {
    node& nd = nodes_[masters_.at(index)];
    const std::string where = nd.host + ":" + std::to_string(nd.port);
    std::string why = try_connect(nd);
    if (why.empty()) {
      redisReply* raw = nullptr;
      {
        const sigpipe_guard guard;
        raw = static_cast<redisReply*>(redisCommandArgv(nd.context, static_cast<int>(argv.size()),
                                                        argv.data(), argvlen.data()));
      }
      ++round_trips_;
      if (raw != nullptr) {
        redis_reply r = copy_reply(raw);
        freeReplyObject(raw);
        if (r.type != redis_reply::kind::error) return r;
        if (!is_transient(r.str)) {
          throw store_error(where, std::string(*args.begin()) + ": " + r.str);
        }
        why = r.str;
      } else {
        why = context_error(nd.context);
        disconnect(nd);
      }
    }
    backoff(attempt, where, why);
  }
}

}  // namespace samestory::detail
