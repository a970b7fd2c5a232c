#include <samestory/document_index.hpp>
#include <samestory/error.hpp>
#include <samestory/io.hpp>
#include <samestory/lsh_index.hpp>
#include <samestory/lsh_tuner.hpp>
#include <samestory/minhash.hpp>

#include "binary_io.hpp"
#include "lsh_scoring.hpp"
#include "redis_lsh.hpp"

#include <algorithm>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>
#include <unordered_set>

namespace samestory {

namespace {

constexpr std::uint16_t document_index_format_version = 1;
constexpr std::size_t max_key_bytes = 0xFFFF;

minhash_options hasher_options(const document_index_options& o) {
  minhash_options m;
  m.num_hashes = o.num_hashes;
  m.seed = o.seed;
  return m;
}

lsh_parameters banding(const document_index_options& o) {
  if (!(o.threshold > 0.0 && o.threshold < 1.0)) {
    throw invalid_options_error("document_index_options::threshold must be in (0, 1), actual " +
                                std::to_string(o.threshold));
  }
  lsh_tuning_options t;
  t.threshold = o.threshold;
  t.num_hashes = o.num_hashes;
  return tune_lsh(t).parameters;
}

// On Redis, every process must map a key to the same id without talking to
// the others: a seeded 64-bit hash of the key.
document_id shared_id(std::string_view key) {
  return XXH3_64bits_withSeed(key.data(), key.size(), 0x6b65795f6964ULL);  // "key_id"
}

void check_key(std::string_view key) {
  if (key.size() > max_key_bytes) {
    throw error(error_code::invalid_argument, "document_index: a key has at most " +
                                                  std::to_string(max_key_bytes) +
                                                  " bytes, actual " + std::to_string(key.size()));
  }
}

void sort_keyed(std::vector<keyed_match>& out, std::size_t limit) {
  std::stable_sort(out.begin(), out.end(), [](const keyed_match& a, const keyed_match& b) {
    return a.jaccard != b.jaccard ? a.jaccard > b.jaccard : a.key < b.key;
  });
  if (out.size() > limit) out.resize(limit);
}

}  // namespace

struct document_index::impl {
  explicit impl(const document_index_options& o)
      : options(o),
        pipeline(o.pipeline),
        hasher(hasher_options(o), pipeline.fingerprint()),
        params(banding(o)),
        index(params, hasher) {}

  document_index_options options;
  text_pipeline pipeline;
  minhasher hasher;
  lsh_parameters params;
  lsh_index index;
  mutable std::shared_mutex mutex;  // guards the key maps; index has its own lock
  std::unordered_map<std::string, document_id> id_of;
  std::unordered_map<document_id, std::string> key_of;
  document_id next_id = 0;
  std::unique_ptr<detail::redis_lsh> remote;  // set: documents, keys and all live in Redis

  minhash_signature sign(std::string_view text) const {
    thread_local std::vector<std::uint64_t> shingles;
    pipeline.shingles(text, shingles);
    return hasher.sign(shingles);
  }

  detail::settings_list settings() const {
    detail::settings_list s;
    s.add_real("threshold", options.threshold);
    s.add("num_hashes", options.num_hashes).add("seed", options.seed);
    s.add_hash("text_fingerprint", pipeline.fingerprint());
    s.add("bands", params.bands).add("rows", params.rows);
    return s;
  }
};

document_index::document_index(const document_index_options& options)
    : impl_(std::make_unique<impl>(options)) {}

document_index::document_index(const document_index_options& options, const redis_options& store)
    : impl_(std::make_unique<impl>(options)) {
  impl& m = *impl_;
  m.remote = std::make_unique<detail::redis_lsh>(store, m.params, m.options.num_hashes,
                                                 m.settings(), "document_index");
}
document_index::~document_index() = default;
document_index::document_index(document_index&&) noexcept = default;
document_index& document_index::operator=(document_index&&) noexcept = default;

void document_index::add(std::string_view key, std::string_view text, std::int64_t time) {
  check_key(key);
  impl& m = *impl_;
  if (m.remote) {
    add_batch(std::span<const std::string_view>(&key, 1),
              std::span<const std::string_view>(&text, 1), std::span<const std::int64_t>(&time, 1));
    return;
  }
  const minhash_signature sig = m.sign(text);  // outside the lock: the expensive part
  std::unique_lock lock(m.mutex);
  const std::string k(key);
  auto it = m.id_of.find(k);
  if (it == m.id_of.end()) {
    it = m.id_of.emplace(k, m.next_id++).first;
    m.key_of.emplace(it->second, k);
  }
  m.index.insert(it->second, sig, time);
}

void document_index::add_batch(std::span<const std::string_view> keys,
                               std::span<const std::string_view> texts,
                               std::span<const std::int64_t> times) {
  if (keys.size() != texts.size() || (!times.empty() && times.size() != keys.size())) {
    throw error(error_code::invalid_argument,
                "document_index::add_batch: " + std::to_string(keys.size()) + " keys, " +
                    std::to_string(texts.size()) + " texts and " + std::to_string(times.size()) +
                    " times; the counts must match");
  }
  for (const std::string_view key : keys) check_key(key);
  impl& m = *impl_;
  if (!m.remote) {
    for (std::size_t i = 0; i < keys.size(); ++i)
      add(keys[i], texts[i], times.empty() ? 0 : times[i]);
    return;
  }
  // Signed first (the expensive part), then one pipelined insert.
  std::vector<document_id> ids;
  ids.reserve(keys.size());
  detail::kept_signatures kept(m.options.num_hashes);
  for (std::size_t i = 0; i < keys.size(); ++i) {
    kept.add(m.sign(texts[i]));
    ids.push_back(shared_id(keys[i]));
  }
  m.remote->insert(ids, kept, times, keys);
}

std::vector<keyed_match> document_index::query(std::string_view text, std::size_t limit) const {
  const impl& m = *impl_;
  const minhash_signature sig = m.sign(text);
  query_options q;
  q.min_jaccard = m.options.threshold;
  if (m.remote) {
    std::vector<keyed_match> out;
    if (sig.is_empty()) return out;
    detail::kept_signatures kept(m.options.num_hashes);
    kept.add(sig);
    std::vector<std::vector<match>> found;
    std::unordered_map<document_id, std::string> labels;
    m.remote->query(kept, q, found, &labels);
    for (const match& f : found.front()) out.push_back({labels[f.id], f.jaccard, f.containment});
    sort_keyed(out, limit);
    return out;
  }
  std::shared_lock lock(m.mutex);
  const std::vector<match> found = m.index.query(sig, q);
  std::vector<keyed_match> out;
  out.reserve(found.size());
  for (const match& f : found) {
    const auto k = m.key_of.find(f.id);
    if (k != m.key_of.end()) out.push_back({k->second, f.jaccard, f.containment});
  }
  sort_keyed(out, limit);
  return out;
}

bool document_index::remove(std::string_view key) {
  impl& m = *impl_;
  if (m.remote) {
    const document_id id = shared_id(key);
    return m.remote->remove(std::span<const document_id>(&id, 1)) == 1;
  }
  std::unique_lock lock(m.mutex);
  const auto it = m.id_of.find(std::string(key));
  if (it == m.id_of.end()) return false;
  m.index.remove(it->second);
  m.key_of.erase(it->second);
  m.id_of.erase(it);
  return true;
}

std::size_t document_index::evict_older_than(std::int64_t cutoff) {
  impl& m = *impl_;
  if (m.remote) return m.remote->evict_older_than(cutoff);
  std::unique_lock lock(m.mutex);
  const std::size_t dropped = m.index.evict_older_than(cutoff);
  if (dropped == 0) return 0;
  const std::vector<document_id> kept = m.index.ids();
  const std::unordered_set<document_id> held(kept.begin(), kept.end());
  for (auto it = m.key_of.begin(); it != m.key_of.end();) {
    if (held.contains(it->first)) {
      ++it;
    } else {
      m.id_of.erase(it->second);
      it = m.key_of.erase(it);
    }
  }
  return dropped;
}

bool document_index::contains(std::string_view key) const {
  if (impl_->remote) return impl_->remote->contains(shared_id(key));
  std::shared_lock lock(impl_->mutex);
  return impl_->id_of.contains(std::string(key));
}

std::size_t document_index::size() const {
  if (impl_->remote) return impl_->remote->size();
  std::shared_lock lock(impl_->mutex);
  return impl_->id_of.size();
}

const document_index_options& document_index::options() const noexcept {
  return impl_->options;
}

bool document_index::is_shared() const noexcept {
  return impl_->remote != nullptr;
}

// Payload, version 1: settings; u64 next id; u64 N, then N × (u64 id, u16
// key length, key) in id order; u64 length and the lsh_index's saved bytes.
std::string document_index::save() const {
  const impl& m = *impl_;
  if (m.remote) {
    throw error(error_code::invalid_argument,
                "document_index::save: an index on Redis is kept by Redis itself (AOF or RDB); "
                "save() writes in-memory indexes");
  }
  std::shared_lock lock(m.mutex);
  std::vector<std::pair<document_id, const std::string*>> entries;
  entries.reserve(m.key_of.size());
  for (const auto& [id, key] : m.key_of) entries.emplace_back(id, &key);
  std::sort(entries.begin(), entries.end());
  std::string out;
  const std::size_t start = detail::begin_envelope(out, detail::object_kind::document_index,
                                                   document_index_format_version);
  m.settings().write(out);
  detail::append_u64(out, m.next_id);
  detail::append_u64(out, entries.size());
  for (const auto& [id, key] : entries) {
    detail::append_u64(out, id);
    detail::append_u16(out, static_cast<std::uint16_t>(key->size()));
    out += *key;
  }
  const std::string nested = m.index.save();
  detail::append_u64(out, nested.size());
  out += nested;
  detail::end_envelope(out, start);
  return out;
}

void document_index::save_file(const std::filesystem::path& file) const {
  write_file_atomically(file, save());
}

document_index document_index::load(std::string_view bytes, const document_index_options& options) {
  const detail::envelope env = detail::open_envelope(bytes, detail::object_kind::document_index,
                                                     document_index_format_version);
  document_index out(options);
  impl& m = *out.impl_;
  detail::byte_reader r(env.payload, env.payload_offset);
  detail::settings_list::read(r).expect_same_as(m.settings(), "document_index");
  m.next_id = r.u64("next id");
  const std::size_t count_at = r.offset();
  const std::uint64_t count = r.u64("key count");
  r.check_count(count, 10, count_at, "keys");
  m.id_of.reserve(static_cast<std::size_t>(count));
  m.key_of.reserve(static_cast<std::size_t>(count));
  document_id previous = 0;
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::size_t at = r.offset();
    const document_id id = detail::read_increasing(r, "id", i, previous);
    const std::uint16_t length = r.u16("key length");
    std::string key(r.bytes(length, "key"));
    if (id >= m.next_id || m.id_of.contains(key)) {
      throw format_error(at, "expected ids below " + std::to_string(m.next_id) +
                                 " and each key once, actual id " + std::to_string(id));
    }
    m.id_of.emplace(key, id);
    m.key_of.emplace(id, std::move(key));
  }
  const std::size_t nested_at = r.offset() + 8;  // after its length
  m.index = detail::read_nested(
      r, "index", [&](std::string_view b) { return lsh_index::load(b, m.params, m.hasher); });
  r.expect_end("document_index payload");
  // Every key has its document in the index and nothing else is there.
  if (m.index.size() != m.key_of.size()) {
    throw format_error(nested_at, "expected the index to hold the " +
                                      std::to_string(m.key_of.size()) +
                                      " keyed documents, actual " + std::to_string(m.index.size()));
  }
  for (const auto& [id, key] : m.key_of) {
    if (!m.index.contains(id)) {
      throw format_error(nested_at, "expected document " + std::to_string(id) + " (key '" + key +
                                        "') in the index, actual absent");
    }
  }
  return out;
}

document_index document_index::load_file(const std::filesystem::path& file,
                                         const document_index_options& options) {
  return load(read_file(file), options);
}

}  // namespace samestory
