#include "binary_io.hpp"
#include "cluster_detail.hpp"
#include "term_order.hpp"

#include <samestory/error.hpp>
#include <samestory/io.hpp>
#include <samestory/lsh_index.hpp>
#include <samestory/online_cluster.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
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
  std::uint64_t arrival = 0;  // its number in arrival order (see state::arrival)
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
  // The day of its first report that opens with one (find_dateline()).
  std::optional<month_day> day;
};

// A document with fewer distinct terms is scored as a headline: it needs one
// shared heavy term to be compared with a story, not two, and meets
// headline_story_threshold.
constexpr std::size_t headline_max_terms = 24;

// learn_chrome keeps this many lines per source, pruning every so many documents.
constexpr std::size_t chrome_lines_per_source = 1024;
constexpr std::uint64_t chrome_prune_every = 256;

// (time, id), earliest first: what the time window drops next.
using timed_id = std::pair<std::int64_t, document_id>;
using by_earliest = std::priority_queue<timed_id, std::vector<timed_id>, std::greater<>>;

}  // namespace

struct online_clusterer::state {
  explicit state(const cluster_options& o) : engine(o), copies(engine.lsh, engine.hasher) {}

  detail::cluster_engine engine;
  lsh_index copies;
  term_statistics stats;
  chrome_statistics chrome;  // learned per source when options.learn_chrome
  std::uint64_t chrome_observed = 0;
  std::unordered_map<document_id, held_document> docs;
  // (id, arrival number), oldest first. Entries of dropped documents stay
  // until they reach the front; the number tells a re-added document's entry
  // from its stale earlier one, which would otherwise be listed twice.
  std::deque<std::pair<document_id, std::uint64_t>> arrival;
  std::uint64_t next_arrival = 0;
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

  bool is_current(const std::pair<document_id, std::uint64_t>& entry) const {
    const auto it = docs.find(entry.first);
    return it != docs.end() && it->second.arrival == entry.second;
  }
  void pop_stale_arrivals() {
    while (!arrival.empty() && !is_current(arrival.front())) arrival.pop_front();
  }

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
    pop_stale_arrivals();
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
    pop_stale_arrivals();
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
  const detail::prepared_document p =
      detail::prepare(st.engine, doc, st.scratch, o.learn_chrome ? &st.chrome : nullptr);
  // Learned only once the document is accepted, so that a refused document
  // changes nothing (durable_clusterer's log replays accepted ones only).
  if (o.learn_chrome && !doc.source.empty()) {
    st.chrome.observe(doc.text, doc.source);
    if (++st.chrome_observed % chrome_prune_every == 0) st.chrome.prune(chrome_lines_per_source);
  }
  if (doc.time) st.clock = std::max(st.clock, *doc.time);
  const std::int64_t time =
      doc.time ? *doc.time : (st.clock == std::numeric_limits<std::int64_t>::min() ? 0 : st.clock);
  if (o.time_window_seconds > 0 && st.clock != std::numeric_limits<std::int64_t>::min()) {
    st.expire(st.clock - o.time_window_seconds);
  }
  while (o.max_documents > 0 && st.docs.size() >= o.max_documents && !st.arrival.empty()) {
    if (st.is_current(st.arrival.front())) st.drop_document(st.arrival.front().first);
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
    for (const match& m : detail::copy_candidates(st.copies, p.signature, o, false)) {
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
    if (!s.day) s.day = p.dateline;
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
      double score = s.norm > 0 ? dotp / s.norm : 0.0;
      // A story of another day: the batch's dateline factor, applied before
      // the choice, so that a story of the document's own day wins a near tie.
      if (p.dateline && s.day && *p.dateline != *s.day) score *= o.dateline_factor;
      if (score > best || (score == best && s.order < st.stories.at(best_story).order)) {
        best = score;
        best_story = sid;
      }
    }
    // An article in CJK text is scored on the English scale by
    // online_cjk_story_scale, as the batch does by cjk_story_scale; a
    // headline's ten words dilute nothing.
    const double scale = headline ? 1.0 : 1.0 - (1.0 - o.online_cjk_story_scale) * bigram_share(v);
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
    open_story& joined = st.stories.at(a.story);
    ++joined.documents;
    if (!joined.day) joined.day = p.dateline;
  }
  if (!p.is_empty) {
    st.copies.insert(doc.id, p.signature, time);
    st.by_text.emplace(p.text_hash, doc.id);
  }
  held.arrival = st.next_arrival++;
  st.docs.emplace(doc.id, held);
  if (o.time_window_seconds > 0) st.doc_times.emplace(time, doc.id);
  st.arrival.emplace_back(doc.id, held.arrival);
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
  for (const auto& entry : state_->arrival) {
    if (state_->is_current(entry)) out.push_back(entry.first);
  }
  return out;
}

std::vector<story_summary> online_clusterer::stories() const {
  std::shared_lock lock(state_->mutex);
  std::vector<std::pair<std::uint64_t, story_summary>> tmp;
  for (const auto& [id, s] : state_->stories) {
    tmp.push_back({s.order, {id, s.documents, s.copy_groups, s.first_time, s.last_time, s.day}});
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
  bytes += st.by_text.size() * 48 + st.arrival.size() * sizeof(st.arrival.front());
  bytes += (st.doc_times.size() + st.story_times.size()) * sizeof(timed_id);
  bytes += st.stats.memory_bytes() + st.chrome.memory_bytes();
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
  st.pop_stale_arrivals();
  return true;
}

std::size_t online_clusterer::evict_older_than(std::int64_t cutoff) {
  std::unique_lock lock(state_->mutex);
  return state_->evict(cutoff);
}

// ---------------------------------------------------------------------------
// Saved state, version 2 (docs/format.md). Payload: settings; i64 clock, u64
// next story order; u64 documents observed for chrome; the learned term
// frequencies, the learned chrome statistics and the copy index, each a
// whole nested envelope (u64 length, then its bytes); the held documents in
// arrival order; the first-seen-text table; the open stories in order of
// their first document. Postings and time queues are rebuilt from these.
// Version 1, still read, lacks the stories' days, and its settings name
// cjk_story_scale where version 2's name online_cjk_story_scale and
// dateline_factor.

namespace {

constexpr std::uint16_t online_format_version = 2;
constexpr std::size_t saved_document_bytes =
    8 * 3 + 1 + 8 * 3;  // ids, kind, similarity, time, hash

// Every option that decides an assignment; threads and the input limits do
// not. Version 1 files name cjk_story_scale, which then set the online bar
// for CJK text, instead of the two that came with version 2.
detail::settings_list online_settings(const detail::cluster_engine& e,
                                      std::uint16_t version = online_format_version) {
  const cluster_options& o = e.options;
  detail::settings_list s;
  s.add_hash("text_fingerprint", e.pipeline.fingerprint());
  s.add_hash("signature_fingerprint", e.hasher.fingerprint());
  s.add("chrome.min_body_chars", o.pipeline.chrome.min_body_chars);
  s.add("chrome.max_short_chars", o.pipeline.chrome.max_short_chars);
  s.add_real("chrome.recurring_share", o.pipeline.chrome.recurring_share);
  s.add("chrome.recurring_min_docs", o.pipeline.chrome.recurring_min_docs);
  s.add("terms.cjk_n", o.terms.cjk_n);
  s.add_real("terms.idf_power", o.terms.idf_power);
  s.add_real("terms.entity_boost", o.terms.entity_boost);
  s.add("terms.max_terms", o.terms.max_terms);
  s.add("num_hashes", o.num_hashes);
  s.add("seed", o.seed);
  s.add_real("copy_candidate_jaccard", o.copy_candidate_jaccard);
  s.add_real("copy_jaccard", o.copy_jaccard);
  s.add_real("copy_containment", o.copy_containment);
  s.add("copy_min_shingles", o.copy_min_shingles);
  s.add_real("online_copy_margin", o.online_copy_margin);
  if (version < 2) s.add_real("cjk_story_scale", o.cjk_story_scale);  // online's scale until v2
  s.add_real("online_story_threshold", o.online_story_threshold);
  s.add_real("headline_story_threshold", o.headline_story_threshold);
  if (version >= 2) {
    s.add_real("online_cjk_story_scale", o.online_cjk_story_scale);
    s.add_real("dateline_factor", o.dateline_factor);
  }
  s.add_signed("time_window_seconds", o.time_window_seconds);
  s.add("candidate_terms", o.candidate_terms);
  s.add("max_documents", o.max_documents);
  s.add("max_learned_terms", o.max_learned_terms);
  s.add("learn_chrome", o.learn_chrome ? 1 : 0);
  return s;
}

void append_nested(std::string& out, const std::string& bytes) {
  detail::append_u64(out, bytes.size());
  out += bytes;
}

}  // namespace

std::string online_clusterer::save() const {
  const state& st = *state_;
  std::shared_lock lock(st.mutex);
  std::string out;
  const std::size_t start =
      detail::begin_envelope(out, detail::object_kind::online_clusterer, online_format_version);
  online_settings(st.engine).write(out);
  detail::append_i64(out, st.clock);
  detail::append_u64(out, st.next_order);
  detail::append_u64(out, st.chrome_observed);
  append_nested(out, st.stats.save());
  append_nested(out, st.chrome.save());
  append_nested(out, st.copies.save());

  std::vector<document_id> held;
  held.reserve(st.docs.size());
  for (const auto& entry : st.arrival) {
    if (st.is_current(entry)) held.push_back(entry.first);
  }
  detail::append_u64(out, held.size());
  for (document_id id : held) {
    const held_document& d = st.docs.at(id);
    detail::append_u64(out, id);
    detail::append_u64(out, d.where.story);
    detail::append_u64(out, d.where.copy);
    out.push_back(static_cast<char>(d.where.kind));
    detail::append_f64(out, d.where.similarity);
    detail::append_i64(out, d.time);
    detail::append_u64(out, d.text_hash);
  }

  std::vector<std::pair<std::uint64_t, document_id>> texts(st.by_text.begin(), st.by_text.end());
  std::sort(texts.begin(), texts.end());
  detail::append_u64(out, texts.size());
  for (const auto& [hash, id] : texts) {
    detail::append_u64(out, hash);
    detail::append_u64(out, id);
  }

  std::vector<std::pair<std::uint64_t, document_id>> order;
  for (const auto& [id, s] : st.stories) order.emplace_back(s.order, id);
  std::sort(order.begin(), order.end());
  detail::append_u64(out, order.size());
  for (const auto& [ord, id] : order) {
    const open_story& s = st.stories.at(id);
    detail::append_u64(out, id);
    detail::append_u64(out, s.documents);
    detail::append_u64(out, s.copy_groups);
    detail::append_i64(out, s.first_time);
    detail::append_i64(out, s.last_time);
    detail::append_u64(out, s.order);
    detail::append_f64(out, s.norm);
    detail::append_u32(out, static_cast<std::uint32_t>(s.centroid.size()));
    for (const term_weight& t : s.centroid) {
      detail::append_u64(out, t.term);
      std::uint32_t bits;
      std::memcpy(&bits, &t.weight, sizeof bits);
      detail::append_u32(out, bits);
    }
    detail::append_u32(out, static_cast<std::uint32_t>(s.keys.size()));
    for (std::uint64_t k : s.keys) detail::append_u64(out, k);
    // Its day: month and day, both 0 when no report gave one.
    out.push_back(static_cast<char>(s.day ? s.day->month : 0));
    out.push_back(static_cast<char>(s.day ? s.day->day : 0));
  }
  detail::end_envelope(out, start);
  return out;
}

void online_clusterer::save_file(const std::filesystem::path& file) const {
  write_file_atomically(file, save());
}

online_clusterer online_clusterer::load(std::string_view bytes, const cluster_options& options) {
  // The checksum first: damaged bytes are refused before the engine is built.
  const detail::envelope env =
      detail::open_envelope(bytes, detail::object_kind::online_clusterer, online_format_version);
  online_clusterer oc(options);
  state& st = *oc.state_;
  detail::byte_reader r(env.payload, env.payload_offset);
  // A version 1 state loads under the options given for the two settings it
  // lacks, so an upgraded crawler keeps its stories; they gain a day when
  // their next report with a dateline arrives.
  detail::settings_list::read(r).expect_same_as(online_settings(st.engine, env.version),
                                                "online_clusterer");
  st.clock = static_cast<std::int64_t>(r.u64("clock"));
  st.next_order = r.u64("next story order");
  st.chrome_observed = r.u64("chrome documents observed");
  st.stats = detail::read_nested(r, "term statistics",
                                 [](std::string_view b) { return term_statistics::load(b); });
  st.chrome = detail::read_nested(r, "chrome statistics",
                                  [](std::string_view b) { return chrome_statistics::load(b); });
  st.copies = detail::read_nested(r, "copy index", [&](std::string_view b) {
    return lsh_index::load(b, st.engine.lsh, st.engine.hasher);
  });
  const bool windowed = st.engine.options.time_window_seconds > 0;

  const std::size_t docs_at = r.offset();
  const std::uint64_t docs = r.u64("document count");
  r.check_count(docs, saved_document_bytes, docs_at, "documents");
  st.docs.reserve(static_cast<std::size_t>(docs));
  for (std::uint64_t i = 0; i < docs; ++i) {
    const std::size_t at = r.offset();
    held_document d;
    d.where.id = r.u64("document id");
    d.where.story = r.u64("story");
    d.where.copy = r.u64("copy group");
    const std::size_t kind_at = r.offset();
    const auto kind = static_cast<unsigned char>(r.bytes(1, "copy kind")[0]);
    if (kind > 2) {
      throw format_error(kind_at, "expected copy kind 0..2, actual " + std::to_string(kind));
    }
    d.where.kind = static_cast<copy_kind>(kind);
    d.where.similarity = detail::read_f64(r, "similarity");
    d.time = static_cast<std::int64_t>(r.u64("time"));
    d.text_hash = r.u64("text hash");
    d.arrival = st.next_arrival++;
    if (!st.docs.emplace(d.where.id, d).second) {
      throw format_error(
          at, "expected each document once, actual " + std::to_string(d.where.id) + " again");
    }
    st.arrival.emplace_back(d.where.id, d.arrival);
    if (windowed) st.doc_times.emplace(d.time, d.where.id);
  }
  // Ids the copy index holds must be held documents: add() looks them up.
  for (document_id id : st.copies.ids()) {
    if (!st.docs.contains(id)) {
      throw format_error(docs_at,
                         "expected every document of the copy index to be held, "
                         "actual " +
                             std::to_string(id) + " is not");
    }
  }

  const std::size_t texts_at = r.offset();
  const std::uint64_t texts = r.u64("text count");
  r.check_count(texts, 16, texts_at, "texts");
  std::uint64_t previous_hash = 0;
  for (std::uint64_t i = 0; i < texts; ++i) {
    const std::uint64_t hash = detail::read_increasing(r, "text hash", i, previous_hash);
    const std::size_t id_at = r.offset();
    const document_id id = r.u64("document id");
    if (!st.docs.contains(id)) {
      throw format_error(id_at, "expected a held document for text hash " + detail::hex64(hash) +
                                    ", actual " + std::to_string(id));
    }
    st.by_text.emplace(hash, id);
  }

  const std::size_t stories_at = r.offset();
  const std::uint64_t stories = r.u64("story count");
  r.check_count(stories, 7 * 8 + 8 + (env.version >= 2 ? 2 : 0), stories_at, "stories");
  std::uint64_t previous_order = 0;
  for (std::uint64_t i = 0; i < stories; ++i) {
    const std::size_t at = r.offset();
    const document_id id = r.u64("story id");
    open_story s;
    s.documents = r.u64("story documents");
    s.copy_groups = r.u64("story copy groups");
    s.first_time = static_cast<std::int64_t>(r.u64("story first time"));
    s.last_time = static_cast<std::int64_t>(r.u64("story last time"));
    s.order = r.u64("story order");
    s.norm = detail::read_f64(r, "story norm");
    const std::size_t centroid_at = r.offset();
    const std::uint32_t terms = r.u32("centroid terms");
    r.check_count(terms, 12, centroid_at, "centroid terms");
    s.centroid.resize(terms);
    for (term_weight& t : s.centroid) {
      const std::size_t term_at = r.offset();
      t.term = r.u64("centroid term");
      const std::uint32_t bits = r.u32("centroid weight");
      std::memcpy(&t.weight, &bits, sizeof bits);
      if (&t != s.centroid.data() && (&t - 1)->term >= t.term) {
        throw format_error(term_at, "expected centroid terms in increasing order");
      }
    }
    const std::size_t keys_at = r.offset();
    const std::uint32_t keys = r.u32("story keys");
    r.check_count(keys, 8, keys_at, "story keys");
    s.keys.resize(keys);
    for (std::uint64_t& k : s.keys) {
      const std::size_t key_at = r.offset();
      k = r.u64("story key");
      if (&k != s.keys.data() && *(&k - 1) >= k) {
        throw format_error(key_at, "expected story keys in increasing order");
      }
      st.postings[k].push_back(id);
    }
    if (env.version >= 2) {
      const std::size_t day_at = r.offset();
      const auto month = static_cast<unsigned char>(r.bytes(1, "story month")[0]);
      const auto day = static_cast<unsigned char>(r.bytes(1, "story day")[0]);
      if (month != 0 || day != 0) {
        if (month < 1 || month > 12 || day < 1 || day > 31) {
          throw format_error(day_at,
                             "expected a story day of month 1..12 and day 1..31 (or 0 0), "
                             "actual " +
                                 std::to_string(month) + " " + std::to_string(day));
        }
        s.day = month_day{month, day};
      }
    }
    if (s.order >= st.next_order || (i > 0 && s.order <= previous_order)) {
      throw format_error(at, "expected story orders increasing and below " +
                                 std::to_string(st.next_order) + ", actual " +
                                 std::to_string(s.order));
    }
    previous_order = s.order;
    const std::int64_t last = s.last_time;
    if (!st.stories.emplace(id, std::move(s)).second) {
      throw format_error(at, "expected each story once, actual " + std::to_string(id) + " again");
    }
    if (windowed) st.story_times.emplace(last, id);
  }
  r.expect_end("online_clusterer payload");
  return oc;
}

online_clusterer online_clusterer::load_file(const std::filesystem::path& file,
                                             const cluster_options& options) {
  return load(read_file(file), options);
}

}  // namespace samestory
