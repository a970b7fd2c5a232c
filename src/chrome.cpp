// Page-chrome removal, line by line. docs/chrome.md has the full method, the
// thresholds and the measured results; this comment is the map.
//
// 1. One pass over the bytes splits lines and measures each: letters/digits
//    (code points, so one CJK ideograph counts one, and no word splitting is
//    needed), digits, punctuation groups (a run of punctuation holding a
//    sentence or clause mark counts once, so machine-spun ", , ,,,,," is one
//    mark, not six), and the class of the last significant character.
// 2. Per line: blank, timestamp/counter, bullet, prose (ends with a full stop,
//    or holds two punctuation groups), title-like (everything else with
//    letters), exact duplicates after trimming, runs of title-like lines, and,
//    with chrome_statistics, recurrence on the same source.
// 3. Body blocks: each line scores +chars when prose and -chars when not
//    (blank 0), and the maximum-sum run of lines is the main body. This is the
//    "body text extraction" optimisation of Finn, Kushmerick and Smyth (2001)
//    applied to lines instead of tokens and tags. Further blocks are kept when
//    they score at least a quarter of the main one, as boilerpipe's article
//    extractor keeps more than the largest block (Kohlschuetter et al. 2010).
//    Reprint/copyright notices at a block's edges leave the block.
// 4. Context decides what the scores cannot, in the spirit of jusText's
//    neighbour rules (Pomikalek 2011, ch. 4): inside a block, prose is body and
//    a title-like line standing alone between prose is a subheading or byline,
//    while a run of three or more title-like lines is a list; above the first
//    block, the nearest title-like line of headline length is the headline and
//    the line right under it the dateline; everything else is chrome. With no
//    block at all, every line not chrome on its own is kept.
// 5. A line whose text was already kept is a duplicate and is dropped.
#include <samestory/chrome.hpp>
#include <samestory/error.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "binary_io.hpp"
#include "utf8_decode.hpp"

namespace samestory {

const char* to_string(chrome_reason reason) noexcept {
  switch (reason) {
    case chrome_reason::none:
      return "none";
    case chrome_reason::empty:
      return "empty";
    case chrome_reason::short_line:
      return "short_line";
    case chrome_reason::title_like_run:
      return "title_like_run";
    case chrome_reason::duplicate_line:
      return "duplicate_line";
    case chrome_reason::timestamp:
      return "timestamp";
    case chrome_reason::outside_body:
      return "outside_body";
    case chrome_reason::recurring:
      return "recurring";
    case chrome_reason::notice:
      return "notice";
  }
  return "unknown";
}

namespace {

// ---- characters -------------------------------------------------------------

enum char_class : std::uint8_t {
  cc_other,  // symbols, punctuation we do not use (":", "|", "-"), invalid bytes
  cc_space,
  cc_letter,  // any letter or ideograph of any script
  cc_digit,   // ASCII and full-width digits only: they decide timestamps
  cc_stop,    // ends a sentence: 。．.；;…
  cc_ask,     // ends a sentence or a headline: ？！?!
  cc_clause,  // separates clauses: ，,、
  cc_closer,  // closing quotes and brackets, skipped when looking for the last mark
  // Scanner-only classes for ASCII bytes that need more than a table lookup.
  cc_newline,
  cc_dot,    // '.': a stop unless a letter or digit follows ("2.0", "example.com")
  cc_comma,  // ',': a clause mark unless a letter or digit follows ("1,000")
};

constexpr std::array<std::uint8_t, 128> make_ascii_classes() {
  std::array<std::uint8_t, 128> t{};
  for (auto& c : t) c = cc_other;
  for (int c = 'a'; c <= 'z'; ++c) t[static_cast<std::size_t>(c)] = cc_letter;
  for (int c = 'A'; c <= 'Z'; ++c) t[static_cast<std::size_t>(c)] = cc_letter;
  for (int c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = cc_digit;
  for (const char c : {' ', '\t', '\r', '\v', '\f'}) t[static_cast<std::size_t>(c)] = cc_space;
  t['\n'] = cc_newline;
  t['.'] = cc_dot;
  t[','] = cc_comma;
  t[';'] = cc_stop;
  t['!'] = cc_ask;
  t['?'] = cc_ask;
  for (const char c : {'"', '\'', ')', ']', '}'}) t[static_cast<std::size_t>(c)] = cc_closer;
  return t;
}
constexpr std::array<std::uint8_t, 128> ascii_classes = make_ascii_classes();

// Full stops: 。．｡；… and the Arabic, Devanagari, Armenian and Ethiopic ones.
constexpr char32_t stop_marks[] = {0x3002, 0xFF0E, 0xFF61, 0xFF1B, 0x2026, 0x061B,
                                   0x06D4, 0x0964, 0x0965, 0x0589, 0x1362};
// ！？‼⁇⁈⁉ and the Arabic question mark.
constexpr char32_t ask_marks[] = {0xFF01, 0xFF1F, 0x203C, 0x2047, 0x2048, 0x2049, 0x061F};
// ，、﹐﹑､ and the Arabic comma.
constexpr char32_t clause_marks[] = {0xFF0C, 0x3001, 0xFE50, 0xFE51, 0xFF64, 0x060C};
// ”’」』）】》〉»］〕〗｣›〞〟＂＇
constexpr char32_t closers[] = {0x201D, 0x2019, 0x300D, 0x300F, 0xFF09, 0x3011,
                                0x300B, 0x3009, 0x00BB, 0xFF3D, 0x3015, 0x3017,
                                0xFF63, 0x203A, 0x301E, 0x301F, 0xFF02, 0xFF07};
// No-break, ogham, line/paragraph separators, narrow and ideographic spaces.
constexpr char32_t spaces[] = {0x00A0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000};
// 々 〇 ー sit in punctuation blocks but are parts of words.
constexpr char32_t word_marks[] = {0x3005, 0x3007, 0x30FC};

template <std::size_t N>
constexpr bool listed(char32_t cp, const char32_t (&list)[N]) noexcept {
  for (const char32_t c : list) {
    if (c == cp) return true;
  }
  return false;
}

// Classification of non-ASCII code points, as data: the first rule whose
// range holds a code point decides its class, and code points no rule covers
// are letters (a script we do not know is more likely text than punctuation).
// Our own rules rather than ICU's properties, so that which lines are chrome
// does not change with the ICU version.
struct class_rule {
  char32_t lo;
  char32_t hi;
  char_class cls;
};
constexpr class_rule range_rules[] = {
    {0xFF10, 0xFF19, cc_digit},     // full-width digits
    {0x0000, 0x00BF, cc_other},     // C1 controls and Latin-1 punctuation
    {0x00D7, 0x00D7, cc_other},     // ×
    {0x00F7, 0x00F7, cc_other},     // ÷
    {0x0300, 0x036F, cc_other},     // combining marks add no letter
    {0x2000, 0x200A, cc_space},     // en quad .. hair space
    {0x2000, 0x2BFF, cc_other},     // punctuation, symbols, arrows, boxes
    {0x2E00, 0x2E7F, cc_other},     // supplemental punctuation
    {0x3000, 0x303F, cc_other},     // CJK symbols and punctuation
    {0x3099, 0x309C, cc_other},     // kana voicing marks
    {0x30FB, 0x30FB, cc_other},     // katakana middle dot
    {0xD800, 0xDFFF, cc_other},     // surrogates: never decoded, keeps the table total
    {0xE000, 0xF8FF, cc_other},     // private use
    {0xFE00, 0xFE6F, cc_other},     // variation selectors, CJK compatibility forms
    {0xFF21, 0xFF3A, cc_letter},    // full-width A..Z
    {0xFF41, 0xFF5A, cc_letter},    // full-width a..z
    {0xFF00, 0xFF65, cc_other},     // the rest of full-width ASCII
    {0xFFF0, 0xFFFF, cc_other},     // specials
    {0x1F000, 0x1FAFF, cc_other},   // emoji, pictographs
    {0xE0000, 0x10FFFF, cc_other},  // tags, private use planes
};

// The listed marks first, then the ranges: the order rules are tried in.
constexpr std::size_t class_rule_count =
    std::size(stop_marks) + std::size(ask_marks) + std::size(clause_marks) + std::size(closers) +
    std::size(spaces) + std::size(word_marks) + std::size(range_rules);

constexpr std::array<class_rule, class_rule_count> make_class_rules() {
  std::array<class_rule, class_rule_count> rules{};
  std::size_t n = 0;
  auto add = [&](const auto& list, char_class cls) {
    for (const char32_t cp : list) rules[n++] = {cp, cp, cls};
  };
  add(stop_marks, cc_stop);
  add(ask_marks, cc_ask);
  add(clause_marks, cc_clause);
  add(closers, cc_closer);
  add(spaces, cc_space);
  add(word_marks, cc_letter);
  for (const class_rule& r : range_rules) rules[n++] = r;
  return rules;
}
constexpr std::array<class_rule, class_rule_count> class_rules = make_class_rules();

// One code point by the rules; the scanner uses it only beyond the BMP.
constexpr char_class classify(char32_t cp) noexcept {
  for (const class_rule& r : class_rules) {
    if (cp >= r.lo && cp <= r.hi) return r.cls;
  }
  return cc_letter;
}

// The rules over the Basic Multilingual Plane as a two-level table built at
// compile time: one byte per 64-code-point block, either the block's single
// class or (high bit set) the index of a 64-entry table for blocks that mix
// classes. Turns the common punctuation of CJK text into two loads. It is
// built by painting the rules, last first, so that the first rule wins; that
// keeps the compile-time work within clang's constexpr step limit, which
// classifying each of the 65536 code points in turn does not.
struct bmp_class_table {
  static constexpr std::size_t max_mixed = 48;
  std::array<std::uint8_t, 1024> block{};
  std::array<std::array<std::uint8_t, 64>, max_mixed> mixed{};
  std::size_t mixed_count = 0;
};

constexpr bmp_class_table make_bmp_class_table() {
  // Plain arrays here: clang counts every std::array operator[] call as a step.
  std::uint8_t painted[0x10000] = {};  // class + 1; 0 = no rule, a letter
  for (std::size_t r = class_rules.size(); r-- > 0;) {
    const class_rule rule = class_rules[r];
    const char32_t hi = rule.hi < 0xFFFF ? rule.hi : 0xFFFF;
    const auto v = static_cast<std::uint8_t>(rule.cls + 1);
    for (char32_t cp = rule.lo; cp <= hi; ++cp) painted[cp] = v;
  }
  bmp_class_table t;
  for (std::size_t b = 0; b < 1024; ++b) {
    const std::uint8_t* block = painted + b * 64;
    std::size_t k = 1;
    while (k < 64 && block[k] == block[0]) ++k;
    auto cls = [](std::uint8_t v) {
      return v == 0 ? static_cast<std::uint8_t>(cc_letter) : static_cast<std::uint8_t>(v - 1);
    };
    if (k == 64) {
      t.block[b] = cls(block[0]);
      continue;
    }
    if (t.mixed_count == bmp_class_table::max_mixed) throw "bmp_class_table: raise max_mixed";
    for (std::size_t j = 0; j < 64; ++j) t.mixed[t.mixed_count][j] = cls(block[j]);
    t.block[b] = static_cast<std::uint8_t>(0x80u | t.mixed_count);
    ++t.mixed_count;
  }
  return t;
}
constexpr bmp_class_table bmp_classes = make_bmp_class_table();

inline char_class bmp_class(char32_t cp) noexcept {
  const std::uint8_t b = bmp_classes.block[cp >> 6];
  if (b < 0x80u) return static_cast<char_class>(b);
  return static_cast<char_class>(bmp_classes.mixed[b & 0x7Fu][cp & 0x3Fu]);
}

static_assert(classify(0x4E2D) == cc_letter && classify(0x3002) == cc_stop &&
              classify(0xFF0C) == cc_clause && classify(0xFF1F) == cc_ask &&
              classify(0x201D) == cc_closer && classify(0x3000) == cc_space &&
              classify(0xFF11) == cc_digit && classify(0x3007) == cc_letter &&
              classify(0x3001) == cc_clause && classify(0x300C) == cc_other &&
              classify(0x1F600) == cc_other && classify(0x00E9) == cc_letter &&
              classify(0x2019) == cc_closer && classify(0x2005) == cc_space &&
              classify(0xFF21) == cc_letter && classify(0xFF0B) == cc_other);

// What a character class does to the running line state, as table data so
// that the scanner updates the state without branching: on text that
// alternates letters and spaces a branch per character is mispredicted once a
// word, which costs more than all the rest of the work.
struct class_effect {
  std::uint8_t alnum;  // counts as a letter/digit
  std::uint8_t digit;
  std::uint8_t mark;       // sentence or clause mark
  std::uint8_t keep_mask;  // 0xFF: keep the last significant class; 0: replace it
  std::uint8_t set_last;   // its new value when replaced
};
constexpr class_effect class_effects[8] = {
    {0, 0, 0, 0x00, cc_other},   // cc_other
    {0, 0, 0, 0xFF, 0},          // cc_space
    {1, 0, 0, 0x00, cc_letter},  // cc_letter
    {1, 1, 0, 0x00, cc_letter},  // cc_digit
    {0, 0, 1, 0x00, cc_stop},    // cc_stop
    {0, 0, 1, 0x00, cc_ask},     // cc_ask
    {0, 0, 1, 0x00, cc_clause},  // cc_clause
    {0, 0, 0, 0xFF, 0},          // cc_closer
};

// ---- per-line features ------------------------------------------------------

enum line_flag : std::uint16_t {
  f_bullet = 1u << 0,        // starts with a list bullet ("- ", "• ", "・")
  f_timestamp = 1u << 1,     // mostly digits: a date, time or counter
  f_notice = 1u << 2,        // a short reprint or copyright notice
  f_prose = 1u << 3,         // reads as a sentence
  f_recurring = 1u << 4,     // frequent on this source (chrome_statistics)
  f_stutter = 1u << 5,       // repeats the line just above it
  f_in_block = 1u << 6,      // inside a body block
  f_group_kept = 1u << 7,    // on a first occurrence: some occurrence was kept
  f_notice_known = 1u << 8,  // f_notice has been computed (it is computed lazily)
};

struct line_feat {
  std::uint64_t hash = 0;   // XXH3 of the trimmed line (non-blank lines only)
  std::int64_t score = 0;   // body-block score
  std::uint32_t chars = 0;  // letters and digits, in code points
  std::uint32_t digits = 0;
  std::uint32_t groups = 0;   // punctuation groups holding a sentence or clause mark
  std::uint32_t first = 0;    // index of the first line with the same text
  std::uint32_t run = 0;      // first line of the title-like run this line is in
  std::uint32_t run_len = 0;  // valid on a run's first line
  std::uint16_t flags = 0;
  std::uint8_t last = cc_other;  // class of the last significant character
};

constexpr std::uint64_t to_little_endian(std::uint64_t w) noexcept {
  if constexpr (std::endian::native == std::endian::little) {
    return w;
  } else {
    std::uint64_t r = 0;
    for (int i = 0; i < 8; ++i) r = (r << 8) | ((w >> (8 * i)) & 0xFFu);
    return r;
  }
}

// True when the low three bytes of `w` (first byte lowest) are a lead E4..E9
// and two continuation bytes: one CJK ideograph in U+4000..U+9FFF.
constexpr bool is_cjk_ideograph3(std::uint32_t w) noexcept {
  return (w & 0xC0C000u) == 0x808000u && ((w & 0xFFu) - 0xE4u) <= 5u;
}

// Eight bytes, first byte lowest, whatever the host's byte order.
inline std::uint64_t load_u64(const unsigned char* p) noexcept {
  std::uint64_t w;
  std::memcpy(&w, p, 8);
  return to_little_endian(w);
}

// How many of the eight bytes in `w` (first byte lowest) are ASCII letters
// before the first one that is not. Bytes are masked to 7 bits before the
// range tests so that no addition carries into its neighbour.
constexpr std::uint32_t leading_ascii_letters(std::uint64_t w) noexcept {
  constexpr std::uint64_t ones = 0x0101010101010101ull;
  constexpr std::uint64_t high = 0x8080808080808080ull;
  const std::uint64_t folded = (w | (0x20 * ones)) & (0x7F * ones);  // 'A'..'Z' -> 'a'..'z'
  const std::uint64_t at_least_a = folded + (0x80 - 'a') * ones;
  const std::uint64_t above_z = folded + (0x80 - 'z' - 1) * ones;
  const std::uint64_t letters = at_least_a & ~above_z & ~w & high;
  return static_cast<std::uint32_t>(std::countr_zero(~letters & high)) / 8;
}
static_assert(leading_ascii_letters(0x2020202020202020ull) == 0);  // spaces
static_assert(leading_ascii_letters(0x206F6C6C6548ull) == 5);      // "Hello "
static_assert(leading_ascii_letters(0x5A7A41615A7A4161ull) == 8);  // "aAzZaAzZ"
static_assert(leading_ascii_letters(0x40605B7B41E4ull) == 0);      // 0xE4 first
static_assert(leading_ascii_letters(0x7B41ull) == 1);              // "A{"

// What one line's characters add up to.
struct line_measure {
  std::uint32_t chars = 0;
  std::uint32_t digits = 0;
  std::uint32_t groups = 0;  // a run of punctuation holding marks counts once
  std::uint8_t last = cc_other;
  // The first ill-formed UTF-8 sequence in the line (every byte is decoded
  // here anyway, so strict callers need no second validation pass).
  const unsigned char* bad = nullptr;
  const char* bad_reason = nullptr;
};

bool is_ascii_alnum(unsigned char b) noexcept {
  return b < 0x80u && (ascii_classes[b] == cc_letter || ascii_classes[b] == cc_digit);
}

// Measures the line starting at p; returns where it ends (at '\n' or `end`).
// Fast paths, most frequent first: ASCII, runs of CJK ideographs (lead bytes
// E4..E9 are U+4000..U+9FFF, with no overlong or surrogate forms), other
// well-formed 2- and 3-byte sequences through the BMP table. Everything else
// goes through the exact decoder, and an ill-formed sequence counts as one
// non-letter character.
//
// The state lives in locals and the function is not inlined into strip(): in
// that large function the counters were spilled to the stack, and a
// store-to-load round trip per character halved the speed. The update itself
// is branch-free for the same reason.
[[gnu::noinline]] const unsigned char* scan_line(const unsigned char* p, const unsigned char* end,
                                                 line_measure& out) noexcept {
  std::uint32_t chars = 0, digits = 0, groups = 0;
  std::uint32_t in_marks = 0;  // 1 inside a run of punctuation holding a mark
  std::uint32_t last = cc_other;
  auto add = [&](char_class c) {
    const class_effect& e = class_effects[c];
    chars += e.alnum;
    digits += e.digit;
    groups += e.mark & (in_marks ^ 1u);
    in_marks = e.mark | (in_marks & (e.alnum ^ 1u));
    last = (last & e.keep_mask) | e.set_last;
  };
  while (p < end) {
    const unsigned char b = *p;
    if (b < 0x80u) {
      auto c = static_cast<char_class>(ascii_classes[b]);
      if (c == cc_letter && end - p >= 8) {
        // A run of up to eight ASCII letters in one step: most of English.
        const std::uint32_t n = leading_ascii_letters(load_u64(p));
        chars += n;
        in_marks = 0;
        last = cc_letter;
        p += n;
        continue;
      }
      if (c >= cc_newline) {
        if (c == cc_newline) break;
        const bool glued = end - p >= 2 && is_ascii_alnum(p[1]);
        c = glued ? cc_other : (c == cc_dot ? cc_stop : cc_clause);
      }
      add(c);
      ++p;
      continue;
    }
    if (b >= 0xE4u && b <= 0xE9u) {
      // Two ideographs per 8-byte load while the run lasts; one at a time only
      // in the last bytes of the input.
      std::uint32_t n = 0;
      for (;;) {
        if (end - p >= 8) {
          std::uint64_t w;
          std::memcpy(&w, p, 8);
          w = to_little_endian(w);
          if (!is_cjk_ideograph3(static_cast<std::uint32_t>(w))) break;
          if (!is_cjk_ideograph3(static_cast<std::uint32_t>(w >> 24))) {
            ++n;
            p += 3;
            break;
          }
          n += 2;
          p += 6;
        } else if (end - p >= 3 && static_cast<unsigned char>(p[0] - 0xE4u) <= 5u &&
                   detail::is_cont(p[1]) && detail::is_cont(p[2])) {
          ++n;
          p += 3;
        } else {
          break;
        }
      }
      if (n != 0) {
        chars += n;
        in_marks = 0;
        last = cc_letter;
        continue;
      }
    } else if (b >= 0xE1u && b != 0xEDu && b <= 0xEFu) {
      if (end - p >= 3 && detail::is_cont(p[1]) && detail::is_cont(p[2])) {
        add(bmp_class(
            static_cast<char32_t>(((b & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu))));
        p += 3;
        continue;
      }
    } else if (b >= 0xC2u && b <= 0xDFu) {
      if (end - p >= 2 && detail::is_cont(p[1])) {
        add(bmp_class(static_cast<char32_t>(((b & 0x1Fu) << 6) | (p[1] & 0x3Fu))));
        p += 2;
        continue;
      }
    }
    const detail::decoded d = detail::decode_utf8(p, end);
    if (d.reason != nullptr) {
      add(cc_other);
      if (out.bad == nullptr) {
        out.bad = p;
        out.bad_reason = d.reason;
      }
    } else {
      add(d.cp < 0x10000 ? bmp_class(d.cp) : classify(d.cp));
    }
    p += d.length;
  }
  out.chars = chars;
  out.digits = digits;
  out.groups = groups;
  out.last = static_cast<std::uint8_t>(last);
  return p;
}

bool is_trim_space(unsigned char b) noexcept {
  return b == ' ' || b == '\t' || b == '\r' || b == '\v' || b == '\f';
}

// Trims ASCII white space, U+00A0 and U+3000 from both ends. Shared by strip()
// and chrome_statistics so both hash the same text for a line.
std::string_view trim_line(std::string_view s) noexcept {
  const auto* b = reinterpret_cast<const unsigned char*>(s.data());
  const auto* e = b + s.size();
  for (;;) {
    if (b < e && is_trim_space(*b)) {
      ++b;
    } else if (e - b >= 2 && b[0] == 0xC2 && b[1] == 0xA0) {
      b += 2;
    } else if (e - b >= 3 && b[0] == 0xE3 && b[1] == 0x80 && b[2] == 0x80) {
      b += 3;
    } else {
      break;
    }
  }
  for (;;) {
    if (b < e && is_trim_space(e[-1])) {
      --e;
    } else if (e - b >= 2 && e[-2] == 0xC2 && e[-1] == 0xA0) {
      e -= 2;
    } else if (e - b >= 3 && e[-3] == 0xE3 && e[-2] == 0x80 && e[-1] == 0x80) {
      e -= 3;
    } else {
      break;
    }
  }
  return {reinterpret_cast<const char*>(b), static_cast<std::size_t>(e - b)};
}

std::uint64_t hash_bytes(std::string_view s) noexcept {
  return XXH3_64bits(s.data(), s.size());
}

// Splits `document` into lines ('\n' or "\r\n"; a final '\n' does not start
// another line) and calls f(begin, end) with the content's byte range.
template <class F>
void for_each_line(std::string_view document, F&& f) {
  std::size_t pos = 0;
  const std::size_t n = document.size();
  while (pos < n) {
    const void* nl = std::memchr(document.data() + pos, '\n', n - pos);
    const std::size_t stop =
        nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - document.data()) : n;
    std::size_t end = stop;
    if (end > pos && document[end - 1] == '\r') --end;
    f(pos, end);
    pos = stop + 1;
  }
}

// • ‣ · ・ ▪ ● ○ ■ □ ◆ ◇ ► ▶ » ◦
constexpr char32_t bullets[] = {0x2022, 0x2023, 0x00B7, 0x30FB, 0x25AA, 0x25CF, 0x25CB, 0x25A0,
                                0x25A1, 0x25C6, 0x25C7, 0x25BA, 0x25B6, 0x00BB, 0x25E6};

bool starts_with_bullet(std::string_view line) noexcept {
  const std::string_view t = trim_line(line);
  if (t.empty()) return false;
  const auto* p = reinterpret_cast<const unsigned char*>(t.data());
  const auto* end = p + t.size();
  if (*p < 0x80) {
    // ASCII bullets need a following space: "-5%" and "*args" are not lists.
    if (*p != '-' && *p != '*' && *p != '+' && *p != '>') return false;
    return t.size() >= 2 && (p[1] == ' ' || p[1] == '\t');
  }
  const detail::decoded d = detail::decode_utf8(p, end);
  return d.reason == nullptr && listed(d.cp, bullets);
}

// Reprint and copyright notices. This is the one word list in the module, and
// it is needed: such a notice is a complete sentence sitting where a short last
// paragraph would sit (seed 002's only chrome line, "本文系…独家稿件，未经授权，
// 不得转载。"), so no structural feature separates the two. The words are about
// rights, never about a site or a topic. ASCII cues match case-insensitively.
struct notice_cue {
  std::string_view bytes;
  bool ascii;
};
constexpr notice_cue notice_cues[] = {
    {"\xE8\xBD\xAC\xE8\xBD\xBD", false},                          // 转载 reprint
    {"\xE8\xBD\x89\xE8\xBC\x89", false},                          // 轉載
    {"\xE7\x89\x88\xE6\x9D\x83\xE6\x89\x80\xE6\x9C\x89", false},  // 版权所有 all rights reserved
    {"\xE7\x89\x88\xE6\xAC\x8A\xE6\x89\x80\xE6\x9C\x89", false},  // 版權所有
    {"\xE5\x85\x8D\xE8\xB4\xA3\xE5\xA3\xB0\xE6\x98\x8E", false},  // 免责声明 disclaimer
    {"\xE5\x85\x8D\xE8\xB2\xAC\xE8\x81\xB2\xE6\x98\x8E", false},  // 免責聲明
    {"\xC2\xA9", false},                                          // ©
    {"copyright", true},
    {"all rights reserved", true},
};

constexpr unsigned char ascii_lower(unsigned char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<unsigned char>(c - 'A' + 'a') : c;
}

// For each byte, the cues that start with it (bit k = notice_cues[k]); most
// bytes start none and are passed over with one load.
constexpr std::array<std::uint16_t, 256> make_cue_starts() {
  std::array<std::uint16_t, 256> t{};
  for (std::size_t k = 0; k < std::size(notice_cues); ++k) {
    const auto b = static_cast<unsigned char>(notice_cues[k].bytes[0]);
    t[b] = static_cast<std::uint16_t>(t[b] | (1u << k));
    if (notice_cues[k].ascii) {
      const auto upper = static_cast<unsigned char>(b - 'a' + 'A');
      t[upper] = static_cast<std::uint16_t>(t[upper] | (1u << k));
    }
  }
  return t;
}
constexpr std::array<std::uint16_t, 256> cue_starts = make_cue_starts();

bool is_notice(std::string_view line) noexcept {
  const auto* s = reinterpret_cast<const unsigned char*>(line.data());
  const std::size_t n = line.size();
  for (std::size_t i = 0; i + 1 < n; ++i) {
    for (unsigned mask = cue_starts[s[i]]; mask != 0; mask &= mask - 1) {
      const notice_cue& c = notice_cues[std::countr_zero(mask)];
      const std::size_t len = c.bytes.size();
      if (len > n - i) continue;
      std::size_t k = 1;
      while (k < len && (c.ascii ? ascii_lower(s[i + k]) : s[i + k]) ==
                            static_cast<unsigned char>(c.bytes[k])) {
        ++k;
      }
      if (k == len) return true;
    }
  }
  return false;
}

// The longest run of digits/letters a timestamp or counter line may have, and
// how many non-digit letters it may carry ("发布时间", "浏览 … 次", "Updated").
constexpr std::uint32_t timestamp_max_chars = 32;
constexpr std::uint32_t timestamp_extra_letters = 4;
// Lines above the first body block the headline search may step over.
constexpr std::uint32_t header_max_skipped = 6;
// Title-like lines in a row that make a list (menus, related headlines).
constexpr std::uint32_t list_run_min = 3;
// A further body block must reach this fraction of the main block's score.
constexpr std::int64_t secondary_block_divisor = 4;
// More body blocks than this are not searched for (bounds the work to
// O(lines * max_blocks) on adversarial input).
constexpr std::size_t max_blocks = 64;

// Scratch reused by strip() on each thread, so that a call allocates nothing
// but its result once the thread has seen a document of that size.
struct strip_scratch {
  std::vector<line_feat> feat;
  std::vector<std::uint32_t> table;  // open addressing: line index + 1, 0 = empty
  std::vector<std::pair<std::uint32_t, std::uint32_t>> ranges;  // pending Kadane ranges
};

struct kadane_result {
  std::int64_t sum = 0;
  std::uint32_t begin = 0;
  std::uint32_t end = 0;  // one past
};

// Maximum-sum run of lines in [lo, hi); it starts and ends on positive lines.
kadane_result best_block(const std::vector<line_feat>& feat, std::uint32_t lo, std::uint32_t hi) {
  kadane_result best;
  std::int64_t cur = 0;
  std::uint32_t cur_begin = lo;
  for (std::uint32_t i = lo; i < hi; ++i) {
    if (cur <= 0) {
      cur = 0;
      cur_begin = i;
    }
    cur += feat[i].score;
    if (cur > best.sum) {
      best.sum = cur;
      best.begin = cur_begin;
      best.end = i + 1;
    }
  }
  return best;
}

// Binary search for a source by hash; a template because source_stats is
// private to chrome_statistics and only its friends may name it.
template <class Sources>
auto find_source(const Sources& sources, std::uint64_t key) noexcept
    -> decltype(&sources.front().second) {
  const auto it = std::lower_bound(sources.begin(), sources.end(), key,
                                   [](const auto& e, std::uint64_t k) { return e.first < k; });
  return it != sources.end() && it->first == key ? &it->second : nullptr;
}

}  // namespace

// ---- chrome_result ----------------------------------------------------------

std::size_t chrome_result::to_input_offset(std::size_t text_offset) const noexcept {
  if (kept.empty()) return lines.empty() ? 0 : lines.back().end;
  // The last kept line that starts at or before text_offset.
  auto it =
      std::upper_bound(kept.begin(), kept.end(), text_offset,
                       [](std::size_t off, const kept_line& k) { return off < k.text_begin; });
  if (it != kept.begin()) --it;
  const chrome_line& l = lines[it->line];
  // Past the line's end (its '\n' in text, or the end of text): the line's end.
  return l.begin + std::min(text_offset - std::min(text_offset, it->text_begin), l.end - l.begin);
}

// ---- chrome_stripper --------------------------------------------------------

chrome_stripper::chrome_stripper(const chrome_options& options) : options_(options) {
  constexpr std::uint32_t max_chars = 1u << 20;
  if (options.min_body_chars < 1 || options.min_body_chars > max_chars) {
    throw invalid_options_error("chrome_options::min_body_chars must be in [1, " +
                                std::to_string(max_chars) + "], got " +
                                std::to_string(options.min_body_chars));
  }
  if (options.max_short_chars > options.min_body_chars) {
    throw invalid_options_error("chrome_options::max_short_chars must be at most min_body_chars (" +
                                std::to_string(options.min_body_chars) + "), got " +
                                std::to_string(options.max_short_chars));
  }
  if (!(options.recurring_share > 0.0 && options.recurring_share <= 1.0)) {
    throw invalid_options_error("chrome_options::recurring_share must be in (0, 1], got " +
                                std::to_string(options.recurring_share));
  }
  if (options.recurring_min_docs < 1) {
    throw invalid_options_error("chrome_options::recurring_min_docs must be at least 1, got 0");
  }
  if (options.max_lines < 1) {
    throw invalid_options_error("chrome_options::max_lines must be at least 1, got 0");
  }
}

chrome_result chrome_stripper::strip(std::string_view document, const chrome_statistics* stats,
                                     std::string_view source) const {
  chrome_result result;
  strip(document, result, stats, source);
  return result;
}

void chrome_stripper::strip(std::string_view document, chrome_result& result,
                            const chrome_statistics* stats, std::string_view source) const {
  // Reuse the caller's buffers: a crawler's loop then allocates nothing here.
  result.text.clear();
  result.lines.clear();
  result.kept.clear();
  result.invalid_utf8_offset = 0;
  result.invalid_utf8_reason = nullptr;
  // An empty document has no lines at all (a final '\n' never starts a line).
  if (document.empty()) return;
  constexpr std::size_t max_bytes = std::numeric_limits<std::uint32_t>::max() - 1;
  if (document.size() > max_bytes) {
    // Line indices and character counts are 32-bit; a 4 GiB page is not an article.
    throw limit_exceeded_error("chrome_stripper document bytes", max_bytes, document.size());
  }
  // Lines are counted before any is measured: the per-line records are most
  // of strip()'s memory, and reserving them exactly spares the slack (and the
  // copy) of growing by doubling. memchr skips a line at a time, and counting
  // stops one past the limit. A final '\n' starts no line.
  std::size_t line_count = document.back() != '\n' ? 1 : 0;
  for (const char *at = document.data(), *stop = at + document.size();
       line_count <= options_.max_lines &&
       (at = static_cast<const char*>(
            std::memchr(at, '\n', static_cast<std::size_t>(stop - at)))) != nullptr;
       ++at) {
    ++line_count;
  }
  if (line_count > options_.max_lines) {
    throw limit_exceeded_error("chrome_options::max_lines", options_.max_lines, line_count);
  }
  result.lines.reserve(line_count);

  thread_local strip_scratch scratch;
  std::vector<line_feat>& feat = scratch.feat;
  feat.clear();
  feat.reserve(line_count);

  const std::uint32_t min_body = options_.min_body_chars;
  const std::uint32_t max_short = options_.max_short_chars;

  // 1. One pass: split lines and measure them.
  const auto* const doc = reinterpret_cast<const unsigned char*>(document.data());
  const auto* const doc_end = doc + document.size();
  const unsigned char* p = doc;
  while (p < doc_end) {
    const unsigned char* const line_begin = p;
    line_measure acc;
    p = scan_line(p, doc_end, acc);
    if (acc.bad != nullptr && result.invalid_utf8_reason == nullptr) {
      result.invalid_utf8_offset = static_cast<std::size_t>(acc.bad - doc);
      result.invalid_utf8_reason = acc.bad_reason;
    }
    const auto begin = static_cast<std::size_t>(line_begin - doc);
    auto end = static_cast<std::size_t>(p - doc);
    if (end > begin && doc[end - 1] == '\r') --end;
    result.lines.push_back({begin, end, chrome_reason::none});
    line_feat f;
    f.chars = acc.chars;
    f.digits = acc.digits;
    f.groups = acc.groups;
    f.last = acc.last;
    feat.push_back(f);
    if (p < doc_end) ++p;  // the '\n'
  }

  const auto n = static_cast<std::uint32_t>(feat.size());
  auto line_text = [&](std::uint32_t i) {
    return document.substr(result.lines[i].begin, result.lines[i].end - result.lines[i].begin);
  };

  // 2. Per-line flags and duplicates.
  std::uint32_t non_blank = 0;
  for (std::uint32_t i = 0; i < n; ++i) {
    line_feat& f = feat[i];
    f.first = i;
    f.run = i;
    if (f.chars == 0) continue;
    ++non_blank;
    const std::string_view text = line_text(i);
    if (f.digits >= 3 && f.chars <= timestamp_max_chars &&
        f.chars - f.digits <= std::max(timestamp_extra_letters, f.digits / 2)) {
      f.flags |= f_timestamp;
    }
    if (starts_with_bullet(text)) f.flags |= f_bullet;
    // Prose: ends like a sentence, or has clauses. Headlines have at most one
    // mark ("马斯克：…？", "X, says Y") and are short; a line twice the body
    // length with any mark is not a headline.
    const bool sentence =
        f.last == cc_stop || f.groups >= 2 || (f.groups == 1 && f.chars >= 2 * min_body);
    // A list item needs the length of a body line to count as prose: related-
    // headline lists are full of "，" and "?".
    if (!(f.flags & f_timestamp) && sentence && (!(f.flags & f_bullet) || f.chars >= min_body)) {
      f.flags |= f_prose;
    }
  }

  // Hashes are needed to find duplicates (two or more lines) and to look lines
  // up in the statistics; a one-paragraph document needs neither.
  const bool need_hashes = non_blank >= 2 || stats != nullptr;
  std::vector<std::uint32_t>& table = scratch.table;
  std::size_t capacity = 16;
  while (capacity < 2 * static_cast<std::size_t>(non_blank)) capacity *= 2;
  if (need_hashes) table.assign(capacity, 0);
  const std::size_t mask = capacity - 1;
  std::uint32_t previous_non_blank = std::numeric_limits<std::uint32_t>::max();
  for (std::uint32_t i = 0; i < n && need_hashes; ++i) {
    line_feat& f = feat[i];
    if (f.chars == 0) continue;
    f.hash = hash_bytes(trim_line(line_text(i)));
    for (std::size_t slot = static_cast<std::size_t>(f.hash) & mask;; slot = (slot + 1) & mask) {
      const std::uint32_t j = table[slot];
      if (j == 0) {
        table[slot] = i + 1;
        break;
      }
      if (feat[j - 1].hash == f.hash && trim_line(line_text(j - 1)) == trim_line(line_text(i))) {
        f.first = j - 1;
        break;
      }
    }
    if (f.first != i && previous_non_blank != std::numeric_limits<std::uint32_t>::max() &&
        feat[previous_non_blank].first == f.first) {
      f.flags |= f_stutter;  // e.g. a photo caption repeated by its alt text
    }
    previous_non_blank = i;
  }

  // Recurrence across the source's documents. Long prose lines are exempt:
  // successive versions of one story on one site share their paragraphs, and
  // those shared paragraphs are what near-duplicate detection must see.
  if (stats != nullptr) {
    const auto* src = find_source(stats->sources_, hash_bytes(source));
    if (src != nullptr && src->documents > 0) {
      const double needed = options_.recurring_share * static_cast<double>(src->documents);
      for (std::uint32_t i = 0; i < n; ++i) {
        line_feat& f = feat[i];
        if (f.chars == 0 || ((f.flags & f_prose) && f.chars >= 2 * min_body)) continue;
        const auto it = std::lower_bound(src->lines.begin(), src->lines.end(), f.hash,
                                         [](const std::pair<std::uint64_t, std::uint32_t>& e,
                                            std::uint64_t h) { return e.first < h; });
        if (it == src->lines.end() || it->first != f.hash) continue;
        if (it->second >= options_.recurring_min_docs &&
            static_cast<double>(it->second) >= needed) {
          f.flags |= f_recurring;
        }
      }
    }
  }

  // Runs of title-like lines; blank lines neither extend nor break a run.
  std::uint32_t run_start = std::numeric_limits<std::uint32_t>::max();
  for (std::uint32_t i = 0; i < n; ++i) {
    line_feat& f = feat[i];
    if (f.chars == 0) continue;
    if (f.flags & f_prose) {
      run_start = std::numeric_limits<std::uint32_t>::max();
      continue;
    }
    if (run_start == std::numeric_limits<std::uint32_t>::max()) run_start = i;
    f.run = run_start;
    ++feat[run_start].run_len;
  }

  // 3. Scores and body blocks.
  for (std::uint32_t i = 0; i < n; ++i) {
    line_feat& f = feat[i];
    const auto chars = static_cast<std::int64_t>(f.chars);
    if (f.chars == 0) {
      f.score = 0;
    } else if (f.flags & f_recurring) {
      f.score = -chars;
    } else if (f.first != i) {
      f.score = (f.flags & f_stutter) ? 0 : -chars;
    } else {
      f.score = (f.flags & f_prose) ? chars : -chars;
    }
  }

  // Notices are looked for only where one could be kept: at the edges of a
  // body block, in the headline and dateline, and in a lone title-like line
  // inside a block. Scanning every short line for the cue words cost as much
  // as measuring the whole page.
  auto notice = [&](std::uint32_t i) {
    line_feat& f = feat[i];
    if (!(f.flags & f_notice_known)) {
      f.flags |= f_notice_known;
      if (f.chars > 0 && f.chars < 2 * min_body && is_notice(line_text(i))) f.flags |= f_notice;
    }
    return (f.flags & f_notice) != 0;
  };
  // A block's last (or first) lines may be a notice: they leave the block.
  constexpr int max_edge_notices = 3;
  auto drop_edge_notices = [&](kadane_result b) {
    for (int k = 0; k < max_edge_notices && b.begin < b.end; ++k) {
      std::uint32_t last = b.end - 1;
      while (last > b.begin && feat[last].chars == 0) --last;
      if (!notice(last)) break;
      b.end = last;
    }
    for (int k = 0; k < max_edge_notices && b.begin < b.end; ++k) {
      std::uint32_t first = b.begin;
      while (first + 1 < b.end && feat[first].chars == 0) ++first;
      if (!notice(first)) break;
      b.begin = first + 1;
    }
    return b;
  };

  std::uint32_t first_block_begin = n;
  const kadane_result main_block = best_block(feat, 0, n);
  if (main_block.sum > 0) {
    const std::int64_t floor = std::max<std::int64_t>(2 * static_cast<std::int64_t>(min_body),
                                                      main_block.sum / secondary_block_divisor);
    auto mark = [&](const kadane_result& found) {
      const kadane_result b = drop_edge_notices(found);
      for (std::uint32_t i = b.begin; i < b.end; ++i) feat[i].flags |= f_in_block;
      if (b.begin < b.end) first_block_begin = std::min(first_block_begin, b.begin);
    };
    mark(main_block);
    auto& ranges = scratch.ranges;
    ranges.clear();
    ranges.emplace_back(0, main_block.begin);
    ranges.emplace_back(main_block.end, n);
    std::size_t blocks = 1;
    while (!ranges.empty() && blocks < max_blocks) {
      const auto [lo, hi] = ranges.back();
      ranges.pop_back();
      if (lo >= hi) continue;
      const kadane_result b = best_block(feat, lo, hi);
      if (b.sum < floor) continue;  // nothing else in [lo, hi) scores higher
      mark(b);
      ++blocks;
      ranges.emplace_back(lo, b.begin);
      ranges.emplace_back(b.end, hi);
    }
  }

  // 4. Headline and dateline above the first block.
  constexpr std::uint32_t none = std::numeric_limits<std::uint32_t>::max();
  std::uint32_t headline = none;
  std::uint32_t dateline = none;
  auto headline_like = [&](std::uint32_t i) {
    const line_feat& f = feat[i];
    return f.chars >= max_short && f.chars <= 4 * min_body &&
           !(f.flags & (f_prose | f_timestamp | f_bullet | f_recurring)) && !notice(i);
  };
  if (first_block_begin < n) {
    std::uint32_t skipped = 0;
    for (std::uint32_t i = first_block_begin; i-- > 0;) {
      const line_feat& f = feat[i];
      if (f.chars == 0) continue;
      if (f.flags & f_recurring) break;
      if (headline_like(i)) {
        headline = i;
        break;
      }
      if (f.chars >= max_short && !(f.flags & f_timestamp)) break;  // something else: give up
      if (++skipped > header_max_skipped) break;
    }
    // "Headline\nBy A. Writer": a byline long enough to look like a headline
    // sits directly under the real, longer one, with no blank line between.
    if (headline != none && headline > 0 && headline_like(headline - 1) &&
        feat[headline - 1].chars > feat[headline].chars) {
      dateline = headline;
      headline = headline - 1;
    }
    if (headline != none && dateline == none) {
      for (std::uint32_t i = headline + 1; i < first_block_begin; ++i) {
        const line_feat& f = feat[i];
        if (f.chars == 0) continue;
        if (f.chars >= std::max(1u, max_short / 3) && f.chars < min_body &&
            !(f.flags & (f_recurring | f_bullet)) && !notice(i)) {
          dateline = i;
        }
        break;
      }
    }
  }

  // 5. Verdicts. Without any body block (no line reads as prose: a title-only
  // item, a micro-blog post, a script without sentence punctuation) there is
  // nothing to tell body from chrome by, and an empty body would make the
  // document invisible to matching, so every line not chrome on its own is kept.
  const bool no_body = main_block.sum <= 0;
  for (std::uint32_t i = 0; i < n; ++i) {
    line_feat& f = feat[i];
    chrome_reason& reason = result.lines[i].reason;
    if (f.chars == 0) {
      reason = chrome_reason::empty;
      continue;
    }
    const std::uint32_t run_len = feat[f.run].run_len;
    bool keep = false;
    if (f.flags & f_notice) {
      reason = chrome_reason::notice;
    } else if (f.flags & f_recurring) {
      reason = chrome_reason::recurring;
    } else if (i == headline || i == dateline) {
      keep = true;
    } else if (f.flags & f_timestamp) {
      reason = chrome_reason::timestamp;
    } else if (no_body) {
      if (notice(i)) {
        reason = chrome_reason::notice;
      } else {
        keep = true;
      }
    } else if (f.flags & f_in_block) {
      if (f.flags & f_prose) {
        keep = true;
      } else if (run_len >= list_run_min) {
        reason = chrome_reason::title_like_run;
      } else if (notice(i)) {
        reason = chrome_reason::notice;
      } else {
        keep = true;  // a lone subheading or byline between prose
      }
    } else if (!(f.flags & f_prose) && run_len >= list_run_min) {
      reason = chrome_reason::title_like_run;
    } else if (f.chars < max_short) {
      reason = chrome_reason::short_line;
    } else {
      reason = chrome_reason::outside_body;
    }
    line_feat& group = feat[f.first];
    if (keep) {
      if (group.flags & f_group_kept) {
        reason = chrome_reason::duplicate_line;
      } else {
        group.flags |= f_group_kept;
        reason = chrome_reason::none;
      }
    } else if (f.first != i && reason != chrome_reason::recurring) {
      reason = chrome_reason::duplicate_line;
    }
  }

  std::size_t kept_bytes = 0, kept_lines = 0;
  for (const chrome_line& l : result.lines) {
    if (l.kept()) kept_bytes += l.end - l.begin + 1, ++kept_lines;
  }
  result.text.reserve(kept_bytes);
  result.kept.reserve(kept_lines);
  bool first_kept = true;
  for (std::size_t i = 0; i < result.lines.size(); ++i) {
    const chrome_line& l = result.lines[i];
    if (!l.kept()) continue;
    if (!first_kept) result.text.push_back('\n');
    first_kept = false;
    result.kept.push_back({result.text.size(), i});
    result.text.append(document.data() + l.begin, l.end - l.begin);
  }

  // Do not let one huge document pin its scratch memory to the thread forever.
  if (feat.capacity() > (1u << 16)) {
    std::vector<line_feat>().swap(feat);
    std::vector<std::uint32_t>().swap(table);
  }
}

// ---- chrome_statistics ------------------------------------------------------

namespace {

constexpr std::uint16_t statistics_format_version = 1;

}  // namespace

void chrome_statistics::prune(std::size_t max_lines) {
  for (auto& [key, s] : sources_) {
    if (s.lines.size() <= max_lines) continue;
    auto& lines = s.lines;
    const auto more_documents = [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    };
    std::nth_element(lines.begin(), lines.begin() + static_cast<std::ptrdiff_t>(max_lines),
                     lines.end(), more_documents);
    lines.resize(max_lines);
    std::sort(lines.begin(), lines.end());  // back to hash order for lookups
    lines.shrink_to_fit();
  }
}

std::size_t chrome_statistics::memory_bytes() const noexcept {
  std::size_t bytes = sources_.capacity() * sizeof(sources_[0]);
  for (const auto& [key, s] : sources_) bytes += s.lines.capacity() * sizeof(s.lines[0]);
  return bytes;
}

void chrome_statistics::observe(std::string_view document, std::string_view source) {
  std::vector<std::uint64_t> hashes;
  for_each_line(document, [&](std::size_t begin, std::size_t end) {
    const std::string_view t = trim_line(document.substr(begin, end - begin));
    if (!t.empty()) hashes.push_back(hash_bytes(t));
  });
  std::sort(hashes.begin(), hashes.end());
  hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());

  const std::uint64_t key = hash_bytes(source);
  auto it = std::lower_bound(sources_.begin(), sources_.end(), key,
                             [](const auto& e, std::uint64_t k) { return e.first < k; });
  if (it == sources_.end() || it->first != key) it = sources_.insert(it, {key, source_stats{}});
  source_stats& s = it->second;
  // Counts saturate rather than wrap; line counts never exceed documents.
  if (s.documents == std::numeric_limits<std::uint32_t>::max()) return;
  ++s.documents;

  // Count the lines already known, then merge the new ones in from the back so
  // that existing entries move at most once: O(L + d log L) for a source with
  // L distinct lines and a document with d.
  auto& lines = s.lines;
  std::size_t fresh = 0;
  for (const std::uint64_t h : hashes) {
    const auto at = std::lower_bound(lines.begin(), lines.end(), h,
                                     [](const auto& e, std::uint64_t k) { return e.first < k; });
    if (at != lines.end() && at->first == h) {
      ++at->second;
    } else {
      hashes[fresh++] = h;  // compacts the unseen hashes to the front, still sorted
    }
  }
  if (fresh == 0) return;
  std::size_t read = lines.size();
  lines.resize(lines.size() + fresh);
  std::size_t write = lines.size();
  std::size_t j = fresh;
  while (j > 0) {
    if (read > 0 && lines[read - 1].first > hashes[j - 1]) {
      lines[--write] = lines[--read];
    } else {
      lines[--write] = {hashes[--j], 1};
    }
  }
}

std::uint32_t chrome_statistics::documents(std::string_view source) const noexcept {
  const auto* s = find_source(sources_, hash_bytes(source));
  return s != nullptr ? s->documents : 0;
}

std::uint32_t chrome_statistics::line_documents(std::string_view source,
                                                std::string_view line) const noexcept {
  const auto* s = find_source(sources_, hash_bytes(source));
  if (s == nullptr) return 0;
  const std::uint64_t h = hash_bytes(trim_line(line));
  const auto it = std::lower_bound(s->lines.begin(), s->lines.end(), h,
                                   [](const auto& e, std::uint64_t k) { return e.first < k; });
  return it != s->lines.end() && it->first == h ? it->second : 0;
}

std::string chrome_statistics::save() const {
  std::size_t payload = 4;
  for (const auto& [key, s] : sources_) payload += 16 + 12 * s.lines.size();
  std::string out;
  out.reserve(detail::envelope_header_bytes + payload + detail::envelope_trailer_bytes);
  const std::size_t start = detail::begin_envelope(out, detail::object_kind::chrome_statistics,
                                                   statistics_format_version);
  detail::append_u32(out, static_cast<std::uint32_t>(sources_.size()));
  for (const auto& [key, s] : sources_) {
    detail::append_u64(out, key);
    detail::append_u32(out, s.documents);
    detail::append_u32(out, static_cast<std::uint32_t>(s.lines.size()));
    for (const auto& [hash, count] : s.lines) {
      detail::append_u64(out, hash);
      detail::append_u32(out, count);
    }
  }
  detail::end_envelope(out, start);
  return out;
}

chrome_statistics chrome_statistics::load(std::string_view bytes) {
  const detail::envelope env = detail::open_envelope(bytes, detail::object_kind::chrome_statistics,
                                                     statistics_format_version);
  detail::byte_reader r(env.payload, env.payload_offset);
  chrome_statistics stats;

  const std::size_t sources_at = r.offset();
  const std::uint32_t source_count = r.u32("source count");
  r.check_count(source_count, 16, sources_at, "source count");
  stats.sources_.reserve(source_count);
  for (std::uint32_t k = 0; k < source_count; ++k) {
    const std::size_t key_at = r.offset();
    const std::uint64_t key = r.u64("source hash");
    if (!stats.sources_.empty() && key <= stats.sources_.back().first) {
      throw format_error(key_at, "expected source hash above " +
                                     detail::hex64(stats.sources_.back().first) +
                                     " (sorted, unique), actual " + detail::hex64(key));
    }
    const std::size_t documents_at = r.offset();
    source_stats s;
    s.documents = r.u32("document count");
    if (s.documents == 0) {
      throw format_error(documents_at, "expected a document count of at least 1, actual 0");
    }
    const std::size_t lines_at = r.offset();
    const std::uint32_t line_count = r.u32("line count");
    r.check_count(line_count, 12, lines_at, "line count");
    s.lines.reserve(line_count);
    for (std::uint32_t i = 0; i < line_count; ++i) {
      const std::size_t hash_at = r.offset();
      const std::uint64_t h = r.u64("line hash");
      if (!s.lines.empty() && h <= s.lines.back().first) {
        throw format_error(hash_at, "expected line hash above " +
                                        detail::hex64(s.lines.back().first) +
                                        " (sorted, unique), actual " + detail::hex64(h));
      }
      const std::size_t count_at = r.offset();
      const std::uint32_t count = r.u32("line document count");
      if (count == 0 || count > s.documents) {
        throw format_error(count_at, "expected a line document count in [1, " +
                                         std::to_string(s.documents) + "], actual " +
                                         std::to_string(count));
      }
      s.lines.emplace_back(h, count);
    }
    stats.sources_.emplace_back(key, std::move(s));
  }
  r.expect_end("chrome_statistics payload");
  return stats;
}

}  // namespace samestory
