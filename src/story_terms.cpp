#include <samestory/error.hpp>
#include <samestory/story_terms.hpp>

#include "binary_io.hpp"
#include "term_order.hpp"
#include "token_class.hpp"
#include "utf8_decode.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>

namespace samestory {

namespace {

// English function words: they carry no event, and in a small batch (or the
// first documents of a stream) IDF cannot know that yet. CJK needs no list:
// its common bigrams are priced by the background table.
constexpr const char* stop_words[] = {
    "a",     "about", "after", "all",    "also",  "an",    "and",   "any",   "are",  "as",
    "at",    "be",    "been",  "before", "but",   "by",    "can",   "could", "did",  "do",
    "does",  "for",   "from",  "had",    "has",   "have",  "he",    "her",   "his",  "how",
    "i",     "if",    "in",    "into",   "is",    "it",    "its",   "may",   "more", "most",
    "no",    "not",   "of",    "on",     "one",   "or",    "other", "our",   "out",  "over",
    "said",  "says",  "she",   "should", "so",    "some",  "than",  "that",  "the",  "their",
    "them",  "then",  "there", "these",  "they",  "this",  "those", "to",    "up",   "was",
    "we",    "were",  "what",  "when",   "where", "which", "while", "who",   "will", "with",
    "would", "you",   "your"};

text_pipeline_options term_pipeline_options(text_pipeline_options options,
                                            const story_terms_options& terms) {
  if (terms.cjk_n < 1 || terms.cjk_n > 4) {
    throw invalid_options_error("story_terms_options::cjk_n is " + std::to_string(terms.cjk_n) +
                                ", allowed 1..4");
  }
  if (!(terms.idf_power > 0.0f && terms.idf_power <= 4.0f)) {
    throw invalid_options_error("story_terms_options::idf_power must be in (0, 4]");
  }
  if (!(terms.entity_boost >= 1.0f && terms.entity_boost <= 16.0f)) {
    throw invalid_options_error("story_terms_options::entity_boost must be in [1, 16]");
  }
  if (terms.max_terms == 0) {
    throw invalid_options_error("story_terms_options::max_terms must be at least 1");
  }
  // A text the copy level accepts is never refused for its terms: each term
  // is at most one token, and a segment of L tokens has at least
  // max(1, L - (n - 1)) copy shingles, so terms <= n x copy shingles.
  const std::size_t n = std::max(options.shingle.cjk_n, options.shingle.word_n);
  options.shingle.max_shingles =
      options.shingle.max_shingles > std::numeric_limits<std::size_t>::max() / n
          ? std::numeric_limits<std::size_t>::max()
          : options.shingle.max_shingles * n;
  options.shingle.cjk_n = terms.cjk_n;
  options.shingle.word_n = 1;
  options.shingle.cross_breaks = false;  // a term never spans two paragraphs
  options.normalize.keep_offsets = true;
  return options;
}

// Character bigrams of Han text get readable ids (flag bit 63, then the two
// code points) so that the background table can be looked up by id; every
// other term is its shingle hash with bit 63 clear.
constexpr std::uint64_t bigram_flag = std::uint64_t{1} << 63;

std::uint64_t bigram_id(char32_t a, char32_t b) noexcept {
  return bigram_flag | (static_cast<std::uint64_t>(a) << 21) | static_cast<std::uint64_t>(b);
}

#include "background_zh.inc"

// Decodes the generated table once per process: bigram id → chance that a
// news article contains it. Immutable after construction.
const std::unordered_map<std::uint64_t, float>& background_table() {
  static const std::unordered_map<std::uint64_t, float> table = [] {
    std::unordered_map<std::uint64_t, float> t;
    const std::string_view blob(background_bigrams, sizeof(background_bigrams) - 1);
    const std::string_view levels(background_levels, sizeof(background_levels) - 1);
    const auto* end = reinterpret_cast<const unsigned char*>(blob.data() + blob.size());
    auto decode = [&](std::size_t& i) -> char32_t {  // the generated table is valid UTF-8
      const detail::decoded d =
          detail::decode_utf8(reinterpret_cast<const unsigned char*>(blob.data() + i), end);
      i += d.length;
      return d.cp;
    };
    t.reserve(50000);
    for (std::size_t i = 0; i + 2 < blob.size();) {
      const char32_t a = decode(i);
      const char32_t b = decode(i);
      const std::size_t level = levels.find(blob[i++]);
      t.emplace(bigram_id(a, b), static_cast<float>(std::exp(-static_cast<double>(level) / 8.0)));
    }
    return t;
  }();
  return table;
}

// Each Han character's share of all characters in the same dictionary, as a
// flat array over the CJK blocks (0 = not listed): idf() looks up two
// characters per bigram, and a hash map there doubled the online add() time.
constexpr char32_t han_first = 0x3400;
constexpr char32_t han_last = 0x9FFF;

const std::vector<float>& character_table() {
  static const std::vector<float> table = [] {
    std::vector<float> t(han_last - han_first + 1, 0.0f);
    const std::string_view blob(background_chars, sizeof(background_chars) - 1);
    const std::string_view levels(background_levels, sizeof(background_levels) - 1);
    const auto* end = reinterpret_cast<const unsigned char*>(blob.data() + blob.size());
    for (std::size_t i = 0; i + 1 < blob.size();) {
      const detail::decoded d =
          detail::decode_utf8(reinterpret_cast<const unsigned char*>(blob.data() + i), end);
      i += d.length;
      const std::size_t level = levels.find(blob[i++]);
      if (d.cp >= han_first && d.cp <= han_last) {
        t[d.cp - han_first] = static_cast<float>(std::exp(-static_cast<double>(level) / 4.0));
      }
    }
    return t;
  }();
  return table;
}

double character_share(char32_t c) noexcept {
  if (c < han_first || c > han_last) return 0.0;
  return character_table()[c - han_first];
}

// The chance that a news article of about 600 characters holds a bigram: from
// the words it occurs in, or, for two characters that meet across a word
// boundary (的中, 了一: in no word, yet common), by chance from the
// characters' own frequencies, whichever is higher. A bigram of two rare
// characters in no word is rarer than anything in the table.
double background_probability(std::uint64_t term) {
  constexpr double article_characters = 600.0;
  constexpr double unseen = 0.0005;
  const auto& bigrams = background_table();
  const auto it = bigrams.find(term);
  double p = it == bigrams.end() ? unseen : it->second;
  const double a = character_share(static_cast<char32_t>((term >> 21) & 0x1FFFFF));
  const double b = character_share(static_cast<char32_t>(term & 0x1FFFFF));
  // 1 - exp(-x) for the small x of two characters meeting by chance.
  const double x = article_characters * a * b;
  return std::max(p, x < 1e-3 ? x : 1.0 - std::exp(-x));
}

// A CJK token in the shingler's sense: a character that is a token of its own.
bool is_cjk(char32_t c) noexcept {
  return detail::class_of(c) == detail::cjk_class;
}

// Appends the terms of one normalized text. A word counts as an entity when
// its first character was an ASCII capital in the original or it holds a
// digit: case folding has erased the first signal, so read the original.
void collect(const shingler& cutter, const normalized_text& text, std::string_view original,
             float boost, std::vector<std::uint64_t>& hashes, std::vector<shingle_span>& spans,
             std::vector<term_weight>& out) {
  cutter.hash(text, hashes);
  cutter.spans(text, spans);
  for (std::size_t i = 0; i < hashes.size() && i < spans.size(); ++i) {
    const std::uint32_t b = spans[i].begin;
    if (spans[i].end == b + 2 && is_cjk(text.text[b]) && is_cjk(text.text[b + 1])) {
      hashes[i] = bigram_id(text.text[b], text.text[b + 1]);
    } else {
      hashes[i] &= ~bigram_flag;
    }
  }
  const bool have_offsets = text.offsets.size() == text.text.size() + 1;
  for (std::size_t i = 0; i < hashes.size() && i < spans.size(); ++i) {
    float w = 1.0f;
    const std::uint32_t b = spans[i].begin;
    if (boost != 1.0f && b < text.text.size() && !is_cjk(text.text[b])) {
      bool entity = false;
      for (std::uint32_t j = b; j < spans[i].end && j < text.text.size(); ++j) {
        if (text.text[j] >= U'0' && text.text[j] <= U'9') entity = true;
      }
      if (!entity && have_offsets && text.offsets[b] < original.size()) {
        const char c = original[text.offsets[b]];
        entity = c >= 'A' && c <= 'Z';
      }
      if (entity) w = boost;
    }
    out.push_back({hashes[i], w});
  }
}

// Sorts by term and folds repeats: the count is the number of occurrences,
// and a term is boosted when any occurrence was (sum of 1s, times the boost).
std::vector<term_weight> fold(std::vector<term_weight> raw) {
  std::sort(raw.begin(), raw.end(), detail::by_term);
  std::vector<term_weight> out;
  for (std::size_t i = 0; i < raw.size();) {
    std::size_t j = i;
    float count = 0, boost = 1.0f;
    for (; j < raw.size() && raw[j].term == raw[i].term; ++j) {
      count += 1.0f;
      boost = std::max(boost, raw[j].weight);
    }
    out.push_back({raw[i].term, count * boost});
    i = j;
  }
  out.shrink_to_fit();  // batch clustering holds one per document
  return out;
}

}  // namespace

namespace {
std::size_t home(std::uint64_t term, std::size_t mask) noexcept {
  return static_cast<std::size_t>((term * 0x9E3779B97F4A7C15ull) >> 20) & mask;
}
}  // namespace

std::uint32_t* term_statistics::find_or_insert(std::uint64_t term) {
  if (term == 0) return &zero_df_;
  if ((used_ + 1) * 4 > slots_.size() * 3) {  // grow at 3/4 full
    rehash(std::max<std::size_t>(1024, slots_.size() * 2));
  }
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = home(term, mask);
  while (slots_[i].term != 0 && slots_[i].term != term) i = (i + 1) & mask;
  if (slots_[i].term == 0) {
    slots_[i].term = term;
    ++used_;
  }
  return &slots_[i].df;
}

void term_statistics::add(std::span<const term_weight> terms) {
  ++documents_;
  for (const term_weight& t : terms) ++*find_or_insert(t.term);
}

void term_statistics::halve() {
  documents_ /= 2;
  zero_df_ /= 2;
  std::size_t kept = 0;
  for (slot& s : slots_) {
    s.df /= 2;
    if (s.df == 0) s.term = 0;  // forgotten: an empty slot
    kept += s.term != 0;
  }
  // The same sizing as growth: at most 3/4 full.
  std::size_t size = 1024;
  while ((kept + 1) * 4 > size * 3) size *= 2;
  rehash(kept > 0 ? size : 0);
}

void term_statistics::rehash(std::size_t size) {
  std::vector<slot> old = std::move(slots_);
  slots_.assign(size, slot{});
  used_ = 0;
  if (size == 0) return;
  const std::size_t mask = size - 1;
  for (const slot& s : old) {
    if (s.term == 0) continue;
    std::size_t i = home(s.term, mask);
    while (slots_[i].term != 0) i = (i + 1) & mask;
    slots_[i] = s;
    ++used_;
  }
}

namespace {
constexpr std::uint16_t term_statistics_format_version = 1;
}

// Payload, version 1: settings, u64 documents, u32 frequency of term 0, u64
// T, then T × (u64 term, u32 frequency) in increasing term order.
std::string term_statistics::save() const {
  std::vector<slot> terms;
  terms.reserve(used_);
  for (const slot& s : slots_) {
    if (s.term != 0) terms.push_back(s);
  }
  std::sort(terms.begin(), terms.end(),
            [](const slot& a, const slot& b) { return a.term < b.term; });
  std::string out;
  out.reserve(64 + terms.size() * 12);
  const std::size_t start = detail::begin_envelope(out, detail::object_kind::term_statistics,
                                                   term_statistics_format_version);
  detail::settings_list settings;
  settings.add_real("background_documents", background_documents_);
  settings.write(out);
  detail::append_u64(out, documents_);
  detail::append_u32(out, zero_df_);
  detail::append_u64(out, terms.size());
  for (const slot& s : terms) {
    detail::append_u64(out, s.term);
    detail::append_u32(out, s.df);
  }
  detail::end_envelope(out, start);
  return out;
}

term_statistics term_statistics::load(std::string_view bytes, double background_documents) {
  term_statistics stats(background_documents);
  const detail::envelope env = detail::open_envelope(bytes, detail::object_kind::term_statistics,
                                                     term_statistics_format_version);
  detail::byte_reader r(env.payload, env.payload_offset);
  detail::settings_list expected;
  expected.add_real("background_documents", background_documents);
  detail::settings_list::read(r).expect_same_as(expected, "term_statistics");
  stats.documents_ = r.u64("documents");
  const std::size_t zero_at = r.offset();
  stats.zero_df_ = r.u32("frequency of term 0");
  if (stats.zero_df_ > stats.documents_) {
    throw format_error(zero_at, "expected a frequency of at most " +
                                    std::to_string(stats.documents_) + " documents, actual " +
                                    std::to_string(stats.zero_df_));
  }
  const std::size_t count_at = r.offset();
  const std::uint64_t count = r.u64("term count");
  r.check_count(count, 12, count_at, "terms");
  std::size_t size = 1024;
  while ((count + 1) * 4 > size * 3) size *= 2;
  if (count > 0) stats.rehash(size);
  std::uint64_t previous = 0;
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::size_t at = r.offset();
    const std::uint64_t term = r.u64("term");
    const std::uint32_t df = r.u32("term frequency");
    if (term <= previous) {
      throw format_error(at, "expected terms in increasing order above 0, actual " +
                                 detail::hex64(term) + " after " + detail::hex64(previous));
    }
    if (df == 0 || df > stats.documents_) {
      throw format_error(at + 8, "expected a frequency in 1.." + std::to_string(stats.documents_) +
                                     ", actual " + std::to_string(df));
    }
    previous = term;
    *stats.find_or_insert(term) = df;
  }
  r.expect_end("term_statistics payload");
  return stats;
}

std::uint32_t term_statistics::frequency(std::uint64_t term) const noexcept {
  if (term == 0) return zero_df_;
  if (slots_.empty()) return 0;
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = home(term, mask);; i = (i + 1) & mask) {
    if (slots_[i].term == term) return slots_[i].df;
    if (slots_[i].term == 0) return 0;
  }
}

double term_statistics::idf(std::uint64_t term) const noexcept {
  double n = static_cast<double>(documents_);
  double df = frequency(term);
  if ((term & bigram_flag) != 0 && background_documents_ > 0) {
    // The background counts as that many earlier articles: a small batch
    // still knows 中国 is common and 马斯 is not. A bigram absent from the
    // table is rarer than any in it (the table keeps p >= 0.001).
    const double p = background_probability(term);
    n += background_documents_;
    df += background_documents_ * p;
  }
  return std::log((n + 1.0) / (df + 1.0)) + 1.0;
}

term_extractor::term_extractor(const text_pipeline_options& pipeline,
                               const story_terms_options& options)
    : options_(options), pipeline_(term_pipeline_options(pipeline, options)) {
  std::vector<std::uint64_t> hashes;
  for (const char* w : stop_words) {
    const normalized_text t = pipeline_.text_normalizer().normalize(w);
    pipeline_.text_shingler().hash(t, hashes);
    for (std::uint64_t h : hashes) stop_terms_.push_back(h & ~bigram_flag);
  }
  std::sort(stop_terms_.begin(), stop_terms_.end());
}

std::vector<term_weight> term_extractor::counts(std::string_view title,
                                                std::string_view text) const {
  processed_text body;
  pipeline_.process(text, body);
  return counts(title, body.normalized, text);
}

std::vector<term_weight> term_extractor::counts(std::string_view title, const normalized_text& body,
                                                std::string_view original) const {
  std::vector<term_weight> raw;
  std::vector<std::uint64_t> hashes;
  std::vector<shingle_span> spans;
  const shingler& cutter = pipeline_.text_shingler();
  collect(cutter, body, original, options_.entity_boost, hashes, spans, raw);
  if (!title.empty()) {
    const normalized_text t = pipeline_.text_normalizer().normalize(title);
    collect(cutter, t, title, options_.entity_boost, hashes, spans, raw);
  }
  std::vector<term_weight> out = fold(std::move(raw));
  std::erase_if(out, [&](const term_weight& t) {
    return std::binary_search(stop_terms_.begin(), stop_terms_.end(), t.term);
  });
  return out;
}

std::vector<term_weight> term_extractor::weigh(std::span<const term_weight> counts,
                                               const term_statistics& stats,
                                               bool skip_singletons) const {
  std::vector<term_weight> v;
  v.reserve(counts.size());
  for (const term_weight& c : counts) {
    if (skip_singletons && stats.frequency(c.term) <= 1) continue;
    const double idf = std::pow(stats.idf(c.term), static_cast<double>(options_.idf_power));
    v.push_back({c.term, static_cast<float>((1.0 + std::log(c.weight)) * idf)});
  }
  detail::keep_heaviest(v, options_.max_terms);
  v.shrink_to_fit();  // held per document or story: no spare capacity
  double norm = 0;
  for (const term_weight& t : v) norm += static_cast<double>(t.weight) * t.weight;
  if (norm > 0) {
    const double inv = 1.0 / std::sqrt(norm);
    for (term_weight& t : v) t.weight = static_cast<float>(t.weight * inv);
  }
  return v;
}

double dot(std::span<const term_weight> a, std::span<const term_weight> b) noexcept {
  double s = 0;
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i].term < b[j].term) {
      ++i;
    } else if (b[j].term < a[i].term) {
      ++j;
    } else {
      s += static_cast<double>(a[i].weight) * b[j].weight;
      ++i;
      ++j;
    }
  }
  return s;
}

double bigram_share(std::span<const term_weight> vector) noexcept {
  double share = 0;
  for (const term_weight& t : vector) {
    if (t.term & bigram_flag) share += static_cast<double>(t.weight) * t.weight;
  }
  return std::min(share, 1.0);
}

}  // namespace samestory
