// Fault tests of the Redis backend. Each test starts redis-server processes of
// its own (AOF on, fsync always) so it can SIGKILL, SIGSTOP and restart them,
// and checks that acknowledged writes survive, that every failure surfaces as
// a store_error naming the server, that a client recovers without being
// reopened, and that a cut-short insert never makes a query wrong.
#include <samestory/durable_cluster.hpp>
#include <samestory/error.hpp>
#include <samestory/lsh_index.hpp>
#include <samestory/minhash.hpp>

#include "support/matches.hpp"
#include "support/sets.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <span>
#include <sstream>
#include <string>
#include <thread>
#include <typeinfo>
#include <unordered_map>
#include <vector>

using Catch::Matchers::Contains;
using samestory::document_id;
using samestory::lsh_index;
using samestory::lsh_parameters;
using samestory::match;
using samestory::minhash_signature;
using samestory::minhasher;
using samestory::redis_options;
using samestory::store_error;
using samestory::test::same;
using samestory::test::same_match;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

double seconds_since(steady::time_point start) {
  return std::chrono::duration<double>(steady::now() - start).count();
}

// ---------------------------------------------------------------------------
// A raw RESP connection of the test's own, independent of the library under
// test: readiness checks and the surgery of the partial-insert test.

struct resp_reply {
  char type = 0;  // '+', '-', ':', '$', '*'
  bool nil = false;
  std::string str;
  long long integer = 0;
  std::vector<resp_reply> elements;
};

class resp_connection {
 public:
  resp_connection(std::uint16_t port, std::chrono::milliseconds timeout) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return;
    timeval tv{};
    tv.tv_sec = static_cast<decltype(tv.tv_sec)>(timeout.count() / 1000);
    tv.tv_usec = static_cast<decltype(tv.tv_usec)>((timeout.count() % 1000) * 1000);
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) close();
  }
  ~resp_connection() { close(); }
  resp_connection(const resp_connection&) = delete;
  resp_connection& operator=(const resp_connection&) = delete;

  bool is_open() const noexcept { return fd_ >= 0; }

  // One command, one reply; false when the connection failed.
  bool command(const std::vector<std::string>& args, resp_reply& out) {
    if (fd_ < 0) return false;
    // Appends one at a time: GCC 12 warns (-Wrestrict) on chained + here.
    std::string wire;
    wire.append("*").append(std::to_string(args.size())).append("\r\n");
    for (const std::string& a : args) {
      wire.append("$").append(std::to_string(a.size())).append("\r\n");
      wire.append(a).append("\r\n");
    }
    for (std::size_t sent = 0; sent < wire.size();) {
      // MSG_NOSIGNAL: a dead server must not SIGPIPE the test.
      const ssize_t n = ::send(fd_, wire.data() + sent, wire.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return fail();
      sent += static_cast<std::size_t>(n);
    }
    return read(out) || fail();
  }

  // command() for the test's own surgery, where a failure is a test failure.
  resp_reply must(const std::vector<std::string>& args) {
    resp_reply r;
    if (!command(args, r)) FAIL("raw connection to redis failed during " << args.front());
    if (r.type == '-') FAIL("redis refused " << args.front() << ": " << r.str);
    return r;
  }

 private:
  void close() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  bool fail() {
    close();
    return false;
  }
  bool fill() {
    char chunk[16384];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buf_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }
  bool line(std::string& out) {
    for (;;) {
      const std::size_t end = buf_.find("\r\n", pos_);
      if (end != std::string::npos) {
        out = buf_.substr(pos_, end - pos_);
        pos_ = end + 2;
        return true;
      }
      if (!fill()) return false;
    }
  }
  bool read(resp_reply& r) {
    std::string head;
    if (!line(head) || head.empty()) return false;
    r.type = head[0];
    const std::string rest = head.substr(1);
    switch (r.type) {
      case '+':
      case '-':
        r.str = rest;
        break;
      case ':':
        r.integer = std::stoll(rest);
        break;
      case '$': {
        const long long len = std::stoll(rest);
        if (len < 0) {
          r.nil = true;
          break;
        }
        const auto need = static_cast<std::size_t>(len) + 2;
        while (buf_.size() - pos_ < need) {
          if (!fill()) return false;
        }
        r.str = buf_.substr(pos_, static_cast<std::size_t>(len));
        pos_ += need;
        break;
      }
      case '*': {
        const long long count = std::stoll(rest);
        if (count < 0) {
          r.nil = true;
          break;
        }
        r.elements.resize(static_cast<std::size_t>(count));
        for (resp_reply& e : r.elements) {
          if (!read(e)) return false;
        }
        break;
      }
      default:
        return false;
    }
    if (pos_ > 65536) {
      buf_.erase(0, pos_);
      pos_ = 0;
    }
    return true;
  }

  int fd_ = -1;
  std::string buf_;
  std::size_t pos_ = 0;
};

// A loopback port nothing listens on right now (the kernel picks it).
std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = 0;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  const bool ok = ::bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0;
  ::close(fd);
  REQUIRE(ok);
  return ntohs(a.sin_port);
}

// The redis-server binary from PATH; the tests fail without it, since Redis
// tests are skipped only explicitly (ctest -LE redis).
std::string redis_server_binary() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) continue;
    const std::string candidate = dir + "/redis-server";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  FAIL(
      "redis-server is not in PATH: the fault tests start servers of their own. Install Redis "
      "(scripts/test does in CI) or skip the Redis tests with ctest -LE redis");
  return {};
}

// A redis-server this test owns: its own port and working directory, AOF with
// fsync always, so a SIGKILL loses nothing it acknowledged. Killed and its
// directory removed at scope exit, whatever happened; if the test process
// itself dies, PR_SET_PDEATHSIG kills the server. That signal follows the
// thread that forked, so servers are (re)started only from the test's thread.
class owned_redis {
 public:
  owned_redis() : binary_(redis_server_binary()) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "samestory-fault-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    dir_ = pattern;
    // A free port can be taken between our probe and redis' bind: try others.
    for (int attempt = 0; attempt < 5; ++attempt) {
      port_ = free_port();
      if (spawn()) return;
    }
    const std::string log = log_tail();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
    FAIL("redis-server did not start on a free port: " << log);
  }
  ~owned_redis() {
    kill();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  owned_redis(const owned_redis&) = delete;
  owned_redis& operator=(const owned_redis&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  redis_options options(const std::string& name) const {
    redis_options o;
    o.host = "127.0.0.1";
    o.port = port_;
    o.name = name;
    return o;
  }

  // SIGKILL: no shutdown, no last fsync; only the AOF on disk survives.
  void kill() noexcept {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }
  // The same port and directory: the new process replays the AOF.
  void restart() {
    kill();
    if (!spawn()) FAIL("redis-server did not restart on " << address() << ": " << log_tail());
  }
  void pause() const { ::kill(pid_, SIGSTOP); }
  void resume() const { ::kill(pid_, SIGCONT); }

 private:
  // Starts the process and waits for PONG; false when it exited instead.
  bool spawn() {
    const std::string port = std::to_string(port_);
    const std::string log = dir_ + "/redis.log";
    const std::string err = dir_ + "/stderr.log";
    std::vector<std::string> args = {
        binary_, "--port",        port,     "--bind",      "127.0.0.1", "--dir",
        dir_,    "--logfile",     log,      "--daemonize", "no",        "--appendonly",
        "yes",   "--appendfsync", "always", "--save",      ""};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      // Only async-signal-safe calls between fork and exec: the test is threaded.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(1);
      const int out = ::open(err.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (out >= 0) {
        ::dup2(out, STDOUT_FILENO);
        ::dup2(out, STDERR_FILENO);
      }
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    pid_ = pid;
    const auto deadline = steady::now() + 15s;
    while (steady::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      resp_connection c(port_, 1000ms);
      resp_reply r;
      // A restarted server answers LOADING until its AOF is replayed.
      if (c.is_open() && c.command({"PING"}, r) && r.type == '+' && r.str == "PONG") return true;
      std::this_thread::sleep_for(5ms);
    }
    kill();
    return false;
  }

  std::string log_tail() const {
    std::string text;
    for (const char* f : {"/stderr.log", "/redis.log"}) {
      std::ifstream in(dir_ + f);
      std::stringstream s;
      s << in.rdbuf();
      text += s.str();
    }
    return text.size() > 2000 ? text.substr(text.size() - 2000) : text;
  }

  std::string binary_;
  std::string dir_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

// ---------------------------------------------------------------------------
// Documents and comparisons.

const lsh_parameters bands_rows{16, 8};

// Families of near-duplicates (an original and 4 edits, Jaccard about 0.9
// down to 0.4) so that queries have real matches to get right or wrong.
struct corpus {
  std::vector<document_id> ids;
  std::vector<minhash_signature> signatures;
  std::vector<std::int64_t> times;
};

corpus make_corpus(const minhasher& hasher, std::size_t families, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  corpus c;
  document_id next = seed * 1'000'003 + 1;
  const auto add = [&](const std::vector<std::uint64_t>& set) {
    c.ids.push_back(next * 0x9E3779B97F4A7C15ULL);  // spread over 64 bits
    c.signatures.push_back(hasher.sign(set));
    c.times.push_back(static_cast<std::int64_t>(1'700'000'000 + next));
    ++next;
  };
  for (std::size_t f = 0; f < families; ++f) {
    const auto original = samestory::test::random_set(rng, 150 + rng() % 100);
    add(original);
    for (const double edit : {0.05, 0.15, 0.3, 0.45}) {
      add(samestory::test::edited(rng, original, edit));
    }
  }
  return c;
}

// The saved snapshots are equal: every document, its values and time. Only
// the verdict and the counts are printed, the bytes are binary.
bool same_contents(const lsh_index& index, const lsh_index& reference) {
  if (index.save() == reference.save()) return true;
  UNSCOPED_INFO(index.size() << " documents stored, " << reference.size() << " expected");
  return false;
}

// Empty when `got` lies between the two references: every match of `lower`
// is in it, and each of its matches is in `upper` with the very same fields.
std::string bounded(const std::vector<match>& got, const std::vector<match>& lower,
                    const std::vector<match>& upper) {
  std::unordered_map<document_id, const match*> by_id;
  for (const match& m : got) by_id[m.id] = &m;
  for (const match& m : lower) {
    if (by_id.count(m.id) == 0) return "misses document " + std::to_string(m.id);
  }
  std::unordered_map<document_id, const match*> allowed;
  for (const match& m : upper) allowed[m.id] = &m;
  for (const match& m : got) {
    const auto it = allowed.find(m.id);
    if (it == allowed.end()) return "returns unexpected document " + std::to_string(m.id);
    if (!same_match(m, *it->second)) {
      return "returns document " + std::to_string(m.id) + " with jaccard " +
             std::to_string(m.jaccard) + ", expected " + std::to_string(it->second->jaccard);
    }
  }
  return {};
}

// A store_error names the server that failed, in address() and its message.
bool names_server(const store_error& e, const std::string& address) {
  return e.code() == samestory::error_code::store && e.address() == address &&
         std::string(e.what()).find(address) != std::string::npos;
}

// Sets a flag and joins a worker at scope exit, also when a REQUIRE throws.
struct joined_at_exit {
  std::atomic<bool>& stop;
  std::thread& worker;
  ~joined_at_exit() {
    stop = true;
    if (worker.joinable()) worker.join();
  }
};

}  // namespace

// ---------------------------------------------------------------------------

TEST_CASE("fault: a killed and restarted server loses nothing acknowledged", "[redis][fault]") {
  owned_redis server;
  const minhasher hasher({}, 3);
  const corpus c = make_corpus(hasher, 4000, 11);
  redis_options store = server.options("fault-kill");
  // Errors surface fast: one quick retry. A killed server refuses at once,
  // so the read timeout only guards against stalls; it is generous because
  // an fsync on a busy machine may take a while and must not count as a
  // failure while the server is up.
  store.retries = 1;
  store.retry_delay = 20ms;
  store.timeout = 2000ms;
  store.connect_timeout = 200ms;
  lsh_index index(bands_rows, hasher, store);
  lsh_index acked_reference(bands_rows, hasher);  // fed the acknowledged documents
  lsh_index tried_reference(bands_rows, hasher);  // fed every document ever tried

  constexpr int cycles = 3;
  // Even: the server is up (0 before the first kill, 2k after the k-th
  // restart answered PING); odd: killed and not yet answering again.
  std::atomic<int> epoch{0};
  std::atomic<bool> stop{false};
  std::vector<steady::time_point> spawned(cycles + 1);
  std::vector<steady::time_point> ready(cycles + 1);

  // Everything the client thread learns; read by the test thread after join
  // (Catch2 assertions are not thread-safe).
  struct {
    std::size_t calls = 0, acked_calls = 0, failed_calls = 0;
    std::size_t acked_docs = 0, failed_docs = 0;
    std::vector<std::size_t> failed_while_down = std::vector<std::size_t>(cycles + 1);
    std::vector<std::size_t> acked_after_restart = std::vector<std::size_t>(cycles + 1);
    std::vector<double> first_ack_after_spawn = std::vector<double>(cycles + 1, -1);
    std::vector<double> first_ack_after_ready = std::vector<double>(cycles + 1, -1);
    std::size_t failed_while_up = 0;
    std::size_t unnamed = 0;  // store_errors that do not name the server
    std::size_t queries = 0, query_failures = 0;
    std::vector<std::string> wrong;       // queries outside the references
    std::vector<std::string> unexpected;  // exceptions other than store_error
    std::map<std::string, std::size_t> reasons;
    double slowest_failure = 0;
    std::vector<std::size_t> tried, failed;  // corpus positions
  } t;

  std::thread client([&] {
    std::mt19937_64 rng(5);
    std::size_t next = 0;
    while (!stop && next < c.ids.size()) {
      // Single inserts and small batches, now and then one of 64.
      const std::uint64_t roll = rng() % 20;
      std::size_t n = roll < 7 ? 1 : roll < 19 ? 2 + rng() % 7 : 64;
      n = std::min(n, c.ids.size() - next);
      const std::span<const document_id> ids(c.ids.data() + next, n);
      const std::span<const minhash_signature> sigs(c.signatures.data() + next, n);
      const std::span<const std::int64_t> times(c.times.data() + next, n);
      for (std::size_t i = next; i < next + n; ++i) {
        tried_reference.insert(c.ids[i], c.signatures[i], c.times[i]);
        t.tried.push_back(i);
      }
      const int before = epoch.load();
      const auto start = steady::now();
      ++t.calls;
      try {
        if (n == 1) {
          index.insert(ids[0], sigs[0], times[0]);
        } else {
          index.insert_batch(ids, sigs, times);
        }
        const int after = epoch.load();
        ++t.acked_calls;
        t.acked_docs += n;
        for (std::size_t i = next; i < next + n; ++i) {
          acked_reference.insert(c.ids[i], c.signatures[i], c.times[i]);
        }
        if (before == after && before % 2 == 0 && before > 0) {
          const auto k = static_cast<std::size_t>(before / 2);
          t.acked_after_restart[k] += n;
          if (t.first_ack_after_spawn[k] < 0) {
            t.first_ack_after_spawn[k] =
                std::chrono::duration<double>(steady::now() - spawned[k]).count();
            t.first_ack_after_ready[k] =
                std::chrono::duration<double>(steady::now() - ready[k]).count();
          }
        }
      } catch (const store_error& e) {
        const int after = epoch.load();
        ++t.failed_calls;
        t.failed_docs += n;
        for (std::size_t i = next; i < next + n; ++i) t.failed.push_back(i);
        t.slowest_failure = std::max(t.slowest_failure, seconds_since(start));
        if (!names_server(e, server.address())) ++t.unnamed;
        if (before == after && before % 2 == 0) {
          ++t.failed_while_up;
        } else {
          ++t.failed_while_down[static_cast<std::size_t>((std::max(before, after) + 1) / 2)];
        }
        // The reason without the varying address, for the report.
        std::string why = e.what();
        const std::size_t at = why.find(server.address());
        if (at != std::string::npos) why.replace(at, server.address().size(), "HOST:PORT");
        ++t.reasons[why];
      } catch (const std::exception& e) {
        t.unexpected.push_back(std::string(typeid(e).name()) + ": " + e.what());
      } catch (...) {
        t.unexpected.push_back("an exception not derived from std::exception");
      }
      next += n;

      // Now and then a query: it may fail, but when it answers it must hold
      // every acknowledged match and nothing that was never tried, with
      // exact values.
      if (rng() % 4 == 0) {
        const std::size_t q = t.tried[rng() % t.tried.size()];
        try {
          ++t.queries;
          const auto got = index.query(c.signatures[q]);
          const std::string problem = bounded(got, acked_reference.query(c.signatures[q]),
                                              tried_reference.query(c.signatures[q]));
          if (!problem.empty() && t.wrong.size() < 5) t.wrong.push_back(problem);
        } catch (const store_error&) {
          ++t.query_failures;
        } catch (const std::exception& e) {
          t.unexpected.push_back(std::string("query: ") + typeid(e).name() + ": " + e.what());
        }
      }
      // Paced, so that the corpus outlasts the cycles on a fast machine.
      std::this_thread::sleep_for(2ms);
    }
  });
  joined_at_exit join{stop, client};

  const auto began = steady::now();
  std::mt19937_64 rng(17);
  for (int k = 1; k <= cycles; ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500 + rng() % 400));  // up
    epoch = 2 * k - 1;
    server.kill();
    std::this_thread::sleep_for(400ms);  // down: calls must fail
    spawned[static_cast<std::size_t>(k)] = steady::now();
    server.restart();
    ready[static_cast<std::size_t>(k)] = steady::now();
    epoch = 2 * k;
  }
  std::this_thread::sleep_for(700ms);  // up after the last restart
  stop = true;
  client.join();
  const double chaos_seconds = seconds_since(began);

  WARN("kill/restart cycles: " << cycles << " in " << chaos_seconds << " s; calls " << t.calls
                               << ", acknowledged " << t.acked_calls << " (" << t.acked_docs
                               << " documents), failed " << t.failed_calls << " (" << t.failed_docs
                               << " documents); slowest failure " << t.slowest_failure
                               << " s; queries " << t.queries << " (" << t.query_failures
                               << " failed)");
  for (std::size_t k = 1; k <= cycles; ++k) {
    WARN("cycle " << k << ": " << t.failed_while_down[k] << " calls failed while down; restart to "
                  << "PONG " << std::chrono::duration<double>(ready[k] - spawned[k]).count()
                  << " s; first acknowledged insert " << t.first_ack_after_spawn[k]
                  << " s after the restart (" << t.first_ack_after_ready[k] << " s after PONG); "
                  << t.acked_after_restart[k] << " documents acknowledged after it");
  }
  for (const auto& [why, count] : t.reasons) WARN(count << " x " << why);

  INFO("unexpected exceptions: " << (t.unexpected.empty() ? "" : t.unexpected.front()));
  REQUIRE(t.unexpected.empty());
  INFO("wrong query answers: " << (t.wrong.empty() ? "" : t.wrong.front()));
  CHECK(t.wrong.empty());
  CHECK(t.unnamed == 0);
  CHECK(t.failed_while_up == 0);
  CHECK(t.queries > 0);
  for (std::size_t k = 1; k <= cycles; ++k) {
    CHECK(t.failed_while_down[k] > 0);
    CHECK(t.acked_after_restart[k] > 0);
  }

  // Every acknowledged document survived three SIGKILLs, with its values.
  std::size_t missing = 0;
  std::size_t landed_anyway = 0;
  for (std::size_t i = 0; i < c.ids.size(); ++i) {
    if (acked_reference.contains(c.ids[i]) && !index.contains(c.ids[i])) ++missing;
  }
  for (const std::size_t i : t.failed) landed_anyway += index.contains(c.ids[i]);
  WARN(landed_anyway << " of " << t.failed_docs << " documents of failed calls landed anyway");
  CHECK(missing == 0);
  std::vector<minhash_signature> tried_sigs;
  for (const std::size_t i : t.tried) tried_sigs.push_back(c.signatures[i]);
  const auto answers = index.query_batch(tried_sigs);
  std::size_t outside = 0;
  std::string first_problem;
  for (std::size_t q = 0; q < tried_sigs.size(); ++q) {
    const std::string problem = bounded(answers[q], acked_reference.query(tried_sigs[q]),
                                        tried_reference.query(tried_sigs[q]));
    if (!problem.empty() && outside++ == 0) first_problem = problem;
  }
  INFO(first_problem);
  CHECK(outside == 0);

  // The caller's retry of every failed call completes the index.
  std::vector<document_id> retry_ids;
  std::vector<minhash_signature> retry_sigs;
  std::vector<std::int64_t> retry_times;
  for (const std::size_t i : t.failed) {
    retry_ids.push_back(c.ids[i]);
    retry_sigs.push_back(c.signatures[i]);
    retry_times.push_back(c.times[i]);
  }
  index.insert_batch(retry_ids, retry_sigs, retry_times);
  CHECK(index.size() == tried_reference.size());
  CHECK(same_contents(index, tried_reference));
  std::size_t differing = 0;
  const auto after_retry = index.query_batch(tried_sigs);
  for (std::size_t q = 0; q < tried_sigs.size(); ++q) {
    differing += !same(after_retry[q], tried_reference.query(tried_sigs[q]));
  }
  CHECK(differing == 0);
}

TEST_CASE("fault: retries ride out a short restart", "[redis][fault]") {
  owned_redis server;
  const minhasher hasher({}, 3);
  const corpus c = make_corpus(hasher, 2000, 23);
  redis_options store = server.options("fault-ride");
  store.retries = 5;  // 100 + 200 + 400 + 800 + 1600 ms of patience
  store.retry_delay = 100ms;
  store.timeout = 1000ms;
  store.connect_timeout = 200ms;
  lsh_index index(bands_rows, hasher, store);
  lsh_index reference(bands_rows, hasher);

  std::atomic<bool> stop{false};
  struct {
    std::size_t calls = 0, docs = 0, queries = 0, differing = 0;
    double slowest = 0;
    std::vector<std::string> errors;
  } t;
  std::thread client([&] {
    std::mt19937_64 rng(3);
    std::size_t next = 0;
    while (!stop && next < c.ids.size()) {
      const std::size_t n =
          std::min<std::size_t>(rng() % 2 == 0 ? 1 : 2 + rng() % 7, c.ids.size() - next);
      const std::span<const document_id> ids(c.ids.data() + next, n);
      const std::span<const minhash_signature> sigs(c.signatures.data() + next, n);
      const std::span<const std::int64_t> times(c.times.data() + next, n);
      const auto start = steady::now();
      try {
        ++t.calls;
        if (n == 1) {
          index.insert(ids[0], sigs[0], times[0]);
        } else {
          index.insert_batch(ids, sigs, times);
        }
        reference.insert_batch(ids, sigs, times);
        t.docs += n;
        // Every call before this one succeeded: the answer is exact.
        if (rng() % 3 == 0) {
          const auto span = std::span<const minhash_signature>(c.signatures.data(), next + n)
                                .subspan(rng() % (next + n), 1);
          ++t.queries;
          t.differing += !same(index.query_batch(span)[0], reference.query(span[0]));
        }
      } catch (const std::exception& e) {
        t.errors.push_back(std::string(typeid(e).name()) + ": " + e.what());
      } catch (...) {
        t.errors.push_back("an exception not derived from std::exception");
      }
      t.slowest = std::max(t.slowest, seconds_since(start));
      next += n;
    }
  });
  joined_at_exit join{stop, client};

  std::vector<double> outage;
  for (int k = 0; k < 2; ++k) {
    std::this_thread::sleep_for(300ms);
    const auto killed = steady::now();
    server.kill();
    std::this_thread::sleep_for(100ms);
    server.restart();
    outage.push_back(seconds_since(killed));
  }
  std::this_thread::sleep_for(300ms);
  stop = true;
  client.join();

  WARN("2 restarts, outages " << outage[0] << " s and " << outage[1] << " s; " << t.calls
                              << " calls (" << t.docs << " documents), slowest call " << t.slowest
                              << " s; " << t.queries << " queries checked");
  INFO("first error: " << (t.errors.empty() ? "" : t.errors.front()));
  CHECK(t.errors.empty());
  CHECK(t.differing == 0);
  // The slowest call really waited out an outage: the retries did the work.
  CHECK(t.slowest > 0.1);
  CHECK(t.docs > 0);
  CHECK(index.size() == reference.size());
  CHECK(same_contents(index, reference));
}

TEST_CASE("fault: a stalled server times out", "[redis][fault]") {
  owned_redis server;
  const minhasher hasher({}, 3);
  const corpus c = make_corpus(hasher, 40, 31);
  redis_options store = server.options("fault-stall");
  store.timeout = 300ms;
  store.retries = 1;
  store.retry_delay = 50ms;
  store.connect_timeout = 300ms;
  lsh_index index(bands_rows, hasher, store);
  lsh_index reference(bands_rows, hasher);
  const std::size_t first = c.ids.size() - 10;
  const std::span<const document_id> ids(c.ids);
  const std::span<const minhash_signature> sigs(c.signatures);
  const std::span<const std::int64_t> times(c.times);
  index.insert_batch(ids.first(first), sigs.first(first), times.first(first));
  reference.insert_batch(ids.first(first), sigs.first(first), times.first(first));

  server.pause();  // should a check throw, SIGKILL at scope exit ends it all the same

  // The kernel still accepts connections for a stopped process: only the
  // read timeout can end the wait.
  const auto expect_timeout = [&](const char* what, auto&& call) {
    const auto start = steady::now();
    std::string message;
    bool thrown = false;
    try {
      call();
    } catch (const store_error& e) {
      thrown = true;
      message = e.what();
      CHECK(names_server(e, server.address()));
    }
    const double took = seconds_since(start);
    WARN(what << " on a stopped server: " << (thrown ? "store_error" : "no error") << " after "
              << took << " s: " << message);
    CHECK(thrown);
    CHECK(took >= 0.3);  // it waited for the timeout, at least once
    CHECK(took < 3.0);
    CHECK_THAT(message, Contains("timed out"));
  };
  expect_timeout("query", [&] { (void)index.query(c.signatures[0]); });
  expect_timeout("insert_batch", [&] {
    index.insert_batch(ids.subspan(first), sigs.subspan(first), times.subspan(first));
  });
  expect_timeout("contains", [&] { (void)index.contains(c.ids[0]); });
  // Opening an index on a stalled server fails the same way.
  expect_timeout("opening an index", [&] { lsh_index another(bands_rows, hasher, store); });

  server.resume();
  const auto resumed_at = steady::now();
  // The same object works again; the timed-out insert may have been applied
  // once the server read its socket, and repeating it completes it.
  CHECK(same(index.query(c.signatures[0]), reference.query(c.signatures[0])));
  const double recovery = seconds_since(resumed_at);
  index.insert_batch(ids.subspan(first), sigs.subspan(first), times.subspan(first));
  reference.insert_batch(ids.subspan(first), sigs.subspan(first), times.subspan(first));
  WARN("first answer " << recovery << " s after SIGCONT");
  CHECK(recovery < 1.0);
  CHECK(same_contents(index, reference));
  for (const minhash_signature& s : c.signatures) CHECK(same(index.query(s), reference.query(s)));
}

TEST_CASE("fault: nothing listens", "[redis][fault]") {
  const minhasher hasher({}, 3);
  redis_options store;
  store.host = "127.0.0.1";
  store.port = free_port();
  store.name = "fault-nobody";
  store.retries = 1;
  store.retry_delay = 10ms;
  const std::string address = "127.0.0.1:" + std::to_string(store.port);

  const auto expect_refused = [&](const char* what, auto&& call) {
    const auto start = steady::now();
    std::string message;
    bool thrown = false;
    try {
      call();
    } catch (const store_error& e) {
      thrown = true;
      message = e.what();
      CHECK(e.address() == address);
    }
    const double took = seconds_since(start);
    WARN(what << " with nothing listening: " << (thrown ? "store_error" : "no error") << " after "
              << took << " s: " << message);
    CHECK(thrown);
    CHECK(took < 1.0);
    CHECK_THAT(message, Contains(address));
    CHECK_THAT(message, Contains("cannot connect"));
  };
  expect_refused("opening an index", [&] { lsh_index index(bands_rows, hasher, store); });
  expect_refused("drop_redis_index", [&] { samestory::drop_redis_index(store); });
}

TEST_CASE("fault: a partial insert never makes queries wrong, and a retry completes it",
          "[redis][fault]") {
  owned_redis server;
  const minhasher hasher({}, 3);
  const corpus c = make_corpus(hasher, 60, 43);  // 300 documents
  const redis_options store = server.options("fault-partial");
  lsh_index index(bands_rows, hasher, store);
  lsh_index reference(bands_rows, hasher);
  index.insert_batch(c.ids, c.signatures, c.times);
  reference.insert_batch(c.ids, c.signatures, c.times);
  REQUIRE(same_contents(index, reference));

  // Surgery on the stored keys (layout of src/redis_lsh.cpp): records are
  // ss:NAME:d:<16 hex digits of id>, band buckets sets ss:NAME:b:<band>:<8 hex
  // tag> of decimal ids (as signed 64-bit), times the sorted sets ss:NAME:t:<0..15>.
  resp_connection raw(server.port(), 2000ms);
  REQUIRE(raw.is_open());
  const std::string prefix = "ss:" + store.name + ":";
  const auto record_key = [&](document_id id) {
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(id));
    return prefix + "d:" + hex;
  };
  std::vector<std::string> band_keys;
  for (const resp_reply& k : raw.must({"KEYS", prefix + "b:*"}).elements) {
    band_keys.push_back(k.str);
  }
  REQUIRE(band_keys.size() >= 16);

  // Families are 5 consecutive documents; each damage hits other families'
  // members and sometimes several of one family.
  std::set<document_id> no_record;              // bands landed, the record did not
  std::set<document_id> some_bands;             // the record landed, some band entries did not
  std::set<document_id> no_bands;               // the record landed, no band entry did
  std::map<document_id, std::size_t> replaced;  // a replace that wrote only its record
  for (std::size_t i = 0; i < c.ids.size(); ++i) {
    const document_id id = c.ids[i];
    switch (i % 7) {
      case 1:
        CHECK(raw.must({"DEL", record_key(id)}).integer == 1);
        no_record.insert(id);
        break;
      case 3:
        some_bands.insert(id);
        break;
      case 5:
        no_bands.insert(id);
        break;
      default:
        break;
    }
  }
  std::size_t removed_entries = 0;
  std::mt19937_64 rng(9);
  for (const std::string& key : band_keys) {
    for (const resp_reply& m : raw.must({"SMEMBERS", key}).elements) {
      const auto id = static_cast<document_id>(std::stoll(m.str));
      if (no_bands.count(id) != 0 || (some_bands.count(id) != 0 && rng() % 2 == 0)) {
        removed_entries += raw.must({"SREM", key, m.str}).integer;
      }
    }
  }
  // A replacement of document i by document i + 2's values that was cut
  // short after the record: its band entries still point at the old values.
  for (std::size_t i = 0; i + 2 < c.ids.size(); i += 35) {
    const resp_reply bytes = raw.must({"GET", record_key(c.ids[i + 2])});
    REQUIRE(bytes.type == '$');
    REQUIRE_FALSE(bytes.nil);
    raw.must({"SET", record_key(c.ids[i]), bytes.str});
    replaced[c.ids[i]] = i + 2;
  }
  WARN(no_record.size() << " records deleted, " << some_bands.size() << " + " << no_bands.size()
                        << " documents lost " << removed_entries << " band entries, "
                        << replaced.size() << " replacements cut short");

  // What the damaged index holds, as far as complete records go.
  lsh_index partial(bands_rows, hasher);
  for (std::size_t i = 0; i < c.ids.size(); ++i) {
    const auto r = replaced.find(c.ids[i]);
    const std::size_t from = r == replaced.end() ? i : r->second;
    if (no_record.count(c.ids[i]) == 0) {
      partial.insert(c.ids[i], c.signatures[from], c.times[from]);
    }
  }
  // Document ids whose band entries may be missing: may be absent from an answer.
  lsh_index certain(bands_rows, hasher);
  for (std::size_t i = 0; i < c.ids.size(); ++i) {
    const document_id id = c.ids[i];
    if (no_record.count(id) == 0 && some_bands.count(id) == 0 && no_bands.count(id) == 0 &&
        replaced.count(id) == 0) {
      certain.insert(id, c.signatures[i], c.times[i]);
    }
  }

  for (const document_id id : no_record) CHECK_FALSE(index.contains(id));
  for (const document_id id : no_bands) CHECK(index.contains(id));
  std::size_t wrong = 0;
  std::size_t fewer = 0;
  std::string first_problem;
  const auto answers = index.query_batch(c.signatures);
  for (std::size_t q = 0; q < c.ids.size(); ++q) {
    const auto got = index.query(c.signatures[q]);
    // Only complete records, each with the values it has now.
    std::string problem =
        bounded(got, certain.query(c.signatures[q]), partial.query(c.signatures[q]));
    if (problem.empty() && !same(got, answers[q])) problem = "query_batch differs from query";
    if (!problem.empty() && wrong++ == 0) first_problem = problem;
    fewer += got.size() < reference.query(c.signatures[q]).size();
  }
  INFO(first_problem);
  CHECK(wrong == 0);
  WARN(fewer << " of " << c.ids.size() << " queries answered with fewer matches before the retry");
  CHECK(fewer > 0);  // the damage was visible

  // The caller repeats the call that was cut short.
  index.insert_batch(c.ids, c.signatures, c.times);
  CHECK(same_contents(index, reference));
  CHECK(index.size() == reference.size());
  std::size_t differing = 0;
  const auto repaired = index.query_batch(c.signatures);
  for (std::size_t q = 0; q < c.ids.size(); ++q) {
    const auto expected = reference.query(c.signatures[q]);
    differing += !same(index.query(c.signatures[q]), expected);
    differing += !same(repaired[q], expected);
    differing += index.candidates(c.signatures[q]) != reference.candidates(c.signatures[q]);
  }
  CHECK(differing == 0);
}

TEST_CASE("fault: a large batch after a restart reconnects, and SIGPIPE does not kill the caller",
          "[redis][fault]") {
  owned_redis server;
  const minhasher hasher({}, 3);
  const corpus c = make_corpus(hasher, 202, 53);  // 1010 documents
  redis_options store = server.options("fault-pipe");
  store.retries = 3;
  store.retry_delay = 50ms;
  lsh_index index(bands_rows, hasher, store);
  lsh_index reference(bands_rows, hasher);
  const std::size_t first = 10;
  const std::span<const document_id> all_ids(c.ids);
  const std::span<const minhash_signature> all_sigs(c.signatures);
  const std::span<const std::int64_t> all_times(c.times);
  index.insert_batch(all_ids.first(first), all_sigs.first(first), all_times.first(first));
  reference.insert_batch(c.ids, c.signatures, c.times);
  // The client still holds the connection the restart killed and finds out
  // only when it next uses it. A pipeline larger than the socket buffer
  // takes several writes; once the dead peer answers the first with RST,
  // the next one fails with EPIPE and raises SIGPIPE unless the library
  // suppresses it.
  server.restart();
  const auto ids = all_ids.subspan(first);
  const auto sigs = all_sigs.subspan(first);
  const auto times = all_times.subspan(first);

  // In a child process, so that a SIGPIPE fails this test instead of ending
  // the whole run. No other thread runs here, so fork() is safe.
  int report[2];
  REQUIRE(::pipe(report) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(report[0]);
    int code = 0;
    std::string what;
    try {
      index.insert_batch(ids, sigs, times);
    } catch (const std::exception& e) {
      code = 3;
      what = e.what();
    }
    if (!what.empty()) (void)!::write(report[1], what.data(), what.size());
    ::_exit(code);
  }
  ::close(report[1]);
  std::string what;
  char chunk[512];
  for (ssize_t n; (n = ::read(report[0], chunk, sizeof chunk)) > 0;) {
    what.append(chunk, static_cast<std::size_t>(n));
  }
  ::close(report[0]);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  const std::string outcome = WIFSIGNALED(status)
                                  ? "killed by signal " + std::to_string(WTERMSIG(status)) +
                                        (WTERMSIG(status) == SIGPIPE ? " (SIGPIPE)" : "")
                                  : "exit " + std::to_string(WEXITSTATUS(status));
  INFO("a " << ids.size() << "-document insert_batch just after a server restart");
  INFO(what);
  CHECK(outcome == "exit 0");
  // The retry inside the child reconnected and wrote everything. Checked on
  // a connection of its own: the parent's copy of the child's socket is
  // dead, and writing to it would raise SIGPIPE here too.
  const lsh_index fresh(bands_rows, hasher, store);
  CHECK(same_contents(fresh, reference));
}

TEST_CASE("fault: a story-state append whose reply was lost is resent and accepted once",
          "[redis][fault]") {
  // The server is stalled while an add() is in flight: the client times
  // out, the server later runs the append anyway, and the client's resend
  // finds it applied. The fence must take the resend for what it is, not for
  // another writer, and the log must hold the document once.
  owned_redis server;
  redis_options store = server.options("fault-lost-reply");
  store.timeout = 300ms;
  store.retries = 5;
  store.retry_delay = 200ms;
  samestory::document first;
  first.id = 1;
  first.text = "the first article of the story, long enough to be signed as one";
  first.time = 1'700'000'000;
  samestory::document second = first;
  second.id = 2;
  second.text = "an unrelated second article about the harbour and its new cranes";
  {
    samestory::durable_clusterer state(store);
    state.add(first);
    server.pause();
    std::thread wake([&] {
      std::this_thread::sleep_for(700ms);
      server.resume();
    });
    samestory::assignment a;
    CHECK_NOTHROW(a = state.add(second));
    wake.join();
    CHECK(a.id == 2);
    CHECK(state.clusterer().documents().size() == 2);
  }
  samestory::durable_clusterer reopened(store);
  CHECK(reopened.recovery().records_replayed == 2);
  CHECK(reopened.clusterer().documents().size() == 2);
}
