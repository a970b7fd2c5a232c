// Stress tests of the thread-safety promises: eight threads insert, query and
// remove on one lsh_index, simhash_index or online_clusterer for
// SAMESTORY_STRESS_SECONDS of wall-clock time (default 10), and the object
// they leave must equal a serial replay of what they did.
//
// Each thread owns a range of ids and mutates only those, so an index's final
// state depends only on each thread's own operations in its own order:
// replaying thread 0's log, then thread 1's, ... must rebuild it exactly. The
// content is shared: every thread draws from one pool of base sets (texts)
// and adds its own edits, so queries find near-duplicates across threads and
// the threads' documents land in the same buckets.
//
// While running, a thread checks what it knows for sure: its own ids are
// found exactly when it holds them (nobody else removes them), with the time
// and set size it inserted; another thread's id comes with the time and set
// size of one of that id's variants, never a mix (a torn read); similarities
// are in [0, 1] and results in their documented order. Only the main thread
// may use Catch's macros, so threads collect failures and the main thread
// checks them.
//
// Run under ThreadSanitizer by scripts/test; the duration is wall-clock, so
// the much slower sanitized build simply does fewer operations.
#include <samestory/lsh_index.hpp>
#include <samestory/minhash.hpp>
#include <samestory/online_cluster.hpp>
#include <samestory/simhash_index.hpp>

#include "support/documents.hpp"
#include "support/sets.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <latch>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <shared_mutex>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

using samestory::assignment;
using samestory::document;
using samestory::document_id;
using samestory::match;
using samestory::minhash_signature;
using samestory::minhasher;
using samestory::query_options;
using samestory::rank_by;
using samestory::simhash_match;
using samestory::story_summary;

namespace {

constexpr unsigned thread_count = 8;
constexpr std::size_t no_limit = std::numeric_limits<std::size_t>::max();

double stress_seconds() {
  if (const char* s = std::getenv("SAMESTORY_STRESS_SECONDS")) {
    char* end = nullptr;
    const double v = std::strtod(s, &end);
    if (end != s && v > 0) return v;
  }
  return 10.0;
}

// Thread t owns ids (t + 1) << 32 | local for local < the per-thread count:
// an id's owner and variant table entry are read off its bits, and an id
// outside every range (garbage from a torn read) is recognised.
document_id id_of(unsigned thread, std::uint32_t local) {
  return (document_id{thread} + 1) << 32 | local;
}

struct owner {
  unsigned thread = 0;
  std::uint32_t local = 0;
};

std::optional<owner> owner_of(document_id id, std::uint32_t per_thread) {
  const document_id high = id >> 32;
  const auto local = static_cast<std::uint32_t>(id);
  if (high < 1 || high > thread_count || local >= per_thread) return std::nullopt;
  return owner{static_cast<unsigned>(high - 1), local};
}

std::uint64_t mix(std::uint64_t a, std::uint64_t b, std::uint64_t c) {
  std::uint64_t x = a * 0x9E3779B97F4A7C15ull ^ b * 0xC2B2AE3D27D4EB4Full ^ c;
  x ^= x >> 31;
  x *= 0xBF58476D1CE4E5B9ull;
  return x ^ (x >> 29);
}

std::size_t pick(std::mt19937_64& rng, std::size_t n) {
  return static_cast<std::size_t>(rng() % n);
}

struct op_counts {
  std::uint64_t inserts = 0;
  std::uint64_t queries = 0;
  std::uint64_t removes = 0;
  op_counts& operator+=(const op_counts& o) {
    inserts += o.inserts;
    queries += o.queries;
    removes += o.removes;
    return *this;
  }
};

// What a thread saw go wrong: a count and the first few messages.
struct failures {
  std::size_t count = 0;
  std::vector<std::string> first;
  void add(const std::string& what) {
    if (count++ < 5) first.push_back(what);
  }
};

void check_no_failures(const std::vector<failures>& per_thread) {
  for (unsigned t = 0; t < per_thread.size(); ++t) {
    std::string seen;
    for (const std::string& s : per_thread[t].first) seen += "\n  " + s;
    INFO("thread " << t << ":" << seen);
    CHECK(per_thread[t].count == 0);
  }
}

// Runs work(thread, deadline) on thread_count threads released together.
// @return the wall-clock seconds until the last one finished
template <class Work>
double run_threads(Work&& work) {
  const double seconds = stress_seconds();
  std::latch start(1);
  std::chrono::steady_clock::time_point deadline;
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < thread_count; ++t) {
    threads.emplace_back([&, t] {
      start.wait();
      work(t, deadline);
    });
  }
  const auto begin = std::chrono::steady_clock::now();
  deadline = begin + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                         std::chrono::duration<double>(seconds));
  start.count_down();
  for (auto& th : threads) th.join();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
}

// WARN prints on success too: the lead reports these figures.
void report(const char* object, const op_counts& c, double seconds, const std::string& extra) {
  const std::uint64_t total = c.inserts + c.queries + c.removes;
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(1);
  s << object << ": " << thread_count << " threads for " << seconds << " s: " << c.inserts
    << " inserts, " << c.queries << " queries, " << c.removes << " removes; "
    << static_cast<double>(total) / seconds << " ops/s" << extra;
  WARN(s.str());
}

// ---------------------------------------------------------------------------
// lsh_index

constexpr std::uint32_t lsh_per_thread = 400;

// Two variants per id (a re-fetched page replaces the stored one); variant v
// of local id l has time 1 + 2l + v, so a match's time names its variant.
std::int64_t variant_time(std::uint32_t local, unsigned variant) {
  return 1 + 2 * static_cast<std::int64_t>(local) + variant;
}

struct lsh_content {
  std::vector<minhash_signature> sigs;  // [(thread * per_thread + local) * 2 + variant]
  const minhash_signature& of(unsigned thread, std::uint32_t local, unsigned variant) const {
    return sigs[(std::size_t{thread} * lsh_per_thread + local) * 2 + variant];
  }
};

lsh_content make_lsh_content(const minhasher& hasher) {
  std::mt19937_64 pool_rng(71);
  std::vector<std::vector<std::uint64_t>> pool;
  for (int i = 0; i < 48; ++i) pool.push_back(samestory::test::random_set(pool_rng, 150));
  // Share of each base's elements replaced: 0 makes exact copies across threads.
  const double edits[] = {0.0, 0.0, 0.03, 0.08, 0.15, 0.3, 0.5};
  lsh_content c;
  for (unsigned t = 0; t < thread_count; ++t) {
    for (std::uint32_t l = 0; l < lsh_per_thread; ++l) {
      for (unsigned v = 0; v < 2; ++v) {
        std::mt19937_64 rng(mix(t, l, v));
        const std::size_t kind = pick(rng, 100);
        if (kind < 2) {
          c.sigs.push_back(hasher.sign({}));  // stored, never matches
        } else if (kind < 12) {
          c.sigs.push_back(hasher.sign(samestory::test::random_set(rng, 100 + pick(rng, 100))));
        } else {
          const double f = edits[pick(rng, std::size(edits))];
          c.sigs.push_back(
              hasher.sign(samestory::test::edited(rng, pool[pick(rng, pool.size())], f)));
        }
      }
    }
  }
  return c;
}

struct lsh_op {
  bool insert = true;
  std::uint32_t local = 0;
  unsigned variant = 0;  // insert: which signature
  bool removed = false;  // remove: what it returned
};

bool same_matches(const std::vector<match>& a, const std::vector<match>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const match& x, const match& y) {
    return x.id == y.id && x.jaccard == y.jaccard && x.containment == y.containment &&
           x.set_size == y.set_size && x.time == y.time;
  });
}

// One thread's view of the index: which variant of each own id it holds.
struct lsh_worker {
  lsh_worker(unsigned t, const lsh_content& c) : thread(t), content(c) {}

  unsigned thread;
  const lsh_content& content;
  std::vector<int> held = std::vector<int>(lsh_per_thread, -1);  // variant, or -1
  std::vector<lsh_op> log;
  op_counts counts;
  failures bad;
  std::uint64_t cross_thread_matches = 0;

  // A matched id's time and set size must be those of the variant the owner
  // holds (own ids), or of one of its two variants (others' ids).
  void check_stored(document_id id, std::int64_t time, std::uint64_t set_size, const char* where) {
    const auto o = owner_of(id, lsh_per_thread);
    if (!o) {
      bad.add(std::string(where) + ": an id no thread owns: " + std::to_string(id));
      return;
    }
    if (o->thread == thread) {
      const int v = held[o->local];
      if (v < 0) {
        bad.add(std::string(where) + ": returned own id " + std::to_string(id) + ", removed");
      } else if (time != variant_time(o->local, static_cast<unsigned>(v)) ||
                 set_size != content.of(thread, o->local, static_cast<unsigned>(v)).set_size()) {
        bad.add(std::string(where) + ": own id " + std::to_string(id) + " with another time/size");
      }
      return;
    }
    ++cross_thread_matches;
    bool known = false;
    for (unsigned v = 0; v < 2; ++v) {
      known = known || (time == variant_time(o->local, v) &&
                        set_size == content.of(o->thread, o->local, v).set_size());
    }
    if (!known) bad.add(std::string(where) + ": torn document " + std::to_string(id));
  }

  void check_matches(const std::vector<match>& m, const query_options& q, const char* where) {
    if (m.size() > q.limit) bad.add(std::string(where) + ": more matches than the limit");
    std::unordered_set<document_id> seen;
    for (std::size_t i = 0; i < m.size(); ++i) {
      const match& x = m[i];
      if (!(x.jaccard >= 0 && x.jaccard <= 1 && x.containment >= 0 && x.containment <= 1)) {
        bad.add(std::string(where) + ": similarity out of [0, 1]");
      }
      if (x.jaccard < q.min_jaccard || x.containment < q.min_containment) {
        bad.add(std::string(where) + ": a match below the minimum");
      }
      if (!seen.insert(x.id).second) bad.add(std::string(where) + ": an id twice");
      if (i > 0) {
        const match& p = m[i - 1];
        const bool ordered =
            q.order == rank_by::jaccard
                ? (p.jaccard > x.jaccard || (p.jaccard == x.jaccard && p.id < x.id))
                : (p.containment > x.containment ||
                   (p.containment == x.containment &&
                    (p.jaccard > x.jaccard || (p.jaccard == x.jaccard && p.id < x.id))));
        if (!ordered) bad.add(std::string(where) + ": matches out of order");
      }
      check_stored(x.id, x.time, x.set_size, where);
    }
  }

  void run(samestory::lsh_index& index, std::chrono::steady_clock::time_point deadline) {
    std::mt19937_64 rng(1000 + thread);
    const auto own = [&] { return static_cast<std::uint32_t>(pick(rng, lsh_per_thread)); };
    // A signature to query: an own held document's (then it must find itself)
    // or any thread's variant (near-duplicates across threads).
    const auto query_signature =
        [&](std::optional<std::uint32_t>& self) -> const minhash_signature& {
      const std::uint32_t l = own();
      if (held[l] >= 0 && pick(rng, 2) == 0) {
        self = l;
        return content.of(thread, l, static_cast<unsigned>(held[l]));
      }
      self.reset();
      return content.of(static_cast<unsigned>(pick(rng, thread_count)), own(),
                        static_cast<unsigned>(pick(rng, 2)));
    };
    while (std::chrono::steady_clock::now() < deadline) {
      const std::size_t r = pick(rng, 100);
      if (r < 28) {
        // Insert, or replace a held id by its other variant.
        const std::uint32_t l = own();
        const unsigned v =
            held[l] >= 0 ? 1 - static_cast<unsigned>(held[l]) : static_cast<unsigned>(pick(rng, 2));
        index.insert(id_of(thread, l), content.of(thread, l, v), variant_time(l, v));
        held[l] = static_cast<int>(v);
        log.push_back({true, l, v, false});
        ++counts.inserts;
      } else if (r < 31) {
        // A batch, whose band tables are filled on two threads under the lock.
        std::vector<document_id> ids;
        std::vector<minhash_signature> sigs;
        std::vector<std::int64_t> times;
        const std::size_t n = 2 + pick(rng, 7);
        for (std::size_t i = 0; i < n; ++i) {
          const std::uint32_t l = own();
          const auto v = static_cast<unsigned>(pick(rng, 2));
          ids.push_back(id_of(thread, l));
          sigs.push_back(content.of(thread, l, v));
          times.push_back(variant_time(l, v));
          held[l] = static_cast<int>(v);  // a later duplicate wins, as in order
          log.push_back({true, l, v, false});
        }
        index.insert_batch(ids, sigs, times, 2);
        counts.inserts += n;
      } else if (r < 43) {
        const std::uint32_t l = own();
        const bool removed = index.remove(id_of(thread, l));
        if (removed != (held[l] >= 0)) bad.add("remove returned " + std::to_string(removed));
        held[l] = -1;
        log.push_back({false, l, 0, removed});
        ++counts.removes;
      } else if (r < 46) {
        std::vector<document_id> ids;
        std::size_t expected = 0;
        const std::size_t n = 2 + pick(rng, 5);
        for (std::size_t i = 0; i < n; ++i) {
          const std::uint32_t l = own();
          ids.push_back(id_of(thread, l));
          const bool was = held[l] >= 0;
          expected += was;
          held[l] = -1;
          log.push_back({false, l, 0, was});
        }
        const std::size_t removed = index.remove(ids);
        if (removed != expected) bad.add("remove(span) counted " + std::to_string(removed));
        counts.removes += n;
      } else if (r < 70) {
        std::optional<std::uint32_t> self;
        const minhash_signature& s = query_signature(self);
        query_options q;
        q.min_jaccard = std::array{0.0, 0.0, 0.3, 0.5}[pick(rng, 4)];
        if (pick(rng, 4) == 0) q.limit = 1 + pick(rng, 5);
        if (pick(rng, 4) == 0) q.order = rank_by::containment;
        const std::vector<match> m = index.query(s, q);
        check_matches(m, q, "query");
        // Its own document matches itself exactly; exact copies of other
        // threads may tie at 1, so only without a limit.
        if (self && !s.is_empty() && q.limit == no_limit) {
          const document_id id = id_of(thread, *self);
          if (std::none_of(m.begin(), m.end(),
                           [&](const match& x) { return x.id == id && x.jaccard == 1.0; })) {
            bad.add("query missed own held document " + std::to_string(id));
          }
        }
        ++counts.queries;
      } else if (r < 80) {
        const std::uint32_t l = own();
        query_options q;
        q.min_jaccard = pick(rng, 2) == 0 ? 0.0 : 0.4;
        const std::vector<match> m = index.query_id(id_of(thread, l), q);
        const bool answerable =
            held[l] >= 0 && !content.of(thread, l, static_cast<unsigned>(held[l])).is_empty();
        if (!answerable && !m.empty()) bad.add("query_id answered for an absent/empty id");
        check_matches(m, q, "query_id");
        for (const match& x : m) {
          if (x.id == id_of(thread, l)) bad.add("query_id returned the id itself");
        }
        ++counts.queries;
      } else if (r < 90) {
        std::optional<std::uint32_t> self;
        const minhash_signature& s = query_signature(self);
        const std::vector<document_id> c = index.candidates(s);
        if (!std::is_sorted(c.begin(), c.end()) ||
            std::adjacent_find(c.begin(), c.end()) != c.end()) {
          bad.add("candidates not sorted and distinct");
        }
        for (const document_id id : c) {
          const auto o = owner_of(id, lsh_per_thread);
          if (!o) {
            bad.add("candidate no thread owns: " + std::to_string(id));
          } else if (o->thread == thread && held[o->local] < 0) {
            bad.add("candidate is a removed own id " + std::to_string(id));
          }
        }
        if (self && !s.is_empty() &&
            !std::binary_search(c.begin(), c.end(), id_of(thread, *self))) {
          bad.add("candidates missed own held document");
        }
        ++counts.queries;
      } else if (r < 97) {
        const std::uint32_t l = own();
        if (index.contains(id_of(thread, l)) != (held[l] >= 0)) bad.add("contains disagrees");
        ++counts.queries;
      } else {
        if (index.size() > std::size_t{thread_count} * lsh_per_thread) bad.add("size too large");
        if (index.memory_bytes() == 0) bad.add("memory_bytes 0");
        // Every time is at least 1: this evicts nothing, but scans under the
        // exclusive lock beside the readers.
        if (index.evict_older_than(0) != 0) bad.add("evict_older_than(0) removed documents");
        if (pick(rng, 8) == 0) {
          std::vector<document_id> ids = index.ids();
          std::sort(ids.begin(), ids.end());
          if (std::adjacent_find(ids.begin(), ids.end()) != ids.end()) bad.add("ids() repeats");
          for (std::uint32_t l = 0; l < lsh_per_thread; ++l) {
            if (std::binary_search(ids.begin(), ids.end(), id_of(thread, l)) != (held[l] >= 0)) {
              bad.add("ids() disagrees on own id " + std::to_string(l));
              break;
            }
          }
        }
        counts.queries += 4;
      }
    }
  }
};

// ---------------------------------------------------------------------------
// simhash_index

constexpr std::uint32_t simhash_per_thread = 400;

struct simhash_content {
  std::vector<std::uint64_t> fps;  // [(thread * per_thread + local) * 2 + variant]
  std::uint64_t of(unsigned thread, std::uint32_t local, unsigned variant) const {
    return fps[(std::size_t{thread} * simhash_per_thread + local) * 2 + variant];
  }
};

simhash_content make_simhash_content() {
  std::mt19937_64 pool_rng(72);
  std::vector<std::uint64_t> pool(48);
  for (auto& p : pool) p = pool_rng();
  // Bits flipped from a base: up to 6 is within the default k, beyond is not.
  const unsigned flips[] = {0, 0, 1, 2, 3, 4, 6, 7, 10};
  simhash_content c;
  for (unsigned t = 0; t < thread_count; ++t) {
    for (std::uint32_t l = 0; l < simhash_per_thread; ++l) {
      for (unsigned v = 0; v < 2; ++v) {
        std::mt19937_64 rng(mix(t, l, v + 10));
        if (pick(rng, 10) == 0) {
          c.fps.push_back(rng());
          continue;
        }
        std::uint64_t fp = pool[pick(rng, pool.size())];
        const unsigned n = flips[pick(rng, std::size(flips))];
        for (unsigned i = 0; i < n; ++i) fp ^= std::uint64_t{1} << pick(rng, 64);
        c.fps.push_back(fp);
      }
    }
  }
  return c;
}

bool same_simhash_matches(const std::vector<simhash_match>& a,
                          const std::vector<simhash_match>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](const simhash_match& x, const simhash_match& y) {
                      return x.id == y.id && x.distance == y.distance && x.time == y.time;
                    });
}

struct simhash_worker {
  simhash_worker(unsigned t, const simhash_content& c) : thread(t), content(c) {}

  unsigned thread;
  const simhash_content& content;
  std::vector<int> held = std::vector<int>(simhash_per_thread, -1);
  std::vector<lsh_op> log;
  op_counts counts;
  failures bad;
  std::uint64_t cross_thread_matches = 0;

  void check_matches(const std::vector<simhash_match>& m, std::uint64_t q,
                     std::uint32_t max_distance, std::size_t limit) {
    if (m.size() > limit) bad.add("more matches than the limit");
    std::unordered_set<document_id> seen;
    for (std::size_t i = 0; i < m.size(); ++i) {
      const simhash_match& x = m[i];
      if (x.distance > max_distance) bad.add("a match beyond max_distance");
      if (!seen.insert(x.id).second) bad.add("an id twice");
      if (i > 0 && !(m[i - 1].distance < x.distance ||
                     (m[i - 1].distance == x.distance && m[i - 1].id < x.id))) {
        bad.add("matches out of order");
      }
      const auto o = owner_of(x.id, simhash_per_thread);
      if (!o) {
        bad.add("an id no thread owns: " + std::to_string(x.id));
        continue;
      }
      // The distance and time must belong to one variant: the held one for own ids.
      const auto fits = [&](unsigned v) {
        return x.time == variant_time(o->local, v) &&
               x.distance == static_cast<std::uint32_t>(
                                 std::popcount(content.of(o->thread, o->local, v) ^ q));
      };
      if (o->thread == thread) {
        const int v = held[o->local];
        if (v < 0) {
          bad.add("returned own removed id " + std::to_string(x.id));
        } else if (!fits(static_cast<unsigned>(v))) {
          bad.add("own id with another time/distance");
        }
      } else {
        ++cross_thread_matches;
        if (!fits(0) && !fits(1)) bad.add("torn document " + std::to_string(x.id));
      }
    }
  }

  void run(samestory::simhash_index& index, std::chrono::steady_clock::time_point deadline) {
    std::mt19937_64 rng(2000 + thread);
    const auto own = [&] { return static_cast<std::uint32_t>(pick(rng, simhash_per_thread)); };
    while (std::chrono::steady_clock::now() < deadline) {
      const std::size_t r = pick(rng, 100);
      if (r < 30) {
        const std::uint32_t l = own();
        const unsigned v =
            held[l] >= 0 ? 1 - static_cast<unsigned>(held[l]) : static_cast<unsigned>(pick(rng, 2));
        index.insert(id_of(thread, l), content.of(thread, l, v), variant_time(l, v));
        held[l] = static_cast<int>(v);
        log.push_back({true, l, v, false});
        ++counts.inserts;
      } else if (r < 42) {
        const std::uint32_t l = own();
        const bool removed = index.remove(id_of(thread, l));
        if (removed != (held[l] >= 0)) bad.add("remove returned " + std::to_string(removed));
        held[l] = -1;
        log.push_back({false, l, 0, removed});
        ++counts.removes;
      } else if (r < 45) {
        std::vector<document_id> ids;
        std::size_t expected = 0;
        const std::size_t n = 2 + pick(rng, 5);
        for (std::size_t i = 0; i < n; ++i) {
          const std::uint32_t l = own();
          ids.push_back(id_of(thread, l));
          const bool was = held[l] >= 0;
          expected += was;
          held[l] = -1;
          log.push_back({false, l, 0, was});
        }
        if (index.remove(ids) != expected) bad.add("remove(span) miscounted");
        counts.removes += n;
      } else if (r < 85) {
        const std::uint32_t l = own();
        const bool self = held[l] >= 0 && pick(rng, 2) == 0;
        const std::uint64_t q = self ? content.of(thread, l, static_cast<unsigned>(held[l]))
                                     : content.of(static_cast<unsigned>(pick(rng, thread_count)),
                                                  own(), static_cast<unsigned>(pick(rng, 2)));
        const std::uint32_t max_distance =
            pick(rng, 3) == 0 ? static_cast<std::uint32_t>(pick(rng, 7)) : 6;
        const std::size_t limit = pick(rng, 4) == 0 ? 1 + pick(rng, 5) : no_limit;
        const std::vector<simhash_match> m = index.query(q, max_distance, limit);
        check_matches(m, q, max_distance, limit);
        if (self && limit == no_limit &&
            std::none_of(m.begin(), m.end(), [&](const simhash_match& x) {
              return x.id == id_of(thread, l) && x.distance == 0;
            })) {
          bad.add("query missed own held document");
        }
        ++counts.queries;
      } else if (r < 97) {
        const std::uint32_t l = own();
        if (index.contains(id_of(thread, l)) != (held[l] >= 0)) bad.add("contains disagrees");
        ++counts.queries;
      } else {
        if (index.size() > std::size_t{thread_count} * simhash_per_thread)
          bad.add("size too large");
        if (index.memory_bytes() == 0) bad.add("memory_bytes 0");
        if (index.evict_older_than(0) != 0) bad.add("evict_older_than(0) removed documents");
        counts.queries += 3;
      }
    }
  }
};

// ---------------------------------------------------------------------------
// online_clusterer

constexpr std::uint32_t online_per_thread = 192;
constexpr std::int64_t t0 = 1'700'000'000;

struct online_text {
  std::string text;
  std::string title;
  std::int64_t time = 0;
};

std::string render(const std::vector<unsigned>& words) {
  std::string s;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) s += (i % 12 == 0) ? ". " : " ";
    s += samestory::test::word(words[i]);
  }
  return s + ".";
}

// Topic j writes mostly with words [64j, 64j + 64) and some of 200 words all
// topics share; 32 topics, two base write-ups each.
std::vector<unsigned> draw(std::mt19937_64& rng, unsigned topic, std::size_t n) {
  std::vector<unsigned> w(n);
  for (auto& x : w) {
    x = pick(rng, 10) < 7 ? topic * 64 + static_cast<unsigned>(pick(rng, 64))
                          : 2048 + static_cast<unsigned>(pick(rng, 200));
  }
  return w;
}

struct online_content {
  std::vector<online_text> texts;  // [(thread * per_thread + local) * 2 + variant]
  const online_text& of(unsigned thread, std::uint32_t local, unsigned variant) const {
    return texts[(std::size_t{thread} * online_per_thread + local) * 2 + variant];
  }
};

online_content make_online_content() {
  constexpr unsigned topics = 32;
  std::mt19937_64 pool_rng(73);
  std::vector<std::vector<unsigned>> bases;  // base b is about topic b / 2
  for (unsigned b = 0; b < 2 * topics; ++b) bases.push_back(draw(pool_rng, b / 2, 120));
  online_content c;
  for (unsigned t = 0; t < thread_count; ++t) {
    for (std::uint32_t l = 0; l < online_per_thread; ++l) {
      for (unsigned v = 0; v < 2; ++v) {
        std::mt19937_64 rng(mix(t, l, v + 20));
        const std::size_t b = pick(rng, bases.size());
        const std::size_t kind = pick(rng, 100);
        online_text d;
        d.time = t0 + 60 * static_cast<std::int64_t>(l) + 7 * v;
        if (kind < 25) {
          d.text = render(bases[b]);  // exact copies, across threads too
        } else if (kind < 60) {
          // A near copy: a few words replaced by this thread's own.
          std::vector<unsigned> w = bases[b];
          for (int i = 0; i < 5; ++i) {
            w[pick(rng, w.size())] = 2400 + 50 * t + static_cast<unsigned>(pick(rng, 50));
          }
          d.text = render(w);
        } else if (kind < 85) {
          d.text = render(draw(rng, static_cast<unsigned>(b / 2), 100));  // same story, new words
        } else if (kind < 95) {
          std::vector<unsigned> w(100);  // unrelated
          for (auto& x : w) x = static_cast<unsigned>(pick(rng, 4096));
          d.text = render(w);
        } else {
          // A headline alone: the first words of a base.
          d.title = render(std::vector<unsigned>(bases[b].begin(), bases[b].begin() + 10));
        }
        c.texts.push_back(std::move(d));
      }
    }
  }
  return c;
}

document online_doc(const online_content& c, document_id id, unsigned variant) {
  const owner o = *owner_of(id, online_per_thread);
  const online_text& t = c.of(o.thread, o.local, variant);
  document d;
  d.id = id;
  d.text = t.text;
  d.title = t.title;
  d.time = t.time;
  return d;
}

bool same_assignment(const assignment& a, const assignment& b) {
  return a.id == b.id && a.story == b.story && a.copy == b.copy && a.kind == b.kind &&
         a.similarity == b.similarity;
}

bool same_stories(const std::vector<story_summary>& a, const std::vector<story_summary>& b) {
  return std::equal(
      a.begin(), a.end(), b.begin(), b.end(), [](const story_summary& x, const story_summary& y) {
        return x.id == y.id && x.documents == y.documents && x.copy_groups == y.copy_groups &&
               x.first_time == y.first_time && x.last_time == y.last_time;
      });
}

// A readers-writer lock that lets a waiting writer in: glibc's rwlock prefers
// readers, so seven threads adding could keep a remover out indefinitely.
class writer_first_lock {
 public:
  void lock_shared() {
    std::lock_guard turn(turnstile_);
    rw_.lock_shared();
  }
  void unlock_shared() { rw_.unlock_shared(); }
  void lock() {
    std::lock_guard turn(turnstile_);
    rw_.lock();
  }
  void unlock() { rw_.unlock(); }

 private:
  std::mutex turnstile_;
  std::shared_mutex rw_;
};

// The order in which the clusterer applied the mutating calls. Effective
// removes are serialized by the test (see the test case); between two of them
// the adds ran freely, and the clusterer's own arrival order (documents())
// says in which order it applied them.
struct online_order {
  struct step {
    bool add = true;
    document_id id = 0;
    std::uint64_t epoch = 0;  // removes so far: (id, epoch) names one add
  };
  writer_first_lock lock;
  std::uint64_t epoch = 0;
  std::vector<step> steps;
  std::unordered_set<document_id> held;  // as of the last remove

  // Appends the adds since the last remove, in arrival order. Called with no
  // add in flight.
  void close_epoch(const samestory::online_clusterer& oc, failures& bad) {
    const std::vector<document_id> docs = oc.documents();
    std::unordered_set<document_id> now;
    for (const document_id id : docs) {
      if (!now.insert(id).second) {
        bad.add("documents() lists " + std::to_string(id) + " twice");
      } else if (!held.contains(id)) {
        steps.push_back({true, id, epoch});
      }
    }
    held = std::move(now);
  }
};

struct online_op {
  bool add = true;
  std::uint32_t local = 0;
  unsigned variant = 0;
  std::uint64_t epoch = 0;
  assignment result;  // add: what add() returned
};

struct online_worker {
  online_worker(unsigned t, const online_content& c) : thread(t), content(c) {}

  unsigned thread;
  const online_content& content;
  std::vector<std::optional<assignment>> held =
      std::vector<std::optional<assignment>>(online_per_thread);
  std::vector<unsigned> held_variant = std::vector<unsigned>(online_per_thread);
  std::vector<std::size_t> added_at = std::vector<std::size_t>(online_per_thread);  // log index
  std::vector<online_op> log;
  op_counts counts;
  failures bad;

  void check_assignment(const assignment& a, document_id id, const char* where) {
    if (a.id != id) bad.add(std::string(where) + ": assignment of another id");
    if (!(a.similarity >= 0 && a.similarity <= 1)) {
      bad.add(std::string(where) + ": similarity out of [0, 1]");
    }
    if (!owner_of(a.story, online_per_thread) || !owner_of(a.copy, online_per_thread)) {
      bad.add(std::string(where) + ": story or copy label no thread owns");
    }
    // Not the converse: a re-added id may copy a copy of its former self.
    if (a.kind == samestory::copy_kind::original && a.copy != id) {
      bad.add(std::string(where) + ": copy label disagrees with the kind");
    }
  }

  void run(samestory::online_clusterer& oc, online_order& order,
           std::chrono::steady_clock::time_point deadline) {
    std::mt19937_64 rng(3000 + thread);
    const auto own = [&] { return static_cast<std::uint32_t>(pick(rng, online_per_thread)); };
    while (std::chrono::steady_clock::now() < deadline) {
      const std::size_t r = pick(rng, 100);
      if (r < 40) {
        const std::uint32_t l = own();
        const document_id id = id_of(thread, l);
        if (held[l]) {
          // Adding a held id changes nothing: no test lock, so it races everything.
          const assignment a = oc.add(online_doc(content, id, held_variant[l]));
          if (!same_assignment(a, *held[l])) bad.add("re-add changed the assignment");
        } else {
          const auto v = static_cast<unsigned>(pick(rng, 2));
          std::shared_lock adding(order.lock);
          const std::uint64_t epoch = order.epoch;
          const assignment a = oc.add(online_doc(content, id, v));
          adding.unlock();
          check_assignment(a, id, "add");
          held[l] = a;
          held_variant[l] = v;
          added_at[l] = log.size();
          log.push_back({true, l, v, epoch, a});
        }
        ++counts.inserts;
      } else if (r < 52) {
        const std::uint32_t l = own();
        const document_id id = id_of(thread, l);
        if (held[l]) {
          std::unique_lock removing(order.lock);
          order.close_epoch(oc, bad);
          const std::uint64_t epoch = order.epoch++;
          if (!oc.remove(id)) bad.add("remove of a held id returned false");
          order.steps.push_back({false, id, epoch});
          order.held.erase(id);
          removing.unlock();
          held[l].reset();
          log.push_back({false, l, 0, epoch, {}});
        } else if (oc.remove(id)) {  // changes nothing, so no test lock
          bad.add("remove of an absent id returned true");
        }
        ++counts.removes;
      } else if (r < 77) {
        const std::uint32_t l = own();
        const auto found = oc.find(id_of(thread, l));
        if (found.has_value() != held[l].has_value() ||
            (found && !same_assignment(*found, *held[l]))) {
          bad.add("find disagrees on own id " + std::to_string(l));
        }
        const document_id other = id_of(static_cast<unsigned>(pick(rng, thread_count)), own());
        if (const auto f = oc.find(other)) check_assignment(*f, other, "find");
        counts.queries += 2;
      } else if (r < 87) {
        const std::uint32_t l = own();
        const std::optional<assignment> mine = held[l];
        const std::vector<story_summary> st = oc.stories();
        std::unordered_set<document_id> ids;
        for (const story_summary& s : st) {
          if (!ids.insert(s.id).second) bad.add("stories() lists a story twice");
          if (s.documents == 0 || s.first_time > s.last_time) bad.add("an impossible story");
        }
        // Only this thread removes its document, so its story stays open.
        if (mine && !ids.contains(mine->story)) bad.add("stories() lacks a held document's story");
        ++counts.queries;
      } else if (r < 93) {
        const std::vector<document_id> docs = oc.documents();
        std::unordered_set<document_id> seen;
        std::vector<std::uint32_t> mine;  // own ids, in the listed order
        for (const document_id id : docs) {
          if (!seen.insert(id).second) {
            bad.add("documents() lists " + std::to_string(id) + " twice");
            break;
          }
          const auto o = owner_of(id, online_per_thread);
          if (!o) {
            bad.add("documents() lists an id no thread owns");
          } else if (o->thread == thread) {
            if (!held[o->local]) bad.add("documents() lists a removed own id");
            mine.push_back(o->local);
          }
        }
        // Own held ids, all of them, in the order this thread last added them.
        std::vector<std::uint32_t> expected;
        for (std::uint32_t l = 0; l < online_per_thread; ++l) {
          if (held[l]) expected.push_back(l);
        }
        std::sort(expected.begin(), expected.end(),
                  [&](std::uint32_t a, std::uint32_t b) { return added_at[a] < added_at[b]; });
        if (mine != expected) bad.add("documents() disagrees on own ids or their order");
        ++counts.queries;
      } else {
        if (oc.size() > std::size_t{thread_count} * online_per_thread) bad.add("size too large");
        if (oc.memory_bytes() == 0) bad.add("memory_bytes 0");
        counts.queries += 2;
      }
    }
  }
};

}  // namespace

TEST_CASE("lsh_index: a serial replay rebuilds what eight threads did concurrently",
          "[concurrency][stress]") {
  const minhasher hasher({}, 0);
  const lsh_content content = make_lsh_content(hasher);
  samestory::lsh_index index({32, 4}, hasher);
  std::vector<lsh_worker> workers;
  for (unsigned t = 0; t < thread_count; ++t) workers.emplace_back(t, content);
  const double seconds =
      run_threads([&](unsigned t, auto deadline) { workers[t].run(index, deadline); });

  op_counts total;
  std::uint64_t cross = 0;
  std::vector<failures> bad;
  for (const lsh_worker& w : workers) {
    total += w.counts;
    cross += w.cross_thread_matches;
    bad.push_back(w.bad);
  }
  report("lsh_index", total, seconds,
         "; " + std::to_string(cross) + " matches of another thread's document, " +
             std::to_string(index.size()) + " documents held at the end");
  check_no_failures(bad);
  CHECK(cross > 0);  // the content really makes threads meet

  // Distinct ids per thread: replaying each log in turn gives the same index.
  samestory::lsh_index replay({32, 4}, hasher);
  std::size_t remove_mismatches = 0;
  for (const lsh_worker& w : workers) {
    for (const lsh_op& op : w.log) {
      const document_id id = id_of(w.thread, op.local);
      if (op.insert) {
        replay.insert(id, content.of(w.thread, op.local, op.variant),
                      variant_time(op.local, op.variant));
      } else {
        remove_mismatches += replay.remove(id) != op.removed;
      }
    }
  }
  CHECK(remove_mismatches == 0);
  std::vector<document_id> expected;
  for (const lsh_worker& w : workers) {
    for (std::uint32_t l = 0; l < lsh_per_thread; ++l) {
      if (w.held[l] >= 0) expected.push_back(id_of(w.thread, l));
    }
  }
  std::vector<document_id> got = index.ids();
  std::vector<document_id> replayed = replay.ids();
  std::sort(got.begin(), got.end());
  std::sort(replayed.begin(), replayed.end());
  CHECK(index.size() == replay.size());
  CHECK((got == expected));
  CHECK((replayed == expected));

  // Every held document's neighbourhood, with every similarity, is identical.
  std::size_t differ = 0;
  for (const lsh_worker& w : workers) {
    for (std::uint32_t l = 0; l < lsh_per_thread; ++l) {
      if (w.held[l] < 0) continue;
      const minhash_signature& s = content.of(w.thread, l, static_cast<unsigned>(w.held[l]));
      const document_id id = id_of(w.thread, l);
      differ += !same_matches(index.query(s), replay.query(s));
      differ += !same_matches(index.query_id(id), replay.query_id(id));
      differ += index.candidates(s) != replay.candidates(s);
    }
  }
  CHECK(differ == 0);
}

TEST_CASE("simhash_index: a serial replay rebuilds what eight threads did concurrently",
          "[concurrency][stress]") {
  const simhash_content content = make_simhash_content();
  samestory::simhash_index index;
  std::vector<simhash_worker> workers;
  for (unsigned t = 0; t < thread_count; ++t) workers.emplace_back(t, content);
  const double seconds =
      run_threads([&](unsigned t, auto deadline) { workers[t].run(index, deadline); });

  op_counts total;
  std::uint64_t cross = 0;
  std::vector<failures> bad;
  for (const simhash_worker& w : workers) {
    total += w.counts;
    cross += w.cross_thread_matches;
    bad.push_back(w.bad);
  }
  report("simhash_index", total, seconds,
         "; " + std::to_string(cross) + " matches of another thread's document, " +
             std::to_string(index.size()) + " documents held at the end");
  check_no_failures(bad);
  CHECK(cross > 0);

  samestory::simhash_index replay;
  std::size_t remove_mismatches = 0;
  for (const simhash_worker& w : workers) {
    for (const lsh_op& op : w.log) {
      const document_id id = id_of(w.thread, op.local);
      if (op.insert) {
        replay.insert(id, content.of(w.thread, op.local, op.variant),
                      variant_time(op.local, op.variant));
      } else {
        remove_mismatches += replay.remove(id) != op.removed;
      }
    }
  }
  CHECK(remove_mismatches == 0);
  CHECK(index.size() == replay.size());
  std::size_t differ = 0;
  std::size_t held = 0;
  for (const simhash_worker& w : workers) {
    for (std::uint32_t l = 0; l < simhash_per_thread; ++l) {
      const document_id id = id_of(w.thread, l);
      differ += index.contains(id) != (w.held[l] >= 0);
      differ += replay.contains(id) != (w.held[l] >= 0);
      if (w.held[l] < 0) continue;
      ++held;
      const std::uint64_t fp = content.of(w.thread, l, static_cast<unsigned>(w.held[l]));
      differ += !same_simhash_matches(index.query(fp), replay.query(fp));
      differ += !same_simhash_matches(index.query(fp, 2), replay.query(fp, 2));
    }
  }
  CHECK(index.size() == held);
  CHECK(differ == 0);
}

// The clusterer's result depends on the order of its adds and removes (which
// document came first, the frequencies learned so far), so the replay must
// use the order in which the clusterer serialized them. Taking a test-side
// mutex around every mutating call would record that order but also order
// the adds for ThreadSanitizer, hiding any race between two adds. Instead
// adds run freely on eight threads (racing each other inside add(), and the
// readers), and only a remove that changes something takes the test lock
// exclusively, with no add in flight. The adds between two such removes are
// then ordered by the clusterer's own arrival order, documents(), read just
// before the remove. Re-adding a held id and removing an absent one change
// nothing, so they take no test lock and race everything. The replay then
// checks every add's assignment as returned during the run, and the whole
// final state, against a fresh clusterer fed the same calls in that order;
// and each thread's log must be exactly the recovered order restricted to its
// ids (its program order).
TEST_CASE("online_clusterer: a serial replay in its own order rebuilds what eight threads did",
          "[concurrency][stress]") {
  const online_content content = make_online_content();
  samestory::online_clusterer oc;
  online_order order;
  std::vector<online_worker> workers;
  for (unsigned t = 0; t < thread_count; ++t) workers.emplace_back(t, content);
  const double seconds =
      run_threads([&](unsigned t, auto deadline) { workers[t].run(oc, order, deadline); });
  failures closing;
  order.close_epoch(oc, closing);

  op_counts total;
  std::vector<failures> bad;
  for (const online_worker& w : workers) {
    total += w.counts;
    bad.push_back(w.bad);
  }
  bad.push_back(closing);
  std::size_t copies = 0, cross_copies = 0, joined = 0;
  for (const online_worker& w : workers) {
    for (const online_op& op : w.log) {
      if (!op.add) continue;
      if (op.result.kind == samestory::copy_kind::original) {
        joined += op.result.story != op.result.id;
        continue;
      }
      ++copies;
      cross_copies += owner_of(op.result.copy, online_per_thread)->thread != w.thread;
    }
  }
  report("online_clusterer", total, seconds,
         "; " + std::to_string(order.steps.size()) + " effective adds and removes, " +
             std::to_string(copies) + " copies (" + std::to_string(cross_copies) +
             " of another thread's document), " + std::to_string(joined) +
             " new write-ups of an open story, " + std::to_string(oc.stories().size()) +
             " stories open at the end");
  check_no_failures(bad);
  CHECK(cross_copies > 0);  // the content really makes threads meet
  CHECK(joined > 0);

  // Each thread's own calls appear in the recovered order as it made them.
  std::vector<std::vector<std::pair<bool, std::uint64_t>>> per_thread(thread_count);
  for (const online_order::step& s : order.steps) {
    per_thread[owner_of(s.id, online_per_thread)->thread].push_back({s.add, s.epoch});
  }
  std::map<std::pair<document_id, std::uint64_t>, const online_op*> adds;
  for (const online_worker& w : workers) {
    std::vector<std::pair<bool, std::uint64_t>> own;
    for (const online_op& op : w.log) {
      own.push_back({op.add, op.epoch});
      if (op.add) adds[{id_of(w.thread, op.local), op.epoch}] = &op;
    }
    const auto& recovered = per_thread[w.thread];
    std::size_t same = 0;
    while (same < std::min(own.size(), recovered.size()) && own[same] == recovered[same]) ++same;
    INFO("thread " << w.thread << ": " << own.size() << " calls logged, " << recovered.size()
                   << " in the recovered order, equal up to " << same);
    CHECK((own == recovered));  // parenthesized: Catch would print both vectors
  }
  REQUIRE(adds.size() ==
          static_cast<std::size_t>(std::count_if(order.steps.begin(), order.steps.end(),
                                                 [](const auto& s) { return s.add; })));

  samestory::online_clusterer replay;
  std::size_t differ = 0;
  for (const online_order::step& s : order.steps) {
    if (!s.add) {
      differ += !replay.remove(s.id);
      continue;
    }
    const auto it = adds.find({s.id, s.epoch});
    if (it == adds.end()) {
      ++differ;  // cannot happen: the counts were equal
      continue;
    }
    const assignment a = replay.add(online_doc(content, s.id, it->second->variant));
    differ += !same_assignment(a, it->second->result);
  }
  CHECK(differ == 0);
  CHECK(oc.size() == replay.size());
  CHECK((oc.documents() == replay.documents()));  // parenthesized: no vector dump
  CHECK(same_stories(oc.stories(), replay.stories()));
  CHECK(oc.memory_bytes() == replay.memory_bytes());
  std::size_t find_differ = 0;
  for (const document_id id : replay.documents()) {
    const auto a = oc.find(id);
    const auto b = replay.find(id);
    find_differ += !a || !b || !same_assignment(*a, *b);
  }
  CHECK(find_differ == 0);
}
