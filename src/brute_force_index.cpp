#include <samestory/brute_force_index.hpp>
#include <samestory/error.hpp>

#include "tag_table.hpp"

#include <algorithm>
#include <mutex>
#include <shared_mutex>

namespace samestory {

namespace {

std::size_t intersection_size(std::span<const std::uint64_t> a,
                              std::span<const std::uint64_t> b) noexcept {
  std::size_t i = 0, j = 0, n = 0;
  while (i < a.size() && j < b.size()) {
    const std::uint64_t x = a[i], y = b[j];
    n += x == y;
    i += x <= y;
    j += y <= x;
  }
  return n;
}

std::vector<std::uint64_t> sorted_set(std::span<const std::uint64_t> h) {
  std::vector<std::uint64_t> s(h.begin(), h.end());
  std::sort(s.begin(), s.end());
  s.erase(std::unique(s.begin(), s.end()), s.end());
  return s;
}

void check_query_options(const query_options& o) {
  if (o.max_candidates == 0) {
    throw invalid_options_error("query_options::max_candidates must be at least 1, actual 0");
  }
}

void rank(std::vector<match>& out, const query_options& o) {
  const auto cmp = [&](const match& a, const match& b) {
    if (o.order == rank_by::containment && a.containment != b.containment) {
      return a.containment > b.containment;
    }
    return a.jaccard != b.jaccard ? a.jaccard > b.jaccard : a.id < b.id;
  };
  if (o.limit < out.size()) {
    std::partial_sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(o.limit), out.end(),
                      cmp);
    out.resize(o.limit);
  } else {
    std::sort(out.begin(), out.end(), cmp);
  }
}

}  // namespace

double exact_jaccard(std::span<const std::uint64_t> a, std::span<const std::uint64_t> b) noexcept {
  if (a.empty() || b.empty()) return 0.0;
  const std::size_t inter = intersection_size(a, b);
  return static_cast<double>(inter) / static_cast<double>(a.size() + b.size() - inter);
}

struct brute_force_index::impl {
  mutable std::shared_mutex mutex;
  detail::slot_store docs;
  std::vector<std::vector<std::uint64_t>> sets;  // per slot, sorted and distinct

  void remove_slot(std::uint32_t slot) {
    sets[slot] = {};
    docs.release(slot);
  }

  void scan(std::span<const std::uint64_t> q, std::uint32_t exclude, const query_options& o,
            std::vector<match>& out) const {
    if (q.empty()) return;
    const double qn = static_cast<double>(q.size());
    std::size_t candidates = 0;
    for (std::size_t s = 0; s < sets.size(); ++s) {
      const auto slot = static_cast<std::uint32_t>(s);
      if (slot == exclude || !docs.is_live(slot) || sets[s].empty()) continue;
      const double xn = static_cast<double>(sets[s].size());
      // Exact size filter: J <= min/max, so smaller or larger sets cannot qualify.
      if (std::min(qn, xn) < o.min_jaccard * std::max(qn, xn)) continue;
      // The sets merged are this index's candidates, as lsh_index's are those sharing a band.
      if (++candidates > o.max_candidates) {
        throw limit_exceeded_error("query_options::max_candidates", o.max_candidates, candidates);
      }
      const auto inter = static_cast<double>(intersection_size(q, sets[s]));
      if (inter == 0 && (o.min_jaccard > 0 || o.min_containment > 0)) continue;
      const double j = inter / (qn + xn - inter);
      const double c = inter / std::min(qn, xn);
      if (j < o.min_jaccard || c < o.min_containment) continue;
      out.push_back(match{docs.id(slot), j, c, sets[s].size(), docs.time(slot)});
    }
  }
};

brute_force_index::brute_force_index() : impl_(std::make_unique<impl>()) {}
brute_force_index::~brute_force_index() = default;
brute_force_index::brute_force_index(brute_force_index&&) noexcept = default;
brute_force_index& brute_force_index::operator=(brute_force_index&&) noexcept = default;

void brute_force_index::insert(document_id id, std::span<const std::uint64_t> shingle_hashes,
                               std::int64_t time) {
  std::vector<std::uint64_t> set = sorted_set(shingle_hashes);
  impl& m = *impl_;
  std::unique_lock lock(m.mutex);
  const std::uint32_t old = m.docs.find(id);
  if (old != detail::tag_table::no_slot) m.remove_slot(old);
  bool grew = false;
  const std::uint32_t slot = m.docs.allocate(id, time, set.empty(), grew);
  if (grew) m.sets.resize(m.docs.slots());
  m.sets[slot] = std::move(set);
}

std::vector<match> brute_force_index::query(std::span<const std::uint64_t> shingle_hashes,
                                            const query_options& options) const {
  check_query_options(options);
  const std::vector<std::uint64_t> q = sorted_set(shingle_hashes);
  std::vector<match> out;
  {
    std::shared_lock lock(impl_->mutex);
    impl_->scan(q, detail::tag_table::no_slot, options, out);
  }
  rank(out, options);
  return out;
}

std::vector<match> brute_force_index::query_top(std::span<const std::uint64_t> shingle_hashes,
                                                std::size_t n) const {
  query_options o;
  o.limit = n;
  return query(shingle_hashes, o);
}

std::vector<match> brute_force_index::query_id(document_id id, const query_options& options) const {
  check_query_options(options);
  std::vector<match> out;
  {
    std::shared_lock lock(impl_->mutex);
    const std::uint32_t slot = impl_->docs.find(id);
    if (slot == detail::tag_table::no_slot) return out;
    impl_->scan(impl_->sets[slot], slot, options, out);
  }
  rank(out, options);
  return out;
}

bool brute_force_index::remove(document_id id) {
  return remove(std::span<const document_id>(&id, 1)) == 1;
}

std::size_t brute_force_index::remove(std::span<const document_id> ids) {
  std::unique_lock lock(impl_->mutex);
  return detail::remove_ids(impl_->docs, ids, [&](std::uint32_t s) { impl_->remove_slot(s); });
}

std::size_t brute_force_index::evict_older_than(std::int64_t cutoff) {
  std::unique_lock lock(impl_->mutex);
  return detail::evict_before(impl_->docs, cutoff, [&](std::uint32_t s) { impl_->remove_slot(s); });
}

bool brute_force_index::contains(document_id id) const {
  std::shared_lock lock(impl_->mutex);
  return impl_->docs.find(id) != detail::tag_table::no_slot;
}

std::vector<document_id> brute_force_index::ids() const {
  std::shared_lock lock(impl_->mutex);
  std::vector<document_id> out;
  for (std::size_t s = 0; s < impl_->docs.slots(); ++s) {
    const auto slot = static_cast<std::uint32_t>(s);
    if (impl_->docs.is_live(slot)) out.push_back(impl_->docs.id(slot));
  }
  return out;
}

std::size_t brute_force_index::size() const {
  std::shared_lock lock(impl_->mutex);
  return impl_->docs.size();
}

std::size_t brute_force_index::memory_bytes() const {
  std::shared_lock lock(impl_->mutex);
  std::size_t bytes = sizeof(impl) + impl_->docs.memory_bytes() +
                      impl_->sets.capacity() * sizeof(std::vector<std::uint64_t>);
  for (const auto& s : impl_->sets) bytes += s.capacity() * sizeof(std::uint64_t);
  return bytes;
}

}  // namespace samestory
