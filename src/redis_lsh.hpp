// The Redis backend of lsh_index (and of document_index): the same documents,
// band tags and estimates as the in-memory tables, kept in Redis keys so many
// processes share one index. Key layout and guarantees: docs/redis.md.
#pragma once

#include <samestory/lsh_tuner.hpp>
#include <samestory/minhash.hpp>
#include <samestory/query.hpp>
#include <samestory/redis_store.hpp>

#include "binary_io.hpp"
#include "lsh_scoring.hpp"
#include "redis_client.hpp"

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace samestory::detail {

/// One document as stored in Redis.
struct stored_document {
  document_id id = 0;
  std::int64_t time = 0;
  std::uint32_t set_size = 0;
  bool empty = false;
  std::vector<std::uint16_t> values;  // k kept values
  std::string label;                  // document_index: the caller's key
};

/// Signatures as an index keeps them, one row each: k 16-bit values, the
/// set size in 32 bits, and whether the set was empty.
struct kept_signatures {
  explicit kept_signatures(std::uint32_t num_hashes) : k(num_hashes) {}
  void add(const minhash_signature& s) {
    values.resize(values.size() + k);
    truncate_values(s.values(), values.data() + values.size() - k);
    set_sizes.push_back(kept_set_size(s.set_size()));
    empty.push_back(s.is_empty() ? 1 : 0);
  }
  std::size_t size() const noexcept { return set_sizes.size(); }
  const std::uint16_t* row(std::size_t i) const noexcept { return values.data() + i * k; }

  std::uint32_t k;
  std::vector<std::uint16_t> values;
  std::vector<std::uint32_t> set_sizes;
  std::vector<std::uint8_t> empty;
};

/// One query of a batch.
struct redis_query {
  const std::uint16_t* values = nullptr;  // k kept values
  std::uint64_t set_size = 0;
  bool empty = false;
  bool exclude = false;  // leave out `excluded` (query_id)
  document_id excluded = 0;
};

class redis_lsh {
 public:
  /// Opens or creates the named index; `settings` must equal the stored ones.
  /// @throws settings_mismatch_error, store_error, invalid_options_error
  redis_lsh(const redis_options& options, lsh_parameters parameters, std::uint32_t num_hashes,
            const settings_list& settings, std::string object);

  /// Inserts or replaces documents (a later duplicate id wins). times is
  /// empty (all 0) or one per document, labels empty or one per document.
  void insert(std::span<const document_id> ids, const kept_signatures& documents,
              std::span<const std::int64_t> times, std::span<const std::string_view> labels);

  /// Answers every row of `documents` (query_batch).
  void query(const kept_signatures& documents, const query_options& options,
             std::vector<std::vector<match>>& out,
             std::unordered_map<document_id, std::string>* labels = nullptr);

  /// Answers each query into out[i], ranked. With labels, the label of each
  /// matched document is put there by id.
  void query(std::span<const redis_query> queries, const query_options& options,
             std::vector<std::vector<match>>& out,
             std::unordered_map<document_id, std::string>* labels = nullptr);

  /// Raw candidates of each query, verified against the stored documents.
  std::vector<document_id> candidates(const std::uint16_t* values);

  std::vector<std::optional<stored_document>> fetch(std::span<const document_id> ids);
  std::size_t remove(std::span<const document_id> ids);
  std::size_t evict_older_than(std::int64_t cutoff);
  bool contains(document_id id);
  std::vector<document_id> ids();
  std::size_t size();

  const std::string& prefix() const noexcept { return prefix_; }
  std::uint32_t num_hashes() const noexcept { return k_; }

 private:
  std::string record_key(document_id id) const;
  std::string band_key(std::uint32_t band, std::uint32_t tag) const;
  std::string time_shard(std::uint32_t shard) const;
  std::string time_key(document_id id) const;
  std::string encode(const stored_document& d) const;
  std::optional<stored_document> decode(document_id id, const redis_reply& r) const;
  std::size_t remove_locked(std::span<const document_id> ids);
  std::vector<std::optional<stored_document>> fetch_locked(std::span<const document_id> ids);

  std::mutex mutex_;  // the client is not thread-safe
  redis_client client_;
  lsh_parameters params_;
  std::uint32_t k_;
  std::string prefix_;
  std::string object_;
};

/// "ss:" + name + ":" after checking the name.
/// @throws invalid_options_error for a name outside [A-Za-z0-9_.-]{1,64}
std::string redis_key_prefix(const std::string& name);

/// A document id as a Redis set member: the decimal of its bits as a signed
/// 64-bit integer, which Redis stores compactly in an intset.
std::string redis_member(document_id id);

}  // namespace samestory::detail
