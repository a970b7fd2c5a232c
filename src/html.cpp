// HTML to text in one forward pass over the bytes.
//
// This is not an HTML5 tree builder: building a DOM costs far more than the
// text is worth to a near-duplicate detector. It is a tokenizer that follows
// the browser's rules where they decide which bytes are visible (raw-text
// elements, comments, quoted attribute values, character references) and
// keeps only a handful of counters instead of an element stack. Where a
// browser's rule would let one broken byte hide the rest of the page (an
// attribute quote that never closes), we prefer to lose one tag instead.
//
// The main loop jumps from '<' to '<' with memchr; the text between two tags
// is copied in runs of ordinary bytes, so most bytes are touched once.

#include <samestory/error.hpp>
#include <samestory/html.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

#include "utf8_decode.hpp"

namespace samestory {
namespace {

// ---- byte classes ---------------------------------------------------------

// What a byte means inside text. Everything that is not special is copied
// verbatim, which is how invalid UTF-8 passes through unchanged.
enum text_class : std::uint8_t {
  k_plain = 0,
  k_space = 1,    // collapses with its neighbours into one space
  k_newline = 2,  // a space, except inside <pre> where it ends the line
  k_amp = 3,      // may start a character reference
  k_nul = 4,      // dropped, as browsers drop it from text
};

constexpr std::array<std::uint8_t, 256> make_text_classes() {
  std::array<std::uint8_t, 256> classes{};
  classes[' '] = k_space;
  classes['\t'] = k_space;
  classes['\f'] = k_space;
  classes['\v'] = k_space;
  classes['\n'] = k_newline;
  classes['\r'] = k_newline;
  classes['&'] = k_amp;
  classes[0] = k_nul;
  return classes;
}
constexpr std::array<std::uint8_t, 256> k_text_classes = make_text_classes();

inline std::uint8_t text_class_of(char c) {
  return k_text_classes[static_cast<unsigned char>(c)];
}

inline bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
inline bool is_alpha(char c) {
  return static_cast<unsigned char>((c | 0x20) - 'a') < 26;
}
inline bool is_digit(char c) {
  return static_cast<unsigned char>(c - '0') < 10;
}
inline bool is_alnum(char c) {
  return is_alpha(c) || is_digit(c);
}
inline int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  const char lower = static_cast<char>(c | 0x20);
  if (lower >= 'a' && lower <= 'f') return lower - 'a' + 10;
  return -1;
}
// A tag name ends where the tokenizer would start looking for attributes.
inline bool is_tag_name_end(char c) {
  return is_space(c) || c == '/' || c == '>';
}

// ---- element table --------------------------------------------------------

enum tag_flag : std::uint16_t {
  k_block = 1 << 0,     // starts and ends a line
  k_pre = 1 << 1,       // keeps the newlines of its text
  k_raw = 1 << 2,       // content is dropped up to the matching end tag; '<' inside is not markup
  k_nested = 1 << 3,    // content is dropped up to the matching end tag, counting nesting
  k_title = 1 << 4,     // content is text (no tags) and becomes html_text::title
  k_textarea = 1 << 5,  // content is text (no tags) and is visible
  k_head = 1 << 6,
  k_body = 1 << 7,
  k_in_head = 1 << 8,  // may appear in <head> without ending it
};

struct tag_info {
  std::string_view name;  // lower case
  std::uint16_t flags;
};

constexpr std::size_t k_max_tag_name = 10;  // "blockquote", "figcaption"

// Sorted at compile time so the list below can stay grouped by meaning.
constexpr auto k_tags = [] {
  auto tags = std::to_array<tag_info>({
      // Blocks: each starts a new line so downstream steps see one line per
      // paragraph, menu item, list entry or table cell.
      {"address", k_block},
      {"article", k_block},
      {"aside", k_block},
      {"blockquote", k_block},
      {"body", k_block | k_body},
      {"br", k_block},
      {"caption", k_block},
      {"center", k_block},
      {"dd", k_block},
      {"details", k_block},
      {"dialog", k_block},
      {"dir", k_block},
      {"div", k_block},
      {"dl", k_block},
      {"dt", k_block},
      {"fieldset", k_block},
      {"figcaption", k_block},
      {"figure", k_block},
      {"footer", k_block},
      {"form", k_block},
      {"frameset", k_block},
      {"h1", k_block},
      {"h2", k_block},
      {"h3", k_block},
      {"h4", k_block},
      {"h5", k_block},
      {"h6", k_block},
      {"header", k_block},
      {"hgroup", k_block},
      {"hr", k_block},
      {"legend", k_block},
      {"li", k_block},
      {"listing", k_block | k_pre},
      {"main", k_block},
      {"menu", k_block},
      {"nav", k_block},
      {"ol", k_block},
      {"optgroup", k_block},
      {"option", k_block},
      {"p", k_block},
      {"plaintext", k_block},
      {"pre", k_block | k_pre},
      {"section", k_block},
      {"select", k_block},
      {"summary", k_block},
      {"table", k_block},
      {"tbody", k_block},
      {"td", k_block},
      {"tfoot", k_block},
      {"th", k_block},
      {"thead", k_block},
      {"tr", k_block},
      {"ul", k_block},
      {"textarea", k_block | k_textarea},
      // Never visible; raw text ends only at "</name", whatever precedes it.
      {"script", k_raw | k_in_head},
      {"style", k_raw | k_in_head},
      {"noscript", k_raw | k_in_head},  // browsers run scripts, so they parse it as raw text
      {"noframes", k_raw | k_in_head},
      {"noembed", k_raw},
      {"iframe", k_raw},
      {"xmp", k_raw},
      // Never visible, and may hold ordinary markup, including themselves.
      {"template", k_nested | k_in_head},
      {"svg", k_nested},
      {"math", k_nested},
      {"object", k_nested},
      // The document's frame.
      {"html", k_in_head},
      {"head", k_head | k_in_head},
      {"title", k_title | k_in_head},
      {"base", k_in_head},
      {"basefont", k_in_head},
      {"bgsound", k_in_head},
      {"link", k_in_head},
      {"meta", k_in_head},
      // Everything else (a, span, b, img, font, custom elements) is inline:
      // it neither breaks the line nor hides its content.
  });
  std::sort(tags.begin(), tags.end(),
            [](const tag_info& x, const tag_info& y) { return x.name < y.name; });
  return tags;
}();

static_assert(std::all_of(k_tags.begin(), k_tags.end(),
                          [](const tag_info& t) { return t.name.size() <= k_max_tag_name; }));
static_assert(std::adjacent_find(k_tags.begin(), k_tags.end(),
                                 [](const tag_info& x, const tag_info& y) {
                                   return x.name == y.name;
                                 }) == k_tags.end(),
              "each element is listed once");

const tag_info* find_tag(std::string_view lower_name) {
  const auto* it =
      std::lower_bound(k_tags.begin(), k_tags.end(), lower_name,
                       [](const tag_info& tag, std::string_view name) { return tag.name < name; });
  return it != k_tags.end() && it->name == lower_name ? &*it : nullptr;
}

// ---- character references -------------------------------------------------

struct entity {
  std::string_view name;
  char32_t code_point;
};

// The references common on news pages, not the standard's full list of over two
// thousand; names are case-sensitive and unknown ones stay literal text.
constexpr auto k_entities = [] {
  auto entities = std::to_array<entity>({
      {"amp", U'&'},      {"lt", U'<'},       {"gt", U'>'},       {"quot", U'"'},
      {"apos", U'\''},    {"AMP", U'&'},      {"LT", U'<'},       {"GT", U'>'},
      {"QUOT", U'"'},     {"nbsp", 0xA0},     {"ensp", 0x2002},   {"emsp", 0x2003},
      {"thinsp", 0x2009}, {"zwnj", 0x200C},   {"zwj", 0x200D},    {"lrm", 0x200E},
      {"rlm", 0x200F},    {"shy", 0xAD},      {"copy", 0xA9},     {"COPY", 0xA9},
      {"reg", 0xAE},      {"REG", 0xAE},      {"trade", 0x2122},  {"hellip", 0x2026},
      {"mdash", 0x2014},  {"ndash", 0x2013},  {"hyphen", 0x2010}, {"minus", 0x2212},
      {"lsquo", 0x2018},  {"rsquo", 0x2019},  {"sbquo", 0x201A},  {"ldquo", 0x201C},
      {"rdquo", 0x201D},  {"bdquo", 0x201E},  {"laquo", 0xAB},    {"raquo", 0xBB},
      {"lsaquo", 0x2039}, {"rsaquo", 0x203A}, {"prime", 0x2032},  {"Prime", 0x2033},
      {"middot", 0xB7},   {"bull", 0x2022},   {"dagger", 0x2020}, {"Dagger", 0x2021},
      {"permil", 0x2030}, {"times", 0xD7},    {"divide", 0xF7},   {"plusmn", 0xB1},
      {"le", 0x2264},     {"ge", 0x2265},     {"ne", 0x2260},     {"infin", 0x221E},
      {"asymp", 0x2248},  {"yen", 0xA5},      {"euro", 0x20AC},   {"pound", 0xA3},
      {"cent", 0xA2},     {"curren", 0xA4},   {"sect", 0xA7},     {"para", 0xB6},
      {"deg", 0xB0},      {"micro", 0xB5},    {"iexcl", 0xA1},    {"iquest", 0xBF},
      {"brvbar", 0xA6},   {"uml", 0xA8},      {"ordf", 0xAA},     {"ordm", 0xBA},
      {"not", 0xAC},      {"macr", 0xAF},     {"acute", 0xB4},    {"cedil", 0xB8},
      {"sup1", 0xB9},     {"sup2", 0xB2},     {"sup3", 0xB3},     {"frac14", 0xBC},
      {"frac12", 0xBD},   {"frac34", 0xBE},   {"larr", 0x2190},   {"uarr", 0x2191},
      {"rarr", 0x2192},   {"darr", 0x2193},   {"harr", 0x2194},   {"spades", 0x2660},
      {"clubs", 0x2663},  {"hearts", 0x2665}, {"diams", 0x2666},  {"star", 0x2606},
      {"starf", 0x2605},  {"check", 0x2713},  {"cross", 0x2717},
  });
  std::sort(entities.begin(), entities.end(),
            [](const entity& x, const entity& y) { return x.name < y.name; });
  return entities;
}();

constexpr std::size_t k_max_entity_name = 8;

static_assert(std::all_of(k_entities.begin(), k_entities.end(),
                          [](const entity& e) { return e.name.size() <= k_max_entity_name; }));
static_assert(std::adjacent_find(k_entities.begin(), k_entities.end(),
                                 [](const entity& x, const entity& y) {
                                   return x.name == y.name;
                                 }) == k_entities.end(),
              "each reference is listed once");

char32_t find_entity(std::string_view name) {
  const auto* it = std::lower_bound(k_entities.begin(), k_entities.end(), name,
                                    [](const entity& e, std::string_view n) { return e.name < n; });
  return it != k_entities.end() && it->name == name ? it->code_point : 0;
}

// Browsers accept these without the ';' in text ("&nbsp" in old templates).
bool is_legacy_entity(std::string_view name) {
  return name == "amp" || name == "lt" || name == "gt" || name == "quot" || name == "nbsp" ||
         name == "copy" || name == "reg" || name == "AMP" || name == "LT" || name == "GT" ||
         name == "QUOT" || name == "COPY" || name == "REG";
}

// Numeric references 0x80..0x9F name Windows-1252 characters, because that
// is what the pages that use them meant (the HTML standard agrees). Zero marks
// the five unassigned bytes, which stay as they are.
constexpr std::array<char16_t, 32> k_windows_1252{
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

constexpr char32_t k_replacement = 0xFFFD;

char32_t fix_numeric_reference(char32_t cp) {
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return k_replacement;
  if (cp >= 0x80 && cp <= 0x9F && k_windows_1252[cp - 0x80] != 0) return k_windows_1252[cp - 0x80];
  return cp;
}

// ---- output ---------------------------------------------------------------

// Collects text and decides separators lazily: a space or line break is only
// written once the next visible byte arrives. That alone trims every line,
// drops empty lines and leaves no final newline, without a second pass.
class text_sink {
 public:
  explicit text_sink(std::string& out) : out_(out) {}

  void space() { want_space_ = true; }
  void newline() { want_newline_ = true; }

  void append(const char* bytes, std::size_t size) {
    if ((want_space_ || want_newline_) && !out_.empty()) out_.push_back(want_newline_ ? '\n' : ' ');
    want_space_ = false;
    want_newline_ = false;
    out_.append(bytes, size);
  }

  void append_code_point(char32_t cp, bool pre) {
    if (cp == ' ' || cp == '\t' || cp == '\f' || cp == '\v' || cp == 0xA0) {
      space();
    } else if (cp == '\n' || cp == '\r') {
      pre ? newline() : space();
    } else {
      char buffer[4];
      append(buffer, detail::encode_utf8(cp, buffer));
    }
  }

 private:
  std::string& out_;
  bool want_space_ = false;
  bool want_newline_ = false;
};

// Decodes the reference starting at html[at] == '&' (ending before `end`),
// writes it to the sink and returns the index after it. Anything that is not
// a reference we know is written as a literal '&'; the bytes after it are
// then copied as ordinary text.
std::size_t decode_reference(const char* html, std::size_t at, std::size_t end, text_sink& sink,
                             bool pre) {
  std::size_t i = at + 1;
  if (i < end && html[i] == '#') {
    ++i;
    const bool hex = i < end && (html[i] == 'x' || html[i] == 'X');
    if (hex) ++i;
    const std::size_t digits_begin = i;
    char32_t value = 0;
    for (; i < end; ++i) {
      const int digit = hex ? hex_value(html[i]) : (is_digit(html[i]) ? html[i] - '0' : -1);
      if (digit < 0) break;
      // Saturate instead of overflowing on "&#99999999999999;".
      value = std::min<char32_t>(value * (hex ? 16 : 10) + static_cast<char32_t>(digit), 0x110000);
    }
    if (i == digits_begin) {
      sink.append("&", 1);
      return at + 1;
    }
    if (i < end && html[i] == ';') ++i;
    sink.append_code_point(fix_numeric_reference(value), pre);
    return i;
  }
  const std::size_t name_begin = i;
  while (i < end && i - name_begin < k_max_entity_name + 1 && is_alnum(html[i])) ++i;
  const std::string_view name(html + name_begin, i - name_begin);
  const bool terminated = i < end && html[i] == ';';
  if (!name.empty() && name.size() <= k_max_entity_name && (terminated || is_legacy_entity(name))) {
    if (const char32_t cp = find_entity(name); cp != 0) {
      sink.append_code_point(cp, pre);
      return terminated ? i + 1 : i;
    }
  }
  sink.append("&", 1);
  return at + 1;
}

// Writes html[begin, end) - text without markup - to the sink.
void emit_text(const char* html, std::size_t begin, std::size_t end, text_sink& sink, bool pre) {
  std::size_t i = begin;
  while (i < end) {
    switch (text_class_of(html[i])) {
      case k_plain: {
        std::size_t run_end = i + 1;
        while (run_end < end && text_class_of(html[run_end]) == k_plain) ++run_end;
        sink.append(html + i, run_end - i);
        i = run_end;
        break;
      }
      case k_space:
        sink.space();
        ++i;
        break;
      case k_newline:
        pre ? sink.newline() : sink.space();
        ++i;
        break;
      case k_amp:
        i = decode_reference(html, i, end, sink, pre);
        break;
      default:  // k_nul
        ++i;
        break;
    }
  }
}

// ---- the tokenizer --------------------------------------------------------

class converter {
 public:
  converter(std::string_view html, html_text& result)
      : html_(html.data()), size_(html.size()), text_(result.text), title_(result.title) {}

  void run() {
    std::size_t i = 0;
    while (i < size_) {
      const void* lt = std::memchr(html_ + i, '<', size_ - i);
      const std::size_t text_end =
          lt ? static_cast<std::size_t>(static_cast<const char*>(lt) - html_) : size_;
      if (is_visible()) emit_text(html_, i, text_end, text_, pre_depth_ > 0);
      if (lt == nullptr) break;
      i = markup(text_end);
    }
  }

 private:
  bool is_visible() const { return skip_depth_ == 0 && !in_head_; }

  void literal(const char* bytes, std::size_t size) {
    if (is_visible()) text_.append(bytes, size);
  }

  bool starts_with(std::size_t at, std::string_view prefix) const {
    return size_ - at >= prefix.size() &&
           std::memcmp(html_ + at, prefix.data(), prefix.size()) == 0;
  }

  // Index after the first `c` at or after `from`, or the end of input.
  std::size_t skip_past(std::size_t from, char c) const {
    if (from >= size_) return size_;
    const void* hit = std::memchr(html_ + from, c, size_ - from);
    return hit ? static_cast<std::size_t>(static_cast<const char*>(hit) - html_) + 1 : size_;
  }

  // html_[at] == '<'; returns the index where text resumes.
  std::size_t markup(std::size_t at) {
    if (at + 1 >= size_) {
      literal("<", 1);
      return size_;
    }
    const char next = html_[at + 1];
    if (is_alpha(next)) return start_tag(at + 1);
    if (next == '/') {
      if (at + 2 >= size_) {
        literal("</", 2);
        return size_;
      }
      if (is_alpha(html_[at + 2])) return end_tag(at + 2);
      if (html_[at + 2] == '>') return at + 3;
      return skip_past(at + 2, '>');  // "</ x>", "</3>": a bogus comment to browsers
    }
    if (next == '!') {
      if (starts_with(at + 2, "--")) return comment(at + 4);
      if (starts_with(at + 2, "[CDATA[")) return cdata(at + 9);
      return skip_past(at + 2, '>');  // <!DOCTYPE ...>, <![endif]>
    }
    if (next == '?') return skip_past(at + 2, '>');
    literal("<", 1);  // "a < b", "<3": not markup
    return at + 1;
  }

  std::size_t comment(std::size_t from) const {
    // "<!-->" and "<!--->" are complete (empty) comments to browsers.
    if (starts_with(from, ">")) return from + 1;
    if (starts_with(from, "->")) return from + 2;
    const std::string_view rest(html_, size_);
    std::size_t i = from;
    while (true) {
      const std::size_t dashes = rest.find("--", i);
      if (dashes == std::string_view::npos) return size_;
      if (starts_with(dashes + 2, ">")) return dashes + 3;
      if (starts_with(dashes + 2, "!>")) return dashes + 4;
      i = dashes + 1;
    }
  }

  std::size_t cdata(std::size_t from) const {
    const std::size_t close = std::string_view(html_, size_).find("]]>", from);
    return close == std::string_view::npos ? size_ : close + 3;
  }

  // Skips attributes from html_[from] to just past the tag's '>'. Quoted values
  // may contain '>', so they are jumped over whole.
  std::size_t skip_attributes(std::size_t from, bool& self_closing) const {
    std::size_t i = from;
    while (i < size_) {
      const char c = html_[i];
      if (c == '>') {
        self_closing = html_[i - 1] == '/';
        return i + 1;
      }
      ++i;
      if (c != '=') continue;
      while (i < size_ && is_space(html_[i])) ++i;
      if (i >= size_ || (html_[i] != '"' && html_[i] != '\'')) continue;
      const void* close = std::memchr(html_ + i + 1, html_[i], size_ - i - 1);
      if (close == nullptr) {
        // A quote that never closes would hide the rest of the page from a
        // browser; ending the tag at the next '>' loses one tag instead.
        self_closing = false;
        return skip_past(i + 1, '>');
      }
      i = static_cast<std::size_t>(static_cast<const char*>(close) - html_) + 1;
    }
    self_closing = false;
    return size_;
  }

  // Finds "</name" (any case) followed by the end of a tag name, at or after
  // `from`. Returns where it starts and the index after its '>', or the end of
  // input twice when the element is never closed.
  std::pair<std::size_t, std::size_t> find_end_tag(std::size_t from, std::string_view name) const {
    std::size_t i = from;
    while (i < size_) {
      const void* lt = std::memchr(html_ + i, '<', size_ - i);
      if (lt == nullptr) break;
      i = static_cast<std::size_t>(static_cast<const char*>(lt) - html_);
      const std::size_t name_end = i + 2 + name.size();
      if (name_end <= size_ && html_[i + 1] == '/' && matches_lower(i + 2, name) &&
          (name_end == size_ || is_tag_name_end(html_[name_end]))) {
        bool self_closing = false;
        return {i, skip_attributes(name_end, self_closing)};
      }
      ++i;
    }
    return {size_, size_};
  }

  // html_[at...] equals the lower-case letters of `name`, ignoring case.
  bool matches_lower(std::size_t at, std::string_view name) const {
    for (std::size_t k = 0; k < name.size(); ++k) {
      if ((html_[at + k] | 0x20) != name[k]) return false;
    }
    return true;
  }

  const tag_info* read_tag_name(std::size_t& i) const {
    const std::size_t begin = i;
    while (i < size_ && !is_tag_name_end(html_[i])) ++i;
    const std::size_t length = i - begin;
    if (length > k_max_tag_name) return nullptr;
    char lower[k_max_tag_name];
    for (std::size_t k = 0; k < length; ++k) {
      const char c = html_[begin + k];
      lower[k] = c >= 'A' && c <= 'Z' ? static_cast<char>(c | 0x20) : c;
    }
    return find_tag(std::string_view(lower, length));
  }

  // html_[name_begin] is the first letter of a start tag's name.
  std::size_t start_tag(std::size_t name_begin) {
    std::size_t i = name_begin;
    const tag_info* tag = read_tag_name(i);
    bool self_closing = false;
    const std::size_t after = skip_attributes(i, self_closing);
    const std::uint16_t flags = tag ? tag->flags : 0;

    if (skip_depth_ > 0) {
      if (tag == skip_tag_ && !self_closing) ++skip_depth_;
      // A script inside an <svg> may hold "</svg>" in a string.
      if (flags & (k_raw | k_title | k_textarea)) return find_end_tag(after, tag->name).second;
      return after;
    }

    if (flags & k_head) {
      // Only the first <head> counts; CMSs sometimes paste a second one into the body.
      if (!head_seen_) in_head_ = true;
      head_seen_ = true;
      return after;
    }
    if (!(flags & k_in_head)) {
      // Any body element ends the head, as in browsers, so a missing </head> costs nothing.
      in_head_ = false;
      head_seen_ = true;
    }

    if (flags & k_raw) return find_end_tag(after, tag->name).second;
    if (flags & k_title) {
      const auto [content_end, resume] = find_end_tag(after, tag->name);
      if (!title_done_) {
        text_sink title_sink(title_);
        emit_text(html_, after, content_end, title_sink, false);
        title_done_ = true;
      }
      return resume;
    }
    if (flags & k_textarea) {
      const auto [content_end, resume] = find_end_tag(after, tag->name);
      if (is_visible()) {
        text_.newline();
        emit_text(html_, after, content_end, text_, false);
        text_.newline();
      }
      return resume;
    }
    if (flags & k_nested) {
      if (!self_closing) {
        skip_tag_ = tag;
        skip_depth_ = 1;
      }
      return after;
    }
    if ((flags & k_block) && is_visible()) text_.newline();
    if (flags & k_pre) ++pre_depth_;
    return after;
  }

  // html_[name_begin] is the first letter of an end tag's name.
  std::size_t end_tag(std::size_t name_begin) {
    std::size_t i = name_begin;
    const tag_info* tag = read_tag_name(i);
    bool self_closing = false;
    const std::size_t after = skip_attributes(i, self_closing);
    if (skip_depth_ > 0) {
      if (tag == skip_tag_ && --skip_depth_ == 0) skip_tag_ = nullptr;
      return after;
    }
    if (tag == nullptr) return after;
    if (tag->flags & (k_head | k_body)) in_head_ = false;
    if ((tag->flags & k_block) && is_visible()) text_.newline();
    if ((tag->flags & k_pre) && pre_depth_ > 0) --pre_depth_;
    return after;
  }

  const char* html_;
  std::size_t size_;
  text_sink text_;
  std::string& title_;
  const tag_info* skip_tag_ = nullptr;  // the k_nested element being skipped
  std::size_t skip_depth_ = 0;          // open elements named skip_tag_
  std::size_t pre_depth_ = 0;
  bool in_head_ = false;
  bool head_seen_ = false;
  bool title_done_ = false;
};

}  // namespace

html_text html_to_text(std::string_view html, const html_options& options) {
  if (html.size() > options.max_document_bytes) {
    throw limit_exceeded_error("html_options::max_document_bytes", options.max_document_bytes,
                               html.size());
  }
  html_text result;
  // Text never outgrows its markup (every reference is at least as long as
  // its UTF-8, every separator replaces a tag or white space), so one
  // reservation covers the worst case and appends never reallocate.
  result.text.reserve(html.size());
  converter(html, result).run();
  // Visible text is often a tenth of a page; return the unused reservation
  // rather than hand callers nine times the memory they need.
  if (result.text.capacity() > 2 * result.text.size() + 64) result.text.shrink_to_fit();
  return result;
}

}  // namespace samestory
