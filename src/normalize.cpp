// Normalization by table lookup.
//
// Calling ICU per document costs microseconds per character (the transliterator
// especially). Almost every character normalizes the same way wherever it
// stands, so we ask ICU once per code point, at first use, and store the answer
// in a two-level table (ICU's own UTrie idea, simplified: 256-entry blocks,
// identical blocks shared). The few characters whose result depends on their
// neighbours (combining marks, conjoining jamo) are flagged and their cluster
// goes through ICU's normalizer at run time.
#include <samestory/error.hpp>
#include <samestory/normalize.hpp>

#include <unicode/normalizer2.h>
#include <unicode/translit.h>
#include <unicode/uchar.h>
#include <unicode/uniset.h>
#include <unicode/unistr.h>
#include <unicode/uvernum.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <map>
#include <mutex>
#include <string>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "utf8_decode.hpp"

namespace samestory {

namespace {

// Entry layout: bits 0..20 payload (a code point, or an index into the
// expansion pool), bits 24..26 kind, bit 28 "depends on preceding characters".
enum kind : std::uint32_t {
  k_drop = 0,    // controls, format (zero-width) and unassigned characters: vanish
  k_sep = 1,     // white space, punctuation, symbols: a word separator
  k_break = 2,   // line and paragraph breaks
  k_join = 3,    // apostrophe/period-like: vanishes between two letters, else a separator
  k_char = 4,    // one code point out
  k_expand = 5,  // several code points out (pool[payload] = length, then the code points)
};
constexpr std::uint32_t payload_mask = 0x1FFFFFu;
constexpr unsigned kind_shift = 24;
constexpr std::uint32_t slow_flag = 1u << 28;
// Whether the output starts / ends with a letter (Word_Break ALetter or
// Hebrew_Letter) or a digit (Numeric): UAX #29 joins words across some
// punctuation only between letters, some only between digits.
constexpr std::uint32_t first_letter_flag = 1u << 21;
constexpr std::uint32_t last_letter_flag = 1u << 22;
constexpr std::uint32_t first_digit_flag = 1u << 29;
constexpr std::uint32_t last_digit_flag = 1u << 30;
// A k_join entry's payload says what it joins (UAX #29 WB6/7, WB11/12, WB13a/b).
constexpr std::uint32_t join_letters = 1;  // MidLetter, MidNumLet, Single_Quote: l'homme, U.S.
constexpr std::uint32_t join_digits = 2;   // MidNum, MidNumLet, Single_Quote: 3.14, 1,000
constexpr std::uint32_t join_any = 4;      // ExtendNumLet: snake_case, a_1

constexpr std::uint32_t make_entry(kind k, std::uint32_t payload) {
  return (static_cast<std::uint32_t>(k) << kind_shift) | payload;
}
constexpr kind kind_of(std::uint32_t e) {
  return static_cast<kind>((e >> kind_shift) & 7u);
}

unsigned flags_of(const normalize_options& o) {
  return (o.nfkc ? 1u : 0u) | (o.case_fold ? 2u : 0u) | (o.traditional_to_simplified ? 4u : 0u);
}

void check_icu(UErrorCode status, const char* what) {
  if (U_FAILURE(status)) {
    throw error(error_code::invalid_argument,
                std::string("ICU could not provide ") + what + ": " + u_errorName(status));
  }
}

bool is_line_break(char32_t c) {
  return c == 0x0A || c == 0x0B || c == 0x0C || c == 0x0D || c == 0x85 || c == 0x2028 ||
         c == 0x2029;
}

UWordBreakValues word_break(char32_t c) {
  return static_cast<UWordBreakValues>(
      u_getIntPropertyValue(static_cast<UChar32>(c), UCHAR_WORD_BREAK));
}

// What a punctuation character joins inside a word (0: nothing, it separates).
std::uint32_t join_mask(char32_t c) {
  switch (word_break(c)) {
    case U_WB_MIDLETTER:
      return join_letters;
    case U_WB_MIDNUM:
      return join_digits;
    case U_WB_MIDNUMLET:
    case U_WB_SINGLE_QUOTE:
      return join_letters | join_digits;
    case U_WB_EXTENDNUMLET:
      return join_any;
    default:
      return 0;
  }
}

bool is_word_letter(char32_t c) {
  const auto wb = word_break(c);
  return wb == U_WB_ALETTER || wb == U_WB_HEBREW_LETTER;
}
bool is_word_digit(char32_t c) {
  return word_break(c) == U_WB_NUMERIC;
}

bool keeps(char32_t c) {
  const std::uint32_t mask = U_GET_GC_MASK(c);
  return (mask & (U_GC_L_MASK | U_GC_N_MASK | U_GC_M_MASK)) != 0;
}

}  // namespace

struct normalizer::table {
  std::vector<std::uint16_t> stage1;           // cp >> 8 -> block number
  std::vector<std::uint32_t> stage2;           // block number * 256 + (cp & 255) -> entry
  std::vector<char32_t> pool;                  // expansions
  const icu::Normalizer2* icu_norm = nullptr;  // for the slow path; null when nfkc is off
  bool case_fold = false;

  std::uint32_t lookup(char32_t cp) const noexcept {
    return stage2[(static_cast<std::size_t>(stage1[cp >> 8]) << 8) | (cp & 0xFFu)];
  }
};

namespace {

// Traditional->Simplified for every Han code point, from one call to ICU's
// transliterator over all of them separated by newlines (a rule never spans a
// newline, so each character is converted on its own; the few multi-character
// context rules are documented in docs/algorithms.md).
std::map<char32_t, char32_t> build_han_map() {
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::Transliterator> t2s(
      icu::Transliterator::createInstance("Traditional-Simplified", UTRANS_FORWARD, status));
  check_icu(status, "the Traditional-Simplified transliterator");
  icu::UnicodeString all;
  std::vector<char32_t> han;
  for (UChar32 c = 0; c < 0x110000; ++c) {
    if (u_hasBinaryProperty(c, UCHAR_IDEOGRAPHIC) || u_hasBinaryProperty(c, UCHAR_RADICAL)) {
      han.push_back(static_cast<char32_t>(c));
      all.append(c);
      all.append(static_cast<char16_t>(u'\n'));
    }
  }
  t2s->transliterate(all);
  std::map<char32_t, char32_t> result;
  std::int32_t pos = 0;
  for (char32_t c : han) {
    const std::int32_t nl = all.indexOf(static_cast<char16_t>(u'\n'), pos);
    if (nl < 0) break;
    const icu::UnicodeString piece(all, pos, nl - pos);
    pos = nl + 1;
    if (piece.countChar32() == 1) {
      const auto s = static_cast<char32_t>(piece.char32At(0));
      if (s != c) result.emplace(c, s);
    }
  }
  // A few conversions chain (X -> Y, and Y -> Z on its own) and ICU 72 even
  // has a cycle (苧 -> 苎 -> 苧). Fold to the end of the chain, and every member
  // of a cycle to its smallest code point, so that folding twice equals once.
  for (auto& [from, to] : result) {
    std::vector<char32_t> seen{from};
    char32_t at = to;
    while (true) {
      const auto next = result.find(at);
      if (next == result.end()) break;  // `at` is stable
      if (std::find(seen.begin(), seen.end(), at) != seen.end()) {
        // A cycle: its members are `at` and what follows it until `at` returns.
        char32_t smallest = at;
        for (char32_t x = result.at(at); x != at; x = result.at(x))
          smallest = std::min(smallest, x);
        at = smallest;
        break;
      }
      seen.push_back(at);
      at = next->second;
    }
    to = at;
  }
  // Cycle members that fold to themselves are no longer changes.
  for (auto it = result.begin(); it != result.end();) {
    it = it->first == it->second ? result.erase(it) : std::next(it);
  }
  return result;
}

std::shared_ptr<const normalizer::table> build_table(unsigned flags) {
  const bool nfkc = flags & 1u, fold = flags & 2u, t2s = flags & 4u;
  auto t = std::make_shared<normalizer::table>();
  t->case_fold = fold;
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* norm = nullptr;
  if (nfkc) {
    norm = fold ? icu::Normalizer2::getNFKCCasefoldInstance(status)
                : icu::Normalizer2::getNFKCInstance(status);
    check_icu(status, "the NFKC normalizer");
  }
  t->icu_norm = norm;
  std::map<char32_t, char32_t> han;
  if (t2s) han = build_han_map();

  std::vector<std::uint32_t> entries(0x110000);
  for (UChar32 c = 0; c < 0x110000; ++c) {
    const auto cp = static_cast<char32_t>(c);
    std::uint32_t e = make_entry(k_drop, 0);
    if (c >= 0xD800 && c <= 0xDFFF) {
      entries[cp] = e;  // never produced by a well-formed decoder
      continue;
    }
    if (is_line_break(cp)) {
      entries[cp] = make_entry(k_break, 0);
      continue;
    }
    if (u_isUWhiteSpace(c)) {
      entries[cp] = make_entry(k_sep, 0);
      continue;
    }
    icu::UnicodeString m(c);
    if (norm != nullptr) {
      m = norm->normalize(m, status);
      check_icu(status, "NFKC");
    } else if (fold) {
      m.foldCase();
    }
    // Fold Han, keep letters/digits/marks, turn inner punctuation into a separator.
    std::u32string out;
    bool pending_sep = false;
    for (std::int32_t i = 0; i < m.length(); i = m.moveIndex32(i, 1)) {
      auto x = static_cast<char32_t>(m.char32At(i));
      if (auto it = han.find(x); it != han.end()) x = it->second;
      if (keeps(x)) {
        if (pending_sep && !out.empty()) out.push_back(U' ');
        pending_sep = false;
        out.push_back(x);
      } else {
        pending_sep = true;
      }
    }
    if (!out.empty()) {
      if (is_word_letter(out.front())) e |= first_letter_flag;
      if (is_word_letter(out.back())) e |= last_letter_flag;
      if (is_word_digit(out.front())) e |= first_digit_flag;
      if (is_word_digit(out.back())) e |= last_digit_flag;
    }
    if (out.size() == 1) {
      e |= make_entry(k_char, static_cast<std::uint32_t>(out[0]));
    } else if (out.size() > 1) {
      e |= make_entry(k_expand, static_cast<std::uint32_t>(t->pool.size()));
      t->pool.push_back(static_cast<char32_t>(out.size()));
      t->pool.insert(t->pool.end(), out.begin(), out.end());
    } else {
      // Nothing survives: decide by what the (mapped) character is.
      const UChar32 first = m.isEmpty() ? c : m.char32At(0);
      const std::uint32_t mask = U_GET_GC_MASK(first);
      if (mask & U_GC_P_MASK) {
        const std::uint32_t joins = join_mask(static_cast<char32_t>(first));
        e = joins != 0 ? make_entry(k_join, joins) : make_entry(k_sep, 0);
      } else if (mask & (U_GC_S_MASK | U_GC_Z_MASK)) {
        e = make_entry(k_sep, 0);  // symbols and emoji split words, like punctuation
      } else {
        e = make_entry(k_drop, 0);  // controls, format (zero-width), private use, unassigned
      }
    }
    // Characters that may compose with what precedes them (combining marks,
    // conjoining jamo: NFC/NFKC quick check "maybe") need their cluster
    // normalized as a whole. Characters that merely change under NFKC (full
    // width forms) do not look backwards and stay on the table path.
    if (u_getCombiningClass(c) != 0 ||
        u_getIntPropertyValue(c, UCHAR_NFC_QUICK_CHECK) == UNORM_MAYBE ||
        u_getIntPropertyValue(c, UCHAR_NFKC_QUICK_CHECK) == UNORM_MAYBE) {
      e |= slow_flag;
    }
    entries[cp] = e;
  }

  // Share identical 256-entry blocks.
  std::map<std::vector<std::uint32_t>, std::uint16_t> blocks;
  t->stage1.resize(0x110000 >> 8);
  for (std::size_t b = 0; b < t->stage1.size(); ++b) {
    std::vector<std::uint32_t> block(entries.begin() + static_cast<std::ptrdiff_t>(b << 8),
                                     entries.begin() + static_cast<std::ptrdiff_t>((b + 1) << 8));
    auto [it, inserted] =
        blocks.emplace(std::move(block), static_cast<std::uint16_t>(blocks.size()));
    if (inserted) t->stage2.insert(t->stage2.end(), it->first.begin(), it->first.end());
    t->stage1[b] = it->second;
  }
  return t;
}

// One immutable table per option set, built on first use and shared by every
// normalizer in the process: it is a cache of ICU's answers, not mutable state.
std::shared_ptr<const normalizer::table> shared_table(unsigned flags) {
  static std::mutex mutex;
  static std::array<std::shared_ptr<const normalizer::table>, 8> tables;
  std::lock_guard<std::mutex> lock(mutex);
  if (!tables[flags]) tables[flags] = build_table(flags);
  return tables[flags];
}

// Appends code points with separator bookkeeping. Separators are deferred
// until the next kept character, so output never starts or ends with one and
// never holds two in a row.
//
// Capacity: every output code point (a separator too) stands for a distinct
// input character or ill-formed sequence, except inside expansions and ICU's
// output for combining clusters. So the buffer starts at the number of
// characters + slack, ill-formed sequences, expansions and ICU's output ask
// for more, and put() never checks for room.
template <bool Offsets>
class emitter {
 public:
  // `max_chars`: at least the input's well-formed characters (its bytes will do).
  emitter(const normalizer::table& t, normalized_text& out, std::size_t max_chars)
      : table_(t), out_(out), required_(max_chars + 32) {
    grow(required_);
  }

  // Makes room for `extra` code points beyond the one-per-input-byte budget.
  void reserve_extra(std::size_t extra) {
    required_ += extra;
    if (required_ > cap_) grow(std::max(required_, cap_ + cap_ / 2));
  }

  // State saved before each cluster so the slow path can undo it.
  struct snapshot {
    std::size_t size;
    std::uint32_t pending;
    std::uint32_t word;
    std::uint32_t pending_offset;
  };
  [[gnu::always_inline]] snapshot save() const noexcept {
    return {size_, pending_, word_, pending_offset_};
  }
  void restore(const snapshot& s) noexcept {
    size_ = s.size;
    pending_ = s.pending;
    word_ = s.word;
    pending_offset_ = s.pending_offset;
  }

  // Handles one table entry produced by the character at `offset`.
  [[gnu::always_inline]] void entry(std::uint32_t e, std::uint32_t offset) {
    switch (kind_of(e)) {
      case k_char:
        put(static_cast<char32_t>(e & payload_mask), offset, e);
        break;
      case k_expand: {
        const char32_t* p = table_.pool.data() + (e & payload_mask);
        const std::size_t n = p[0];
        reserve_extra(n + 1);
        for (std::size_t i = 1; i <= n; ++i) {
          if (p[i] == U' ') {
            separator(k_sep, offset);
          } else {
            put(p[i], offset, table_.lookup(p[i]));
          }
        }
        break;
      }
      case k_join: {
        // Vanishes when the characters on both sides are of a kind it joins
        // (the right side is decided in put()); otherwise a separator.
        const std::uint32_t mask = e & payload_mask;
        if (pending_ == 3 && (word_ & join_any) && (mask & join_any)) break;  // a__b
        const std::uint32_t ok = mask & word_;
        if (pending_ == 0 && ok != 0) {
          pending_ = 3;
          word_ = ok;  // while a join is pending: what it joined on its left
          pending_offset_ = offset;
        } else {
          separator(k_sep, offset);
        }
        break;
      }
      case k_sep:
      case k_break:
        separator(kind_of(e), offset);
        break;
      case k_drop:
        break;
    }
  }

  void separator(std::uint32_t k, std::uint32_t offset) noexcept {
    if (size_ == 0) return;  // leading separators vanish
    const std::uint32_t rank = k == k_break ? 2u : 1u;
    if (pending_ == 3 || rank > pending_) {         // a real separator overrides a pending join
      if (pending_ == 0) pending_offset_ = offset;  // a join keeps its own offset
      pending_ = rank;
    }
  }

  void finish(std::uint32_t end_offset) {
    out_.text.resize(size_);
    if constexpr (Offsets) {
      out_.offsets.resize(size_ + 1);
      out_.offsets[size_] = end_offset;
    }
  }

 private:
  // The join_* kinds a character with entry `e` takes part in on one side.
  [[gnu::always_inline]] static std::uint32_t word_kinds(std::uint32_t e, std::uint32_t letter,
                                                         std::uint32_t digit) {
    const std::uint32_t k = ((e & letter) ? join_letters : 0u) | ((e & digit) ? join_digits : 0u);
    return k != 0 ? k | join_any : 0u;
  }

  // `e` is the table entry of `c` itself (output characters are fixed points),
  // consulted only for whether a pending join may glue it to the previous letter.
  [[gnu::always_inline]] void put(char32_t c, std::uint32_t offset, std::uint32_t e) {
    if (pending_ != 0) {
      std::uint32_t p = pending_;
      if (p == 3 && (word_ & word_kinds(e, first_letter_flag, first_digit_flag)) == 0) {
        p = 1;  // nothing it joins follows: a separator after all
      }
      if (p != 3) {
        text_[size_] = p == 2 ? U'\n' : U' ';
        if constexpr (Offsets) offs_[size_] = pending_offset_;
        ++size_;
      }
      pending_ = 0;  // a constant store: the next character need not wait on this one's lookup
    }
    text_[size_] = c;
    if constexpr (Offsets) offs_[size_] = offset;
    ++size_;
    word_ = word_kinds(e, last_letter_flag, last_digit_flag);
  }

  void grow(std::size_t n) {
    out_.text.resize(n);
    text_ = out_.text.data();
    if constexpr (Offsets) {
      out_.offsets.resize(n + 1);
      offs_ = out_.offsets.data();
    }
    cap_ = n;
  }

  const normalizer::table& table_;
  normalized_text& out_;
  char32_t* text_ = nullptr;
  std::uint32_t* offs_ = nullptr;
  std::size_t size_ = 0, cap_ = 0;
  std::size_t required_;       // input bytes + slack + extra room asked for so far
  std::uint32_t pending_ = 0;  // 0 nothing, 1 separator, 2 break, 3 join
  // join_* kinds: with a join pending, those it satisfied on its left;
  // otherwise those the last character out can take part in.
  std::uint32_t word_ = 0;
  std::uint32_t pending_offset_ = 0;
};

// The emitter's first capacity. resize() writes every element, so sizing a
// large input by its bytes would touch 4 bytes of text (and 4 of offsets) per
// byte: three times what Chinese text, at 3 bytes a character, needs. Counting
// the bytes that start a character (one pass, vectorized) costs far less than
// the normalization it sizes; a small input is sized by its bytes.
std::size_t max_characters(std::string_view utf8) noexcept {
  if (utf8.size() <= (std::size_t{1} << 16)) return utf8.size();
  std::size_t n = 0;
  for (const char c : utf8) n += (static_cast<unsigned char>(c) & 0xC0u) != 0x80u;
  return n;
}

}  // namespace

normalizer::normalizer(const normalize_options& options) : options_(options) {
  if (options.max_document_bytes > 0xFFFFFFFEull) {
    throw invalid_options_error(
        "normalize_options::max_document_bytes must be at most 4294967294, "
        "actual " +
        std::to_string(options.max_document_bytes));
  }
  table_ = shared_table(flags_of(options));
}

normalizer::~normalizer() = default;
normalizer::normalizer(const normalizer&) = default;
normalizer& normalizer::operator=(const normalizer&) = default;
normalizer::normalizer(normalizer&&) noexcept = default;
normalizer& normalizer::operator=(normalizer&&) noexcept = default;

const normalize_options& normalizer::options() const noexcept {
  return options_;
}

normalized_text normalizer::normalize(std::string_view utf8) const {
  normalized_text out;
  normalize(utf8, out);
  return out;
}

void normalizer::normalize(std::string_view utf8, normalized_text& out) const {
  if (utf8.size() > options_.max_document_bytes) {
    throw limit_exceeded_error("normalize_options::max_document_bytes", options_.max_document_bytes,
                               utf8.size());
  }
  out.invalid_sequences = 0;
  if (options_.keep_offsets) {
    run<true>(utf8, out);
  } else {
    out.offsets.clear();
    run<false>(utf8, out);
  }
}

template <bool Offsets>
void normalizer::run(std::string_view utf8, normalized_text& out) const {
  const table& t = *table_;
  emitter<Offsets> em(t, out, max_characters(utf8));
  const auto* begin = reinterpret_cast<const unsigned char*>(utf8.data());
  const auto* end = begin + utf8.size();
  const unsigned char* p = begin;
  const bool strict = options_.utf8 == utf8_policy::strict;
  // Start of the last cluster (a character that does not combine backwards)
  // and the emitter state before it, for the slow path.
  const unsigned char* cluster_start = begin;
  auto before_cluster = em.save();

  while (p < end) {
    const auto offset = static_cast<std::uint32_t>(p - begin);
    char32_t cp;
    std::uint32_t len;
    const unsigned char b0 = *p;
    if (b0 < 0x80u) {
      cp = b0;
      len = 1;
    } else if ((b0 & 0xF0u) == 0xE0u && end - p >= 3 && detail::is_cont(p[1]) &&
               detail::is_cont(p[2]) && (b0 != 0xE0u || p[1] >= 0xA0u) &&
               (b0 != 0xEDu || p[1] < 0xA0u)) {
      // Three-byte sequences (all of CJK) decoded inline; the checks are table 3-7's.
      cp = static_cast<char32_t>(((b0 & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu));
      len = 3;
    } else {
      const detail::decoded d = detail::decode_utf8(p, end);
      if (d.reason != nullptr) {
        if (strict) throw invalid_utf8_error(offset, d.reason);
        ++out.invalid_sequences;
        // A lone continuation byte is no character the emitter's capacity counted.
        if (detail::is_cont(b0)) em.reserve_extra(1);
        // The separator goes in before the save: a combining mark right after
        // the bad bytes restores to this state and must keep the separator.
        em.separator(k_sep, offset);
        before_cluster = em.save();
        cluster_start = p + d.length;
        p += d.length;
        continue;
      }
      cp = d.cp;
      len = d.length;
    }
    const std::uint32_t e = t.lookup(cp);
    if (!(e & slow_flag) || t.icu_norm == nullptr) {
      before_cluster = em.save();
      cluster_start = p;
      em.entry(e, offset);
      p += len;
      continue;
    }
    // Slow path: undo the cluster's starter, then normalize starter plus the
    // following combining characters together through ICU. At most
    // max_combining of them go in one call, as in Unicode's Stream-Safe Text
    // Format (UAX #15 section 13): ICU reorders marks by insertion, in time
    // quadratic in the run, and one line of millions of alternating marks
    // took hours. Real text has a handful in a row; a longer run ("Zalgo"
    // junk) is normalized max_combining at a time, without its starter.
    constexpr int max_combining = 30;
    em.restore(before_cluster);
    const unsigned char* q = p + len;
    int marks = 1;
    for (; q < end && marks < max_combining; ++marks) {
      const detail::decoded n = detail::decode_utf8(q, end);
      if (n.reason != nullptr || !(t.lookup(n.cp) & slow_flag)) break;
      q += n.length;
    }
    UErrorCode status = U_ZERO_ERROR;
    const icu::UnicodeString cluster = icu::UnicodeString::fromUTF8(
        icu::StringPiece(reinterpret_cast<const char*>(cluster_start),
                         static_cast<std::int32_t>(q - cluster_start)));
    const icu::UnicodeString folded = t.icu_norm->normalize(cluster, status);
    check_icu(status, "NFKC for a combining sequence");
    // The cluster's characters were each counted once in the emitter's
    // capacity (the starter's output is undone): only what ICU adds needs room.
    const std::size_t counted = static_cast<std::size_t>(marks) + (cluster_start < p ? 1 : 0);
    const auto out_units = static_cast<std::size_t>(folded.length());  // >= code points
    if (out_units > counted) em.reserve_extra(out_units - counted);
    const auto cluster_offset = static_cast<std::uint32_t>(cluster_start - begin);
    for (std::int32_t i = 0; i < folded.length(); i = folded.moveIndex32(i, 1)) {
      // Run the folded code points through the table again for the Han fold
      // and the letter filter; NFKC_Casefold is idempotent, so nothing else changes.
      em.entry(t.lookup(static_cast<char32_t>(folded.char32At(i))) & ~slow_flag, cluster_offset);
    }
    p = q;
    // Marks beyond the cap start a cluster of their own here. (Only then:
    // an unconditional update here cost the fast path 6% in instructions.)
    if (marks == max_combining) [[unlikely]] {
      before_cluster = em.save();
      cluster_start = q;
    }
  }
  em.finish(static_cast<std::uint32_t>(utf8.size()));
}

std::uint64_t normalizer::fingerprint() const noexcept {
  const std::string key = "samestory-normalizer/" + std::to_string(normalizer_version) + "/" +
                          std::to_string(flags_of(options_)) +
                          "/unicode-" U_UNICODE_VERSION "/icu-" +
                          std::to_string(U_ICU_VERSION_MAJOR_NUM);
  return XXH3_64bits(key.data(), key.size());
}

std::string normalized_text::to_utf8() const {
  std::string s;
  s.reserve(text.size() * 3);
  char buf[4];
  for (char32_t c : text) s.append(buf, detail::encode_utf8(c, buf));
  return s;
}

std::u32string fold_code_point(char32_t cp, const normalize_options& options) {
  if (cp >= 0x110000 || (cp >= 0xD800 && cp <= 0xDFFF)) return {};
  const auto t = shared_table(flags_of(options));
  const std::uint32_t e = t->lookup(cp);
  switch (kind_of(e)) {
    case k_char:
      return std::u32string(1, static_cast<char32_t>(e & payload_mask));
    case k_expand: {
      const char32_t* p = t->pool.data() + (e & payload_mask);
      return std::u32string(p + 1, p + 1 + p[0]);
    }
    case k_sep:
    case k_join:
      return U" ";
    case k_break:
      return U"\n";
    case k_drop:
      break;
  }
  return {};
}

}  // namespace samestory
