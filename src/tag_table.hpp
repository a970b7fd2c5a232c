// Internal: the flat tables behind every index.
//
// tag_table is an open-addressing multimap from a 32-bit tag (a hash of an
// LSH band, a SimHash block or a document id) to a 32-bit slot number. It is
// one array of 8-byte entries: no per-entry heap node, no pointer chasing.
// The LSH bands share one block (multi_tag_table).
//
// - Probing is linear with Robin Hood ordering (Celis 1986): an entry never
//   sits further from its home than the entry it displaced, so a lookup stops
//   as soon as it meets an entry closer to home than its own probe distance,
//   and deletion shifts the run back instead of leaving tombstones.
// - The home of a tag is Lemire's multiply-shift reduction (tag * capacity)
//   >> 32, so the capacity need not be a power of two. The table grows by
//   3/2 at 7/8 load: it sits between 58% and 88% full, about 10.7 bytes per
//   entry on average instead of the 16 a doubling table at 50-100% of a
//   half-load limit would cost.
// - Tags are compared, not keys. Two different keys with equal 32-bit tags
//   look alike; callers verify candidates (similarity estimate, id compare).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <utility>
#include <vector>

namespace samestory::detail {

// One entry: a tag and slot + 1, so that all-zero memory is an empty table
// and fresh zero pages need no initialising pass.
struct tag_entry {
  std::uint32_t tag = 0;
  std::uint32_t slot1 = 0;  // slot + 1; 0 = empty
};

// Zero-filled memory for tables. Large blocks come straight from mmap: the
// kernel's zero pages need no memset and are faulted in as entries are
// written, and 2 MB-aligned blocks are offered transparent huge pages, since
// on virtual machines each 4 KB page fault can cost microseconds.
class zeroed_block {
 public:
  zeroed_block() = default;
  explicit zeroed_block(std::size_t bytes);
  ~zeroed_block() { release(); }
  zeroed_block(zeroed_block&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)),
        bytes_(std::exchange(o.bytes_, 0)),
        mapped_(std::exchange(o.mapped_, 0)) {}
  zeroed_block& operator=(zeroed_block&& o) noexcept {
    if (this != &o) {
      release();
      data_ = std::exchange(o.data_, nullptr);
      bytes_ = std::exchange(o.bytes_, 0);
      mapped_ = std::exchange(o.mapped_, 0);
    }
    return *this;
  }
  zeroed_block(const zeroed_block&) = delete;
  zeroed_block& operator=(const zeroed_block&) = delete;

  void* data() const noexcept { return data_; }
  std::size_t bytes() const noexcept { return bytes_; }

 private:
  void release() noexcept;
  void* data_ = nullptr;
  std::size_t bytes_ = 0;
  std::size_t mapped_ = 0;  // > 0 when data_ is an mmap of this length
};

// Robin Hood linear probing over one table of `cap` entries (see the file
// comment); shared by tag_table and multi_tag_table.
struct probe {
  static std::size_t home(std::uint32_t tag, std::size_t cap) noexcept {
    return static_cast<std::size_t>((static_cast<std::uint64_t>(tag) * cap) >> 32);
  }
  static std::size_t distance(std::size_t pos, std::uint32_t tag, std::size_t cap) noexcept {
    const std::size_t h = home(tag, cap);
    return pos >= h ? pos - h : pos + cap - h;
  }

  static void place(tag_entry* e, std::size_t cap, tag_entry cur) noexcept {
    std::size_t pos = home(cur.tag, cap);
    std::size_t dist = 0;
    for (;;) {
      tag_entry& x = e[pos];
      if (x.slot1 == 0) {
        x = cur;
        return;
      }
      const std::size_t d = distance(pos, x.tag, cap);
      if (d < dist) {
        std::swap(cur, x);
        dist = d;
      }
      pos = pos + 1 == cap ? 0 : pos + 1;
      ++dist;
    }
  }

  // Finds entry (tag, slot1); returns cap when absent.
  static std::size_t find(const tag_entry* e, std::size_t cap, std::uint32_t tag,
                          std::uint32_t slot1) noexcept {
    if (cap == 0) return cap;
    std::size_t pos = home(tag, cap);
    for (std::size_t dist = 0;; ++dist) {
      const tag_entry& x = e[pos];
      if (x.slot1 == 0 || distance(pos, x.tag, cap) < dist) return cap;
      if (x.tag == tag && x.slot1 == slot1) return pos;
      pos = pos + 1 == cap ? 0 : pos + 1;
    }
  }

  static bool erase(tag_entry* e, std::size_t cap, std::uint32_t tag,
                    std::uint32_t slot1) noexcept {
    std::size_t pos = find(e, cap, tag, slot1);
    if (pos == cap) return false;
    // Backward shift: pull the rest of the run one step towards home.
    for (std::size_t nxt = pos + 1 == cap ? 0 : pos + 1;; nxt = nxt + 1 == cap ? 0 : nxt + 1) {
      const tag_entry& n = e[nxt];
      if (n.slot1 == 0 || distance(nxt, n.tag, cap) == 0) break;
      e[pos] = n;
      pos = nxt;
    }
    e[pos] = tag_entry{};
    return true;
  }

  template <class F>
  static void for_each(const tag_entry* e, std::size_t cap, std::uint32_t tag, F&& f) {
    if (cap == 0) return;
    std::size_t pos = home(tag, cap);
    for (std::size_t dist = 0;; ++dist) {
      const tag_entry& x = e[pos];
      if (x.slot1 == 0 || distance(pos, x.tag, cap) < dist) return;
      if (x.tag == tag) f(x.slot1 - 1);
      pos = pos + 1 == cap ? 0 : pos + 1;
    }
  }

  // Moves every entry of `old` (old_cap entries, at least one empty) into the
  // zeroed table `e`. Homes are monotone in the tag, so a Robin Hood table
  // holds its entries nearly in home order around one wrap (entries that
  // shared an old home may swap by one in the new table). Walking `old` from
  // just after an empty entry, each entry whose home is not below the last
  // one lands at max(its home, the next free position): a sequential pass
  // instead of a probe per entry. The few others go through place().
  static void move_all(const tag_entry* old, std::size_t old_cap, tag_entry* e,
                       std::size_t cap) noexcept {
    if (old_cap == 0) return;
    std::size_t start = 0;
    while (old[start].slot1 != 0) ++start;
    std::size_t cursor = 0, previous_home = 0;
    std::size_t i = start;
    for (std::size_t n = 0; n < old_cap; ++n) {
      if (++i == old_cap) i = 0;
      const tag_entry& x = old[i];
      if (x.slot1 == 0) continue;
      const std::size_t h = home(x.tag, cap);
      const std::size_t pos = std::max(h, cursor);
      if (h >= previous_home && pos < cap) {
        e[pos] = x;
        cursor = pos + 1;
        previous_home = h;
        continue;
      }
      place(e, cap, x);
      while (cursor < cap && e[cursor].slot1 != 0) ++cursor;
    }
  }

  // The capacity after growing from `cap` (x 3/2), and whether `size`
  // entries fit in `cap` at the 7/8 load limit.
  static std::size_t grown(std::size_t cap) noexcept {
    return std::max<std::size_t>(16, cap * 3 / 2);
  }
  static bool fits(std::size_t size, std::size_t cap) noexcept { return size * 8 <= cap * 7; }
};

// An open-addressing multimap from 32-bit tags to 32-bit slots.
class tag_table {
 public:
  static constexpr std::uint32_t no_slot = 0xFFFFFFFFu;

  std::size_t size() const noexcept { return size_; }
  std::size_t capacity() const noexcept { return cap_; }
  std::size_t memory_bytes() const noexcept { return block_.bytes(); }

  void clear() noexcept {
    block_ = zeroed_block();
    cap_ = size_ = 0;
  }

  // Makes room for n entries without growing again.
  void reserve(std::size_t n) {
    const std::size_t want = n + n / 7 + 16;
    if (want > cap_) rehash(want);
  }

  void insert(std::uint32_t tag, std::uint32_t slot) {
    if (!probe::fits(size_ + 1, cap_)) rehash(probe::grown(cap_));
    probe::place(data(), cap_, tag_entry{tag, slot + 1});
    ++size_;
  }

  // Removes the one entry (tag, slot); returns false when absent.
  bool erase(std::uint32_t tag, std::uint32_t slot) noexcept {
    if (!probe::erase(data(), cap_, tag, slot + 1)) return false;
    --size_;
    return true;
  }

  // Calls f(slot) for every entry with this tag.
  template <class F>
  void for_each(std::uint32_t tag, F&& f) const {
    probe::for_each(data(), cap_, tag, f);
  }

  // Replaces the slot of entry (tag, from) by `to`.
  bool relabel(std::uint32_t tag, std::uint32_t from, std::uint32_t to) noexcept {
    const std::size_t pos = probe::find(data(), cap_, tag, from + 1);
    if (pos == cap_) return false;
    data()[pos].slot1 = to + 1;
    return true;
  }

  void prefetch(std::uint32_t tag) const noexcept {
    if (cap_ != 0) __builtin_prefetch(data() + probe::home(tag, cap_));
  }

  // For tests: the raw entries (slot1 = slot + 1, 0 = empty).
  const tag_entry* entries() const noexcept { return data(); }

 private:
  tag_entry* data() const noexcept { return static_cast<tag_entry*>(block_.data()); }

  void rehash(std::size_t new_capacity) {
    zeroed_block fresh(new_capacity * sizeof(tag_entry));
    probe::move_all(data(), cap_, static_cast<tag_entry*>(fresh.data()), new_capacity);
    block_ = std::move(fresh);
    cap_ = new_capacity;
  }

  zeroed_block block_;
  std::size_t cap_ = 0;
  std::size_t size_ = 0;
};

// `count` tables of equal capacity in one block, for the LSH bands: every
// document enters every band, so the tables always hold the same number of
// entries and grow together, and one block is large enough for huge pages.
class multi_tag_table {
 public:
  explicit multi_tag_table(std::size_t count = 0) : count_(count) {}

  std::size_t count() const noexcept { return count_; }
  std::size_t size() const noexcept { return size_; }  // entries per table
  std::size_t memory_bytes() const noexcept { return block_.bytes(); }

  // Room for `n` entries per table without growing again.
  void reserve(std::size_t n) {
    const std::size_t want = n + n / 7 + 16;
    if (want > cap_) rehash(want);
  }

  // Makes room for one more entry per table; call before inserting one
  // entry into each table with insert().
  void grow_for_one() {
    if (!probe::fits(size_ + 1, cap_)) rehash(probe::grown(cap_));
    ++size_;
  }
  void insert(std::size_t table, std::uint32_t tag, std::uint32_t slot) noexcept {
    probe::place(data(table), cap_, tag_entry{tag, slot + 1});
  }
  // Removes (tag, slot) from a table; after one erase per table, call shrink_by_one().
  bool erase(std::size_t table, std::uint32_t tag, std::uint32_t slot) noexcept {
    return probe::erase(data(table), cap_, tag, slot + 1);
  }
  void shrink_by_one() noexcept { --size_; }
  // Batch form: room for `n` more entries per table.
  void grow_for(std::size_t n) {
    if (!probe::fits(size_ + n, cap_))
      rehash(std::max(probe::grown(cap_), size_ + n + (size_ + n) / 7 + 16));
    size_ += n;
  }

  template <class F>
  void for_each(std::size_t table, std::uint32_t tag, F&& f) const {
    probe::for_each(data(table), cap_, tag, f);
  }
  void prefetch(std::size_t table, std::uint32_t tag) const noexcept {
    if (cap_ != 0) __builtin_prefetch(data(table) + probe::home(tag, cap_));
  }

 private:
  tag_entry* data(std::size_t table) const noexcept {
    return static_cast<tag_entry*>(block_.data()) + table * cap_;
  }

  void rehash(std::size_t new_capacity) {
    zeroed_block fresh(count_ * new_capacity * sizeof(tag_entry));
    auto* to = static_cast<tag_entry*>(fresh.data());
    for (std::size_t t = 0; t < count_; ++t) {
      probe::move_all(data(t), cap_, to + t * new_capacity, new_capacity);
    }
    block_ = std::move(fresh);
    cap_ = new_capacity;
  }

  std::size_t count_;
  zeroed_block block_;
  std::size_t cap_ = 0;
  std::size_t size_ = 0;
};

// The 32-bit tag of a 64-bit key: the high half of the splitmix64 finalizer.
inline std::uint32_t tag_of(std::uint64_t key) noexcept {
  key = (key ^ (key >> 30)) * 0xBF58476D1CE4E5B9ull;
  key = (key ^ (key >> 27)) * 0x94D049BB133111EBull;
  return static_cast<std::uint32_t>((key ^ (key >> 31)) >> 32);
}

// Documents of an index live in numbered slots; freed slots are reused. The
// slot arrays are parallel (ids, times, state) so a scan touches only what it
// reads, and the id lookup is a tag_table from tag_of(id) to slot, verified
// against ids[slot].
class slot_store {
 public:
  enum : std::uint8_t { free_slot = 0, live = 1, live_empty = 2 };

  std::size_t size() const noexcept { return live_count_; }
  std::size_t slots() const noexcept { return ids_.size(); }
  bool is_live(std::uint32_t s) const noexcept { return state_[s] != free_slot; }
  bool is_empty_set(std::uint32_t s) const noexcept { return state_[s] == live_empty; }
  std::uint64_t id(std::uint32_t s) const noexcept { return ids_[s]; }
  std::int64_t time(std::uint32_t s) const noexcept { return times_[s]; }

  std::uint32_t find(std::uint64_t id) const noexcept {
    std::uint32_t found = tag_table::no_slot;
    by_id_.for_each(tag_of(id), [&](std::uint32_t s) {
      if (ids_[s] == id) found = s;
    });
    return found;
  }

  // A slot for a new document; the caller has removed any previous one.
  // `grew` tells the caller to grow its own per-slot arrays to slots().
  std::uint32_t allocate(std::uint64_t id, std::int64_t time, bool empty_set, bool& grew) {
    std::uint32_t s;
    grew = false;
    if (!free_.empty()) {
      s = free_.back();
      free_.pop_back();
      ids_[s] = id;
      times_[s] = time;
    } else {
      if (ids_.size() >= tag_table::no_slot) throw std::length_error("samestory: index is full");
      s = static_cast<std::uint32_t>(ids_.size());
      ids_.push_back(id);
      times_.push_back(time);
      state_.push_back(free_slot);
      grew = true;
    }
    state_[s] = empty_set ? live_empty : live;
    by_id_.insert(tag_of(id), s);
    ++live_count_;
    return s;
  }

  // (id, slot) of every live slot in increasing id order: how a saved index
  // lists its documents, so its bytes do not depend on insertion history.
  std::vector<std::pair<std::uint64_t, std::uint32_t>> live_by_id() const {
    std::vector<std::pair<std::uint64_t, std::uint32_t>> out;
    out.reserve(live_count_);
    for (std::uint32_t s = 0; s < ids_.size(); ++s) {
      if (is_live(s)) out.emplace_back(ids_[s], s);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  void release(std::uint32_t s) {
    by_id_.erase(tag_of(ids_[s]), s);
    state_[s] = free_slot;
    free_.push_back(s);
    --live_count_;
  }

  void reserve(std::size_t n) {
    ids_.reserve(n);
    times_.reserve(n);
    state_.reserve(n);
    by_id_.reserve(n);
  }

  std::size_t memory_bytes() const noexcept {
    return ids_.capacity() * sizeof(std::uint64_t) + times_.capacity() * sizeof(std::int64_t) +
           state_.capacity() + free_.capacity() * sizeof(std::uint32_t) + by_id_.memory_bytes();
  }

  void clear() noexcept {
    ids_ = {};
    times_ = {};
    state_ = {};
    free_ = {};
    by_id_.clear();
    live_count_ = 0;
  }

 private:
  std::vector<std::uint64_t> ids_;
  std::vector<std::int64_t> times_;
  std::vector<std::uint8_t> state_;
  std::vector<std::uint32_t> free_;
  tag_table by_id_;
  std::size_t live_count_ = 0;
};

// The removal paths all three indexes share. remove_slot(slot) drops one
// document's table entries and releases its slot.
template <class RemoveSlot>
std::size_t remove_ids(slot_store& docs, std::span<const std::uint64_t> ids,
                       RemoveSlot&& remove_slot) {
  std::size_t removed = 0;
  for (const std::uint64_t id : ids) {
    const std::uint32_t slot = docs.find(id);
    if (slot == tag_table::no_slot) continue;
    remove_slot(slot);
    ++removed;
  }
  return removed;
}

template <class RemoveSlot>
std::size_t evict_before(slot_store& docs, std::int64_t cutoff, RemoveSlot&& remove_slot) {
  std::size_t removed = 0;
  for (std::size_t s = 0; s < docs.slots(); ++s) {
    const auto slot = static_cast<std::uint32_t>(s);
    if (docs.is_live(slot) && docs.time(slot) < cutoff) {
      remove_slot(slot);
      ++removed;
    }
  }
  return removed;
}

// Fixed-width rows (e.g. one signature per slot) in 2 MB chunks of zeroed
// memory (huge pages where offered). Growing never copies or re-touches
// earlier rows, and at most one chunk is partly used: a doubling vector would
// copy every row on each growth and leave up to half its capacity unused.
template <class T>
class chunked_rows {
 public:
  explicit chunked_rows(std::size_t width = 1)
      : width_(width),
        rows_per_chunk_(std::max<std::size_t>(1, (std::size_t{2} << 20) / (width * sizeof(T)))) {}

  // Makes rows [0, n) addressable; new rows are zero.
  void ensure(std::size_t n) {
    while (chunks_.size() * rows_per_chunk_ < n) {
      chunks_.emplace_back(rows_per_chunk_ * width_ * sizeof(T));
    }
  }
  T* row(std::size_t i) noexcept {
    return static_cast<T*>(chunks_[i / rows_per_chunk_].data()) + (i % rows_per_chunk_) * width_;
  }
  const T* row(std::size_t i) const noexcept {
    return static_cast<const T*>(chunks_[i / rows_per_chunk_].data()) +
           (i % rows_per_chunk_) * width_;
  }
  std::size_t memory_bytes() const noexcept {
    return chunks_.size() * rows_per_chunk_ * width_ * sizeof(T) +
           chunks_.capacity() * sizeof(zeroed_block);
  }

 private:
  std::size_t width_;
  std::size_t rows_per_chunk_;
  std::vector<zeroed_block> chunks_;
};

}  // namespace samestory::detail
