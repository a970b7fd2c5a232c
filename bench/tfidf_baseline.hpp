// A plain TF-IDF baseline for story clustering, for story_quality to measure
// samestory against: the vector space model with tf × idf weights and cosine
// similarity (Salton & Buckley 1988, "Term-weighting approaches in automatic
// text retrieval", IP&M 24(5)), clustered by
//  - batch: agglomerative clustering with complete, average (UPGMA) or single
//    linkage, stopped at a similarity threshold;
//  - online: each document joins the cluster whose centroid is most similar.
//
// Deliberately simple: no stop words, no stemming, no chrome removal, and the
// IDF is taken over the whole data set in advance (which an online system
// could not do; it favours the baseline).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wpedantic"
#include <Eigen/Dense>
#include <Eigen/Sparse>
#pragma GCC diagnostic pop

namespace samestory_bench {

/// Documents × terms, rows L2-normalized. Row-major so that a row is one document.
using doc_matrix = Eigen::SparseMatrix<double, Eigen::RowMajor, int>;

/// Terms: maximal runs of ASCII letters and digits, lowercased, and for CJK
/// text (which has no spaces) overlapping character bigrams, the usual plain
/// indexing unit for Chinese. Every other character separates. Appends to `out`.
inline void tokenize(std::string_view text, std::vector<std::string>& out) {
  std::string word;
  std::string prev_cjk;  // the previous character, when it was CJK
  auto flush = [&] {
    if (!word.empty()) out.push_back(std::move(word));
    word.clear();
  };
  for (std::size_t i = 0; i < text.size();) {
    const auto u = static_cast<unsigned char>(text[i]);
    const std::size_t len = u < 0x80 ? 1 : u < 0xE0 ? 2 : u < 0xF0 ? 3 : 4;
    if (i + len > text.size()) break;  // a truncated last character
    if (u < 0x80) {
      prev_cjk.clear();
      const bool alnum = (u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z');
      if (alnum) {
        word.push_back(static_cast<char>(u >= 'A' && u <= 'Z' ? u - 'A' + 'a' : u));
      } else {
        flush();
      }
      ++i;
      continue;
    }
    flush();
    const std::string ch(text.substr(i, len));
    // U+3400..U+9FFF (CJK ideographs), U+3040..U+30FF (kana), U+AC00..U+D7AF (Hangul):
    // three-byte sequences from E3 90 80 to E9 BF BF, and EA B0 80 to ED 9E AF.
    const bool cjk = len == 3 && ((u == 0xE3 && static_cast<unsigned char>(text[i + 1]) >= 0x81) ||
                                  (u >= 0xE4 && u <= 0xE9) || (u >= 0xEA && u <= 0xED));
    if (cjk) {
      if (!prev_cjk.empty()) out.push_back(prev_cjk + ch);
      prev_cjk = ch;
    } else {
      prev_cjk.clear();
    }
    i += len;
  }
  flush();
}

/// TF-IDF rows for `texts`: tf = raw count, idf = ln((N + 1) / (df + 1)) + 1
/// over these N texts, each row scaled to unit length (an empty text stays zero).
inline doc_matrix tfidf_matrix(const std::vector<std::string>& texts) {
  std::unordered_map<std::string, int> vocab;
  std::vector<std::vector<std::pair<int, double>>> rows(texts.size());  // term, count
  std::vector<double> df;
  std::vector<std::string> tokens;
  for (std::size_t d = 0; d < texts.size(); ++d) {
    tokens.clear();
    tokenize(texts[d], tokens);
    std::unordered_map<int, double> counts;
    for (auto& t : tokens) {
      const auto [it, fresh] = vocab.emplace(std::move(t), static_cast<int>(vocab.size()));
      if (fresh) df.push_back(0);
      counts[it->second] += 1;
    }
    rows[d].assign(counts.begin(), counts.end());
    std::sort(rows[d].begin(), rows[d].end());
    for (const auto& [term, count] : rows[d]) df[static_cast<std::size_t>(term)] += 1;
  }
  const double n = static_cast<double>(texts.size());
  std::vector<Eigen::Triplet<double, int>> triplets;
  for (std::size_t d = 0; d < rows.size(); ++d) {
    double norm2 = 0;
    for (auto& [term, w] : rows[d]) {
      w *= std::log((n + 1) / (df[static_cast<std::size_t>(term)] + 1)) + 1;
      norm2 += w * w;
    }
    const double inv = norm2 > 0 ? 1 / std::sqrt(norm2) : 0;
    for (const auto& [term, w] : rows[d]) triplets.emplace_back(static_cast<int>(d), term, w * inv);
  }
  doc_matrix x(static_cast<int>(texts.size()), static_cast<int>(vocab.size()));
  x.setFromTriplets(triplets.begin(), triplets.end());
  x.makeCompressed();
  return x;
}

/// All pairwise cosines S = X Xᵀ (rows are unit vectors), by a sparse product.
inline Eigen::MatrixXd cosine_matrix(const doc_matrix& x) {
  const doc_matrix xt = x.transpose();
  const doc_matrix s = (x * xt).pruned();
  return Eigen::MatrixXd(s);
}

enum class linkage { complete, average, single };

inline const char* linkage_name(linkage l) {
  switch (l) {
    case linkage::complete:
      return "complete";
    case linkage::average:
      return "average";
    case linkage::single:
      return "single";
  }
  return "?";
}

/// One step of the agglomeration: cluster `absorbed` joins cluster `into`.
struct merge_step {
  int into = 0;
  int absorbed = 0;
  double similarity = 0;
};

/// Greedy agglomeration on a similarity matrix: repeatedly merges the two
/// clusters with the highest linkage similarity while it is ≥ `floor`, and
/// returns the merges in order. Lance–Williams updates (Lance & Williams 1967)
/// for similarities: complete = min, single = max, average = size-weighted mean.
/// These three linkages are monotone (a merge is never more similar than the
/// one before), so the clustering "merge while ≥ t" for any t ≥ floor is the
/// prefix of this sequence with similarity ≥ t: one run serves a whole sweep.
/// O(n³) by plain scanning; fine for about a thousand documents.
inline std::vector<merge_step> agglomerate(Eigen::MatrixXd s, linkage l, double floor) {
  const Eigen::Index n = s.rows();
  std::vector<Eigen::Index> active(static_cast<std::size_t>(n));
  std::iota(active.begin(), active.end(), Eigen::Index{0});
  std::vector<double> size(static_cast<std::size_t>(n), 1.0);
  std::vector<merge_step> steps;
  while (active.size() > 1) {
    double best = -std::numeric_limits<double>::infinity();
    std::size_t bi = 0, bj = 0;
    for (std::size_t a = 0; a < active.size(); ++a) {
      // Column-major storage: walk down column active[a] (the matrix is symmetric).
      const double* col = s.data() + active[a] * n;
      for (std::size_t b = a + 1; b < active.size(); ++b) {
        const double v = col[active[b]];
        if (v > best) best = v, bi = a, bj = b;
      }
    }
    if (best < floor) break;
    const Eigen::Index i = active[bi], j = active[bj];
    const double ni = size[static_cast<std::size_t>(i)], nj = size[static_cast<std::size_t>(j)];
    for (const Eigen::Index k : active) {
      if (k == i || k == j) continue;
      const double si = s(k, i), sj = s(k, j);
      double v = 0;
      switch (l) {
        case linkage::complete:
          v = std::min(si, sj);
          break;
        case linkage::single:
          v = std::max(si, sj);
          break;
        case linkage::average:
          v = (ni * si + nj * sj) / (ni + nj);
          break;
      }
      s(k, i) = s(i, k) = v;
    }
    size[static_cast<std::size_t>(i)] = ni + nj;
    active.erase(active.begin() + static_cast<std::ptrdiff_t>(bj));
    steps.push_back({static_cast<int>(i), static_cast<int>(j), best});
  }
  return steps;
}

/// Cluster labels (a representative index per document) after the merges
/// with similarity ≥ `threshold`, taken as the prefix that agglomerate() made.
inline std::vector<int> cut(const std::vector<merge_step>& steps, int n, double threshold) {
  std::vector<int> parent(static_cast<std::size_t>(n));
  std::iota(parent.begin(), parent.end(), 0);
  auto root = [&](int v) {
    while (parent[static_cast<std::size_t>(v)] != v) {
      parent[static_cast<std::size_t>(v)] =
          parent[static_cast<std::size_t>(parent[static_cast<std::size_t>(v)])];
      v = parent[static_cast<std::size_t>(v)];
    }
    return v;
  };
  for (const auto& m : steps) {
    if (m.similarity < threshold) break;
    parent[static_cast<std::size_t>(root(m.absorbed))] = root(m.into);
  }
  std::vector<int> label(static_cast<std::size_t>(n));
  for (int d = 0; d < n; ++d) label[static_cast<std::size_t>(d)] = root(d);
  return label;
}

/// Online single pass in row order: a document joins the cluster whose
/// centroid (the sum of its members' unit vectors) has the highest cosine with
/// it, if that is ≥ `threshold`; otherwise it starts a cluster. Ties go to the
/// older cluster. Returns a cluster index per document.
inline std::vector<int> online_centroid(const doc_matrix& x, double threshold) {
  const int n = static_cast<int>(x.rows());
  // Centroids kept as postings term → (cluster, weight) so that only clusters
  // sharing a term with the document are scored.
  std::vector<std::vector<std::pair<int, double>>> postings(static_cast<std::size_t>(x.cols()));
  std::unordered_map<std::uint64_t, std::size_t> slot;  // (term, cluster) → index in postings
  std::vector<double> norm2;                            // |centroid|² per cluster
  std::vector<double> dot;                              // scratch: centroid · document
  std::vector<int> touched;
  std::vector<int> label(static_cast<std::size_t>(n));
  for (int d = 0; d < n; ++d) {
    touched.clear();
    for (doc_matrix::InnerIterator it(x, d); it; ++it) {
      for (const auto& [c, w] : postings[static_cast<std::size_t>(it.col())]) {
        if (dot[static_cast<std::size_t>(c)] == 0) touched.push_back(c);
        dot[static_cast<std::size_t>(c)] += w * it.value();
      }
    }
    int best = -1;
    double best_cos = -1, best_dot = 0;
    for (const int c : touched) {
      const double dc = dot[static_cast<std::size_t>(c)];
      const double cosine = dc / std::sqrt(norm2[static_cast<std::size_t>(c)]);
      if (cosine > best_cos || (cosine == best_cos && c < best)) {
        best = c, best_cos = cosine, best_dot = dc;
      }
    }
    for (const int c : touched) dot[static_cast<std::size_t>(c)] = 0;
    double self2 = 0;
    for (doc_matrix::InnerIterator it(x, d); it; ++it) self2 += it.value() * it.value();
    int c = best;
    if (best < 0 || best_cos < threshold) {
      c = static_cast<int>(norm2.size());
      norm2.push_back(0);
      dot.push_back(0);
      best_dot = 0;
    }
    // |c + x|² = |c|² + 2 c·x + |x|²: exact, without revisiting the centroid.
    norm2[static_cast<std::size_t>(c)] += 2 * best_dot + self2;
    for (doc_matrix::InnerIterator it(x, d); it; ++it) {
      const auto term = static_cast<std::size_t>(it.col());
      const std::uint64_t key =
          (static_cast<std::uint64_t>(term) << 32) | static_cast<std::uint32_t>(c);
      const auto [s, fresh] = slot.emplace(key, postings[term].size());
      if (fresh) {
        postings[term].emplace_back(c, it.value());
      } else {
        postings[term][s->second].second += it.value();
      }
    }
    label[static_cast<std::size_t>(d)] = c;
  }
  return label;
}

}  // namespace samestory_bench
