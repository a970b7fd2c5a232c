#include "cluster_detail.hpp"
#include "term_order.hpp"

#include <samestory/error.hpp>
#include <samestory/lsh_index.hpp>
#include <samestory/online_cluster.hpp>

#include <algorithm>
#include <cmath>
#include <deque>
#include <functional>
#include <limits>
#include <mutex>
#include <queue>
#include <shared_mutex>
#include <string>
#include <unordered_map>

namespace samestory {

namespace {

struct held_document {
  assignment where;
  std::int64_t time = 0;
  std::uint64_t text_hash = 0;
};

struct open_story {
  // Sum of its copy groups' unit vectors, sorted by term, cut to the
  // heaviest max_terms terms: a flat array, 12 bytes a term.
  std::vector<term_weight> centroid;
  std::vector<std::uint64_t> keys;  // terms it is posted under, sorted
  double norm = 0;                  // |centroid|, kept current
  std::size_t documents = 0;
  std::size_t copy_groups = 0;
  std::int64_t first_time = 0;
  std::int64_t last_time = 0;
  std::uint64_t order = 0;  // arrival of its first document
};

// A document with fewer distinct terms is scored as a headline: it needs one
// shared heavy term to be compared with a story, not two, and meets
// headline_story_threshold.
constexpr std::size_t headline_max_terms = 24;

// (time, id), earliest first: what the time window drops next.
using timed_id = std::pair<std::int64_t, document_id>;
using by_earliest = std::priority_queue<timed_id, std::vector<timed_id>, std::greater<>>;

}  // namespace

struct online_clusterer::state {
  explicit state(const cluster_options& o) : engine(o), copies(engine.lsh, engine.hasher) {}

  detail::cluster_engine engine;
  lsh_index copies;
  term_statistics stats;
  std::unordered_map<document_id, held_document> docs;
  std::deque<document_id> arrival;  // may hold ids already evicted; skipped lazily
  std::unordered_map<std::uint64_t, document_id> by_text;
  std::unordered_map<document_id, open_story> stories;
  std::unordered_map<std::uint64_t, std::vector<document_id>> postings;
  // Kept only with a time window, so add() need not scan everything held to
  // find what expired. Entries go stale (a document dropped by the cap, a
  // story seen again later) and are skipped when they come up.
  by_earliest doc_times;
  by_earliest story_times;
  std::int64_t clock = std::numeric_limits<std::int64_t>::min();
  std::uint64_t next_order = 0;
  processed_text scratch;
  mutable std::shared_mutex mutex;

  void drop_document(document_id id) {
    const auto it = docs.find(id);
    if (it == docs.end()) return;
    const held_document& d = it->second;
    const auto t = by_text.find(d.text_hash);
    if (t != by_text.end() && t->second == id) by_text.erase(t);
    copies.remove(id);
    const auto s = stories.find(d.where.story);
    const document_id story = d.where.story;
    docs.erase(it);
    // A story with no document left can take no more copies; a new write-up
    // still could join it, but a bound on documents must bound stories too.
    if (s != stories.end() && s->second.documents > 0 && --s->second.documents == 0) {
      drop_story(story);
    }
  }

  void drop_story(document_id id) {
    const auto s = stories.find(id);
    if (s == stories.end()) return;
    for (std::uint64_t k : s->second.keys) {
      auto p = postings.find(k);
      if (p == postings.end()) continue;
      auto& v = p->second;
      v.erase(std::remove(v.begin(), v.end(), id), v.end());
      if (v.empty()) postings.erase(p);
    }
    stories.erase(s);
  }

  // What the window drops on add(): the same documents and stories as
  // evict(), found from the earliest entries of the time queues.
  void expire(std::int64_t cutoff) {
    while (!doc_times.empty() && doc_times.top().first < cutoff) {
      const auto [time, id] = doc_times.top();
      doc_times.pop();
      const auto it = docs.find(id);
      if (it != docs.end() && it->second.time == time) drop_document(id);
    }
    while (!story_times.empty() && story_times.top().first < cutoff) {
      const auto [time, id] = story_times.top();
      story_times.pop();
      const auto it = stories.find(id);
      if (it != stories.end() && it->second.last_time == time) drop_story(id);
    }
    while (!arrival.empty() && !docs.contains(arrival.front())) arrival.pop_front();
  }

  void touch_story(document_id id, open_story& s, std::int64_t time) {
    s.last_time = std::max(s.last_time, time);
    if (engine.options.time_window_seconds > 0) story_times.emplace(s.last_time, id);
  }

  std::size_t evict(std::int64_t cutoff) {
    std::size_t dropped = 0;
    std::vector<document_id> old_stories;
    for (const auto& [id, s] : stories) {
      if (s.last_time < cutoff) old_stories.push_back(id);
    }
    std::vector<document_id> old_docs;
    for (const auto& [id, d] : docs) {
      if (d.time < cutoff) old_docs.push_back(id);
    }
    for (document_id id : old_docs) {
      drop_document(id);
      ++dropped;
    }
    for (document_id id : old_stories) drop_story(id);
    while (!arrival.empty() && !docs.contains(arrival.front())) arrival.pop_front();
    return dropped;
  }

  void join_story(document_id story, const std::vector<term_weight>& v,
                  const std::vector<std::uint64_t>& keys, std::int64_t time) {
    open_story& s = stories[story];
    // Merge-add the sorted vectors, then keep the heaviest terms: they carry
    // the dot product, the tail only costs memory.
    std::vector<term_weight> sum;
    sum.reserve(s.centroid.size() + v.size());
    std::size_t i = 0, j = 0;
    while (i < s.centroid.size() || j < v.size()) {
      if (j == v.size() || (i < s.centroid.size() && s.centroid[i].term < v[j].term)) {
        sum.push_back(s.centroid[i++]);
      } else if (i == s.centroid.size() || v[j].term < s.centroid[i].term) {
        sum.push_back(v[j++]);
      } else {
        sum.push_back({v[j].term, s.centroid[i++].weight + v[j++].weight});
      }
    }
    detail::keep_heaviest(sum, engine.options.terms.max_terms);
    sum.shrink_to_fit();
    s.centroid = std::move(sum);
    for (std::uint64_t k : keys) {
      const auto at = std::lower_bound(s.keys.begin(), s.keys.end(), k);
      if (at == s.keys.end() || *at != k) {
        s.keys.insert(at, k);
        postings[k].push_back(story);
      }
    }
    ++s.copy_groups;
    touch_story(story, s, time);
    double n2 = 0;
    for (const term_weight& t : s.centroid) n2 += static_cast<double>(t.weight) * t.weight;
    s.norm = std::sqrt(n2);
  }
};

online_clusterer::online_clusterer(const cluster_options& options)
    : state_(std::make_unique<state>(options)) {}
online_clusterer::~online_clusterer() = default;
online_clusterer::online_clusterer(online_clusterer&&) noexcept = default;
online_clusterer& online_clusterer::operator=(online_clusterer&&) noexcept = default;

const cluster_options& online_clusterer::options() const noexcept {
  return state_->engine.options;
}

assignment online_clusterer::add(const document& doc) {
  state& st = *state_;
  std::unique_lock lock(st.mutex);
  if (const auto it = st.docs.find(doc.id); it != st.docs.end()) return it->second.where;

  const cluster_options& o = st.engine.options;
  const detail::prepared_document p = detail::prepare(st.engine, doc, st.scratch);
  if (doc.time) st.clock = std::max(st.clock, *doc.time);
  const std::int64_t time =
      doc.time ? *doc.time : (st.clock == std::numeric_limits<std::int64_t>::min() ? 0 : st.clock);
  if (o.time_window_seconds > 0 && st.clock != std::numeric_limits<std::int64_t>::min()) {
    st.expire(st.clock - o.time_window_seconds);
  }
  while (o.max_documents > 0 && st.docs.size() >= o.max_documents && !st.arrival.empty()) {
    st.drop_document(st.arrival.front());
    st.arrival.pop_front();
  }

  held_document held;
  held.time = time;
  held.text_hash = p.text_hash;
  assignment& a = held.where;
  a.id = doc.id;

  // 1. The same text: a copy of the document that first had it.
  if (!p.is_empty) {
    if (const auto t = st.by_text.find(p.text_hash); t != st.by_text.end()) {
      const held_document& orig = st.docs.at(t->second);
      a.story = orig.where.story;
      a.copy = orig.where.copy;
      a.kind = copy_kind::exact;
      a.similarity = 1.0;
    }
  }
  // 2. A near copy: the best verified LSH candidate.
  if (a.kind == copy_kind::original && !p.is_empty) {
    double best = -1;
    document_id best_id = 0;
    for (const match& m : st.copies.query(p.signature)) {
      double s = 0;
      bool by_containment = false;
      if (!detail::is_copy(o, m, p.signature.set_size(), s, by_containment, o.online_copy_margin)) {
        continue;
      }
      if (s > best || (s == best && m.id < best_id)) {
        best = s;
        best_id = m.id;
      }
    }
    if (best >= 0) {
      const held_document& orig = st.docs.at(best_id);
      a.story = orig.where.story;
      a.copy = orig.where.copy;
      a.kind = copy_kind::near;
      a.similarity = best;
    }
  }
  if (a.kind != copy_kind::original) {
    open_story& s = st.stories[a.story];
    ++s.documents;
    st.touch_story(a.story, s, time);
  } else {
    // 3. A new copy group: the best open story, or a new one.
    a.copy = doc.id;
    st.stats.add(p.counts);
    while (o.max_learned_terms > 0 && st.stats.size() > o.max_learned_terms) st.stats.halve();
    const std::vector<term_weight> v = st.engine.terms.weigh(p.counts, st.stats, false);
    const std::vector<std::uint64_t> keys = detail::top_terms(v, o.candidate_terms);
    const bool headline = doc.text.empty() || p.counts.size() < headline_max_terms;
    std::vector<document_id> cand;
    for (std::uint64_t k : keys) {
      if (const auto it = st.postings.find(k); it != st.postings.end()) {
        cand.insert(cand.end(), it->second.begin(), it->second.end());
      }
    }
    // Score only stories that share enough of the document's heaviest terms:
    // two for an article, one for a headline. Scoring every story that shares
    // one common-ish term was most of add()'s time.
    std::sort(cand.begin(), cand.end());
    const std::size_t need = p.counts.size() >= headline_max_terms ? 2 : 1;
    std::size_t kept = 0;
    for (std::size_t i = 0; i < cand.size();) {
      std::size_t j = i;
      while (j < cand.size() && cand[j] == cand[i]) ++j;
      if (j - i >= need) cand[kept++] = cand[i];
      i = j;
    }
    cand.resize(kept);
    double best = -1;
    document_id best_story = 0;
    for (document_id sid : cand) {
      const open_story& s = st.stories.at(sid);
      if (o.time_window_seconds > 0 && time - s.last_time > o.time_window_seconds) continue;
      const double dotp = dot(v, s.centroid);
      // Cosine with the story's centroid. (The mean cosine with its members,
      // dotp / copy_groups, shrinks as a story of short texts widens its
      // vocabulary: on UCI headlines it scored 0.64 BCubed F1 at best, the
      // centroid cosine 0.72.)
      const double score = s.norm > 0 ? dotp / s.norm : 0.0;
      if (score > best || (score == best && s.order < st.stories.at(best_story).order)) {
        best = score;
        best_story = sid;
      }
    }
    // An article in CJK text is scored on the English scale as in the batch
    // (cjk_story_scale); a headline's ten words dilute nothing.
    const double scale = headline ? 1.0 : 1.0 - (1.0 - o.cjk_story_scale) * bigram_share(v);
    const double story_score = best / scale;
    if (story_score >= (headline ? o.headline_story_threshold : o.online_story_threshold)) {
      a.story = best_story;
      a.similarity = std::min(1.0, story_score);
    } else {
      a.story = doc.id;
      open_story& s = st.stories[doc.id];
      s.first_time = time;
      s.last_time = time;
      s.order = st.next_order++;
    }
    st.join_story(a.story, v, keys, time);
    ++st.stories.at(a.story).documents;
  }
  if (!p.is_empty) {
    st.copies.insert(doc.id, p.signature, time);
    st.by_text.emplace(p.text_hash, doc.id);
  }
  st.docs.emplace(doc.id, held);
  if (o.time_window_seconds > 0) st.doc_times.emplace(time, doc.id);
  st.arrival.push_back(doc.id);
  return a;
}

std::optional<assignment> online_clusterer::find(document_id id) const {
  std::shared_lock lock(state_->mutex);
  const auto it = state_->docs.find(id);
  if (it == state_->docs.end()) return std::nullopt;
  return it->second.where;
}

std::vector<document_id> online_clusterer::documents() const {
  std::shared_lock lock(state_->mutex);
  std::vector<document_id> out;
  out.reserve(state_->docs.size());
  for (document_id id : state_->arrival) {
    if (state_->docs.contains(id)) out.push_back(id);
  }
  return out;
}

std::vector<story_summary> online_clusterer::stories() const {
  std::shared_lock lock(state_->mutex);
  std::vector<std::pair<std::uint64_t, story_summary>> tmp;
  for (const auto& [id, s] : state_->stories) {
    tmp.push_back({s.order, {id, s.documents, s.copy_groups, s.first_time, s.last_time}});
  }
  std::sort(tmp.begin(), tmp.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<story_summary> out;
  for (auto& [o, s] : tmp) out.push_back(s);
  return out;
}

std::size_t online_clusterer::size() const {
  std::shared_lock lock(state_->mutex);
  return state_->docs.size();
}

std::size_t online_clusterer::memory_bytes() const {
  std::shared_lock lock(state_->mutex);
  const state& st = *state_;
  // Node-based maps: about two pointers plus the value per entry, and buckets.
  std::size_t bytes = st.copies.memory_bytes();
  bytes += st.docs.size() * (sizeof(held_document) + sizeof(document_id) + 32);
  bytes += st.by_text.size() * 48 + st.arrival.size() * sizeof(document_id);
  bytes += (st.doc_times.size() + st.story_times.size()) * sizeof(timed_id);
  bytes += st.stats.memory_bytes();
  for (const auto& [id, s] : st.stories) {
    bytes += sizeof(open_story) + 48 + s.centroid.capacity() * sizeof(term_weight) +
             s.keys.capacity() * sizeof(std::uint64_t);
  }
  for (const auto& [t, v] : st.postings) bytes += 56 + v.capacity() * sizeof(document_id);
  return bytes;
}

bool online_clusterer::remove(document_id id) {
  std::unique_lock lock(state_->mutex);
  state& st = *state_;
  if (!st.docs.contains(id)) return false;
  st.drop_document(id);
  // arrival keeps the id until it reaches the front (skipped lazily), as after eviction.
  while (!st.arrival.empty() && !st.docs.contains(st.arrival.front())) st.arrival.pop_front();
  return true;
}

std::size_t online_clusterer::evict_older_than(std::int64_t cutoff) {
  std::unique_lock lock(state_->mutex);
  return state_->evict(cutoff);
}

}  // namespace samestory
