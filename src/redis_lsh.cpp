#include "redis_lsh.hpp"

#include <samestory/error.hpp>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <limits>

namespace samestory::detail {

namespace {

// Layout version of the keys and records, stored with the settings.
constexpr std::uint64_t redis_layout_version = 1;
constexpr std::uint8_t record_version = 1;
constexpr std::size_t record_header = 1 + 1 + 8 + 4;  // version, flags, time, set size
// Documents per pipeline: bounds the client's buffers (about 34 commands each).
constexpr std::size_t chunk_documents = 1024;
// The time index is cut into this many sorted sets by id, so that on a
// cluster its writes spread over masters like the rest instead of all
// landing on the one that owns a single key.
constexpr std::uint32_t time_shards = 16;

std::string hex_fixed(std::uint64_t v, int digits) {
  static constexpr char d[] = "0123456789abcdef";
  std::string s(static_cast<std::size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i, v >>= 4) s[static_cast<std::size_t>(i)] = d[v & 0xF];
  return s;
}

bool parse_member(std::string_view s, document_id& id) {
  std::int64_t v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc{} || r.ptr != s.data() + s.size()) return false;
  id = static_cast<document_id>(v);
  return true;
}

std::string decimal(std::int64_t v) {
  return std::to_string(v);
}

}  // namespace

std::string redis_key_prefix(const std::string& name) {
  const bool ok =
      !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '.' || c == '-';
      });
  if (!ok) {
    throw invalid_options_error(
        "redis_options::name must be 1 to 64 bytes of [A-Za-z0-9_.-], actual \"" + name + "\"");
  }
  return "ss:" + name + ":";
}

std::string redis_member(document_id id) {
  return decimal(static_cast<std::int64_t>(id));
}

redis_lsh::redis_lsh(const redis_options& options, lsh_parameters parameters,
                     std::uint32_t num_hashes, const settings_list& settings, std::string object)
    // The name is checked before anything connects.
    : client_((static_cast<void>(redis_key_prefix(options.name)), options)),
      params_(parameters),
      k_(num_hashes),
      prefix_(redis_key_prefix(options.name)),
      object_(std::move(object) + " \"" + options.name + "\" in Redis") {
  settings_list expected = settings;
  expected.add("redis_layout", redis_layout_version).add("time_shards", time_shards);
  std::string bytes;
  expected.write(bytes);
  // The first process to open the name stores the settings; the others compare.
  const std::string key = prefix_ + "settings";
  const redis_reply set = client_.run({"SET", key, bytes, "NX"});
  if (!set.is_nil()) return;
  const redis_reply stored = client_.run({"GET", key});
  if (stored.type != redis_reply::kind::string) {
    throw store_error(options.host + ":" + std::to_string(options.port),
                      "the settings of index \"" + options.name + "\" vanished while opening it");
  }
  byte_reader r(stored.str);
  settings_list::read(r).expect_same_as(expected, object_.c_str());
}

std::string redis_lsh::record_key(document_id id) const {
  return prefix_ + "d:" + hex_fixed(id, 16);
}

std::string redis_lsh::band_key(std::uint32_t band, std::uint32_t tag) const {
  std::string key = prefix_;
  key += "b:";
  key += std::to_string(band);
  key += ':';
  key += hex_fixed(tag, 8);
  return key;
}

// version u8, flags u8 (bit 0: empty set), time i64, set size u32, k × u16, label.
std::string redis_lsh::encode(const stored_document& d) const {
  std::string out;
  out.reserve(record_header + 2 * std::size_t{k_} + d.label.size());
  out.push_back(static_cast<char>(record_version));
  out.push_back(d.empty ? '\x01' : '\x00');
  append_i64(out, d.time);
  append_u32(out, d.set_size);
  for (std::uint32_t i = 0; i < k_; ++i) append_u16(out, d.values[i]);
  out += d.label;
  return out;
}

std::optional<stored_document> redis_lsh::decode(document_id id, const redis_reply& r) const {
  if (r.is_nil()) return std::nullopt;
  const std::string key = record_key(id);
  if (r.type != redis_reply::kind::string) {
    throw format_error(0, "Redis key " + key + " holds something other than a document");
  }
  byte_reader in(r.str);
  const std::size_t needed = record_header + 2 * std::size_t{k_};
  if (r.str.size() < needed || static_cast<unsigned char>(r.str[0]) != record_version ||
      static_cast<unsigned char>(r.str[1]) > 1) {
    throw format_error(0, "Redis key " + key + " holds a damaged document record of " +
                              std::to_string(r.str.size()) + " bytes");
  }
  in.bytes(2, "record version and flags");
  stored_document d;
  d.id = id;
  d.empty = r.str[1] == '\x01';
  d.time = static_cast<std::int64_t>(in.u64("time"));
  d.set_size = in.u32("set size");
  d.values.resize(k_);
  for (std::uint32_t i = 0; i < k_; ++i) d.values[i] = in.u16("value");
  d.label = r.str.substr(needed);
  return d;
}

void redis_lsh::insert(std::span<const document_id> ids, const kept_signatures& documents,
                       std::span<const std::int64_t> times,
                       std::span<const std::string_view> labels) {
  const std::size_t n = ids.size();
  // A later duplicate id wins, as in memory: keep last occurrences only.
  std::vector<std::size_t> keep;
  keep.reserve(n);
  {
    std::unordered_map<document_id, std::size_t> last;
    last.reserve(n);
    for (std::size_t i = 0; i < n; ++i) last[ids[i]] = i;
    for (std::size_t i = 0; i < n; ++i) {
      if (last[ids[i]] == i) keep.push_back(i);
    }
  }
  std::lock_guard lock(mutex_);
  std::vector<std::uint32_t> tags(params_.bands);
  std::vector<std::uint32_t> old_tags(params_.bands);
  for (std::size_t from = 0; from < keep.size(); from += chunk_documents) {
    const std::size_t to = std::min(keep.size(), from + chunk_documents);
    // One pipeline: each record (returning the one it replaces), its band
    // entries and its time. The record goes first on its node, but nodes run
    // independently: a query that meets a band entry whose record is not
    // there yet skips it (docs/redis.md, partial inserts).
    redis_batch batch;
    std::vector<std::size_t> set_at(to - from);
    std::vector<std::vector<std::uint32_t>> new_tags(to - from);
    for (std::size_t d = from; d < to; ++d) {
      const std::size_t i = keep[d];
      stored_document doc;
      doc.time = times.empty() ? 0 : times[i];
      doc.set_size = documents.set_sizes[i];
      doc.empty = documents.empty[i] != 0;
      doc.values.assign(documents.row(i), documents.row(i) + k_);
      if (!labels.empty()) doc.label = labels[i];
      const std::string member = redis_member(ids[i]);
      set_at[d - from] = batch.size();
      batch.add({"SET", record_key(ids[i]), encode(doc), "GET"});
      if (!doc.empty) {
        band_tags(params_, doc.values.data(), tags.data());
        new_tags[d - from] = tags;
        for (std::uint32_t b = 0; b < params_.bands; ++b) {
          batch.add({"SADD", band_key(b, tags[b]), member});
        }
      }
      batch.add({"ZADD", time_key(ids[i]), decimal(doc.time), member});
    }
    const std::vector<redis_reply> replies = client_.run(batch);
    // A replaced document leaves band entries its new values no longer have.
    redis_batch stale;
    for (std::size_t d = from; d < to; ++d) {
      const std::size_t i = keep[d];
      std::optional<stored_document> old;
      try {
        old = decode(ids[i], replies[set_at[d - from]]);
      } catch (const format_error&) {
        continue;  // a damaged record's entries cannot be known; they verify as stale
      }
      if (!old || old->empty) continue;
      band_tags(params_, old->values.data(), old_tags.data());
      const std::string member = redis_member(ids[i]);
      for (std::uint32_t b = 0; b < params_.bands; ++b) {
        if (new_tags[d - from].empty() || new_tags[d - from][b] != old_tags[b]) {
          stale.add({"SREM", band_key(b, old_tags[b]), member});
        }
      }
    }
    if (!stale.empty()) client_.run(stale);
  }
}

std::vector<std::optional<stored_document>> redis_lsh::fetch_locked(
    std::span<const document_id> ids) {
  std::vector<std::optional<stored_document>> out;
  out.reserve(ids.size());
  for (std::size_t from = 0; from < ids.size(); from += 4 * chunk_documents) {
    const std::size_t to = std::min(ids.size(), from + 4 * chunk_documents);
    redis_batch batch;
    for (std::size_t i = from; i < to; ++i) batch.add({"GET", record_key(ids[i])});
    const std::vector<redis_reply> replies = client_.run(batch);
    for (std::size_t i = from; i < to; ++i) out.push_back(decode(ids[i], replies[i - from]));
  }
  return out;
}

std::vector<std::optional<stored_document>> redis_lsh::fetch(std::span<const document_id> ids) {
  std::lock_guard lock(mutex_);
  return fetch_locked(ids);
}

void redis_lsh::query(std::span<const redis_query> queries, const query_options& options,
                      std::vector<std::vector<match>>& out,
                      std::unordered_map<document_id, std::string>* labels) {
  check_query_options(options);
  const std::size_t nq = queries.size();
  out.assign(nq, {});
  const std::uint32_t nb = params_.bands;
  std::vector<std::uint32_t> tags(nq * nb);
  // Round 1: the members of every band bucket the batch touches, each once.
  redis_batch buckets;
  std::unordered_map<std::string, std::size_t> bucket_of;
  std::vector<std::size_t> bucket_cmd(nq * nb, SIZE_MAX);
  for (std::size_t q = 0; q < nq; ++q) {
    if (queries[q].empty) continue;
    band_tags(params_, queries[q].values, tags.data() + q * nb);
    for (std::uint32_t b = 0; b < nb; ++b) {
      std::string key = band_key(b, tags[q * nb + b]);
      const auto [it, fresh] = bucket_of.try_emplace(std::move(key), buckets.size());
      if (fresh) buckets.add({"SMEMBERS", it->first});
      bucket_cmd[q * nb + b] = it->second;
    }
  }
  if (buckets.empty()) return;
  std::lock_guard lock(mutex_);
  const std::vector<redis_reply> members = client_.run(buckets);
  std::vector<std::vector<document_id>> cands(nq);
  std::vector<document_id> all;
  for (std::size_t q = 0; q < nq; ++q) {
    if (queries[q].empty) continue;
    std::vector<document_id>& c = cands[q];
    for (std::uint32_t b = 0; b < nb; ++b) {
      for (const redis_reply& m : members[bucket_cmd[q * nb + b]].elements) {
        document_id id = 0;
        if (parse_member(m.str, id)) c.push_back(id);
      }
    }
    std::sort(c.begin(), c.end());
    c.erase(std::unique(c.begin(), c.end()), c.end());
    if (queries[q].exclude) {
      const auto self = std::lower_bound(c.begin(), c.end(), queries[q].excluded);
      if (self != c.end() && *self == queries[q].excluded) c.erase(self);
    }
    // Band entries are counted before verification: the limit bounds the work.
    if (c.size() > options.max_candidates) {
      throw limit_exceeded_error("query_options::max_candidates", options.max_candidates, c.size());
    }
    all.insert(all.end(), c.begin(), c.end());
  }
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  // Round 2: the stored documents, to verify and score against.
  const std::vector<std::optional<stored_document>> docs = fetch_locked(all);
  std::vector<std::uint32_t> doc_tags(nb);
  for (std::size_t q = 0; q < nq; ++q) {
    const redis_query& query = queries[q];
    for (const document_id id : cands[q]) {
      const auto at =
          static_cast<std::size_t>(std::lower_bound(all.begin(), all.end(), id) - all.begin());
      const std::optional<stored_document>& d = docs[at];
      // A band entry without its record (an insert in progress or cut
      // short), of an empty document, or left by a replaced one is stale.
      if (!d || d->empty) continue;
      band_tags(params_, d->values.data(), doc_tags.data());
      bool shares = false;
      for (std::uint32_t b = 0; b < nb && !shares; ++b) shares = doc_tags[b] == tags[q * nb + b];
      if (!shares) continue;
      const double j = estimate_jaccard(query.values, d->values.data(), k_);
      const double c = containment_of(j, query.set_size, d->set_size);
      if (j < options.min_jaccard || c < options.min_containment) continue;
      out[q].push_back(match{id, j, c, d->set_size, d->time});
    }
    rank_matches(out[q], options);
    if (labels != nullptr) {
      for (const match& m : out[q]) {
        const auto at =
            static_cast<std::size_t>(std::lower_bound(all.begin(), all.end(), m.id) - all.begin());
        (*labels)[m.id] = docs[at]->label;
      }
    }
  }
}

void redis_lsh::query(const kept_signatures& documents, const query_options& options,
                      std::vector<std::vector<match>>& out,
                      std::unordered_map<document_id, std::string>* labels) {
  std::vector<redis_query> queries(documents.size());
  for (std::size_t i = 0; i < documents.size(); ++i) {
    queries[i].values = documents.row(i);
    queries[i].set_size = documents.set_sizes[i];
    queries[i].empty = documents.empty[i] != 0;
  }
  query(queries, options, out, labels);
}

std::vector<document_id> redis_lsh::candidates(const std::uint16_t* values) {
  // A query with no filter, no limit and every candidate kept.
  redis_query q;
  q.values = values;
  std::vector<std::vector<match>> out;
  query(std::span<const redis_query>(&q, 1), query_options{}, out);
  std::vector<document_id> ids;
  ids.reserve(out[0].size());
  for (const match& m : out[0]) ids.push_back(m.id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

// Band entries go first, then the record and its time entry: a remove cut
// short leaves the record, which a retry or the next eviction finds again.
std::size_t redis_lsh::remove_locked(std::span<const document_id> ids) {
  std::size_t found = 0;
  std::vector<std::uint32_t> tags(params_.bands);
  for (std::size_t from = 0; from < ids.size(); from += chunk_documents) {
    const std::span<const document_id> part =
        ids.subspan(from, std::min(chunk_documents, ids.size() - from));
    const auto docs = fetch_locked(part);
    redis_batch bands;
    for (const auto& d : docs) {
      if (!d) continue;
      ++found;
      if (d->empty) continue;
      band_tags(params_, d->values.data(), tags.data());
      const std::string member = redis_member(d->id);
      for (std::uint32_t b = 0; b < params_.bands; ++b) {
        bands.add({"SREM", band_key(b, tags[b]), member});
      }
    }
    if (!bands.empty()) client_.run(bands);
    redis_batch records;
    for (const document_id id : part) {
      records.add({"DEL", record_key(id)});
      records.add({"ZREM", time_key(id), redis_member(id)});
    }
    client_.run(records);
  }
  return found;
}

std::size_t redis_lsh::remove(std::span<const document_id> ids) {
  std::lock_guard lock(mutex_);
  // Duplicates in `ids` count once, as in memory.
  std::vector<document_id> distinct(ids.begin(), ids.end());
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  return remove_locked(distinct);
}

std::size_t redis_lsh::evict_older_than(std::int64_t cutoff) {
  std::lock_guard lock(mutex_);
  std::size_t removed = 0;
  const std::string below = "(" + decimal(cutoff);
  const std::string limit = std::to_string(chunk_documents / time_shards);
  // The time index is sorted: each round costs O(log N + its documents) per shard.
  for (;;) {
    redis_batch oldest;
    for (std::uint32_t t = 0; t < time_shards; ++t) {
      oldest.add({"ZRANGEBYSCORE", time_shard(t), "-inf", below, "LIMIT", "0", limit});
    }
    std::vector<document_id> ids;
    for (const redis_reply& r : client_.run(oldest)) {
      for (const redis_reply& m : r.elements) {
        document_id id = 0;
        if (parse_member(m.str, id)) ids.push_back(id);
      }
    }
    if (ids.empty()) break;
    removed += remove_locked(ids);
  }
  return removed;
}

bool redis_lsh::contains(document_id id) {
  std::lock_guard lock(mutex_);
  return client_.run({"EXISTS", record_key(id)}).integer == 1;
}

std::vector<document_id> redis_lsh::ids() {
  std::lock_guard lock(mutex_);
  redis_batch all;
  for (std::uint32_t t = 0; t < time_shards; ++t) all.add({"ZRANGE", time_shard(t), "0", "-1"});
  std::vector<document_id> out;
  for (const redis_reply& r : client_.run(all)) {
    for (const redis_reply& m : r.elements) {
      document_id id = 0;
      if (parse_member(m.str, id)) out.push_back(id);
    }
  }
  return out;
}

std::size_t redis_lsh::size() {
  std::lock_guard lock(mutex_);
  redis_batch counts;
  for (std::uint32_t t = 0; t < time_shards; ++t) counts.add({"ZCARD", time_shard(t)});
  std::size_t n = 0;
  for (const redis_reply& r : client_.run(counts)) n += static_cast<std::size_t>(r.integer);
  return n;
}

std::string redis_lsh::time_shard(std::uint32_t shard) const {
  return prefix_ + "t:" + std::to_string(shard);
}

std::string redis_lsh::time_key(document_id id) const {
  // The id's high bits after a multiplicative mix: ids that are sequence
  // numbers spread as evenly as hashed ones.
  return time_shard(static_cast<std::uint32_t>((id * 0x9E3779B97F4A7C15ULL) >> 60) % time_shards);
}

}  // namespace samestory::detail
