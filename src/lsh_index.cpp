#include <samestory/error.hpp>
#include <samestory/io.hpp>
#include <samestory/lsh_index.hpp>

#include "binary_io.hpp"  // xxHash, inline
#include "lsh_scoring.hpp"
#include "redis_lsh.hpp"
#include "tag_table.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <limits>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>

namespace samestory {

namespace {

using detail::max_bands;
using detail::max_num_hashes_for_index;

std::string hex(std::uint64_t v) {
  char buf[19];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

void check_parameters(lsh_parameters p, std::uint32_t k) {
  if (p.bands == 0 || p.rows == 0 || p.bands > max_bands ||
      static_cast<std::uint64_t>(p.bands) * p.rows > k) {
    throw invalid_options_error("lsh_index: bands x rows must be at least 1 x 1, at most " +
                                std::to_string(max_bands) + " bands, and use no more than the " +
                                std::to_string(k) + " signature values; got " +
                                std::to_string(p.bands) + " x " + std::to_string(p.rows));
  }
}

}  // namespace

// Per-thread buffers of the query path, so a query allocates only its result.
namespace {
struct query_scratch {
  std::vector<std::uint16_t> values;
  std::vector<std::uint32_t> tags;
  std::vector<std::uint32_t> slots;
};
query_scratch& scratch() {
  thread_local query_scratch s;
  return s;
}
}  // namespace

struct lsh_index::impl {
  lsh_parameters params;
  std::uint32_t k;
  std::uint64_t fingerprint;
  mutable std::shared_mutex mutex;
  detail::slot_store docs;
  detail::chunked_rows<std::uint16_t> values;  // per slot k values, low 16 bits
  std::vector<std::uint32_t> set_sizes;        // per slot, saturated at 2^32-1
  detail::multi_tag_table bands;               // one table per band, one block
  std::unique_ptr<detail::redis_lsh> remote;   // set: the documents live in Redis

  impl(lsh_parameters p, std::uint32_t num_hashes, std::uint64_t fp)
      : params(p), k(num_hashes), fingerprint(fp), values(num_hashes) {
    if (num_hashes == 0 || num_hashes > max_num_hashes_for_index) {
      throw invalid_options_error("lsh_index: num_hashes must be in 1.." +
                                  std::to_string(max_num_hashes_for_index) + ", got " +
                                  std::to_string(num_hashes));
    }
    check_parameters(p, num_hashes);
    bands = detail::multi_tag_table(p.bands);
  }

  void check(const minhash_signature& s, const char* where) const {
    if (s.num_hashes() != k || s.fingerprint() != fingerprint) {
      throw error(error_code::invalid_argument,
                  std::string("lsh_index::") + where + ": the index takes signatures of " +
                      std::to_string(k) + " values with fingerprint " + hex(fingerprint) +
                      ", got " + std::to_string(s.num_hashes()) + " values with fingerprint " +
                      hex(s.fingerprint()));
    }
  }

  static void truncate(std::span<const std::uint32_t> in, std::uint16_t* out) noexcept {
    detail::truncate_values(in, out);
  }

  void band_tags(const std::uint16_t* v, std::uint32_t* tags) const noexcept {
    detail::band_tags(params, v, tags);
  }

  const std::uint16_t* values_of(std::uint32_t slot) const noexcept { return values.row(slot); }

  // The query's 16-bit values and band tags, in this thread's scratch.
  query_scratch& prepare(const minhash_signature& s) const {
    auto& sc = scratch();
    sc.values.resize(k);
    sc.tags.resize(params.bands);
    truncate(s.values(), sc.values.data());
    band_tags(sc.values.data(), sc.tags.data());
    return sc;
  }

  void grow_arrays() {
    values.ensure(docs.slots());
    set_sizes.resize(docs.slots());
  }

  std::uint32_t add_slot(document_id id, const minhash_signature& s, std::int64_t time) {
    bool grew = false;
    const std::uint32_t slot = docs.allocate(id, time, s.is_empty(), grew);
    if (grew) grow_arrays();
    truncate(s.values(), values.row(slot));
    set_sizes[slot] = detail::kept_set_size(s.set_size());
    return slot;
  }

  // A saved document: its kept values go straight into a new slot and bands.
  void add_saved(document_id id, std::int64_t time, std::uint32_t set_size, bool empty,
                 const std::uint16_t* v) {
    bool grew = false;
    const std::uint32_t slot = docs.allocate(id, time, empty, grew);
    if (grew) grow_arrays();
    std::copy(v, v + k, values.row(slot));
    set_sizes[slot] = set_size;
    if (empty) return;
    std::uint32_t tags[max_bands];
    band_tags(v, tags);
    bands.grow_for_one();
    for (std::uint32_t b = 0; b < params.bands; ++b) bands.insert(b, tags[b], slot);
  }

  detail::settings_list settings() const {
    detail::settings_list s;
    s.add("bands", params.bands).add("rows", params.rows).add("num_hashes", k);
    s.add_hash("signature_fingerprint", fingerprint);
    return s;
  }

  void remove_slot(std::uint32_t slot) {
    if (!docs.is_empty_set(slot)) {
      std::uint32_t tags[max_bands];
      band_tags(values_of(slot), tags);
      for (std::uint32_t b = 0; b < params.bands; ++b) bands.erase(b, tags[b], slot);
      bands.shrink_by_one();
    }
    docs.release(slot);
  }

  // Collects the distinct slots sharing a band with `tags`, in slot order.
  // More than query_options::max_candidates of them (not counting `exclude`)
  // throw limit_exceeded_error. Past the limit's worth of band entries the
  // slots are deduplicated, and again after each further limit's worth, so a
  // flood of matching documents is refused with the scratch at about twice
  // the limit plus one band's bucket, before the other bands are gathered.
  void collect(const std::uint32_t* tags, std::vector<std::uint32_t>& slots,
               std::size_t max_candidates = std::numeric_limits<std::size_t>::max(),
               std::uint32_t exclude = detail::tag_table::no_slot) const {
    const auto distinct = [&] {
      std::sort(slots.begin(), slots.end());
      slots.erase(std::unique(slots.begin(), slots.end()), slots.end());
    };
    const auto check = [&] {
      const std::size_t found =
          slots.size() - (std::binary_search(slots.begin(), slots.end(), exclude) ? 1 : 0);
      if (found > max_candidates) {
        throw limit_exceeded_error("query_options::max_candidates", max_candidates, found);
      }
    };
    const auto later = [&](std::size_t from) {
      return from > std::numeric_limits<std::size_t>::max() - max_candidates
                 ? std::numeric_limits<std::size_t>::max()
                 : from + max_candidates;
    };
    slots.clear();
    for (std::uint32_t b = 0; b < params.bands; ++b) bands.prefetch(b, tags[b]);
    std::size_t check_at = later(0);
    for (std::uint32_t b = 0; b < params.bands; ++b) {
      bands.for_each(b, tags[b], [&](std::uint32_t s) { slots.push_back(s); });
      if (slots.size() > check_at) {
        distinct();
        check();
        check_at = later(slots.size());
      }
    }
    distinct();
    check();
  }

  // Scores the candidates of query values q (tags already in scratch().tags).
  void score(const std::uint16_t* q, std::uint64_t q_size, std::uint32_t exclude,
             const query_options& o, std::vector<match>& out) const {
    auto& sc = scratch();
    collect(sc.tags.data(), sc.slots, o.max_candidates, exclude);
    for (const std::uint32_t s : sc.slots) {
      if (s == exclude) continue;
      const double j = detail::estimate_jaccard(q, values_of(s), k);
      const double c = detail::containment_of(j, q_size, set_sizes[s]);
      if (j < o.min_jaccard || c < o.min_containment) continue;
      out.push_back(match{docs.id(s), j, c, set_sizes[s], docs.time(s)});
    }
  }
};

namespace {

using detail::check_query_options;
void rank(std::vector<match>& out, const query_options& o) {
  detail::rank_matches(out, o);
}

}  // namespace

lsh_index::lsh_index(lsh_parameters parameters, const minhasher& hasher)
    : lsh_index(parameters, hasher.num_hashes(), hasher.fingerprint()) {}

lsh_index::lsh_index(lsh_parameters parameters, std::uint32_t num_hashes,
                     std::uint64_t signature_fingerprint)
    : impl_(std::make_unique<impl>(parameters, num_hashes, signature_fingerprint)) {}

lsh_index::lsh_index(lsh_parameters parameters, const minhasher& hasher, const redis_options& store)
    : lsh_index(parameters, hasher.num_hashes(), hasher.fingerprint(), store) {}

lsh_index::lsh_index(lsh_parameters parameters, std::uint32_t num_hashes,
                     std::uint64_t signature_fingerprint, const redis_options& store)
    : impl_(std::make_unique<impl>(parameters, num_hashes, signature_fingerprint)) {
  impl_->remote = std::make_unique<detail::redis_lsh>(store, parameters, num_hashes,
                                                      impl_->settings(), "lsh_index");
}

lsh_index::~lsh_index() = default;
lsh_index::lsh_index(lsh_index&&) noexcept = default;
lsh_index& lsh_index::operator=(lsh_index&&) noexcept = default;

void lsh_index::insert(document_id id, const minhash_signature& signature, std::int64_t time) {
  if (impl_->remote) {
    insert_batch(std::span<const document_id>(&id, 1),
                 std::span<const minhash_signature>(&signature, 1),
                 std::span<const std::int64_t>(&time, 1));
    return;
  }
  impl& m = *impl_;
  m.check(signature, "insert");
  // Tags are computed before the lock: only the table updates are exclusive.
  std::uint16_t values[max_num_hashes_for_index];
  std::uint32_t tags[max_bands];
  impl::truncate(signature.values(), values);
  m.band_tags(values, tags);
  std::unique_lock lock(m.mutex);
  // The b table lines are independent cache misses: start them all at once.
  if (!signature.is_empty()) {
    for (std::uint32_t b = 0; b < m.params.bands; ++b) m.bands.prefetch(b, tags[b]);
  }
  const std::uint32_t old = m.docs.find(id);
  if (old != detail::tag_table::no_slot) m.remove_slot(old);
  const std::uint32_t slot = m.add_slot(id, signature, time);
  if (signature.is_empty()) return;
  m.bands.grow_for_one();
  for (std::uint32_t b = 0; b < m.params.bands; ++b) m.bands.insert(b, tags[b], slot);
}

void lsh_index::insert_batch(std::span<const document_id> ids,
                             std::span<const minhash_signature> signatures,
                             std::span<const std::int64_t> times, unsigned threads) {
  impl& m = *impl_;
  if (signatures.size() != ids.size() || (!times.empty() && times.size() != ids.size())) {
    throw error(error_code::invalid_argument,
                "lsh_index::insert_batch: " + std::to_string(ids.size()) + " ids, " +
                    std::to_string(signatures.size()) + " signatures and " +
                    std::to_string(times.size()) + " times; the counts must match");
  }
  for (const minhash_signature& s : signatures) m.check(s, "insert_batch");
  const std::size_t n = ids.size();
  if (n == 0) return;
  if (m.remote) {
    detail::kept_signatures kept(m.k);
    for (const minhash_signature& s : signatures) kept.add(s);
    m.remote->insert(ids, kept, times, {});
    return;
  }
  // A later duplicate id wins, as if inserted one by one: keep last occurrences.
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return ids[a] < ids[b]; });
  std::vector<std::size_t> keep;
  keep.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (i + 1 < n && ids[order[i]] == ids[order[i + 1]]) continue;
    keep.push_back(order[i]);
  }
  std::sort(keep.begin(), keep.end());

  const std::uint32_t nb = m.params.bands;
  const std::size_t docs = keep.size();
  std::vector<std::uint32_t> tags(docs * nb);
  std::vector<std::uint32_t> slots(docs);
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  const auto run = [&](std::size_t tasks, auto&& task) {
    const std::size_t workers = std::min<std::size_t>(threads, tasks);
    std::atomic<std::size_t> next{0};
    const auto work = [&] {
      for (std::size_t t; (t = next.fetch_add(1)) < tasks;) task(t);
    };
    std::vector<std::thread> pool;
    for (std::size_t w = 1; w < workers; ++w) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
  };
  // Tags need no lock: they depend on the signatures only.
  constexpr std::size_t chunk = 256;
  run((docs + chunk - 1) / chunk, [&](std::size_t c) {
    std::uint16_t v[max_num_hashes_for_index];
    for (std::size_t d = c * chunk; d < std::min(docs, (c + 1) * chunk); ++d) {
      impl::truncate(signatures[keep[d]].values(), v);
      m.band_tags(v, tags.data() + d * nb);
    }
  });
  std::unique_lock lock(m.mutex);
  for (std::size_t d = 0; d < docs; ++d) {
    const std::size_t i = keep[d];
    const std::uint32_t old = m.docs.find(ids[i]);
    if (old != detail::tag_table::no_slot) m.remove_slot(old);
    slots[d] = m.add_slot(ids[i], signatures[i], times.empty() ? 0 : times[i]);
  }
  std::size_t non_empty = 0;
  for (std::size_t d = 0; d < docs; ++d) non_empty += !signatures[keep[d]].is_empty();
  m.bands.grow_for(non_empty);
  // Each band's table is a separate range of the block: one thread per band at a time.
  run(nb, [&](std::size_t b) {
    for (std::size_t d = 0; d < docs; ++d) {
      if (signatures[keep[d]].is_empty()) continue;
      m.bands.insert(b, tags[d * nb + b], slots[d]);
    }
  });
}

void lsh_index::query_into(const minhash_signature& signature, const query_options& options,
                           std::vector<match>& out) const {
  const impl& m = *impl_;
  m.check(signature, "query");
  check_query_options(options);
  out.clear();
  if (signature.is_empty()) return;
  auto& sc = m.prepare(signature);
  if (m.remote) {
    detail::redis_query q;
    q.values = sc.values.data();
    q.set_size = signature.set_size();
    std::vector<std::vector<match>> answers;
    m.remote->query(std::span<const detail::redis_query>(&q, 1), options, answers);
    out = std::move(answers.front());
    return;
  }
  {
    std::shared_lock lock(m.mutex);
    m.score(sc.values.data(), signature.set_size(), detail::tag_table::no_slot, options, out);
  }
  rank(out, options);
}

std::vector<match> lsh_index::query(const minhash_signature& signature,
                                    const query_options& options) const {
  std::vector<match> out;
  query_into(signature, options, out);
  return out;
}

std::vector<match> lsh_index::query_top(const minhash_signature& signature, std::size_t n) const {
  query_options o;
  o.limit = n;
  return query(signature, o);
}

std::vector<match> lsh_index::query_id(document_id id, const query_options& options) const {
  if (impl_->remote) {
    check_query_options(options);
    const auto stored = impl_->remote->fetch(std::span<const document_id>(&id, 1));
    if (!stored.front() || stored.front()->empty) return {};
    detail::redis_query q;
    q.values = stored.front()->values.data();
    q.set_size = stored.front()->set_size;
    q.exclude = true;
    q.excluded = id;
    std::vector<std::vector<match>> answers;
    impl_->remote->query(std::span<const detail::redis_query>(&q, 1), options, answers);
    return std::move(answers.front());
  }
  const impl& m = *impl_;
  check_query_options(options);
  std::vector<match> out;
  auto& sc = scratch();
  {
    std::shared_lock lock(m.mutex);
    const std::uint32_t slot = m.docs.find(id);
    if (slot == detail::tag_table::no_slot || m.docs.is_empty_set(slot)) return out;
    sc.values.assign(m.values_of(slot), m.values_of(slot) + m.k);
    sc.tags.resize(m.params.bands);
    m.band_tags(sc.values.data(), sc.tags.data());
    m.score(sc.values.data(), m.set_sizes[slot], slot, options, out);
  }
  rank(out, options);
  return out;
}

std::vector<document_id> lsh_index::candidates(const minhash_signature& signature) const {
  const impl& m = *impl_;
  m.check(signature, "candidates");
  std::vector<document_id> out;
  if (signature.is_empty()) return out;
  auto& sc = m.prepare(signature);
  if (m.remote) return m.remote->candidates(sc.values.data());
  {
    std::shared_lock lock(m.mutex);
    m.collect(sc.tags.data(), sc.slots);
    out.reserve(sc.slots.size());
    for (const std::uint32_t s : sc.slots) out.push_back(m.docs.id(s));
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool lsh_index::remove(document_id id) {
  return remove(std::span<const document_id>(&id, 1)) == 1;
}

std::size_t lsh_index::remove(std::span<const document_id> ids) {
  if (impl_->remote) return impl_->remote->remove(ids);
  std::unique_lock lock(impl_->mutex);
  return detail::remove_ids(impl_->docs, ids, [&](std::uint32_t s) { impl_->remove_slot(s); });
}

std::size_t lsh_index::evict_older_than(std::int64_t cutoff) {
  if (impl_->remote) return impl_->remote->evict_older_than(cutoff);
  std::unique_lock lock(impl_->mutex);
  return detail::evict_before(impl_->docs, cutoff, [&](std::uint32_t s) { impl_->remove_slot(s); });
}

void lsh_index::reserve(std::size_t documents) {
  if (impl_->remote) return;
  impl& m = *impl_;
  std::unique_lock lock(m.mutex);
  m.docs.reserve(documents);
  m.values.ensure(documents);
  m.set_sizes.reserve(documents);
  m.bands.reserve(documents);
}

bool lsh_index::contains(document_id id) const {
  if (impl_->remote) return impl_->remote->contains(id);
  std::shared_lock lock(impl_->mutex);
  return impl_->docs.find(id) != detail::tag_table::no_slot;
}

std::vector<document_id> lsh_index::ids() const {
  if (impl_->remote) return impl_->remote->ids();
  const impl& m = *impl_;
  std::shared_lock lock(m.mutex);
  std::vector<document_id> out;
  out.reserve(m.docs.size());
  for (std::size_t s = 0; s < m.docs.slots(); ++s) {
    if (m.docs.is_live(static_cast<std::uint32_t>(s)))
      out.push_back(m.docs.id(static_cast<std::uint32_t>(s)));
  }
  return out;
}

std::size_t lsh_index::size() const {
  if (impl_->remote) return impl_->remote->size();
  std::shared_lock lock(impl_->mutex);
  return impl_->docs.size();
}

std::size_t lsh_index::memory_bytes() const {
  if (impl_->remote) return sizeof(impl);
  const impl& m = *impl_;
  std::shared_lock lock(m.mutex);
  std::size_t bytes = sizeof(impl) + m.docs.memory_bytes() + m.values.memory_bytes() +
                      m.set_sizes.capacity() * sizeof(std::uint32_t) + m.bands.memory_bytes();
  return bytes;
}

bool lsh_index::is_shared() const noexcept {
  return impl_->remote != nullptr;
}

std::vector<std::vector<match>> lsh_index::query_batch(
    std::span<const minhash_signature> signatures, const query_options& options) const {
  const impl& m = *impl_;
  for (const minhash_signature& s : signatures) m.check(s, "query_batch");
  check_query_options(options);
  std::vector<std::vector<match>> out(signatures.size());
  if (!m.remote) {
    for (std::size_t i = 0; i < signatures.size(); ++i) query_into(signatures[i], options, out[i]);
    return out;
  }
  detail::kept_signatures kept(m.k);
  for (const minhash_signature& s : signatures) kept.add(s);
  m.remote->query(kept, options, out);
  return out;
}

lsh_parameters lsh_index::parameters() const noexcept {
  return impl_->params;
}
std::uint32_t lsh_index::num_hashes() const noexcept {
  return impl_->k;
}

// Saved form, version 1 (docs/format.md): settings, u64 N, then N documents
// in id order: u64 id, i64 time, u32 set size, u8 flags (bit 0 = empty set),
// k × u16 values.
namespace {
constexpr std::uint16_t lsh_format_version = 1;
}

std::string lsh_index::save() const {
  if (impl_->remote) {
    // A snapshot: the stored documents, copied into memory and saved from there.
    std::vector<document_id> ids = impl_->remote->ids();
    std::sort(ids.begin(), ids.end());
    lsh_index copy(impl_->params, impl_->k, impl_->fingerprint);
    for (const auto& d : impl_->remote->fetch(ids)) {
      if (d) copy.impl_->add_saved(d->id, d->time, d->set_size, d->empty, d->values.data());
    }
    return copy.save();
  }
  const impl& m = *impl_;
  std::shared_lock lock(m.mutex);
  const auto order = m.docs.live_by_id();
  std::string out;
  out.reserve(64 + order.size() * (21 + 2 * std::size_t{m.k}));
  const std::size_t start =
      detail::begin_envelope(out, detail::object_kind::lsh_index, lsh_format_version);
  m.settings().write(out);
  detail::append_u64(out, order.size());
  for (const auto& [id, slot] : order) {
    detail::append_u64(out, id);
    detail::append_i64(out, m.docs.time(slot));
    detail::append_u32(out, m.set_sizes[slot]);
    out.push_back(m.docs.is_empty_set(slot) ? '\x01' : '\x00');
    const std::uint16_t* v = m.values_of(slot);
    for (std::uint32_t i = 0; i < m.k; ++i) detail::append_u16(out, v[i]);
  }
  detail::end_envelope(out, start);
  return out;
}

void lsh_index::save_file(const std::filesystem::path& file) const {
  write_file_atomically(file, save());
}

lsh_index lsh_index::load(std::string_view bytes, lsh_parameters parameters,
                          const minhasher& hasher) {
  return load(bytes, parameters, hasher.num_hashes(), hasher.fingerprint());
}

lsh_index lsh_index::load(std::string_view bytes, lsh_parameters parameters,
                          std::uint32_t num_hashes, std::uint64_t signature_fingerprint) {
  lsh_index index(parameters, num_hashes, signature_fingerprint);
  impl& m = *index.impl_;
  const detail::envelope env =
      detail::open_envelope(bytes, detail::object_kind::lsh_index, lsh_format_version);
  detail::byte_reader r(env.payload, env.payload_offset);
  detail::settings_list::read(r).expect_same_as(m.settings(), "lsh_index");
  const std::size_t record = 21 + 2 * std::size_t{m.k};
  const std::size_t count_at = r.offset();
  const std::uint64_t count = r.u64("document count");
  r.check_count(count, record, count_at, "documents");
  index.reserve(static_cast<std::size_t>(count));
  std::vector<std::uint16_t> v(m.k);
  document_id previous = 0;
  for (std::uint64_t d = 0; d < count; ++d) {
    const document_id id = detail::read_increasing(r, "document id", d, previous);
    const auto time = static_cast<std::int64_t>(r.u64("document time"));
    const std::uint32_t set_size = r.u32("set size");
    const std::size_t flags_at = r.offset();
    const auto flags = static_cast<unsigned char>(r.bytes(1, "flags")[0]);
    if (flags > 1) {
      throw format_error(flags_at, "expected flags 0 or 1, actual " + std::to_string(flags));
    }
    const bool empty = flags == 1;
    const std::size_t values_at = r.offset();
    for (std::uint32_t i = 0; i < m.k; ++i) v[i] = r.u16("signature value");
    if (empty && (set_size != 0 ||
                  std::any_of(v.begin(), v.end(), [](std::uint16_t x) { return x != 0xFFFF; }))) {
      throw format_error(values_at,
                         "expected an empty document to have set size 0 and all "
                         "values 0xffff");
    }
    m.add_saved(id, time, set_size, empty, v.data());
  }
  r.expect_end("lsh_index payload");
  return index;
}

lsh_index lsh_index::load_file(const std::filesystem::path& file, lsh_parameters parameters,
                               const minhasher& hasher) {
  return load(read_file(file), parameters, hasher);
}

}  // namespace samestory
