#include "cluster_detail.hpp"

#include <samestory/cluster.hpp>
#include <samestory/error.hpp>
#include <samestory/lsh_index.hpp>
#include <samestory/utf8.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <mutex>
#include <numeric>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>

namespace samestory {

namespace {

using detail::prepared_document;

// Union-find whose root is always the smallest index, so labels follow input order.
struct disjoint_sets {
  explicit disjoint_sets(std::size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), 0); }
  std::size_t find(std::size_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  }
  bool unite(std::size_t a, std::size_t b) {
    a = find(a);
    b = find(b);
    if (a == b) return false;
    if (b < a) std::swap(a, b);
    parent[b] = a;
    return true;
  }
  std::vector<std::size_t> parent;
};

// Up to this many units, every pair is a story candidate (about 0.1 s on one core).
constexpr std::size_t exhaustive_units = 1000;

// Average linkage keeps candidate edges down to this fraction of the threshold.
constexpr double average_edge_floor = 0.25;

struct copy_edge {
  std::size_t a, b;  // input indexes, a < b
  double similarity;
  bool by_containment;
};

// Agglomeration over a sparse graph of units.
// - complete: a pair without an edge counts as below the threshold, so two
//   clusters may merge only when every cross pair has an edge; a neighbour
//   not fully connected to both halves of a merge can never become so and
//   is dropped. Merge value: the minimum cross similarity.
// - average (UPGMA): a pair without an edge counts as 0. Merge value: the sum
//   of cross similarities over the number of cross pairs.
// - by_script: average between two clusters of CJK units only, complete
//   otherwise. A cluster that holds a non-CJK unit never loses it, so a link
//   dropped under complete linkage is never wanted again.
// Each cluster keeps, per neighbour, the count, minimum and sum of its cross
// edges; a heap holds candidate merges, checked against the current value
// when they come up. The two linkages have their own thresholds, so the heap
// orders merges by value over threshold.
struct agglomeration {
  struct link_state {
    std::uint64_t count = 0;
    double min = 0;
    double sum = 0;
  };
  struct merge {
    std::size_t a, b;  // b joined a
  };

  agglomeration(const cluster_options& o, std::vector<bool> cjk_unit)
      : linkage(o.story_linkage),
        complete_threshold(o.story_threshold),
        average_threshold(o.average_story_threshold),
        size(cjk_unit.size(), 1),
        cjk(cjk_unit.size(), 0),
        alive(cjk_unit.size(), true),
        neighbours(cjk_unit.size()) {
    for (std::size_t u = 0; u < cjk_unit.size(); ++u) cjk[u] = cjk_unit[u] ? 1 : 0;
  }

  void add_edge(std::size_t a, std::size_t b, double s) {
    neighbours[a][b] = {1, s, s};
    neighbours[b][a] = {1, s, s};
  }

  // Whether clusters of these sizes and CJK unit counts merge by average linkage.
  bool averaged(std::uint64_t size_a, std::uint64_t cjk_a, std::uint64_t size_c,
                std::uint64_t cjk_c) const {
    return detail::averaged_linkage(linkage, cjk_a == size_a, cjk_c == size_c);
  }
  bool averaged(std::size_t a, std::size_t c) const {
    return averaged(size[a], cjk[a], size[c], cjk[c]);
  }

  // The merge value of two clusters and its threshold, or nullopt if they may not merge.
  std::optional<std::pair<double, double>> value(std::size_t a, std::size_t c,
                                                 const link_state& st) const {
    if (averaged(a, c)) {
      return std::pair{st.sum / static_cast<double>(size[a] * size[c]), average_threshold};
    }
    if (st.count != size[a] * size[c]) return std::nullopt;
    return std::pair{st.min, complete_threshold};
  }

  std::vector<merge> run() {
    // value / threshold (≥ 1 merges), then smaller ids first, then the value itself.
    using item = std::tuple<double, std::size_t, std::size_t, double>;
    auto worse = [](const item& x, const item& y) {
      if (std::get<0>(x) != std::get<0>(y)) return std::get<0>(x) < std::get<0>(y);
      return std::tie(std::get<1>(x), std::get<2>(x)) > std::tie(std::get<1>(y), std::get<2>(y));
    };
    std::priority_queue<item, std::vector<item>, decltype(worse)> heap(worse);
    auto offer = [&](std::size_t a, std::size_t c, const link_state& st) {
      const auto v = value(a, c, st);
      if (v && v->first >= v->second) {
        heap.emplace(v->first / v->second, std::min(a, c), std::max(a, c), v->first);
      }
    };
    for (std::size_t a = 0; a < neighbours.size(); ++a) {
      for (const auto& [b, st] : neighbours[a]) {
        if (a < b) offer(a, b, st);
      }
    }
    std::vector<merge> merges;
    while (!heap.empty()) {
      const auto [key, a, b, s] = heap.top();
      heap.pop();
      if (!alive[a] || !alive[b]) continue;
      const auto it = neighbours[a].find(b);
      if (it == neighbours[a].end()) continue;
      const auto v = value(a, b, it->second);
      if (!v || v->first != s) continue;  // stale
      merges.push_back({a, b});
      // b joins a (a < b keeps the smaller index as the cluster's name).
      const std::uint64_t joined_size = size[a] + size[b];
      const std::uint64_t joined_cjk = cjk[a] + cjk[b];
      auto& na = neighbours[a];
      auto& nb = neighbours[b];
      na.erase(b);
      nb.erase(a);
      // A neighbour linked to one side only keeps its link where a missing
      // pair counts as 0 (average); under complete linkage it can never merge.
      auto keeps_partial = [&](std::size_t c) {
        return averaged(joined_size, joined_cjk, size[c], cjk[c]);
      };
      std::unordered_map<std::size_t, link_state> joined;
      for (const auto& [c, st] : na) {
        const auto jt = nb.find(c);
        if (jt != nb.end()) {
          joined[c] = {st.count + jt->second.count, std::min(st.min, jt->second.min),
                       st.sum + jt->second.sum};
        } else if (keeps_partial(c)) {
          joined[c] = st;
        }
      }
      for (const auto& [c, st] : nb) {
        if (!na.contains(c) && keeps_partial(c)) joined.emplace(c, st);
      }
      for (const auto& [c, st] : na) neighbours[c].erase(a);
      for (const auto& [c, st] : nb) neighbours[c].erase(b);
      size[a] = joined_size;
      cjk[a] = joined_cjk;
      alive[b] = false;
      nb.clear();
      na = std::move(joined);
      for (const auto& [c, st] : na) {
        neighbours[c][a] = st;
        offer(a, c, st);
      }
    }
    return merges;
  }

  story_linkage linkage;
  double complete_threshold;
  double average_threshold;
  std::vector<std::uint64_t> size;
  std::vector<std::uint64_t> cjk;  // CJK units per cluster
  std::vector<bool> alive;
  std::vector<std::unordered_map<std::size_t, link_state>> neighbours;
};

// Refinement after agglomeration (as Steinbach, Karypis & Kumar 2000 refine
// a hierarchical clustering with k-means passes): each unit, in index order,
// moves to the story whose centroid is nearest, when that is nearer than its
// own story's centroid without it and reaches online_story_threshold, the bar
// at which the online clusterer would put it there. A merge order can strand
// a unit: agglomeration never undoes a merge. Centroids live on the edge
// graph: a story's centroid is the sum of its units' unit vectors, so
// u · centroid = Σ score(u, v) over members v, and |centroid|² = Σ over member
// pairs (each unit's own 1 included); pairs without an edge count as 0, as in
// average linkage. Stops after story_refinement_rounds rounds, or when a round
// moves nothing. A unit only enters a story whose every unit is within the time
// window of it.
void refine_stories(const cluster_options& o,
                    const std::vector<std::vector<std::pair<std::uint32_t, double>>>& adjacency,
                    const std::vector<std::optional<std::int64_t>>& unit_time,
                    std::vector<std::size_t>& story_of) {
  const std::size_t units = story_of.size();
  if (o.story_refinement_rounds == 0 || units < 3) return;
  std::vector<double> norm2(units, 0.0);  // |centroid|², by story id (a unit index)
  std::vector<std::size_t> size(units, 0);
  for (std::size_t u = 0; u < units; ++u) {
    norm2[story_of[u]] += 1.0;
    ++size[story_of[u]];
    for (const auto& [v, s] : adjacency[u]) {
      if (story_of[v] == story_of[u]) norm2[story_of[u]] += s;  // each pair seen from both ends
    }
  }
  // Known times per story, for the window (only kept when there is one).
  const bool windowed = o.time_window_seconds > 0;
  std::vector<std::multiset<std::int64_t>> times(windowed ? units : 0);
  if (windowed) {
    for (std::size_t u = 0; u < units; ++u) {
      if (unit_time[u]) times[story_of[u]].insert(*unit_time[u]);
    }
  }
  auto within = [&](std::size_t u, std::size_t story) {
    if (!windowed || !unit_time[u] || times[story].empty()) return true;
    const std::int64_t t = *unit_time[u];
    return t - *times[story].begin() <= o.time_window_seconds &&
           *times[story].rbegin() - t <= o.time_window_seconds;
  };
  std::unordered_map<std::size_t, double> toward;  // story → Σ score(u, member)
  for (std::uint32_t round = 0; round < o.story_refinement_rounds; ++round) {
    bool moved = false;
    for (std::size_t u = 0; u < units; ++u) {
      toward.clear();
      for (const auto& [v, s] : adjacency[u]) toward[story_of[v]] += s;
      const std::size_t own = story_of[u];
      const double own_dot = toward.contains(own) ? toward[own] : 0.0;
      double own_score = -1.0;  // alone: any story that reaches the bar is nearer
      if (size[own] > 1) {
        const double rest = norm2[own] - 2.0 * own_dot - 1.0;
        own_score = rest > 0 ? own_dot / std::sqrt(rest) : 0.0;
      }
      std::size_t best = own;
      double best_score = std::max(own_score, o.online_story_threshold - 1e-12);
      for (const auto& [story, dot_sum] : toward) {
        if (story == own) continue;
        const double score = dot_sum / std::sqrt(norm2[story]);
        if ((score > best_score || (score == best_score && best != own && story < best)) &&
            within(u, story)) {
          best = story;
          best_score = score;
        }
      }
      if (best == own) continue;
      norm2[own] -= 2.0 * own_dot + 1.0;
      --size[own];
      norm2[best] += 2.0 * toward[best] + 1.0;
      ++size[best];
      if (windowed && unit_time[u]) {
        times[own].erase(times[own].find(*unit_time[u]));
        times[best].insert(*unit_time[u]);
      }
      story_of[u] = best;
      moved = true;
    }
    if (!moved) break;
  }
}

// The links of each story: a maximum spanning forest of its units over their
// story scores, each forest joined to the story's first unit by a link of
// score 0 (a unit the refinement kept for its centroid may have no edge left
// to the rest). Returns (unit, unit, score) in story order of appearance.
std::vector<std::tuple<std::size_t, std::size_t, double>> story_tree(
    const std::vector<std::vector<std::pair<std::uint32_t, double>>>& adjacency,
    const std::vector<std::size_t>& story_of) {
  const std::size_t units = story_of.size();
  std::vector<std::tuple<double, std::size_t, std::size_t>> inside;
  for (std::size_t u = 0; u < units; ++u) {
    for (const auto& [v, s] : adjacency[u]) {
      if (u < v && story_of[u] == story_of[v]) inside.emplace_back(s, u, v);
    }
  }
  std::sort(inside.begin(), inside.end(), [](const auto& x, const auto& y) {
    if (std::get<0>(x) != std::get<0>(y)) return std::get<0>(x) > std::get<0>(y);
    return std::tie(std::get<1>(x), std::get<2>(x)) < std::tie(std::get<1>(y), std::get<2>(y));
  });
  disjoint_sets forest(units);
  std::vector<std::tuple<std::size_t, std::size_t, double>> links;
  for (const auto& [s, u, v] : inside) {
    if (forest.unite(u, v)) links.emplace_back(u, v, s);
  }
  std::unordered_map<std::size_t, std::size_t> first;  // story → its first unit
  for (std::size_t u = 0; u < units; ++u) {
    const auto [it, fresh] = first.emplace(story_of[u], u);
    if (!fresh && forest.unite(it->second, u)) links.emplace_back(it->second, u, 0.0);
  }
  return links;
}

using exact_set_source = std::function<void(std::size_t, std::vector<std::uint64_t>&)>;

error repeated_id(document_id id, std::size_t position, std::size_t first) {
  return error(error_code::invalid_argument,
               "document id " + std::to_string(id) + " at position " + std::to_string(position) +
                   " repeats the id at position " + std::to_string(first));
}

// The text side of one document; an invalid UTF-8 error names the document.
prepared_document prepare_one(const detail::cluster_engine& engine, const document& doc,
                              processed_text& scratch) {
  try {
    return detail::prepare(engine, doc, scratch);
  } catch (const invalid_utf8_error& e) {
    throw invalid_utf8_error(e.byte_offset(), ("in document " + std::to_string(doc.id)).c_str());
  }
}

// Clustering of documents already through the text side (their term counts
// are consumed). exact_set(i, out)
// gives document i's sorted distinct copy-level shingles, for pairs too close
// to a copy threshold to decide on estimates; it is called from many threads.
// Without it the estimates decide.
clustering cluster_prepared(const detail::cluster_engine& engine,
                            std::vector<prepared_document>& prepared,
                            const std::vector<document_id>& ids,
                            const std::vector<std::optional<std::int64_t>>& times,
                            const exact_set_source& exact_set) {
  const cluster_options& options = engine.options;
  const std::size_t n = prepared.size();

  // 2. Exact copies by full-text hash, before any LSH work.
  disjoint_sets copies(n);
  std::vector<copy_edge> edges;
  std::vector<copy_kind> kind(n, copy_kind::original);
  std::vector<std::size_t> unique;
  {
    std::unordered_map<std::uint64_t, std::size_t> first;
    for (std::size_t i = 0; i < n; ++i) {
      if (prepared[i].is_empty) continue;
      const auto [it, fresh] = first.emplace(prepared[i].text_hash, i);
      if (fresh) {
        unique.push_back(i);
      } else if (detail::within_window(options, times[i], times[it->second])) {
        copies.unite(it->second, i);
        kind[i] = copy_kind::exact;
        edges.push_back({it->second, i, 1.0, false});
      } else {
        unique.push_back(i);  // the same text much later: a new story
      }
    }
  }

  // 3. Near copies: LSH candidates, verified by their estimates, or on their
  // exact shingle sets when an estimate is too close to a threshold to trust
  // (union-find would carry one false link into a whole group).
  {
    lsh_index index(engine.lsh, engine.hasher);
    std::vector<document_id> positions(unique.size());  // index ids are input positions
    std::vector<minhash_signature> sigs(unique.size());
    for (std::size_t u = 0; u < unique.size(); ++u) {
      positions[u] = unique[u];
      sigs[u] = prepared[unique[u]].signature;
    }
    index.insert_batch(positions, sigs, {}, options.threads);
    std::vector<std::vector<copy_edge>> found(unique.size());
    std::vector<std::vector<copy_edge>> unsure(unique.size());
    detail::parallel_for(unique.size(), options.threads, [&](std::size_t u) {
      const std::size_t i = unique[u];
      const std::uint64_t size = prepared[i].signature.set_size();
      for (const match& m : detail::copy_candidates(index, prepared[i].signature, options, true)) {
        const std::size_t j = static_cast<std::size_t>(m.id);
        if (j <= i || !detail::within_window(options, times[i], times[j])) {
          continue;
        }
        double s = 0;
        bool by_containment = false;
        if (exact_set && detail::near_copy_threshold(options, m, size)) {
          unsure[u].push_back({i, j, 0.0, false});
        } else if (detail::is_copy(options, m, size, s, by_containment)) {
          found[u].push_back({i, j, s, by_containment});
        }
      }
    });
    // Exact sets of the documents in unsure pairs, each computed once.
    std::vector<copy_edge> check;
    for (auto& f : unsure) check.insert(check.end(), f.begin(), f.end());
    unsure = {};
    std::vector<std::size_t> involved;
    for (const copy_edge& e : check) involved.push_back(e.a), involved.push_back(e.b);
    std::sort(involved.begin(), involved.end());
    involved.erase(std::unique(involved.begin(), involved.end()), involved.end());
    std::vector<std::vector<std::uint64_t>> sets(involved.size());
    detail::parallel_for(involved.size(), options.threads,
                         [&](std::size_t k) { exact_set(involved[k], sets[k]); });
    auto set_of = [&](std::size_t i) -> const std::vector<std::uint64_t>& {
      return sets[static_cast<std::size_t>(std::lower_bound(involved.begin(), involved.end(), i) -
                                           involved.begin())];
    };
    std::vector<char> accepted(check.size(), 0);
    detail::parallel_for(check.size(), options.threads, [&](std::size_t k) {
      copy_edge& e = check[k];
      const auto& a = set_of(e.a);
      const auto& b = set_of(e.b);
      double j = 0, c = 0;
      detail::exact_overlap(a, b, j, c);
      if (j >= options.copy_jaccard) {
        e.similarity = j;
        accepted[k] = 1;
      } else if (std::min(a.size(), b.size()) >= options.copy_min_shingles &&
                 c >= options.copy_containment) {
        e.similarity = c;
        e.by_containment = true;
        accepted[k] = 1;
      }
    });
    std::vector<copy_edge> near;
    for (auto& f : found) near.insert(near.end(), f.begin(), f.end());
    for (std::size_t k = 0; k < check.size(); ++k) {
      if (accepted[k] != 0) near.push_back(check[k]);
    }
    // Strongest first, so each group's links form its maximum spanning tree.
    std::sort(near.begin(), near.end(), [](const copy_edge& x, const copy_edge& y) {
      return std::tie(y.similarity, x.a, x.b) < std::tie(x.similarity, y.a, y.b);
    });
    for (const copy_edge& e : near) {
      if (copies.unite(e.a, e.b)) {
        if (kind[e.b] == copy_kind::original) kind[e.b] = copy_kind::near;
        edges.push_back(e);
      }
    }
  }

  // 4. Units of the story level: copy groups, each represented by its longest member.
  std::vector<std::size_t> unit_of(n), unit_rep;
  std::vector<std::optional<std::int64_t>> unit_time;
  {
    std::unordered_map<std::size_t, std::size_t> unit_by_root;
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t root = copies.find(i);
      const auto [it, fresh] = unit_by_root.emplace(root, unit_rep.size());
      if (fresh) {
        unit_rep.push_back(i);
        unit_time.push_back(times[i]);
      } else {
        const std::size_t u = it->second;
        if (prepared[i].length > prepared[unit_rep[u]].length) unit_rep[u] = i;
        if (times[i] && (!unit_time[u] || *times[i] < *unit_time[u])) {
          unit_time[u] = times[i];
        }
      }
      unit_of[i] = it->second;
    }
  }
  const std::size_t units = unit_rep.size();

  // 5. Story vectors, weighted by document frequencies over the units.
  std::vector<const std::vector<term_weight>*> unit_counts(units);
  for (std::size_t u = 0; u < units; ++u) unit_counts[u] = &prepared[unit_rep[u]].counts;
  const auto vec = detail::story_vectors(engine, unit_counts, options.threads);
  // The counts are spent: free them before the candidate search needs memory.
  for (prepared_document& p : prepared) p.counts = {};
  // A unit's dateline: its first document's that gives one.
  std::vector<detail::unit_facts> facts(units);
  for (std::size_t u = 0; u < units; ++u) facts[u].share = bigram_share(vec[u]);
  for (std::size_t i = 0; i < n; ++i) {
    auto& day = facts[unit_of[i]].dateline;
    if (!day) day = prepared[i].dateline;
  }

  // 6. Story candidates: units sharing one of their heaviest terms. A term
  // with a huge posting list is a common word, not a name: it is skipped.
  // A small batch compares every pair: that costs little, and the result is
  // then exactly the linkage of all pairwise cosines (story_similarities).
  const bool exhaustive = units <= exhaustive_units;
  std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> postings;
  std::vector<std::vector<std::uint64_t>> keys(exhaustive ? 0 : units);
  for (std::size_t u = 0; u < keys.size(); ++u) {
    keys[u] = detail::top_terms(vec[u], options.candidate_terms);
    for (std::uint64_t t : keys[u]) postings[t].push_back(static_cast<std::uint32_t>(u));
  }
  const std::size_t max_posting = std::max<std::size_t>(2000, units / 20);
  std::vector<std::vector<std::pair<std::uint32_t, double>>> story_edges(units);
  // Complete linkage needs only the edges that reach the threshold; average
  // linkage sums weaker ones too (those under the floor count as 0).
  std::vector<bool> cjk_unit(units);
  for (std::size_t u = 0; u < units; ++u) cjk_unit[u] = detail::is_cjk_unit(facts[u].share);
  auto edge_floor = [&](std::size_t u, std::size_t v) {
    return detail::averaged_linkage(options.story_linkage, cjk_unit[u], cjk_unit[v])
               ? options.average_story_threshold * average_edge_floor
               : options.story_threshold;
  };
  detail::parallel_for(units, options.threads, [&](std::size_t u) {
    std::vector<std::uint32_t> cand;
    if (exhaustive) {
      for (std::size_t v = u + 1; v < units; ++v) cand.push_back(static_cast<std::uint32_t>(v));
    } else {
      for (std::uint64_t t : keys[u]) {
        const auto& p = postings.at(t);
        if (p.size() > max_posting) continue;
        for (std::uint32_t v : p) {
          if (v > u) cand.push_back(v);
        }
      }
      std::sort(cand.begin(), cand.end());
      cand.erase(std::unique(cand.begin(), cand.end()), cand.end());
    }
    for (std::uint32_t v : cand) {
      if (!detail::within_window(options, unit_time[u], unit_time[v])) continue;
      const double s = detail::story_score(options, dot(vec[u], vec[v]), facts[u], facts[v]);
      if (s >= edge_floor(u, v)) story_edges[u].emplace_back(v, s);
    }
  });

  // 7. Agglomeration over the units, then refinement.
  agglomeration linkage(options, std::move(cjk_unit));
  for (std::size_t u = 0; u < units; ++u) {
    for (const auto& [v, s] : story_edges[u]) linkage.add_edge(u, v, s);
  }
  std::vector<std::size_t> story_of(units);
  {
    disjoint_sets merged(units);
    for (const auto& m : linkage.run()) merged.unite(m.a, m.b);
    for (std::size_t u = 0; u < units; ++u) story_of[u] = merged.find(u);
  }
  std::vector<std::vector<std::pair<std::uint32_t, double>>> adjacency(units);
  for (std::size_t u = 0; u < units; ++u) {
    for (const auto& [v, s] : story_edges[u]) {
      adjacency[u].emplace_back(v, s);
      adjacency[v].emplace_back(static_cast<std::uint32_t>(u), s);
    }
  }
  story_edges = {};
  refine_stories(options, adjacency, unit_time, story_of);

  // 8. Labels and clusters, in input order.
  clustering out;
  out.assignments.resize(n);
  std::unordered_map<std::size_t, std::size_t> copy_index, story_index;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t croot = copies.find(i);
    out.assignments[i] = {ids[i], 0, ids[croot], kind[i]};
    auto [ci, cfresh] = copy_index.emplace(croot, out.copies.size());
    if (cfresh) out.copies.push_back({ids[croot], ids[unit_rep[unit_of[i]]], {}, {}});
    out.copies[ci->second].members.push_back(ids[i]);
    auto [si, sfresh] = story_index.emplace(story_of[unit_of[i]], out.stories.size());
    if (sfresh) out.stories.push_back({ids[i], 0, {}, {}});
    out.stories[si->second].members.push_back(ids[i]);
    out.assignments[i].story = out.stories[si->second].id;
  }
  for (const copy_edge& e : edges) {
    out.copies[copy_index.at(copies.find(e.a))].links.push_back(
        {ids[e.a], ids[e.b], e.similarity, e.by_containment});
  }
  for (const auto& [a, b, sim] : story_tree(adjacency, story_of)) {
    out.stories[story_index.at(story_of[a])].links.push_back(
        {ids[unit_rep[a]], ids[unit_rep[b]], sim, false});
  }
  // Story representative: the unit closest to the story's centroid.
  std::vector<std::vector<std::size_t>> story_units(out.stories.size());
  for (std::size_t u = 0; u < units; ++u) story_units[story_index.at(story_of[u])].push_back(u);
  for (std::size_t s = 0; s < out.stories.size(); ++s) {
    const auto& us = story_units[s];
    std::size_t best = us.front();
    if (us.size() > 1) {
      std::unordered_map<std::uint64_t, double> centroid;
      for (std::size_t u : us) {
        for (const auto& t : vec[u]) centroid[t.term] += t.weight;
      }
      double best_score = -1;
      for (std::size_t u : us) {
        double sc = 0;
        for (const auto& t : vec[u]) sc += t.weight * centroid[t.term];
        if (sc > best_score) {
          best_score = sc;
          best = u;
        }
      }
    }
    out.stories[s].representative = ids[unit_rep[best]];
  }
  return out;
}

}  // namespace

clustering cluster_documents(std::span<const document> documents, const cluster_options& options) {
  const detail::cluster_engine engine(options);
  const std::size_t n = documents.size();
  std::vector<document_id> ids(n);
  std::vector<std::optional<std::int64_t>> times(n);
  for (std::size_t i = 0; i < n; ++i) {
    ids[i] = documents[i].id;
    times[i] = documents[i].time;
  }
  {
    std::unordered_map<document_id, std::size_t> seen;
    seen.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      const auto [it, fresh] = seen.emplace(ids[i], i);
      if (!fresh) throw repeated_id(ids[i], i, it->second);
    }
  }
  // 1. The text side, in parallel.
  std::vector<prepared_document> prepared(n);
  detail::parallel_for(n, options.threads, [&](std::size_t i) {
    thread_local processed_text scratch;
    prepared[i] = prepare_one(engine, documents[i], scratch);
  });
  return cluster_prepared(engine, prepared, ids, times,
                          [&](std::size_t i, std::vector<std::uint64_t>& out) {
                            thread_local processed_text scratch;
                            out = detail::copy_shingles(engine, documents[i], scratch);
                          });
}

// ---- batch_clusterer --------------------------------------------------------

struct batch_clusterer::impl {
  explicit impl(const cluster_options& o) : engine(o) {}

  // A document waiting for the text side, with its own copy of the strings.
  struct pending_document {
    document_id id;
    std::string text, title, source;
    std::optional<std::int64_t> time;
  };

  // The text side of the pending documents, in parallel; then their texts
  // are gone. A document that fails is dropped (the others are kept) and the
  // first failure is rethrown.
  void flush() {
    std::vector<prepared_document> done(pending.size());
    std::vector<std::exception_ptr> failed(pending.size());
    detail::parallel_for(pending.size(), engine.options.threads, [&](std::size_t k) {
      thread_local processed_text scratch;
      const pending_document& d = pending[k];
      try {
        done[k] = prepare_one(engine, {d.id, d.text, d.title, d.time, d.source}, scratch);
      } catch (...) {
        failed[k] = std::current_exception();
      }
    });
    std::exception_ptr first;
    for (std::size_t k = 0; k < pending.size(); ++k) {
      if (failed[k]) {
        if (!first) first = failed[k];
        position.erase(pending[k].id);
        continue;
      }
      position[pending[k].id] = prepared.size();
      ids[prepared.size()] = pending[k].id;
      times[prepared.size()] = pending[k].time;
      prepared.push_back(std::move(done[k]));
    }
    ids.resize(prepared.size());
    times.resize(prepared.size());
    pending.clear();
    pending_bytes = 0;
    if (first) std::rethrow_exception(first);
  }

  detail::cluster_engine engine;
  std::vector<prepared_document> prepared;
  std::vector<document_id> ids;  // by position; the pending ones at the end
  std::vector<std::optional<std::int64_t>> times;
  std::unordered_map<document_id, std::size_t> position;
  std::vector<pending_document> pending;
  std::size_t pending_bytes = 0;
};

batch_clusterer::batch_clusterer(const cluster_options& options)
    : impl_(std::make_unique<impl>(options)) {}
batch_clusterer::~batch_clusterer() = default;
batch_clusterer::batch_clusterer(batch_clusterer&&) noexcept = default;
batch_clusterer& batch_clusterer::operator=(batch_clusterer&&) noexcept = default;

void batch_clusterer::add(const document& doc) {
  impl& m = *impl_;
  // The errors the text side can raise, checked here so they name this
  // document at this call (flush() runs later, for many at once).
  const normalize_options& limits = m.engine.options.pipeline.normalize;
  for (const std::string_view part : {doc.text, doc.title}) {
    if (part.size() > limits.max_document_bytes) {
      throw limit_exceeded_error("normalize_options::max_document_bytes", limits.max_document_bytes,
                                 part.size());
    }
    if (limits.utf8 == utf8_policy::strict) {
      const utf8_check c = check_utf8(part);
      if (!c.ok) {
        const std::string where =
            std::string(c.reason) +
            (part.data() == doc.title.data() ? " in the title of document " : " in document ") +
            std::to_string(doc.id);
        throw invalid_utf8_error(c.error_offset, where.c_str());
      }
    }
  }
  // The line and shingle limits too: free for an article, one more pass for a
  // text long enough to meet one (otherwise a later add() would report it).
  m.engine.pipeline.check_limits(doc.text);
  const auto [it, fresh] = m.position.emplace(doc.id, m.ids.size());
  if (!fresh) throw repeated_id(doc.id, m.ids.size(), it->second);
  m.ids.push_back(doc.id);
  m.times.push_back(doc.time);
  m.pending.push_back(
      {doc.id, std::string(doc.text), std::string(doc.title), std::string(doc.source), doc.time});
  m.pending_bytes += doc.text.size() + doc.title.size();
  // Enough texts to keep every thread busy, few enough to bound memory.
  if (m.pending.size() >= 1024 || m.pending_bytes >= (std::size_t{64} << 20)) m.flush();
}

std::size_t batch_clusterer::size() const noexcept {
  return impl_->ids.size();
}

clustering batch_clusterer::finish(const text_source& text_of) {
  impl& m = *impl_;
  m.flush();
  clustering out;
  if (!text_of) {
    out = cluster_prepared(m.engine, m.prepared, m.ids, m.times, {});
  } else {
    // The caller's source is asked for one text at a time; shingling runs in parallel.
    std::mutex source_lock;
    out = cluster_prepared(
        m.engine, m.prepared, m.ids, m.times, [&](std::size_t i, std::vector<std::uint64_t>& set) {
          std::string text, title;
          {
            const std::lock_guard<std::mutex> hold(source_lock);
            text_of(m.ids[i], text, title);
          }
          thread_local processed_text scratch;
          set = detail::copy_shingles(m.engine, {m.ids[i], text, title, m.times[i], {}}, scratch);
        });
  }
  *this = batch_clusterer(m.engine.options);
  return out;
}

std::vector<double> story_similarities(std::span<const document> documents,
                                       const cluster_options& options) {
  const detail::cluster_engine engine(options);
  const std::size_t n = documents.size();
  std::vector<prepared_document> prepared(n);
  std::vector<const std::vector<term_weight>*> counts(n);
  processed_text scratch;
  for (std::size_t i = 0; i < n; ++i) {
    prepared[i] = detail::prepare(engine, documents[i], scratch);
    counts[i] = &prepared[i].counts;
  }
  const auto vec = detail::story_vectors(engine, counts, options.threads);
  std::vector<detail::unit_facts> facts(n);
  for (std::size_t i = 0; i < n; ++i) facts[i] = {bigram_share(vec[i]), prepared[i].dateline};
  std::vector<double> out(n * n, 1.0);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = i + 1; j < n; ++j) {
      out[i * n + j] = out[j * n + i] =
          detail::story_score(options, dot(vec[i], vec[j]), facts[i], facts[j]);
    }
  }
  return out;
}

}  // namespace samestory
