// copy_quality: how well do the copy labels of cluster_documents and
// online_clusterer find generated copies of real Chinese news?
//
//   copy_quality --sina PATH [--originals 3000] [--seed 7] [--json] [--examples 5]
//                [--copy-jaccard 0.5] [--copy-containment 0.8] [--copy-min-shingles 50]
//                [--candidate-jaccard 0.3] [--keep-partial]
//
// The first N Sina articles of at least 200 bytes are the originals, except
// an article that partly copies an earlier original (exact 3-gram Jaccard
// 0.2-0.5 or containment 0.5-0.8: a rewrite that kept a few paragraphs of
// the wire text). Whether such a pair is "a copy" is a matter of taste, and
// a generated copy of one would decide it by accident, so they are left out
// (--keep-partial keeps them, as in the first version of this bench). A random
// 40% of them get 1-3 derived copies, each a random mix of the edits below
// (some derived from an earlier copy: a repost of a repost). Gold: an
// original and its copies are one copy group; originals that are already
// near-duplicates of each other in the crawl (exact 3-gram Jaccard >= 0.5 or
// containment >= 0.8) are merged too, so the crawl's own reposts do not count
// as false positives. It prints pairwise and BCubed precision/recall of the
// copy labels (batch and online), recall per edit, a few false positive and
// false negative pairs with their figures, and the LSH candidate recall over
// all exactly similar pairs. With --json the measurements go to stdout as one
// JSON object per line and the table to stderr.
#include <unicode/translit.h>
#include <unicode/unistr.h>
#include <samestory/samestory.hpp>

#include "corpus.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <numeric>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

using bench::rng;  // splitmix64: the corpus depends on the seed only

// The edits a derived copy can carry; a bit each.
enum edit : unsigned {
  e_traditional = 1u << 0,
  e_chrome = 1u << 1,
  e_synonyms = 1u << 2,
  e_junk = 1u << 3,
  e_truncate = 1u << 4,
  e_reorder = 1u << 5,
};
constexpr std::array<std::pair<unsigned, const char*>, 6> edit_names = {{
    {e_traditional, "traditional"},
    {e_chrome, "chrome"},
    {e_synonyms, "synonyms"},
    {e_junk, "junk-punct"},
    {e_truncate, "truncate"},
    {e_reorder, "reorder"},
}};

std::string edit_list(unsigned edits) {
  std::string s;
  for (const auto& [bit, name] : edit_names) {
    if (!(edits & bit)) continue;
    if (!s.empty()) s += '+';
    s += name;
  }
  return s.empty() ? "none" : s;
}

// Everyday synonym pairs (news register). Either side is replaced by the
// other; single characters such as 称 and 已 also hit inside longer words,
// which is the kind of clumsy spin content farms produce.
constexpr std::array<std::pair<std::string_view, std::string_view>, 42> synonym_pairs = {{
    {"表示", "称"},   {"目前", "眼下"}, {"进行", "开展"}, {"发现", "察觉"}, {"已经", "已"},
    {"但是", "不过"}, {"因为", "由于"}, {"重要", "关键"}, {"认为", "觉得"}, {"国家", "国度"},
    {"非常", "十分"}, {"希望", "期望"}, {"问题", "难题"}, {"可能", "或许"}, {"所以", "因此"},
    {"随后", "之后"}, {"增加", "增长"}, {"情况", "状况"}, {"帮助", "协助"}, {"参加", "参与"},
    {"最近", "近来"}, {"立即", "马上"}, {"主要", "首要"}, {"知道", "了解"}, {"告诉", "告知"},
    {"使用", "运用"}, {"准备", "筹备"}, {"美丽", "漂亮"}, {"特别", "尤其"}, {"经常", "常常"},
    {"大约", "大概"}, {"许多", "很多"}, {"突然", "忽然"}, {"比赛", "赛事"}, {"提高", "提升"},
    {"获得", "取得"}, {"成为", "变成"}, {"一直", "始终"}, {"必须", "务必"}, {"如果", "假如"},
    {"虽然", "尽管"}, {"应该", "应当"},
}};

std::size_t utf8_length(unsigned char c) {
  return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

// Synonym swaps: each occurrence of a listed word (longest match first) is
// replaced by its partner with probability `share`.
std::string swap_synonyms(std::string_view text, double share, rng& r) {
  static const std::vector<std::pair<std::string_view, std::string_view>> rules = [] {
    std::vector<std::pair<std::string_view, std::string_view>> v;
    for (const auto& [a, b] : synonym_pairs) {
      v.emplace_back(a, b);
      v.emplace_back(b, a);
    }
    std::stable_sort(v.begin(), v.end(),
                     [](const auto& x, const auto& y) { return x.first.size() > y.first.size(); });
    return v;
  }();
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (std::size_t i = 0; i < text.size();) {
    const auto hit = std::find_if(rules.begin(), rules.end(), [&](const auto& rule) {
      return text.substr(i, rule.first.size()) == rule.first;
    });
    if (hit != rules.end()) {
      out += r.chance(share) ? hit->second : hit->first;
      i += hit->first.size();
    } else {
      const std::size_t n =
          std::min(utf8_length(static_cast<unsigned char>(text[i])), text.size() - i);
      out.append(text.substr(i, n));
      i += n;
    }
  }
  return out;
}

// Junk punctuation: after a share of clause ends, runs of commas and stops
// (as keyword-stuffing pages and broken converters leave them).
std::string add_junk(std::string_view text, double share, rng& r) {
  static constexpr std::array<std::string_view, 6> junk = {
      "，，，", "。。 。。。。 。", " , , ,,,,,", "！！！", "……", "、、"};
  static constexpr std::array<std::string_view, 5> ends = {"，", "。", "；", "！", "？"};
  std::string out;
  out.reserve(text.size() + text.size() / 4);
  for (std::size_t i = 0; i < text.size();) {
    const auto hit = std::find_if(ends.begin(), ends.end(), [&](std::string_view e) {
      return text.substr(i, e.size()) == e;
    });
    const std::size_t n =
        hit != ends.end()
            ? hit->size()
            : std::min(utf8_length(static_cast<unsigned char>(text[i])), text.size() - i);
    out.append(text.substr(i, n));
    i += n;
    if (hit != ends.end() && r.chance(share)) out += junk[r.below(junk.size())];
  }
  return out;
}

// Truncation: an excerpt, the first `keep` of the bytes, cut on a character.
std::string truncate(std::string_view text, double keep) {
  std::size_t n = static_cast<std::size_t>(static_cast<double>(text.size()) * keep);
  while (n > 0 && n < text.size() && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  return std::string(text.substr(0, n));
}

// Paragraph reordering: shuffles the body's lines. 58% of Sina bodies are
// one line, so those are cut into paragraphs of two sentences first.
std::string reorder(std::string_view text, rng& r) {
  std::vector<std::string> lines;
  for (std::size_t i = 0; i <= text.size();) {
    const std::size_t nl = std::min(text.find('\n', i), text.size());
    if (nl > i) lines.emplace_back(text.substr(i, nl - i));
    i = nl + 1;
  }
  if (lines.size() < 3) {
    lines.clear();
    std::string para;
    int sentences = 0;
    for (std::size_t i = 0; i < text.size();) {
      const std::size_t n =
          std::min(utf8_length(static_cast<unsigned char>(text[i])), text.size() - i);
      const std::string_view ch = text.substr(i, n);
      i += n;
      if (ch == "\n") continue;
      para += ch;
      if ((ch == "。" || ch == "！" || ch == "？") && ++sentences == 2) {
        lines.push_back(std::move(para));
        para.clear();
        sentences = 0;
      }
    }
    if (!para.empty()) lines.push_back(std::move(para));
  }
  r.shuffle(lines);
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

// Page chrome: 5-15 lines of site navigation, share buttons, editor line and
// a related-headline list made of OTHER Sina titles, split above and below
// the body, as a syndicating site wraps an article.
std::string add_chrome(std::string_view body, const std::vector<std::string>& titles,
                       const std::string& own_title, rng& r) {
  static constexpr std::array<std::string_view, 10> menu = {
      "首页 | 新闻 | 体育 | 财经 | 娱乐 | 科技",
      "分享到：微博 微信 QQ空间",
      "相关阅读",
      "热门推荐",
      "返回顶部",
      "登录 | 注册",
      "打开客户端 查看更多精彩内容",
      "网友评论 0条",
      "声明：本文仅代表作者观点",
      "扫一扫 关注我们"};
  static constexpr std::array<std::string_view, 6> editors = {"张伟", "李娜", "王强",
                                                              "刘洋", "陈静", "杨帆"};
  const std::size_t total = 5 + r.below(11);
  std::vector<std::string> lines;
  for (std::size_t k = 0; k < total; ++k) {
    const std::size_t pick = r.below(3);
    if (pick == 0) {
      std::string t;
      do t = titles[r.below(titles.size())];
      while (t == own_title && titles.size() > 1);
      lines.push_back(t);
    } else if (pick == 1 && k % 4 == 3) {
      lines.push_back("责任编辑：" + std::string(editors[r.below(editors.size())]));
    } else {
      lines.emplace_back(menu[r.below(menu.size())]);
    }
  }
  const std::size_t above = r.below(total + 1);
  std::string out;
  for (std::size_t k = 0; k < above; ++k) out += lines[k] + "\n";
  out += body;
  if (!out.empty() && out.back() != '\n') out += '\n';
  for (std::size_t k = above; k < total; ++k) out += lines[k] + "\n";
  return out;
}

// Traditional conversion with ICU, as Taiwan and Hong Kong sites repost.
class to_traditional {
 public:
  to_traditional() {
    UErrorCode status = U_ZERO_ERROR;
    t_.reset(icu::Transliterator::createInstance("Simplified-Traditional", UTRANS_FORWARD, status));
    if (U_FAILURE(status) || !t_) {
      throw std::runtime_error(std::string("ICU Simplified-Traditional: ") + u_errorName(status));
    }
  }
  std::string operator()(std::string_view text) const {
    icu::UnicodeString s = icu::UnicodeString::fromUTF8(
        icu::StringPiece(text.data(), static_cast<std::int32_t>(text.size())));
    t_->transliterate(s);
    std::string out;
    s.toUTF8String(out);
    return out;
  }

 private:
  std::unique_ptr<icu::Transliterator> t_;
};

struct generated_doc {
  std::string title;
  std::string text;
  std::size_t group = 0;   // the original's index (gold copy group before merging)
  std::size_t parent = 0;  // the document it was derived from (itself for an original)
  unsigned edits = 0;      // all edits between the original and this document
  bool original = true;
};

struct corpus {
  std::vector<generated_doc> docs;
  std::size_t originals = 0;
};

struct options {
  std::string sina;
  std::size_t originals = 3000;
  std::uint64_t seed = 7;
  bool json = false;
  bool keep_partial = false;
  std::size_t examples = 5;
  samestory::cluster_options cluster;
};

corpus generate(const options& o, const std::vector<samestory::document_record>& sina,
                const std::vector<std::string>& titles) {
  corpus c;
  rng r{o.seed};
  const to_traditional trad;
  for (std::size_t i = 0; i < sina.size(); ++i) {
    c.docs.push_back({sina[i].title, sina[i].text, i, i, 0, true});
  }
  c.originals = c.docs.size();
  for (std::size_t i = 0; i < c.originals; ++i) {
    if (!r.chance(0.4)) continue;
    const std::size_t copies = 1 + r.below(3);
    std::vector<std::size_t> family = {i};
    for (std::size_t k = 0; k < copies; ++k) {
      // Half of the later copies are made from an earlier copy.
      const std::size_t parent =
          family.size() > 1 && r.chance(0.5) ? family[1 + r.below(family.size() - 1)] : i;
      unsigned edits = 0;
      while (edits == 0) {
        for (const auto& [bit, name] : edit_names) {
          if (r.chance(0.4)) edits |= bit;
        }
      }
      const generated_doc& from = c.docs[parent];
      std::string body = from.text;
      std::string title = from.title;
      // Body edits first (they read Simplified text), then chrome around the
      // body, then Traditional over the whole page as a converting site would.
      if (edits & e_reorder) body = reorder(body, r);
      if (edits & e_truncate) body = truncate(body, r.uniform(0.5, 0.9));
      if (edits & e_synonyms) body = swap_synonyms(body, r.uniform(0.3, 0.7), r);
      if (edits & e_junk) body = add_junk(body, r.uniform(0.2, 0.5), r);
      if (edits & e_chrome) body = add_chrome(body, titles, sina[i].title, r);
      if (edits & e_traditional) {
        body = trad(body);
        title = trad(title);
      }
      family.push_back(c.docs.size());
      c.docs.push_back({title, body, i, parent, edits | from.edits, false});
    }
  }
  return c;
}

struct union_find {
  std::vector<std::size_t> parent;
  explicit union_find(std::size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), 0); }
  std::size_t find(std::size_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  }
  void unite(std::size_t a, std::size_t b) {
    a = find(a), b = find(b);
    if (a != b) parent[std::max(a, b)] = std::min(a, b);
  }
};

std::size_t intersection_size(const std::vector<std::uint64_t>& a,
                              const std::vector<std::uint64_t>& b) {
  std::size_t n = 0;
  for (std::size_t i = 0, j = 0; i < a.size() && j < b.size();) {
    if (a[i] < b[j]) {
      ++i;
    } else if (b[j] < a[i]) {
      ++j;
    } else {
      ++n, ++i, ++j;
    }
  }
  return n;
}

struct pair_figures {
  double jaccard = 0;
  double containment = 0;  // |A∩B| / min(|A|, |B|)
};

pair_figures figures(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) {
  const std::size_t inter = intersection_size(a, b);
  const std::size_t uni = a.size() + b.size() - inter;
  const std::size_t small = std::min(a.size(), b.size());
  return {uni ? static_cast<double>(inter) / static_cast<double>(uni) : 0.0,
          small ? static_cast<double>(inter) / static_cast<double>(small) : 0.0};
}

struct similar_pair {
  std::size_t a = 0, b = 0;  // a < b
  pair_figures f;
};

// Every pair with exact Jaccard >= min_j or containment >= min_c among docs
// [0, limit), by an inverted index: each document counts its overlaps with
// the later ones, so the cost is the sum of squared posting lengths rather
// than n^2 merges.
std::vector<similar_pair> exact_similar_pairs(const std::vector<std::vector<std::uint64_t>>& sets,
                                              std::size_t limit, double min_j, double min_c) {
  std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> postings;
  for (std::size_t i = 0; i < limit; ++i) {
    for (std::uint64_t h : sets[i]) postings[h].push_back(static_cast<std::uint32_t>(i));
  }
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::vector<similar_pair>> found(threads);
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      std::vector<std::uint32_t> count(limit, 0);
      std::vector<std::uint32_t> touched;
      for (std::size_t i = t; i < limit; i += threads) {
        for (std::uint64_t h : sets[i]) {
          const auto& list = postings.find(h)->second;
          for (auto it = std::upper_bound(list.begin(), list.end(), static_cast<std::uint32_t>(i));
               it != list.end(); ++it) {
            if (count[*it]++ == 0) touched.push_back(*it);
          }
        }
        for (std::uint32_t j : touched) {
          const double inter = count[j];
          const double uni = static_cast<double>(sets[i].size() + sets[j].size()) - inter;
          const double small = static_cast<double>(std::min(sets[i].size(), sets[j].size()));
          const pair_figures f{inter / uni, inter / small};
          if (f.jaccard >= min_j || f.containment >= min_c) found[t].push_back({i, j, f});
          count[j] = 0;
        }
        touched.clear();
      }
    });
  }
  for (auto& th : pool) th.join();
  std::vector<similar_pair> all;
  for (auto& v : found) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end(), [](const similar_pair& x, const similar_pair& y) {
    return std::pair(x.a, x.b) < std::pair(y.a, y.b);
  });
  return all;
}

struct copy_scores {
  samestory::clustering_scores lib;  // score_clustering: pairwise and BCubed
  std::size_t gold_pairs = 0, pred_pairs = 0, true_pairs = 0;
  std::vector<std::pair<std::size_t, std::size_t>> false_pos, false_neg;
  // Per edit: gold pairs with the edit on either side, and how many were found.
  std::array<std::size_t, edit_names.size()> edit_pairs{}, edit_found{};
  // Per edit, pairs (original, copy) whose copy had that edit alone.
  std::array<std::size_t, edit_names.size()> alone_pairs{}, alone_found{};
  // Pairs (original, copy) by the number of edits the copy carries (1..4+).
  std::array<std::size_t, 4> count_pairs{}, count_found{};
};

std::vector<std::vector<std::size_t>> groups_of(const std::vector<std::size_t>& label) {
  std::unordered_map<std::size_t, std::vector<std::size_t>> by;
  for (std::size_t i = 0; i < label.size(); ++i) by[label[i]].push_back(i);
  std::vector<std::vector<std::size_t>> out;
  for (auto& [l, members] : by) {
    if (members.size() > 1) out.push_back(std::move(members));
  }
  std::sort(out.begin(), out.end());
  return out;
}

copy_scores score(const corpus& c, const std::vector<std::size_t>& gold,
                  const std::vector<std::size_t>& pred) {
  copy_scores s;
  samestory::ordered_labels gold_labels;
  samestory::label_map pred_labels;
  for (std::size_t i = 0; i < gold.size(); ++i) {
    gold_labels.emplace_back(std::to_string(i), std::to_string(gold[i]));
    pred_labels[std::to_string(i)] = std::to_string(pred[i]);
  }
  s.lib = samestory::score_clustering(gold_labels, pred_labels);
  for (const auto& g : groups_of(gold)) {
    for (std::size_t x = 0; x < g.size(); ++x) {
      for (std::size_t y = x + 1; y < g.size(); ++y) {
        const std::size_t a = g[x], b = g[y];
        const bool hit = pred[a] == pred[b];
        ++s.gold_pairs;
        s.true_pairs += hit;
        if (!hit) s.false_neg.emplace_back(a, b);
        const unsigned edits = c.docs[a].edits | c.docs[b].edits;
        for (std::size_t e = 0; e < edit_names.size(); ++e) {
          if (edits & edit_names[e].first) {
            ++s.edit_pairs[e];
            s.edit_found[e] += hit;
          }
          if (c.docs[a].original && c.docs[b].group == a &&
              c.docs[b].edits == edit_names[e].first) {
            ++s.alone_pairs[e];
            s.alone_found[e] += hit;
          }
        }
        if (c.docs[a].original && !c.docs[b].original && c.docs[b].group == a) {
          const auto k = std::min<std::size_t>(
              static_cast<std::size_t>(std::popcount(c.docs[b].edits)) - 1, 3);
          ++s.count_pairs[k];
          s.count_found[k] += hit;
        }
      }
    }
  }
  for (const auto& g : groups_of(pred)) {
    for (std::size_t x = 0; x < g.size(); ++x) {
      for (std::size_t y = x + 1; y < g.size(); ++y) {
        ++s.pred_pairs;
        if (gold[g[x]] != gold[g[y]]) s.false_pos.emplace_back(g[x], g[y]);
      }
    }
  }
  return s;
}

double ratio(std::size_t a, std::size_t b) {
  return b ? static_cast<double>(a) / static_cast<double>(b) : 1.0;
}

struct context {
  const options& opt;
  const corpus& c;
  const std::vector<std::vector<std::uint64_t>>& sets;
  const std::vector<samestory::minhash_signature>& sigs;
  const std::vector<std::size_t>& gold;
  // The exact rule: pairs with exact J >= copy_jaccard or C >= copy_containment
  // (smaller set >= copy_min_shingles), closed transitively: the best the
  // estimate-based clusterer can do under these options.
  const std::vector<std::size_t>& oracle;
  FILE* table;  // human-readable output
};

void print_pair(const context& ctx, std::size_t a, std::size_t b) {
  const auto& da = ctx.c.docs[a];
  const auto& db = ctx.c.docs[b];
  const pair_figures f = figures(ctx.sets[a], ctx.sets[b]);
  const auto& sa = ctx.sigs[a];
  const auto& sb = ctx.sigs[b];
  const double est_j = samestory::estimate_jaccard(sa, sb).estimate;
  const double est_c = sa.set_size() <= sb.set_size() ? samestory::estimate_containment(sa, sb)
                                                      : samestory::estimate_containment(sb, sa);
  std::fprintf(
      ctx.table,
      "    #%zu (%s, group %zu, %s, %zu sh) ~ #%zu (%s, group %zu, %s, %zu sh): exact J %.3f "
      "C %.3f, est J %.3f C %.3f\n",
      a, da.original ? "orig" : "copy", ctx.gold[a], edit_list(da.edits).c_str(),
      ctx.sets[a].size(), b, db.original ? "orig" : "copy", ctx.gold[b],
      edit_list(db.edits).c_str(), ctx.sets[b].size(), f.jaccard, f.containment, est_j, est_c);
  std::fprintf(ctx.table, "      titles: %.60s | %.60s\n", da.title.c_str(), db.title.c_str());
}

void report(const context& ctx, const char* name, const copy_scores& s, std::size_t docs,
            double seconds) {
  const double p = ratio(s.true_pairs, s.pred_pairs);
  const double r = ratio(s.true_pairs, s.gold_pairs);
  std::fprintf(ctx.table,
               "%-12s docs %zu  pairwise P %.4f %s (target >= 0.99)  R %.4f %s (target >= 0.97)  "
               "BCubed P %.4f R %.4f  pairs gold %zu pred %zu  %.2f s\n",
               name, docs, p, p >= 0.99 ? "ok  " : "MISS", r, r >= 0.97 ? "ok  " : "MISS",
               s.lib.bcubed_p, s.lib.bcubed_r, s.gold_pairs, s.pred_pairs, seconds);
  std::fprintf(ctx.table,
               "  recall by edit (pairs with the edit on either side | copy with it alone):\n");
  for (std::size_t e = 0; e < edit_names.size(); ++e) {
    std::fprintf(ctx.table, "    %-12s %.4f of %5zu   | %.4f of %4zu\n", edit_names[e].second,
                 ratio(s.edit_found[e], s.edit_pairs[e]), s.edit_pairs[e],
                 ratio(s.alone_found[e], s.alone_pairs[e]), s.alone_pairs[e]);
  }
  std::fprintf(ctx.table, "  recall of (original, copy) pairs by edits on the copy:");
  for (std::size_t k = 0; k < s.count_pairs.size(); ++k) {
    std::fprintf(ctx.table, "  %zu%s: %.4f of %zu", k + 1, k == 3 ? "+" : "",
                 ratio(s.count_found[k], s.count_pairs[k]), s.count_pairs[k]);
  }
  std::fprintf(ctx.table, "\n");
  // Examples: pairs where the exact rule disagrees with the clusterer first
  // (its own errors), then those the exact rule would get wrong too.
  const auto examples = [&](const char* what, std::vector<std::pair<std::size_t, std::size_t>> v,
                            bool rule_links_is_clusterer_error) {
    const auto clusterer_error = [&](const std::pair<std::size_t, std::size_t>& x) {
      return (ctx.oracle[x.first] == ctx.oracle[x.second]) == rule_links_is_clusterer_error;
    };
    std::stable_partition(v.begin(), v.end(), clusterer_error);
    const auto own = static_cast<std::size_t>(std::count_if(v.begin(), v.end(), clusterer_error));
    std::fprintf(ctx.table, "  %s: %zu, of which %zu where the exact rule decides otherwise\n",
                 what, v.size(), own);
    for (std::size_t k = 0; k < std::min(ctx.opt.examples, v.size()); ++k) {
      if (k == own || (k == 0 && own > 0)) {
        std::fprintf(ctx.table, "   %s:\n",
                     k < own ? "the exact rule decides otherwise (estimate noise or a bridge)"
                             : "the exact rule agrees with the clusterer (gold is wider/narrower "
                               "than the rule)");
      }
      print_pair(ctx, v[k].first, v[k].second);
    }
  };
  examples("false positives", s.false_pos, false);
  examples("false negatives", s.false_neg, true);
  if (ctx.opt.json) {
    std::printf(
        "{\"name\": \"%s\", \"precision\": %.4f, \"recall\": %.4f, \"bcubed_precision\": %.4f, "
        "\"bcubed_recall\": %.4f, \"gold_pairs\": %zu, \"pred_pairs\": %zu, \"docs\": %zu, "
        "\"seconds\": %.3f}\n",
        name, p, r, s.lib.bcubed_p, s.lib.bcubed_r, s.gold_pairs, s.pred_pairs, docs, seconds);
    for (std::size_t e = 0; e < edit_names.size(); ++e) {
      std::printf(
          "{\"name\": \"%s-edit\", \"edit\": \"%s\", \"pairs\": %zu, \"recall\": %.4f, "
          "\"alone_pairs\": %zu, \"alone_recall\": %.4f}\n",
          name, edit_names[e].second, s.edit_pairs[e], ratio(s.edit_found[e], s.edit_pairs[e]),
          s.alone_pairs[e], ratio(s.alone_found[e], s.alone_pairs[e]));
    }
  }
}

// Keeps the first opt.originals articles that do not partly copy an
// earlier kept one (see the file comment); @return how many were left out.
std::size_t choose_originals(const options& opt, std::vector<samestory::document_record>& pool) {
  if (opt.keep_partial) {
    if (pool.size() > opt.originals) pool.resize(opt.originals);
    return 0;
  }
  const samestory::text_pipeline pipeline(opt.cluster.pipeline);
  std::vector<std::vector<std::uint64_t>> sets(pool.size());
  for (std::size_t i = 0; i < pool.size(); ++i) {
    pipeline.shingles(pool[i].text, sets[i]);
    std::sort(sets[i].begin(), sets[i].end());
    sets[i].erase(std::unique(sets[i].begin(), sets[i].end()), sets[i].end());
  }
  std::vector<std::vector<std::size_t>> partner(pool.size());  // earlier partial copies
  for (const auto& p : exact_similar_pairs(sets, pool.size(), 0.2, 0.5)) {
    const bool copy = p.f.jaccard >= 0.5 || p.f.containment >= 0.8;
    if (!copy) partner[p.b].push_back(p.a);
  }
  std::vector<bool> kept(pool.size(), false);
  std::vector<samestory::document_record> out;
  std::size_t left_out = 0;
  for (std::size_t i = 0; i < pool.size() && out.size() < opt.originals; ++i) {
    const bool partial =
        std::any_of(partner[i].begin(), partner[i].end(), [&](std::size_t a) { return kept[a]; });
    if (partial) {
      ++left_out;
      continue;
    }
    kept[i] = true;
    out.push_back(std::move(pool[i]));
  }
  pool = std::move(out);
  return left_out;
}

[[noreturn]] void usage() {
  std::fprintf(
      stderr,
      "usage: copy_quality --sina PATH [--originals N] [--seed S] [--json] [--examples N]\n"
      "       [--copy-jaccard X] [--copy-containment X] [--copy-min-shingles N]\n"
      "       [--candidate-jaccard X] [--keep-partial]\n");
  std::exit(2);
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage();
      return argv[++i];
    };
    if (a == "--sina") {
      o.sina = value();
    } else if (a == "--originals") {
      o.originals = std::stoul(value());
    } else if (a == "--seed") {
      o.seed = std::stoull(value());
    } else if (a == "--json") {
      o.json = true;
    } else if (a == "--keep-partial") {
      o.keep_partial = true;
    } else if (a == "--examples") {
      o.examples = std::stoul(value());
    } else if (a == "--copy-jaccard") {
      o.cluster.copy_jaccard = std::stod(value());
    } else if (a == "--copy-containment") {
      o.cluster.copy_containment = std::stod(value());
    } else if (a == "--copy-min-shingles") {
      o.cluster.copy_min_shingles = static_cast<std::uint32_t>(std::stoul(value()));
    } else if (a == "--candidate-jaccard") {
      o.cluster.copy_candidate_jaccard = std::stod(value());
    } else {
      usage();
    }
  }
  if (o.sina.empty() || o.originals == 0) usage();
  return o;
}

int run(const options& opt) {
  FILE* table = opt.json ? stderr : stdout;
  const auto t_load = clock_type::now();
  std::vector<samestory::document_record> originals;
  std::vector<std::string> titles;  // every Sina title: the related-headline pool
  {
    std::ifstream in(opt.sina, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + opt.sina);
    samestory::jsonl_reader reader(in);
    samestory::json_value v;
    while (reader.next(v)) {
      auto rec = samestory::to_document_record(v, reader.line());
      if (!rec.title.empty()) titles.push_back(rec.title);
      // Twice as many as needed, for those left out as partial copies.
      if (originals.size() < 2 * opt.originals && rec.text.size() >= 200) {
        originals.push_back(std::move(rec));
      }
    }
  }
  const std::size_t partial = choose_originals(opt, originals);
  const double load_s = seconds_since(t_load);

  const auto t_gen = clock_type::now();
  const corpus c = generate(opt, originals, titles);
  const double gen_s = seconds_since(t_gen);
  const std::size_t n = c.docs.size();
  std::size_t with_copies = 0;
  std::array<std::size_t, edit_names.size()> edit_docs{};
  for (std::size_t i = c.originals; i < n; ++i) {
    with_copies += c.docs[i].group != c.docs[i - 1].group;
    for (std::size_t e = 0; e < edit_names.size(); ++e) {
      edit_docs[e] += (c.docs[i].edits & edit_names[e].first) != 0;
    }
  }
  std::fprintf(table, "copy_quality: %s, seed %llu\n", opt.sina.c_str(),
               static_cast<unsigned long long>(opt.seed));
  std::fprintf(table, "originals: %zu articles left out as partial copies of an earlier one%s\n",
               partial, opt.keep_partial ? " (--keep-partial: none)" : "");
  std::fprintf(
      table,
      "corpus: %zu originals (%zu Sina titles read), %zu with copies, %zu copies, %zu docs\n",
      c.originals, titles.size(), with_copies, n - c.originals, n);
  std::fprintf(table, "  copies carrying each edit (own or inherited):");
  for (std::size_t e = 0; e < edit_names.size(); ++e) {
    std::fprintf(table, " %s %zu", edit_names[e].second, edit_docs[e]);
  }
  std::fprintf(table, "\n");

  // Exact shingle sets, as the clusterer shingles the copy level: the body
  // through the default text pipeline (chrome removal, normalization with
  // Traditional folding, 3-grams).
  const auto t_sets = clock_type::now();
  const samestory::text_pipeline pipeline(opt.cluster.pipeline);
  std::vector<std::vector<std::uint64_t>> sets(n);
  for (std::size_t i = 0; i < n; ++i) {
    pipeline.shingles(c.docs[i].text, sets[i]);
    std::sort(sets[i].begin(), sets[i].end());
    sets[i].erase(std::unique(sets[i].begin(), sets[i].end()), sets[i].end());
  }
  const samestory::minhasher hasher(
      {opt.cluster.num_hashes, samestory::minhash_scheme::one_permutation, opt.cluster.seed},
      pipeline.fingerprint());
  std::vector<samestory::minhash_signature> sigs;
  sigs.reserve(n);
  for (const auto& s : sets) sigs.push_back(hasher.sign(s));
  const std::vector<similar_pair> similar =
      exact_similar_pairs(sets, n, std::min(0.5, opt.cluster.copy_jaccard),
                          std::min(0.8, opt.cluster.copy_containment));
  const double sets_s = seconds_since(t_sets);

  // Gold: copy groups by generation, merged where two originals are already
  // near-duplicates in the crawl.
  union_find uf(n);
  for (std::size_t i = 0; i < n; ++i) uf.unite(i, c.docs[i].group);
  std::size_t orig_pairs = 0, orig_by_jaccard = 0, orig_small = 0;
  for (const auto& p : similar) {
    if (p.b >= c.originals || (p.f.jaccard < 0.5 && p.f.containment < 0.8)) continue;
    // A body of a few dozen shingles (mostly stripped as chrome) is
    // contained in many pages; merging on it chains unrelated stories into
    // one gold group, so containment needs copy_min_shingles as in the
    // clusterer (such pairs are counted, not merged).
    if (p.f.jaccard < 0.5 &&
        std::min(sets[p.a].size(), sets[p.b].size()) < opt.cluster.copy_min_shingles) {
      ++orig_small;
      continue;
    }
    ++orig_pairs;
    orig_by_jaccard += p.f.jaccard >= 0.5;
    uf.unite(p.a, p.b);
  }
  std::vector<std::size_t> gold(n);
  std::vector<std::size_t> gold_size(n, 0);
  for (std::size_t i = 0; i < n; ++i) ++gold_size[gold[i] = uf.find(i)];
  std::size_t merged_originals = 0;
  for (std::size_t i = 0; i < c.originals; ++i) merged_originals += gold[i] != i;
  std::fprintf(table,
               "gold: %zu near-duplicate pairs among the originals merged (%zu by Jaccard >= 0.5, "
               "%zu by containment >= 0.8 alone), %zu originals joined an earlier one; largest "
               "gold group %zu docs; %zu containment pairs not merged (a set under %u shingles)\n",
               orig_pairs, orig_by_jaccard, orig_pairs - orig_by_jaccard, merged_originals,
               *std::max_element(gold_size.begin(), gold_size.end()), orig_small,
               opt.cluster.copy_min_shingles);
  std::fprintf(table,
               "exact sets, signatures and similar pairs: %.2f s (load %.2f s, generate %.2f s)\n",
               sets_s, load_s, gen_s);

  union_find rule(n);
  for (const auto& p : similar) {
    const std::size_t small = std::min(sets[p.a].size(), sets[p.b].size());
    if (p.f.jaccard >= opt.cluster.copy_jaccard ||
        (small >= opt.cluster.copy_min_shingles &&
         p.f.containment >= opt.cluster.copy_containment)) {
      rule.unite(p.a, p.b);
    }
  }
  std::vector<std::size_t> oracle(n);
  for (std::size_t i = 0; i < n; ++i) oracle[i] = rule.find(i);
  const context ctx{opt, c, sets, sigs, gold, oracle, table};
  std::fprintf(table, "\n");
  report(ctx, "exact-rule", score(c, gold, oracle), n, sets_s);

  // Batch, in generation order: originals, then copies.
  std::vector<samestory::document> docs(n);
  for (std::size_t i = 0; i < n; ++i) {
    docs[i].id = i + 1;
    docs[i].text = c.docs[i].text;
    docs[i].title = c.docs[i].title;
  }
  const auto t_batch = clock_type::now();
  const samestory::clustering batch = samestory::cluster_documents(docs, opt.cluster);
  const double batch_s = seconds_since(t_batch);
  std::vector<std::size_t> pred(n);
  for (std::size_t i = 0; i < n; ++i) pred[i] = static_cast<std::size_t>(batch.assignments[i].copy);
  std::fprintf(table, "\n");
  report(ctx, "copy-batch", score(c, gold, pred), n, batch_s);

  // Online, shuffled with every document after the one it was derived from:
  // a random key each, a derived one drawn between its parent's key and 1.
  rng r{opt.seed ^ 0x6F6E6C696E65ull};
  std::vector<double> key(n);
  for (std::size_t i = 0; i < n; ++i) {
    key[i] = c.docs[i].original ? r.uniform() : r.uniform(key[c.docs[i].parent], 1.0);
  }
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return key[a] != key[b] ? key[a] < key[b] : a < b;
  });
  const auto t_online = clock_type::now();
  samestory::online_clusterer online(opt.cluster);
  for (std::size_t i : order) pred[i] = static_cast<std::size_t>(online.add(docs[i]).copy);
  const double online_s = seconds_since(t_online);
  std::fprintf(table, "\n");
  report(ctx, "copy-online", score(c, gold, pred), n, online_s);

  // LSH candidate recall over every exactly similar pair of the corpus.
  std::vector<similar_pair> target;
  std::copy_if(similar.begin(), similar.end(), std::back_inserter(target),
               [](const similar_pair& p) { return p.f.jaccard >= 0.5 || p.f.containment >= 0.8; });
  const auto t_lsh = clock_type::now();
  const samestory::lsh_tuning tuning = samestory::tune_lsh(
      {.threshold = opt.cluster.copy_candidate_jaccard, .num_hashes = opt.cluster.num_hashes});
  samestory::lsh_index index(tuning.parameters, hasher);
  std::vector<samestory::document_id> ids(n);
  std::iota(ids.begin(), ids.end(), samestory::document_id{0});
  index.insert_batch(ids, sigs);
  std::vector<std::vector<samestory::document_id>> cands(n);
  for (std::size_t i = 0; i < n; ++i) cands[i] = index.candidates(sigs[i]);
  // Split by why the pair qualifies: a containment-only pair with a
  // size ratio q has J >= C / (q + 1 - C), often under the LSH threshold, and
  // one whose smaller set is under copy_min_shingles is no copy for the
  // clusterer anyway.
  struct bucket {
    const char* name;
    std::size_t pairs = 0, found = 0;
  };
  std::array<bucket, 4> buckets = {{{"J >= 0.5"},
                                    {"C >= 0.8 only, size ratio <= 2"},
                                    {"C >= 0.8 only, size ratio > 2"},
                                    {"C >= 0.8 only, smaller set < min shingles"}}};
  std::size_t found = 0, with_copy = 0, with_copy_found = 0;
  std::vector<similar_pair> missed;
  for (const auto& p : target) {
    const bool hit = std::binary_search(cands[p.a].begin(), cands[p.a].end(), p.b);
    const std::size_t small = std::min(sets[p.a].size(), sets[p.b].size());
    const std::size_t large = std::max(sets[p.a].size(), sets[p.b].size());
    const std::size_t k = p.f.jaccard >= 0.5                      ? 0
                          : small < opt.cluster.copy_min_shingles ? 3
                          : large <= 2 * small                    ? 1
                                                                  : 2;
    ++buckets[k].pairs;
    buckets[k].found += hit;
    found += hit;
    if (p.b >= c.originals) {
      ++with_copy;
      with_copy_found += hit;
    }
    if (!hit && k != 3) missed.push_back(p);
  }
  const double lsh_s = seconds_since(t_lsh);
  // The target: pairs the copy rule can accept. Containment of a set under
  // copy_min_shingles never makes a copy, so missing it as a candidate costs nothing.
  const std::size_t rule_pairs = target.size() - buckets[3].pairs;
  const std::size_t rule_found = found - buckets[3].found;
  const double lsh_r = ratio(rule_found, rule_pairs);
  std::fprintf(table, "\nlsh candidates: %s\n", tuning.describe().c_str());
  std::fprintf(table,
               "  candidate recall %.4f %s (target >= 0.99) over %zu pairs the copy rule accepts "
               "(exact J >= 0.5, or C >= 0.8 with >= %u shingles)  %.2f s\n",
               lsh_r, lsh_r >= 0.99 ? "ok" : "MISS", rule_pairs, opt.cluster.copy_min_shingles,
               lsh_s);
  std::fprintf(table, "    %-42s %.4f of %4zu\n", "all pairs with J >= 0.5 or C >= 0.8",
               ratio(found, target.size()), target.size());
  for (const auto& bk : buckets) {
    std::fprintf(table, "    %-42s %.4f of %4zu\n", bk.name, ratio(bk.found, bk.pairs), bk.pairs);
  }
  std::fprintf(table, "    %-42s %.4f of %4zu\n", "(pairs involving a generated copy)",
               ratio(with_copy_found, with_copy), with_copy);
  const std::size_t n_missed = std::min(opt.examples, missed.size());
  if (n_missed) {
    std::fprintf(table, "  missed pairs with smaller set >= min shingles (%zu of %zu):\n", n_missed,
                 missed.size());
  }
  for (std::size_t k = 0; k < n_missed; ++k) print_pair(ctx, missed[k].a, missed[k].b);
  if (opt.json) {
    std::printf(
        "{\"name\": \"gold-original-pairs\", \"pairs\": %zu, \"by_jaccard\": %zu, "
        "\"small_not_merged\": %zu, \"docs\": %zu}\n",
        orig_pairs, orig_by_jaccard, orig_small, c.originals);
    std::printf(
        "{\"name\": \"lsh-candidate-recall\", \"recall\": %.4f, \"pairs\": %zu, \"all_recall\": "
        "%.4f, \"all_pairs\": %zu, \"jaccard_pairs\": "
        "%zu, \"jaccard_recall\": %.4f, \"containment_pairs\": %zu, \"containment_recall\": "
        "%.4f, \"copy_pairs\": %zu, \"copy_recall\": %.4f, \"bands\": %u, \"rows\": %u, "
        "\"docs\": %zu, \"seconds\": %.3f}\n",
        lsh_r, rule_pairs, ratio(found, target.size()), target.size(), buckets[0].pairs,
        ratio(buckets[0].found, buckets[0].pairs), target.size() - buckets[0].pairs,
        ratio(found - buckets[0].found, target.size() - buckets[0].pairs), with_copy,
        ratio(with_copy_found, with_copy), tuning.parameters.bands, tuning.parameters.rows, n,
        lsh_s);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "copy_quality: %s\n", e.what());
    return 1;
  }
}
