// Many clients on one shared index: separate processes that insert and query
// the same named index at once, and clients that keep working while the
// Redis Cluster moves slots between its nodes under them. In both, the shared
// index must end up answering exactly as an in-memory index fed the same
// documents.
#include <samestory/error.hpp>
#include <samestory/lsh_index.hpp>
#include <samestory/minhash.hpp>

#include "support/redis.hpp"
#include "support/sets.hpp"

#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <set>
#include <span>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using samestory::document_id;
using samestory::lsh_index;
using samestory::lsh_parameters;
using samestory::match;
using samestory::minhash_signature;
using samestory::minhasher;
using samestory::query_options;
using samestory::redis_options;

namespace {

using clock_type = std::chrono::steady_clock;

constexpr lsh_parameters fleet_parameters{32, 4};

bool same(const std::vector<match>& a, const std::vector<match>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].id != b[i].id || a[i].jaccard != b[i].jaccard ||
        a[i].containment != b[i].containment || a[i].set_size != b[i].set_size ||
        a[i].time != b[i].time) {
      return false;
    }
  }
  return true;
}

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
