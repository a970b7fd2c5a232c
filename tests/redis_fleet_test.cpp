// Many clients on one shared index: separate processes that insert and query
// the same named index at once, and clients that keep working while the
// Redis Cluster moves slots between its nodes under them (redis-cli reshard,
// or by hand with a slot held half-migrated). In all, the shared index must
// answer exactly as an in-memory index fed the same documents.
#include <samestory/error.hpp>
#include <samestory/lsh_index.hpp>
#include <samestory/minhash.hpp>

#include "../src/redis_client.hpp"
#include "support/matches.hpp"
#include "support/redis.hpp"
#include "support/sets.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <random>
#include <set>
#include <span>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

using samestory::document_id;
using samestory::lsh_index;
using samestory::lsh_parameters;
using samestory::match;
using samestory::minhash_signature;
using samestory::minhasher;
using samestory::query_options;
using samestory::redis_options;
using samestory::test::same;

namespace {

using clock_type = std::chrono::steady_clock;

constexpr lsh_parameters fleet_parameters{32, 4};

query_options near_duplicates() {
  query_options o;
  o.min_jaccard = 0.5;
  return o;
}

struct documents {
  std::vector<document_id> ids;
  std::vector<minhash_signature> signatures;
  std::vector<std::int64_t> times;

  void add(document_id id, minhash_signature signature, std::int64_t time) {
    ids.push_back(id);
    signatures.push_back(std::move(signature));
    times.push_back(time);
  }
  std::size_t size() const { return ids.size(); }
};

// Per document: the process that inserts it and its near-duplicate partner
// (SIZE_MAX for an unrelated document).
struct fleet_corpus {
  documents docs;
  std::vector<int> owner;
  std::vector<std::size_t> partner;
  std::size_t pairs = 0;
};

constexpr int fleet_processes = 4;

// 700 near-duplicate pairs (Jaccard 0.9/1.1 ≈ 0.82) and 600 unrelated
// documents, shuffled. The two members of a pair always go to different
// processes, so finding one from the other needs the other process's writes.
fleet_corpus make_fleet_corpus(const minhasher& hasher) {
  std::mt19937_64 rng(11);
  struct planned {
    std::vector<std::uint64_t> set;
    int owner;
    std::size_t partner_slot;  // index into `plan`, or SIZE_MAX
  };
  std::vector<planned> plan;
  constexpr std::size_t pairs = 700;
  constexpr std::size_t unrelated = 600;
  for (std::size_t p = 0; p < pairs; ++p) {
    const auto base = samestory::test::random_set(rng, 150 + rng() % 100);
    const int a = static_cast<int>(p % fleet_processes);
    const int b =
        static_cast<int>((p % fleet_processes + 1 + (p / fleet_processes) % 3) % fleet_processes);
    plan.push_back({base, a, plan.size() + 1});
    plan.push_back({samestory::test::edited(rng, base, 0.1), b, plan.size() - 1});
  }
  for (std::size_t u = 0; u < unrelated; ++u) {
    plan.push_back({samestory::test::random_set(rng, 150 + rng() % 100),
                    static_cast<int>(u % fleet_processes), SIZE_MAX});
  }
  std::vector<std::size_t> order(plan.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<std::size_t> position(plan.size());
  for (std::size_t i = 0; i < order.size(); ++i) position[order[i]] = i;

  fleet_corpus c;
  c.pairs = pairs;
  for (std::size_t i = 0; i < order.size(); ++i) {
    const planned& d = plan[order[i]];
    // Ids spread over the whole 64-bit range (an odd multiplier is a bijection).
    c.docs.add((i + 1) * 0x9E3779B97F4A7C15ULL, hasher.sign(d.set),
               static_cast<std::int64_t>(1'700'000'000 + i));
    c.owner.push_back(d.owner);
    c.partner.push_back(d.partner_slot == SIZE_MAX ? SIZE_MAX : position[d.partner_slot]);
  }
  return c;
}

bool finds(const std::vector<match>& result, document_id id, double* jaccard = nullptr) {
  for (const match& m : result) {
    if (m.id == id) {
      if (jaccard != nullptr) *jaccard = m.jaccard;
      return true;
    }
  }
  return false;
}

// The body of one child process: opens the index itself and inserts its share
// in batches, querying between them. No Catch2 here (it is not fork-aware):
// failures go to stderr and the exit status.
int fleet_child(int process, const fleet_corpus& c, const redis_options& store,
                const minhasher& hasher) {
  std::vector<std::size_t> share;
  for (std::size_t i = 0; i < c.docs.size(); ++i) {
    if (c.owner[i] == process) share.push_back(i);
  }
  lsh_index index(fleet_parameters, hasher, store);
  constexpr std::size_t batch_size = 50;
  std::size_t failures = 0;
  std::size_t partners_seen = 0;
  documents batch;
  for (std::size_t from = 0; from < share.size(); from += batch_size) {
    batch = {};
    for (std::size_t j = from; j < std::min(share.size(), from + batch_size); ++j) {
      const std::size_t i = share[j];
      batch.add(c.docs.ids[i], c.docs.signatures[i], c.docs.times[i]);
    }
    index.insert_batch(batch.ids, batch.signatures, batch.times);
    // Read-your-writes: each document just inserted finds itself, exactly.
    const auto results = index.query_batch(batch.signatures, near_duplicates());
    for (std::size_t d = 0; d < batch.size(); ++d) {
      double j = 0;
      if (!finds(results[d], batch.ids[d], &j) || j != 1.0) {
        if (++failures <= 5) {
          std::fprintf(stderr, "fleet process %d: document %llu not found right after its insert\n",
                       process, static_cast<unsigned long long>(batch.ids[d]));
        }
      }
      // Partners are another process's: found or not depends on timing.
      const std::size_t p = c.partner[share[from + d]];
      partners_seen += p != SIZE_MAX && finds(results[d], c.docs.ids[p]);
    }
  }
  // Everything this process wrote is still there, whatever the others did.
  documents mine;
  for (const std::size_t i : share) mine.add(c.docs.ids[i], c.docs.signatures[i], c.docs.times[i]);
  const auto results = index.query_batch(mine.signatures, near_duplicates());
  for (std::size_t d = 0; d < mine.size(); ++d) {
    if (!finds(results[d], mine.ids[d]) && ++failures <= 10) {
      std::fprintf(stderr, "fleet process %d: document %llu lost after the inserts\n", process,
                   static_cast<unsigned long long>(mine.ids[d]));
    }
  }
  if (failures > 0) {
    std::fprintf(stderr, "fleet process %d: %zu failed checks\n", process, failures);
    return 1;
  }
  std::fprintf(stderr, "fleet process %d: %zu documents, %zu partners seen while inserting\n",
               process, share.size(), partners_seen);
  return 0;
}

// Forks the fleet, releases it at once through a pipe (so the processes open
// the index and insert at the same time), and waits for every exit status.
void run_fleet(const fleet_corpus& c, const redis_options& store, const minhasher& hasher) {
  int go[2];
  REQUIRE(::pipe(go) == 0);
  std::fflush(stdout);  // the children must not write the parent's buffers again
  std::fflush(stderr);
  std::vector<pid_t> children;
  for (int p = 0; p < fleet_processes; ++p) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::close(go[1]);
      char byte = 0;
      while (::read(go[0], &byte, 1) < 0 && errno == EINTR) {
      }
      int status = 3;
      try {
        status = fleet_child(p, c, store, hasher);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "fleet process %d: exception: %s\n", p, e.what());
        status = 2;
      } catch (...) {
        std::fprintf(stderr, "fleet process %d: unknown exception\n", p);
      }
      // _exit: no destructors of the parent's objects (they would drop the index).
      ::_exit(status);
    }
    if (pid < 0) break;
    children.push_back(pid);
  }
  ::close(go[0]);
  ::close(go[1]);  // end of file on the pipe: go
  CHECK(children.size() == fleet_processes);

  // A hung child is killed after two minutes rather than hanging the run.
  const auto deadline = clock_type::now() + std::chrono::minutes(2);
  for (std::size_t p = 0; p < children.size(); ++p) {
    int status = 0;
    pid_t done = 0;
    while ((done = ::waitpid(children[p], &status, WNOHANG)) == 0) {
      if (clock_type::now() > deadline) {
        ::kill(children[p], SIGKILL);
        done = ::waitpid(children[p], &status, 0);
        FAIL_CHECK("fleet process " << p << " did not finish within 2 minutes");
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    INFO("fleet process " << p << " (see its stderr)");
    CHECK(done == children[p]);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
}

void check_fleet(const char* which) {
  const minhasher hasher({}, 5);
  const fleet_corpus c = make_fleet_corpus(hasher);
  REQUIRE(c.docs.size() == 2000);
  samestory::test::dropped_at_exit store{samestory::test::redis_store(which, "fleet")};

  // Before any thread exists in this process: fork() copies only the caller.
  const auto started = clock_type::now();
  run_fleet(c, store.store, hasher);
  const double fleet_seconds = std::chrono::duration<double>(clock_type::now() - started).count();

  lsh_index reference(fleet_parameters, hasher);
  reference.insert_batch(c.docs.ids, c.docs.signatures, c.docs.times);
  lsh_index shared(fleet_parameters, hasher, store.store);
  REQUIRE(shared.size() == c.docs.size());
  std::vector<document_id> stored = shared.ids();
  std::vector<document_id> expected_ids = c.docs.ids;
  std::sort(stored.begin(), stored.end());
  std::sort(expected_ids.begin(), expected_ids.end());
  CHECK(stored == expected_ids);
  CHECK(shared.save() == reference.save());

  const auto results = shared.query_batch(c.docs.signatures, near_duplicates());
  REQUIRE(results.size() == c.docs.size());
  std::size_t differing = 0;
  std::size_t pairs_found = 0;  // counted from each side
  std::size_t strays = 0;       // anything but the document itself and its partner
  for (std::size_t d = 0; d < c.docs.size(); ++d) {
    differing += !same(results[d], reference.query(c.docs.signatures[d], near_duplicates()));
    const std::size_t p = c.partner[d];
    pairs_found += p != SIZE_MAX && finds(results[d], c.docs.ids[p]);
    for (const match& m : results[d]) {
      strays += m.id != c.docs.ids[d] && (p == SIZE_MAX || m.id != c.docs.ids[p]);
    }
  }
  CHECK(differing == 0);
  CHECK(pairs_found == 2 * c.pairs);
  CHECK(strays == 0);
  std::printf("fleet on the %s Redis: %d processes inserted %zu documents in %.2f s\n", which,
              fleet_processes, c.docs.size(), fleet_seconds);

  // Other settings under the same name are refused, naming the setting, and
  // the refused open leaves the index as it was.
  CHECK_THROWS_AS(lsh_index({16, 8}, hasher, store.store), samestory::settings_mismatch_error);
  CHECK_THROWS_WITH(lsh_index({16, 8}, hasher, store.store),
                    Catch::Contains("bands = 32") && Catch::Contains("bands = 16"));
  try {
    lsh_index other(fleet_parameters, minhasher({}, 6), store.store);
    FAIL("a hasher of another fingerprint opened the index");
  } catch (const samestory::settings_mismatch_error& e) {
    CHECK(e.setting() == "signature_fingerprint");
    CHECK_THAT(e.what(), Catch::Contains("signature_fingerprint"));
  }
  CHECK(shared.size() == c.docs.size());
}

// ---- resharding

// Runs a shell command, its output into `log`. @return its exit status
int run_logged(const std::string& command, const std::string& log) {
  const int status = std::system((command + " >" + log + " 2>&1 </dev/null").c_str());
  return status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string read_text(const std::string& file) {
  std::ifstream in(file);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct cluster_node {
  std::string host;
  std::string port;
  std::string cli() const { return "timeout 60 redis-cli -h " + host + " -p " + port; }
};

std::vector<cluster_node> cluster_nodes() {
  const char* env = std::getenv("SAMESTORY_REDIS_CLUSTER_NODES");
  if (env == nullptr || *env == '\0') {
    FAIL(
        "SAMESTORY_REDIS_CLUSTER_NODES is not set: start servers with scripts/redis-servers "
        "start DIR and source DIR/env, or skip the Redis tests with ctest -LE redis");
  }
  std::vector<cluster_node> nodes;
  std::istringstream in(env);
  std::string address;
  while (in >> address) {
    const std::size_t colon = address.rfind(':');
    REQUIRE(colon != std::string::npos);
    nodes.push_back({address.substr(0, colon), address.substr(colon + 1)});
  }
  return nodes;
}

// A scratch directory for redis-cli's output, removed on scope exit.
struct scratch_dir {
  std::string path;
  scratch_dir() {
    char name[] = "/tmp/samestory-fleet-XXXXXX";
    REQUIRE(::mkdtemp(name) != nullptr);
    path = name;
  }
  ~scratch_dir() { std::system(("rm -rf '" + path + "'").c_str()); }
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;
};

std::string node_id(const cluster_node& n, const scratch_dir& dir) {
  const std::string log = dir.path + "/myid";
  INFO(n.host << ":" << n.port << " cluster myid");
  REQUIRE(run_logged(n.cli() + " cluster myid", log) == 0);
  std::string id = read_text(log);
  while (!id.empty() && (id.back() == '\n' || id.back() == '\r')) id.pop_back();
  INFO("answer: " << id);
  REQUIRE(id.size() == 40);
  return id;
}

// The slots a node says it owns, from the "myself" line of its CLUSTER NODES.
std::set<int> myself_slots(const std::string& cluster_nodes) {
  std::istringstream lines(cluster_nodes);
  std::string line;
  std::set<int> slots;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::vector<std::string> f;
    for (std::string s; fields >> s;) f.push_back(s);
    if (f.size() < 3 || f[2].find("myself") == std::string::npos) continue;
    for (std::size_t i = 8; i < f.size(); ++i) {
      if (f[i].front() == '[') continue;  // a slot being imported or migrated
      const std::size_t dash = f[i].find('-');
      const int first = std::stoi(f[i].substr(0, dash));
      const int last = dash == std::string::npos ? first : std::stoi(f[i].substr(dash + 1));
      for (int s = first; s <= last; ++s) slots.insert(s);
    }
  }
  return slots;
}

std::set<int> owned_slots(const cluster_node& n, const scratch_dir& dir) {
  const std::string log = dir.path + "/nodes";
  REQUIRE(run_logged(n.cli() + " cluster nodes", log) == 0);
  return myself_slots(read_text(log));
}

// Keys of the index (prefix "ss:NAME:") that node n holds in `slots`, asked
// of the server itself so the count does not depend on our slot function.
std::size_t keys_in_slots(const cluster_node& n, const std::vector<int>& slots,
                          const std::string& name, const scratch_dir& dir) {
  const std::string commands = dir.path + "/getkeys";
  {
    std::ofstream out(commands);
    for (const int s : slots) out << "CLUSTER GETKEYSINSLOT " << s << " 1000000\n";
  }
  const std::string log = dir.path + "/keys";
  REQUIRE(std::system((n.cli() + " <" + commands + " >" + log + " 2>&1").c_str()) == 0);
  std::istringstream lines(read_text(log));
  const std::string prefix = "ss:" + name + ":";
  std::size_t count = 0;
  for (std::string line; std::getline(lines, line);) count += line.rfind(prefix, 0) == 0;
  return count;
}

// Redirects the cluster's nodes have answered since they started, from INFO
// errorstats: MOVED and ASK. Other tests' clients count too.
struct redirects {
  std::size_t moved = 0;
  std::size_t ask = 0;
};

redirects redirects_answered(const std::vector<cluster_node>& nodes, const scratch_dir& dir) {
  redirects r;
  const std::string log = dir.path + "/errorstats";
  for (const cluster_node& n : nodes) {
    REQUIRE(run_logged(n.cli() + " info errorstats", log) == 0);
    std::istringstream lines(read_text(log));
    for (std::string line; std::getline(lines, line);) {
      const std::size_t at = line.find(":count=");
      if (at == std::string::npos) continue;
      const std::size_t count = std::stoul(line.substr(at + 7));
      if (line.rfind("errorstat_MOVED:", 0) == 0) r.moved += count;
      if (line.rfind("errorstat_ASK:", 0) == 0) r.ask += count;
    }
  }
  return r;
}

void reshard(const cluster_node& entry, const std::string& from, const std::string& to, int slots,
             const scratch_dir& dir, const std::string& log_name) {
  const std::string log = dir.path + "/" + log_name;
  const std::string command = "timeout 120 redis-cli --cluster reshard " + entry.host + ":" +
                              entry.port + " --cluster-from " + from + " --cluster-to " + to +
                              " --cluster-slots " + std::to_string(slots) + " --cluster-yes";
  const int status = run_logged(command, log);
  // The output has a line per slot and a dot per key moved: its end says why.
  const std::string output = read_text(log);
  INFO(command << "\nexited with " << status << ", the end of its output:\n"
               << output.substr(output.size() - std::min<std::size_t>(output.size(), 3000)));
  REQUIRE(status == 0);
}

// One client thread: inserts batches of 50 documents (a third of them edits
// of the previous batch's, so queries have near-duplicates to find) and after
// each insert queries the batch, until told to stop. No Catch2 here (not
// thread-safe): it counts.
struct client {
  int number = 0;
  documents inserted;  // only batches whose insert_batch returned
  std::size_t misses = 0;
  std::size_t errors = 0;
  std::string first_error;
  double slowest_batch = 0;  // seconds, insert and query
};

void run_client(client& me, const redis_options& store, const minhasher& hasher,
                const std::atomic<bool>& stop, std::atomic<std::size_t>& inserted) {
  try {
    lsh_index index(fleet_parameters, hasher, store);
    std::mt19937_64 rng(1000 + static_cast<std::uint64_t>(me.number));
    std::vector<std::vector<std::uint64_t>> previous;
    std::uint64_t next = static_cast<std::uint64_t>(me.number + 1) << 40;
    while (!stop.load()) {
      documents batch;
      std::vector<std::vector<std::uint64_t>> sets;
      for (int d = 0; d < 50; ++d) {
        sets.push_back(!previous.empty() && rng() % 3 == 0
                           ? samestory::test::edited(rng, previous[rng() % previous.size()], 0.1)
                           : samestory::test::random_set(rng, 150 + rng() % 100));
        ++next;
        batch.add(next * 0x9E3779B97F4A7C15ULL, hasher.sign(sets.back()),
                  static_cast<std::int64_t>(next));
      }
      previous = std::move(sets);
      // An insert that failed is repeated (inserts are idempotent), so the
      // stored documents stay those of `inserted` and comparable; but any
      // failure fails the test: redirects must not surface.
      for (;;) {
        const auto started = clock_type::now();
        try {
          index.insert_batch(batch.ids, batch.signatures, batch.times);
          const auto results = index.query_batch(batch.signatures, near_duplicates());
          for (std::size_t d = 0; d < batch.size(); ++d) {
            double j = 0;
            me.misses += !finds(results[d], batch.ids[d], &j) || j != 1.0;
          }
          me.slowest_batch = std::max(
              me.slowest_batch, std::chrono::duration<double>(clock_type::now() - started).count());
          break;
        } catch (const std::exception& e) {
          if (me.errors++ == 0) me.first_error = e.what();
          if (me.errors >= 20) throw;
        }
      }
      for (std::size_t d = 0; d < batch.size(); ++d) {
        me.inserted.add(batch.ids[d], batch.signatures[d], batch.times[d]);
      }
      inserted.fetch_add(batch.size());
      // About 250 documents a second per client: every batch still meets
      // the slots in motion, but the keys to migrate (33 per document) stay
      // few enough for redis-cli to move 2000 slots in seconds.
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  } catch (const std::exception& e) {
    ++me.errors;
    if (me.first_error.empty()) me.first_error = e.what();
  }
}

// ---- slots moved by hand

// Tests that move slots run one at a time: redis-cli --cluster reshard
// refuses a cluster with an open slot (and its clean-up, --cluster fix, would
// close ours its own way), and each test expects the owners it found at its
// start. ctest -j runs test cases as separate processes, hence a file lock,
// one per cluster.
class slot_mover_lock {
 public:
  slot_mover_lock() {
    const char* cluster = std::getenv("SAMESTORY_REDIS_CLUSTER");
    std::string name = cluster != nullptr ? cluster : "";
    for (char& c : name) {
      if (std::isalnum(static_cast<unsigned char>(c)) == 0) c = '-';
    }
    const std::string path = "/tmp/samestory-slot-movers-" + name + ".lock";
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    INFO(path);
    REQUIRE(fd_ >= 0);
    // The reshard test holds it for its whole run, several seconds.
    const auto deadline = clock_type::now() + std::chrono::minutes(5);
    while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      if ((errno != EWOULDBLOCK && errno != EINTR) || clock_type::now() > deadline) {
        ::close(fd_);
        FAIL("cannot lock " << path << " within 5 minutes");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  ~slot_mover_lock() { ::close(fd_); }
  slot_mover_lock(const slot_mover_lock&) = delete;
  slot_mover_lock& operator=(const slot_mover_lock&) = delete;

 private:
  int fd_ = -1;
};

// One command on node n through redis-cli, its reply as redis-cli prints it
// ("OK", an error's text, one line per array element). redis-cli exits 0 on
// an error reply too, so callers read the reply. No Catch2 assertions: the
// clean-up guards call it from destructors.
std::string redis_command(const cluster_node& n, const std::string& args, const scratch_dir& dir) {
  const std::string log = dir.path + "/command";
  const int status = run_logged(n.cli() + " " + args, log);
  std::string out = read_text(log);
  while (!out.empty() && std::isspace(static_cast<unsigned char>(out.back())) != 0) out.pop_back();
  return status == 0 ? out : "redis-cli exited with " + std::to_string(status) + ": " + out;
}

std::string set_slot(const cluster_node& n, int slot, const std::string& state,
                     const scratch_dir& dir) {
  return redis_command(n, "cluster setslot " + std::to_string(slot) + " " + state, dir);
}

// Every key node n holds in `slot`, whoever's. false when n did not answer.
bool keys_in_slot(const cluster_node& n, int slot, const scratch_dir& dir,
                  std::vector<std::string>& keys) {
  keys.clear();
  const std::string log = dir.path + "/slot-keys";
  if (run_logged(n.cli() + " cluster getkeysinslot " + std::to_string(slot) + " 1000000", log) !=
      0) {
    return false;
  }
  std::istringstream lines(read_text(log));
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) keys.push_back(line);
  }
  // An error reply is one line of text: no key of ours looks like it.
  return keys.size() != 1 || keys[0].rfind("ERR", 0) != 0;
}

// MIGRATE ... KEYS: moves `keys` from node `from` to node `to` in one round
// trip. @return the reply: OK, or NOKEY when none was there any more
std::string migrate_keys(const cluster_node& from, const cluster_node& to,
                         std::span<const std::string> keys, const scratch_dir& dir) {
  std::string args = "migrate " + to.host + " " + to.port + " '' 0 5000 keys";
  for (const std::string& k : keys) args += " '" + k + "'";
  return redis_command(from, args, dir);
}

// Moves every key of `slot` from `from` to `to`, the slot open on both.
// @return "" or what went wrong
std::string empty_slot(const cluster_node& from, const cluster_node& to, int slot,
                       const scratch_dir& dir) {
  // Other tests' clients write too; new keys of a migrating slot go to the
  // target, so the source only drains.
  for (int round = 0; round < 20; ++round) {
    std::vector<std::string> keys;
    if (!keys_in_slot(from, slot, dir, keys)) return "CLUSTER GETKEYSINSLOT failed";
    if (keys.empty()) return "";
    for (std::size_t at = 0; at < keys.size(); at += 200) {
      const std::span<const std::string> part(keys.data() + at,
                                              std::min<std::size_t>(200, keys.size() - at));
      const std::string reply = migrate_keys(from, to, part, dir);
      if (reply != "OK" && reply != "NOKEY") return "MIGRATE: " + reply;
    }
  }
  return "the source still has keys after 20 rounds of MIGRATE";
}

// Puts `slot` back on node `home` with all its keys and no node importing or
// migrating it, from whatever state a test stopped in: owned by another node
// or by home, open or stable. Best effort. @return "" or the first trouble
std::string bring_slot_home(int slot, std::size_t home, const std::vector<cluster_node>& nodes,
                            const std::vector<std::string>& ids, const scratch_dir& dir) {
  std::string trouble;
  const auto note = [&](const std::string& what, const std::string& reply) {
    if (trouble.empty() && !reply.empty() && reply != "OK") trouble = what + ": " + reply;
  };
  // The owner by its own word; between the SETSLOT NODE of a move's target
  // and its source both claim the slot, and the target is the owner then.
  std::size_t owner = home;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (i != home && run_logged(nodes[i].cli() + " cluster nodes", dir.path + "/nodes") == 0 &&
        myself_slots(read_text(dir.path + "/nodes")).count(slot) != 0) {
      owner = i;
    }
  }
  if (owner != home) {
    note("importing", set_slot(nodes[home], slot, "importing " + ids[owner], dir));
    note("migrating", set_slot(nodes[owner], slot, "migrating " + ids[home], dir));
  } else {
    // A migrating node answers the keys sent back to it with ASK.
    note("stable", set_slot(nodes[home], slot, "stable", dir));
  }
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    std::vector<std::string> keys;
    if (i == home || !keys_in_slot(nodes[i], slot, dir, keys) || keys.empty()) continue;
    // MIGRATE runs on a node that does not own the slot only while it is open there.
    if (i != owner) note("importing", set_slot(nodes[i], slot, "importing " + ids[home], dir));
    note("emptying", empty_slot(nodes[i], nodes[home], slot, dir));
  }
  // Home first: closing its import bumps its epoch, so the cluster takes its word.
  note("node", set_slot(nodes[home], slot, "node " + ids[home], dir));
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (i != home) note("node", set_slot(nodes[i], slot, "node " + ids[home], dir));
  }
  for (const cluster_node& n : nodes) note("stable", set_slot(n, slot, "stable", dir));
  return trouble;
}

// Document ids whose record key (ss:NAME:d: and 16 hex digits,
// src/redis_lsh.cpp) lands in a given slot, or not: ids are the caller's, so
// the test chooses where records live. Both kinds come from the sequence
// i * 0x9E3779B97F4A7C15 (a bijection), so no id is handed out twice.
class slot_ids {
 public:
  slot_ids(const std::string& name, int slot) : prefix_("ss:" + name + ":d:"), slot_(slot) {}

  document_id next(bool in_slot) {
    std::uint64_t& i = in_slot ? inside_ : outside_;
    for (;;) {
      const document_id id = ++i * 0x9E3779B97F4A7C15ULL;
      if ((samestory::detail::redis_key_slot(record_key(id)) == slot_) == in_slot) return id;
    }
  }

  std::string record_key(document_id id) const {
    static constexpr char digits[] = "0123456789abcdef";
    std::string key = prefix_ + "0000000000000000";
    for (std::size_t i = key.size(); id != 0; id >>= 4) key[--i] = digits[id & 0xF];
    return key;
  }

 private:
  std::string prefix_;
  int slot_;
  std::uint64_t inside_ = 0;
  std::uint64_t outside_ = 0;
};

// The shared index and an in-memory one, fed the same operations.
struct mirrored_index {
  mirrored_index(lsh_index& s, lsh_index& r, const minhasher& h, slot_ids& ids)
      : shared(s), reference(r), hasher(h), source(ids) {}

  lsh_index& shared;
  lsh_index& reference;
  const minhasher& hasher;
  slot_ids& source;
  std::mt19937_64 rng{29};
  documents versions;  // every version of every document ever inserted
  std::vector<std::vector<std::uint64_t>> sets;
  std::vector<bool> in_slot;
  std::unordered_map<document_id, std::size_t> latest;  // id -> its last version
  std::int64_t next_time = 1'700'000'000;
  std::vector<document_id> new_in_slot;  // the last mutate()'s new documents in the slot

  void add(document_id id, std::vector<std::uint64_t> set, bool here, documents& batch) {
    batch.add(id, hasher.sign(set), next_time++);
    latest[id] = versions.size();
    versions.add(id, batch.signatures.back(), batch.times.back());
    sets.push_back(std::move(set));
    in_slot.push_back(here);
  }
  void insert(const documents& batch) {
    shared.insert_batch(batch.ids, batch.signatures, batch.times);
    reference.insert_batch(batch.ids, batch.signatures, batch.times);
  }
  // A stored document (its last version's index) in the slot or not,
  // looked for from a random version on.
  std::size_t stored(bool here) {
    const std::size_t from = rng() % versions.size();
    for (std::size_t k = 0; k < versions.size(); ++k) {
      const std::size_t v = (from + k) % versions.size();
      const document_id id = versions.ids[v];
      if (in_slot[v] == here && latest[id] == v && reference.contains(id)) return v;
    }
    FAIL("no stored document " << (here ? "in" : "outside") << " the slot");
    return 0;
  }
};

// Every kind of read, on both, compared answer by answer.
void check_same_answers(mirrored_index& m, const char* when) {
  INFO(when);
  const auto got = m.shared.query_batch(m.versions.signatures, near_duplicates());
  const auto expected = m.reference.query_batch(m.versions.signatures, near_duplicates());
  std::size_t differing = 0;
  std::size_t with_duplicates = 0;
  for (std::size_t d = 0; d < got.size(); ++d) {
    differing += !same(got[d], expected[d]);
    with_duplicates += got[d].size() > 1;
  }
  CHECK(differing == 0);
  CHECK(with_duplicates > m.versions.size() / 2);  // the families are found
  std::size_t queries = 0;
  std::size_t by_id = 0;
  std::size_t candidates = 0;
  std::size_t contains = 0;
  for (int s = 0; s < 30; ++s) {
    const std::size_t v = m.rng() % m.versions.size();
    const minhash_signature& signature = m.versions.signatures[v];
    const document_id id = m.versions.ids[v];
    queries += !same(m.shared.query(signature), m.reference.query(signature));
    by_id += !same(m.shared.query_id(id, near_duplicates()),
                   m.reference.query_id(id, near_duplicates()));
    candidates += m.shared.candidates(signature) != m.reference.candidates(signature);
    contains += m.shared.contains(id) != m.reference.contains(id);
  }
  CHECK(queries == 0);
  CHECK(by_id == 0);
  CHECK(candidates == 0);
  CHECK(contains == 0);
  CHECK(m.shared.size() == m.reference.size());
  std::vector<document_id> stored = m.shared.ids();
  std::vector<document_id> expected_ids = m.reference.ids();
  std::sort(stored.begin(), stored.end());
  std::sort(expected_ids.begin(), expected_ids.end());
  CHECK(stored == expected_ids);
  CHECK(m.shared.save() == m.reference.save());
}

// Inserts (new documents, most in the slot, and new versions of stored
// ones), removes and an eviction, on both, results compared.
// @return how many documents were inserted
std::size_t mutate(mirrored_index& m) {
  // New family members; for a slot being migrated their record keys exist
  // nowhere yet, so the source answers ASK.
  documents batch;
  m.new_in_slot.clear();
  for (int j = 0; j < 12; ++j) {
    const bool here = j % 3 != 2;
    const document_id id = m.source.next(here);
    if (here) m.new_in_slot.push_back(id);
    m.add(id, samestory::test::edited(m.rng, m.sets[m.rng() % m.sets.size()], 0.1), here, batch);
  }
  m.insert(batch);
  // New versions of stored documents of the slot: SET ... GET of a key that
  // is on the source or already on the target, depending on the key.
  for (int j = 0; j < 2; ++j) {
    const std::size_t v = m.stored(true);
    documents one;
    m.add(m.versions.ids[v], samestory::test::edited(m.rng, m.sets[v], 0.1), true, one);
    m.shared.insert(one.ids[0], one.signatures[0], one.times[0]);
    m.reference.insert(one.ids[0], one.signatures[0], one.times[0]);
  }
  // Removes: two of the slot, one elsewhere, one never stored.
  std::vector<document_id> gone = {m.versions.ids[m.stored(true)]};
  do {
    gone.push_back(m.versions.ids[m.stored(true)]);
  } while (gone[1] == gone[0]);
  gone.push_back(m.versions.ids[m.stored(false)]);
  gone.push_back(m.source.next(true));
  const std::size_t removed = m.reference.remove(gone);
  CHECK(m.shared.remove(gone) == removed);
  CHECK(removed == 3);
  const document_id one = m.versions.ids[m.stored(true)];
  CHECK(m.shared.remove(one) == m.reference.remove(one));
  CHECK(!m.shared.remove(one));
  // The oldest few documents age out: a walk of the time index.
  std::int64_t oldest = std::numeric_limits<std::int64_t>::max();
  for (const document_id id : m.reference.ids()) {
    oldest = std::min(oldest, m.versions.times[m.latest[id]]);
  }
  const std::size_t evicted = m.reference.evict_older_than(oldest + 8);
  CHECK(m.shared.evict_older_than(oldest + 8) == evicted);
  CHECK(evicted > 0);
  return batch.size() + 2;
}

}  // namespace

TEST_CASE("fleet: 4 processes share one named index", "[redis][fleet]") {
  SECTION("a Redis Cluster of three masters") {
    check_fleet("cluster");
  }
  SECTION("a single Redis server") {
    check_fleet("single");
  }
}

TEST_CASE("fleet: clients keep working while the cluster reshards", "[redis][fleet]") {
  const std::vector<cluster_node> nodes = cluster_nodes();
  REQUIRE(nodes.size() >= 2);
  const cluster_node& a = nodes[0];
  const cluster_node& b = nodes[1];
  const scratch_dir dir;
  const slot_mover_lock lock;
  const std::string id_a = node_id(a, dir);
  const std::string id_b = node_id(b, dir);
  REQUIRE(id_a != id_b);
  const std::set<int> slots_a = owned_slots(a, dir);
  const std::set<int> slots_b = owned_slots(b, dir);
  REQUIRE(slots_a.size() >= 2000);
  // So that redis-cli, which takes a source's lowest slots, moves back the
  // very slots it moved (scripts/redis-servers gives the first node the lowest).
  REQUIRE(!slots_b.empty());
  REQUIRE(*slots_a.rbegin() < *slots_b.begin());

  const minhasher hasher({}, 5);
  samestory::test::dropped_at_exit store{samestory::test::redis_store("cluster", "reshard")};

  // Should the test stop half-way, the cluster is put back as it was (best
  // effort, before the index is dropped): other tests use it at the same
  // time. redis-cli gives a node's lowest slots, which are the ones A gave.
  struct restorer {
    const cluster_node& a;
    const cluster_node& b;
    std::string from;
    std::string to;
    std::size_t slots;
    const scratch_dir& dir;
    bool armed = true;
    ~restorer() {
      if (!armed) return;
      try {
        run_logged("timeout 60 redis-cli --cluster fix " + a.host + ":" + a.port + " --cluster-yes",
                   dir.path + "/fix.log");
        if (run_logged(a.cli() + " cluster nodes", dir.path + "/restore") != 0) return;
        const std::size_t now = myself_slots(read_text(dir.path + "/restore")).size();
        if (now >= slots) return;
        run_logged("timeout 120 redis-cli --cluster reshard " + b.host + ":" + b.port +
                       " --cluster-from " + from + " --cluster-to " + to + " --cluster-slots " +
                       std::to_string(slots - now) + " --cluster-yes",
                   dir.path + "/restore.log");
      } catch (...) {
      }
    }
  } restore{a, b, id_b, id_a, slots_a.size(), dir};

  std::atomic<bool> stop{false};
  std::atomic<std::size_t> inserted{0};
  std::vector<client> clients(2);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < clients.size(); ++i) {
    clients[i].number = static_cast<int>(i);
    threads.emplace_back(run_client, std::ref(clients[i]), std::cref(store.store),
                         std::cref(hasher), std::cref(stop), std::ref(inserted));
  }
  // Joined on every way out, so a failed REQUIRE does not leave them running.
  struct joiner {
    std::atomic<bool>& stop;
    std::vector<std::thread>& threads;
    ~joiner() {
      stop = true;
      for (std::thread& t : threads) {
        if (t.joinable()) t.join();
      }
    }
  } join_on_exit{stop, threads};

  // Enough documents first that the moved slots hold many of the index's keys.
  const auto warm_up = clock_type::now() + std::chrono::seconds(30);
  while (inserted.load() < 1000 && clock_type::now() < warm_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  REQUIRE(inserted.load() >= 1000);

  const redirects redirects_before = redirects_answered(nodes, dir);
  const std::size_t before = inserted.load();
  const auto reshard_started = clock_type::now();
  reshard(a, id_a, id_b, 2000, dir, "reshard-a-to-b.log");
  const std::size_t after_first = inserted.load();
  const std::set<int> slots_b_moved = owned_slots(b, dir);
  std::vector<int> moved;
  std::set_difference(slots_b_moved.begin(), slots_b_moved.end(), slots_b.begin(), slots_b.end(),
                      std::back_inserter(moved));
  CHECK(moved.size() == 2000);
  const std::size_t moved_keys = keys_in_slots(b, moved, store.store.name, dir);
  CHECK(moved_keys > 1000);
  // Back again, so the cluster is as other tests expect it.
  reshard(b, id_b, id_a, 2000, dir, "reshard-b-to-a.log");
  const std::size_t after = inserted.load();
  const double reshard_seconds =
      std::chrono::duration<double>(clock_type::now() - reshard_started).count();
  restore.armed = false;
  const redirects redirects_after = redirects_answered(nodes, dir);
  CHECK(owned_slots(a, dir) == slots_a);
  CHECK(owned_slots(b, dir) == slots_b);

  stop = true;
  for (std::thread& t : threads) t.join();

  double slowest = 0;
  documents all;
  for (const client& c : clients) {
    INFO("client " << c.number << ": " << c.errors << " errors, the first: " << c.first_error);
    CHECK(c.errors == 0);
    CHECK(c.misses == 0);
    slowest = std::max(slowest, c.slowest_batch);
    for (std::size_t d = 0; d < c.inserted.size(); ++d) {
      all.add(c.inserted.ids[d], c.inserted.signatures[d], c.inserted.times[d]);
    }
  }
  std::printf(
      "reshard: 2 × 2000 slots in %.2f s (%zu keys of the index moved the first time); "
      "%zu documents inserted meanwhile (%zu in the first move), %zu in all; slowest batch "
      "%.3f s; the nodes answered %zu MOVED and %zu ASK meanwhile\n",
      reshard_seconds, moved_keys, after - before, after_first - before, all.size(), slowest,
      redirects_after.moved - redirects_before.moved, redirects_after.ask - redirects_before.ask);
  REQUIRE(after_first > before);
  REQUIRE(after > after_first);

  // The index is exactly what an in-memory one makes of the same documents.
  lsh_index reference(fleet_parameters, hasher);
  reference.insert_batch(all.ids, all.signatures, all.times);
  lsh_index shared(fleet_parameters, hasher, store.store);
  CHECK(shared.size() == reference.size());
  CHECK(shared.save() == reference.save());
  std::size_t differing = 0;
  std::size_t with_duplicates = 0;
  constexpr std::size_t chunk = 500;  // bounds the pipelines of the check itself
  for (std::size_t from = 0; from < all.size(); from += chunk) {
    const std::size_t n = std::min(chunk, all.size() - from);
    const std::span<const minhash_signature> part(all.signatures.data() + from, n);
    const auto results = shared.query_batch(part);
    for (std::size_t d = 0; d < n; ++d) {
      differing += !same(results[d], reference.query(part[d]));
      with_duplicates += results[d].size() > 1;
    }
  }
  CHECK(differing == 0);
  CHECK(with_duplicates > 0);
}

TEST_CASE("fleet: a slot held half-migrated is served through ASK and MOVED", "[redis][fleet]") {
  const std::vector<cluster_node> nodes = cluster_nodes();
  REQUIRE(nodes.size() >= 2);
  const scratch_dir dir;
  const slot_mover_lock lock;
  std::vector<std::string> ids;
  std::vector<std::set<int>> owned_before;
  for (const cluster_node& n : nodes) {
    ids.push_back(node_id(n, dir));
    owned_before.push_back(owned_slots(n, dir));
  }

  const minhasher hasher({}, 5);
  samestory::test::dropped_at_exit store{samestory::test::redis_store("cluster", "ask")};
  const std::string& name = store.store.name;
  // The slot of a shard of the time index (ss:NAME:t:0 of 16), which
  // inserts, removes and evictions touch; the test puts a third of its
  // records there too.
  const std::string time_key = "ss:" + name + ":t:0";
  const int slot = samestory::detail::redis_key_slot(time_key);
  std::size_t home = nodes.size();
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (owned_before[i].count(slot) != 0) home = i;
  }
  INFO("slot " << slot << " of " << time_key);
  REQUIRE(home < nodes.size());
  const std::size_t away = (home + 1) % nodes.size();

  // Should the test stop half-way, the slot goes back home before the index
  // is dropped: other tests use the cluster at the same time.
  struct slot_restorer {
    int slot;
    std::size_t home;
    const std::vector<cluster_node>& nodes;
    const std::vector<std::string>& ids;
    const scratch_dir& dir;
    bool armed = true;
    ~slot_restorer() {
      if (!armed) return;
      try {
        const std::string trouble = bring_slot_home(slot, home, nodes, ids, dir);
        if (!trouble.empty())
          std::fprintf(stderr, "slot %d not restored: %s\n", slot, trouble.c_str());
      } catch (...) {
      }
    }
  } restore{slot, home, nodes, ids, dir};

  const auto started = clock_type::now();
  slot_ids source(name, slot);
  lsh_index shared(fleet_parameters, hasher, store.store);
  lsh_index reference(fleet_parameters, hasher);
  mirrored_index m{shared, reference, hasher, source};
  // 60 families of 5 near-duplicates (Jaccard ≈ 0.82 to their base), a
  // third of the records in the slot, in shuffled order (times follow it).
  {
    std::vector<std::vector<std::uint64_t>> sets;
    for (int f = 0; f < 60; ++f) {
      const auto base = samestory::test::random_set(m.rng, 150 + m.rng() % 100);
      sets.push_back(base);
      for (int e = 0; e < 4; ++e) sets.push_back(samestory::test::edited(m.rng, base, 0.1));
    }
    std::shuffle(sets.begin(), sets.end(), m.rng);
    documents corpus;
    for (std::vector<std::uint64_t>& set : sets) {
      const bool here = m.rng() % 3 == 0;
      m.add(source.next(here), std::move(set), here, corpus);
    }
    m.insert(corpus);
  }
  const std::size_t records_in_slot =
      static_cast<std::size_t>(std::count(m.in_slot.begin(), m.in_slot.end(), true));
  // The server agrees where our keys are: the records chosen and the time index.
  CHECK(keys_in_slots(nodes[home], {slot}, name, dir) >= records_in_slot + 1);
  check_same_answers(m, "before any migration");

  struct move_figures {
    std::size_t first_keys = 0;  // keys of the slot (anyone's) moved while it was open
    std::size_t ask = 0;         // answered by the source while the slot was open
    std::size_t moved = 0;       // answered by the source after the move
    std::size_t inserted = 0;    // documents inserted while the slot was open
  };
  // Moves the slot from `from` to `to` the way redis-cli does, but stops
  // half-way for a while: the client must follow ASK there, and MOVED after.
  const auto move_slot = [&](std::size_t from, std::size_t to) {
    move_figures f;
    INFO("slot " << slot << " from " << nodes[from].port << " to " << nodes[to].port);
    REQUIRE(set_slot(nodes[to], slot, "importing " + ids[from], dir) == "OK");
    REQUIRE(set_slot(nodes[from], slot, "migrating " + ids[to], dir) == "OK");
    // The time index and every other key of the slot move first.
    std::vector<std::string> keys;
    REQUIRE(keys_in_slot(nodes[from], slot, dir, keys));
    REQUIRE(std::find(keys.begin(), keys.end(), time_key) != keys.end());
    std::vector<std::string> first = {time_key};
    for (std::size_t k = 0; k < keys.size(); ++k) {
      if (keys[k] != time_key && k % 2 == 0) first.push_back(keys[k]);
    }
    REQUIRE(migrate_keys(nodes[from], nodes[to], first, dir) == "OK");
    f.first_keys = first.size();
    CHECK(keys_in_slots(nodes[from], {slot}, name, dir) > 0);
    CHECK(keys_in_slots(nodes[to], {slot}, name, dir) > 0);

    const redirects open_before = redirects_answered({nodes[from]}, dir);
    check_same_answers(m, "the slot half-migrated");
    f.inserted = mutate(m);
    check_same_answers(m, "the slot half-migrated, after inserts, removes and an eviction");
    f.ask = redirects_answered({nodes[from]}, dir).ask - open_before.ask;
    // Proof the path ran: the source sent every insert's ZADD on the
    // (moved) time index on with ASK, and the new records of the slot went
    // where only ASKING could put them.
    REQUIRE(f.ask >= 1);
    // Each new record of the slot is a key the source no longer has.
    CHECK(f.ask >= m.new_in_slot.size());
    REQUIRE(keys_in_slot(nodes[to], slot, dir, keys));
    const std::set<std::string> on_target(keys.begin(), keys.end());
    std::size_t expected = 0;
    std::size_t landed = 0;
    for (const document_id id : m.new_in_slot) {
      expected += m.reference.contains(id);
      landed += m.reference.contains(id) && on_target.count(source.record_key(id)) != 0;
    }
    CHECK(expected > 0);
    CHECK(landed == expected);

    // The rest of the keys, then the new owner: target, source, the others.
    REQUIRE(empty_slot(nodes[from], nodes[to], slot, dir).empty());
    REQUIRE(set_slot(nodes[to], slot, "node " + ids[to], dir) == "OK");
    REQUIRE(set_slot(nodes[from], slot, "node " + ids[to], dir) == "OK");
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      if (i != from && i != to) REQUIRE(set_slot(nodes[i], slot, "node " + ids[to], dir) == "OK");
    }
    CHECK(keys_in_slots(nodes[from], {slot}, name, dir) == 0);
    const redirects moved_before = redirects_answered({nodes[from]}, dir);
    check_same_answers(m, "the slot moved");
    mutate(m);
    check_same_answers(m, "the slot moved, after inserts, removes and an eviction");
    f.moved = redirects_answered({nodes[from]}, dir).moved - moved_before.moved;
    REQUIRE(f.moved >= 1);  // the client's map still named the source
    return f;
  };
  const move_figures there = move_slot(home, away);
  const move_figures back = move_slot(away, home);
  restore.armed = false;
  const double seconds = std::chrono::duration<double>(clock_type::now() - started).count();

  // The cluster is as it was found.
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    INFO("node " << nodes[i].port);
    CHECK(owned_slots(nodes[i], dir) == owned_before[i]);
    const std::string open = redis_command(nodes[i], "cluster nodes", dir);
    CHECK(open.find("[" + std::to_string(slot) + "-") == std::string::npos);
  }
  std::printf(
      "half-migrated slot %d (%zu of our records and the time index; %zu documents in the "
      "end): there %zu keys moved first, %zu ASK while open (%zu documents inserted), %zu "
      "MOVED after; back %zu keys moved first, %zu ASK (%zu inserted), %zu MOVED; %.2f s\n",
      slot, records_in_slot, m.reference.size(), there.first_keys, there.ask, there.inserted,
      there.moved, back.first_keys, back.ask, back.inserted, back.moved, seconds);
}
