// ngram_study: the measurement behind the default n-gram sizes (docs/tuning.md).
//
//   ngram_study [--seeds DIR] [--zh sina.jsonl] [--en ecbplus.jsonl]
//
// For each n it prints:
// - seeds: the smallest same-story Jaccard and the largest different-story
//   Jaccard among the four seed articles (after chrome removal);
// - zh copies: copies generated from Chinese articles with the edits crawlers
//   meet (Traditional conversion, junk punctuation, character substitutions,
//   truncation, paragraph reordering), against the background of unrelated
//   article pairs: the copies' median Jaccard, the background's 99.9th
//   percentile, and the share of copies above it (copy recall at a 0.1% false
//   positive rate among unrelated pairs);
// - en (ECB+): how often a same-event pair scores above a pair from the same
//   topic but another event (AUC), and the same copy test for English.
#include <samestory/samestory.hpp>

#include <unicode/translit.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "corpus.hpp"

namespace {

using set = std::vector<std::uint64_t>;

set shingle_set(const samestory::text_pipeline& p, const std::string& text) {
  set h;
  p.shingles(text, h);
  std::sort(h.begin(), h.end());
  h.erase(std::unique(h.begin(), h.end()), h.end());
  return h;
}

using bench::sorted_jaccard;

double quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))];
}

samestory::text_pipeline make_pipeline(std::uint32_t cjk_n, std::uint32_t word_n) {
  samestory::text_pipeline_options o;
  o.normalize.utf8 = samestory::utf8_policy::lenient;
  o.shingle.cjk_n = cjk_n;
  o.shingle.word_n = word_n;
  return samestory::text_pipeline(o);
}

std::string transliterate(const std::string& text, const char* id) {
  UErrorCode status = U_ZERO_ERROR;
  thread_local std::map<std::string, std::unique_ptr<icu::Transliterator>> cache;
  auto& t = cache[id];
  if (!t) t.reset(icu::Transliterator::createInstance(id, UTRANS_FORWARD, status));
  icu::UnicodeString s = icu::UnicodeString::fromUTF8(text);
  t->transliterate(s);
  std::string out;
  s.toUTF8String(out);
  return out;
}

// Splits UTF-8 into code points (as strings) for character-level edits.
std::vector<std::string> chars_of(const std::string& s) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    const std::size_t n = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    out.push_back(s.substr(i, n));
    i += n;
  }
  return out;
}

// A copy as crawlers meet them: each edit applied with probability 1/2.
std::string make_zh_copy(const std::string& original, bench::rng& r) {
  std::string t = original;
  if (r.below(2)) t = transliterate(t, "Simplified-Traditional");
  auto chars = chars_of(t);
  std::string out;
  const bool junk = r.below(2), subst = r.below(2);
  for (auto& c : chars) {
    if (subst && c.size() == 3 && r.below(20) == 0) {  // 5% of characters swapped
      bench::append_utf8(out, static_cast<char32_t>(0x4E00 + r.below(3000)));
      continue;
    }
    out += c;
    if (junk && (c == "，" || c == "。") && r.below(2))
      out += r.below(2) ? ", , ,,,,," : "。。 。。。。 。";
  }
  if (r.below(2)) {  // reorder paragraphs
    std::vector<std::string> lines;
    std::size_t b = 0;
    for (std::size_t e; (e = out.find('\n', b)) != std::string::npos; b = e + 1) {
      lines.push_back(out.substr(b, e - b));
    }
    lines.push_back(out.substr(b));
    for (std::size_t i = lines.size(); i > 1; --i) std::swap(lines[i - 1], lines[r.below(i)]);
    out.clear();
    for (auto& l : lines) out += l + "\n";
  }
  if (r.below(2)) {  // truncate to 70..95%
    auto cs = chars_of(out);
    cs.resize(cs.size() * (70 + r.below(26)) / 100);
    out.clear();
    for (auto& c : cs) out += c;
  }
  return out;
}

std::string make_en_copy(const std::string& original, bench::rng& r) {
  std::string out;
  std::size_t b = 0;
  const bool subst = r.below(2), junk = r.below(2);
  static const char* fillers[] = {"said", "also", "very", "new", "report", "today"};
  while (b < original.size()) {
    std::size_t e = original.find(' ', b);
    if (e == std::string::npos) e = original.size();
    std::string w = original.substr(b, e - b);
    if (subst && r.below(20) == 0) w = fillers[r.below(6)];  // 5% of words swapped
    out += w;
    out += (junk && r.below(8) == 0) ? " , ,,, " : " ";
    b = e + 1;
  }
  if (r.below(2)) out.resize(out.size() * (70 + r.below(26)) / 100);
  return out;
}

struct copy_result {
  double copy_median, copy_p10, background_p999, recall;
};

copy_result copy_test(const samestory::text_pipeline& p, const std::vector<std::string>& docs,
                      bool chinese, std::size_t originals, std::size_t pairs) {
  bench::rng r{7};
  std::vector<set> sets(docs.size());
  for (std::size_t i = 0; i < docs.size(); ++i) sets[i] = shingle_set(p, docs[i]);
  std::vector<double> copies, background;
  for (std::size_t k = 0; k < originals && k < docs.size(); ++k) {
    const std::size_t i = r.below(docs.size());
    if (sets[i].size() < 20) continue;
    const std::string c = chinese ? make_zh_copy(docs[i], r) : make_en_copy(docs[i], r);
    copies.push_back(sorted_jaccard(sets[i], shingle_set(p, c)));
  }
  for (std::size_t k = 0; k < pairs; ++k) {
    const std::size_t i = r.below(docs.size()), j = r.below(docs.size());
    if (i == j || docs[i] == docs[j]) continue;
    background.push_back(sorted_jaccard(sets[i], sets[j]));
  }
  const double bg = quantile(background, 0.999);
  const auto above = std::count_if(copies.begin(), copies.end(), [&](double x) { return x > bg; });
  return {quantile(copies, 0.5), quantile(copies, 0.1), bg,
          static_cast<double>(above) / static_cast<double>(copies.size())};
}

}  // namespace

int main(int argc, char** argv) {
  std::string seeds_dir = SAMESTORY_SEEDS_DIR, zh, en;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--seeds") seeds_dir = argv[i + 1];
    if (a == "--zh") zh = argv[i + 1];
    if (a == "--en") en = argv[i + 1];
  }
  try {
    const auto seeds = bench::load_seeds(seeds_dir);
    std::printf("seeds (after chrome removal): same-story pairs 000-001, 000-003, 001-003\n");
    std::printf("  %-3s %-14s %-14s %s\n", "n", "min same", "max different", "ratio");
    for (std::uint32_t n = 2; n <= 5; ++n) {
      const auto p = make_pipeline(n, 3);
      std::vector<set> s;
      for (const auto& d : seeds.docs) s.push_back(shingle_set(p, d));
      const double same = std::min(
          {sorted_jaccard(s[0], s[1]), sorted_jaccard(s[0], s[3]), sorted_jaccard(s[1], s[3])});
      const double diff = std::max(
          {sorted_jaccard(s[0], s[2]), sorted_jaccard(s[1], s[2]), sorted_jaccard(s[2], s[3])});
      std::printf("  %-3u %-14.4f %-14.4f %.2f\n", n, same, diff, same / diff);
    }
    if (!zh.empty()) {
      const auto c = bench::load_jsonl(zh);
      std::printf("\nzh copies (%s, %zu docs): 2000 generated copies, 50000 unrelated pairs\n",
                  c.name.c_str(), c.docs.size());
      std::printf("  %-3s %-12s %-12s %-16s %s\n", "n", "copy median", "copy p10",
                  "background p99.9", "copy recall at bg p99.9");
      for (std::uint32_t n = 2; n <= 5; ++n) {
        const auto res = copy_test(make_pipeline(n, 3), c.docs, true, 2000, 50000);
        std::printf("  %-3u %-12.3f %-12.3f %-16.4f %.4f\n", n, res.copy_median, res.copy_p10,
                    res.background_p999, res.recall);
      }
    }
    if (!en.empty()) {
      const auto records = bench::read_jsonl_fields(en);
      std::vector<std::string> docs, cluster, topic;
      for (auto r : records) {
        docs.push_back(r["title"].empty() ? r["text"] : r["title"] + "\n" + r["text"]);
        cluster.push_back(r["cluster"]);
        topic.push_back(r["topic"]);
      }
      std::printf("\nen (%zu ECB+ docs): same-event vs same-topic-other-event pairs; copies\n",
                  docs.size());
      std::printf("  %-3s %-10s %-12s %-12s %-16s %s\n", "n", "AUC", "same mean", "other mean",
                  "background p99.9", "copy recall");
      for (std::uint32_t n = 1; n <= 5; ++n) {
        const auto p = make_pipeline(3, n);
        std::vector<set> s;
        for (const auto& d : docs) s.push_back(shingle_set(p, d));
        std::vector<double> same, other;
        for (std::size_t i = 0; i < docs.size(); ++i) {
          for (std::size_t j = i + 1; j < docs.size(); ++j) {
            if (topic[i] != topic[j]) continue;
            (cluster[i] == cluster[j] ? same : other).push_back(sorted_jaccard(s[i], s[j]));
          }
        }
        // AUC by ranks: the chance a same-event pair outscores an other-event pair.
        std::vector<double> o = other;
        std::sort(o.begin(), o.end());
        double wins = 0;
        for (double x : same) {
          const auto lo = std::lower_bound(o.begin(), o.end(), x);
          const auto hi = std::upper_bound(o.begin(), o.end(), x);
          wins += static_cast<double>(lo - o.begin()) + 0.5 * static_cast<double>(hi - lo);
        }
        double sm = 0, om = 0;
        for (double x : same) sm += x;
        for (double x : other) om += x;
        const auto res = copy_test(p, docs, false, 900, 50000);
        std::printf("  %-3u %-10.4f %-12.4f %-12.4f %-16.4f %.4f\n", n,
                    wins / (static_cast<double>(same.size()) * static_cast<double>(o.size())),
                    sm / static_cast<double>(same.size()), om / static_cast<double>(other.size()),
                    res.background_p999, res.recall);
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ngram_study: %s\n", e.what());
    return 1;
  }
  return 0;
}
