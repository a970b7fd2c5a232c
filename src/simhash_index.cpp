#include <samestory/error.hpp>
#include <samestory/io.hpp>
#include <samestory/simhash_index.hpp>

#include "binary_io.hpp"

#include "tag_table.hpp"

#include <algorithm>
#include <bit>
#include <mutex>
#include <shared_mutex>
#include <string>

namespace samestory {

namespace {

constexpr std::size_t max_tables = 4096;

std::uint64_t binomial(std::uint64_t n, std::uint64_t k) {
  std::uint64_t r = 1;
  for (std::uint64_t i = 1; i <= k; ++i) {
    r = r * (n - k + i) / i;
    if (r > (1u << 20)) return r;  // large enough to be refused
  }
  return r;
}

simhash_index_options resolve(simhash_index_options o) {
  if (o.max_distance > 31) {
    throw invalid_options_error("simhash_index: max_distance must be in 0..31, got " +
                                std::to_string(o.max_distance));
  }
  if (o.blocks == 0) {
    // Fewest tables whose keys still spread documents: keys of >= 16 bits.
    o.blocks = o.max_distance + 1;
    while (o.blocks < 64 && (o.blocks - o.max_distance) * 64 < 16 * o.blocks) ++o.blocks;
  }
  if (o.blocks <= o.max_distance || o.blocks > 64) {
    throw invalid_options_error("simhash_index: blocks must be in " +
                                std::to_string(o.max_distance + 1) + "..64 for max_distance " +
                                std::to_string(o.max_distance) + ", got " +
                                std::to_string(o.blocks));
  }
  if (binomial(o.blocks, o.max_distance) > max_tables) {
    throw invalid_options_error("simhash_index: " + std::to_string(o.blocks) + " blocks with " +
                                "max_distance " + std::to_string(o.max_distance) +
                                " need more than " + std::to_string(max_tables) + " tables");
  }
  return o;
}

// One mask per table: the union of a different choice of B - k blocks.
std::vector<std::uint64_t> table_masks(std::uint32_t blocks, std::uint32_t distance) {
  std::vector<std::uint64_t> block_mask(blocks);
  std::uint32_t bit = 0;
  for (std::uint32_t b = 0; b < blocks; ++b) {
    const std::uint32_t width = 64 / blocks + (b < 64 % blocks ? 1 : 0);
    block_mask[b] = (width == 64 ? ~0ull : ((1ull << width) - 1)) << bit;
    bit += width;
  }
  std::vector<std::uint64_t> masks;
  const std::uint32_t keep = blocks - distance;
  std::vector<std::uint32_t> pick(keep);
  for (std::uint32_t i = 0; i < keep; ++i) pick[i] = i;
  for (;;) {
    std::uint64_t m = 0;
    for (const std::uint32_t p : pick) m |= block_mask[p];
    masks.push_back(m);
    // Next combination in lexicographic order.
    std::int64_t i = static_cast<std::int64_t>(keep) - 1;
    while (i >= 0 && pick[i] == blocks - keep + static_cast<std::uint32_t>(i)) --i;
    if (i < 0) break;
    ++pick[i];
    for (auto j = static_cast<std::size_t>(i) + 1; j < keep; ++j) pick[j] = pick[j - 1] + 1;
  }
  return masks;
}

}  // namespace

struct simhash_index::impl {
  simhash_index_options options;
  std::vector<std::uint64_t> masks;
  mutable std::shared_mutex mutex;
  detail::slot_store docs;
  std::vector<std::uint64_t> fingerprints;  // per slot
  detail::multi_tag_table tables;           // one table per block choice, one block

  explicit impl(const simhash_index_options& o)
      : options(resolve(o)), masks(table_masks(options.blocks, options.max_distance)) {
    tables = detail::multi_tag_table(masks.size());
  }

  std::uint32_t tag(std::size_t t, std::uint64_t fp) const noexcept {
    // The table number is mixed in so equal masked bits of different tables
    // do not share a tag pattern.
    return detail::tag_of((fp & masks[t]) ^ (static_cast<std::uint64_t>(t) << 58));
  }

  detail::settings_list settings() const {
    detail::settings_list s;
    s.add("max_distance", options.max_distance).add("blocks", options.blocks);
    s.add_hash("signature_fingerprint", options.signature_fingerprint);
    return s;
  }

  void remove_slot(std::uint32_t slot) {
    const std::uint64_t fp = fingerprints[slot];
    for (std::size_t t = 0; t < masks.size(); ++t) tables.erase(t, tag(t, fp), slot);
    tables.shrink_by_one();
    docs.release(slot);
  }
};

simhash_index::simhash_index(const simhash_index_options& options)
    : impl_(std::make_unique<impl>(options)) {}
simhash_index::~simhash_index() = default;
simhash_index::simhash_index(simhash_index&&) noexcept = default;
simhash_index& simhash_index::operator=(simhash_index&&) noexcept = default;

void simhash_index::insert(document_id id, std::uint64_t fingerprint, std::int64_t time) {
  impl& m = *impl_;
  std::unique_lock lock(m.mutex);
  const std::uint32_t old = m.docs.find(id);
  if (old != detail::tag_table::no_slot) m.remove_slot(old);
  bool grew = false;
  const std::uint32_t slot = m.docs.allocate(id, time, false, grew);
  if (grew) m.fingerprints.resize(m.docs.slots());
  m.fingerprints[slot] = fingerprint;
  m.tables.grow_for_one();
  for (std::size_t t = 0; t < m.masks.size(); ++t) m.tables.insert(t, m.tag(t, fingerprint), slot);
}

void simhash_index::query_into(std::uint64_t fingerprint, std::uint32_t max_distance,
                               std::size_t limit, std::vector<simhash_match>& out) const {
  const impl& m = *impl_;
  if (max_distance == std::numeric_limits<std::uint32_t>::max()) {
    max_distance = m.options.max_distance;
  }
  if (max_distance > m.options.max_distance) {
    throw error(error_code::invalid_argument,
                "simhash_index::query: max_distance " + std::to_string(max_distance) +
                    " exceeds the index's " + std::to_string(m.options.max_distance) +
                    "; build the index with a larger max_distance");
  }
  out.clear();
  thread_local std::vector<std::uint32_t> slots;
  slots.clear();
  {
    std::shared_lock lock(m.mutex);
    for (std::size_t t = 0; t < m.masks.size(); ++t) m.tables.prefetch(t, m.tag(t, fingerprint));
    for (std::size_t t = 0; t < m.masks.size(); ++t) {
      m.tables.for_each(t, m.tag(t, fingerprint), [&](std::uint32_t s) {
        // Check the distance here: most entries are chance bucket-mates.
        if (static_cast<std::uint32_t>(std::popcount(m.fingerprints[s] ^ fingerprint)) <=
            max_distance) {
          slots.push_back(s);
        }
      });
    }
    std::sort(slots.begin(), slots.end());
    slots.erase(std::unique(slots.begin(), slots.end()), slots.end());
    out.reserve(slots.size());
    for (const std::uint32_t s : slots) {
      out.push_back(simhash_match{
          m.docs.id(s), static_cast<std::uint32_t>(std::popcount(m.fingerprints[s] ^ fingerprint)),
          m.docs.time(s)});
    }
  }
  const auto nearest = [](const simhash_match& a, const simhash_match& b) {
    return a.distance != b.distance ? a.distance < b.distance : a.id < b.id;
  };
  if (limit < out.size()) {
    std::partial_sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(limit), out.end(),
                      nearest);
    out.resize(limit);
  } else {
    std::sort(out.begin(), out.end(), nearest);
  }
}

std::vector<simhash_match> simhash_index::query(std::uint64_t fingerprint,
                                                std::uint32_t max_distance,
                                                std::size_t limit) const {
  std::vector<simhash_match> out;
  query_into(fingerprint, max_distance, limit, out);
  return out;
}

bool simhash_index::remove(document_id id) {
  return remove(std::span<const document_id>(&id, 1)) == 1;
}

std::size_t simhash_index::remove(std::span<const document_id> ids) {
  std::unique_lock lock(impl_->mutex);
  return detail::remove_ids(impl_->docs, ids, [&](std::uint32_t s) { impl_->remove_slot(s); });
}

std::size_t simhash_index::evict_older_than(std::int64_t cutoff) {
  std::unique_lock lock(impl_->mutex);
  return detail::evict_before(impl_->docs, cutoff, [&](std::uint32_t s) { impl_->remove_slot(s); });
}

bool simhash_index::contains(document_id id) const {
  std::shared_lock lock(impl_->mutex);
  return impl_->docs.find(id) != detail::tag_table::no_slot;
}

std::size_t simhash_index::size() const {
  std::shared_lock lock(impl_->mutex);
  return impl_->docs.size();
}

std::size_t simhash_index::memory_bytes() const {
  const impl& m = *impl_;
  std::shared_lock lock(m.mutex);
  std::size_t bytes = sizeof(impl) + m.docs.memory_bytes() +
                      m.fingerprints.capacity() * sizeof(std::uint64_t) +
                      m.masks.capacity() * sizeof(std::uint64_t) + m.tables.memory_bytes();
  return bytes;
}

simhash_index_options simhash_index::options() const noexcept {
  return impl_->options;
}
std::size_t simhash_index::tables() const noexcept {
  return impl_->masks.size();
}

// Saved form, version 1 (docs/format.md): settings, u64 N, then N documents
// in id order: u64 id, i64 time, u64 fingerprint.
namespace {
constexpr std::uint16_t simhash_index_format_version = 1;
}

std::string simhash_index::save() const {
  const impl& m = *impl_;
  std::shared_lock lock(m.mutex);
  const auto order = m.docs.live_by_id();
  std::string out;
  out.reserve(64 + order.size() * 24);
  const std::size_t start =
      detail::begin_envelope(out, detail::object_kind::simhash_index, simhash_index_format_version);
  m.settings().write(out);
  detail::append_u64(out, order.size());
  for (const auto& [id, slot] : order) {
    detail::append_u64(out, id);
    detail::append_i64(out, m.docs.time(slot));
    detail::append_u64(out, m.fingerprints[slot]);
  }
  detail::end_envelope(out, start);
  return out;
}

void simhash_index::save_file(const std::filesystem::path& file) const {
  write_file_atomically(file, save());
}

simhash_index simhash_index::load(std::string_view bytes, const simhash_index_options& options) {
  simhash_index index(options);
  impl& m = *index.impl_;
  const detail::envelope env = detail::open_envelope(bytes, detail::object_kind::simhash_index,
                                                     simhash_index_format_version);
  detail::byte_reader r(env.payload, env.payload_offset);
  detail::settings_list::read(r).expect_same_as(m.settings(), "simhash_index");
  const std::size_t count_at = r.offset();
  const std::uint64_t count = r.u64("document count");
  r.check_count(count, 24, count_at, "documents");
  m.docs.reserve(static_cast<std::size_t>(count));
  m.fingerprints.reserve(static_cast<std::size_t>(count));
  document_id previous = 0;
  for (std::uint64_t d = 0; d < count; ++d) {
    const document_id id = detail::read_increasing(r, "document id", d, previous);
    const auto time = static_cast<std::int64_t>(r.u64("document time"));
    const std::uint64_t fingerprint = r.u64("fingerprint");
    bool grew = false;
    const std::uint32_t slot = m.docs.allocate(id, time, false, grew);
    if (grew) m.fingerprints.resize(m.docs.slots());
    m.fingerprints[slot] = fingerprint;
    m.tables.grow_for_one();
    for (std::size_t t = 0; t < m.masks.size(); ++t) {
      m.tables.insert(t, m.tag(t, fingerprint), slot);
    }
  }
  r.expect_end("simhash_index payload");
  return index;
}

simhash_index simhash_index::load_file(const std::filesystem::path& file,
                                       const simhash_index_options& options) {
  return load(read_file(file), options);
}

}  // namespace samestory
