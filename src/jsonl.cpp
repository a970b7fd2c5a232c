// JSONL reading: a strict RFC 8259 parser small enough to audit, plus the
// mapping of one parsed line to a document_record.
//
// The parser is recursive descent, but every level of recursion is one level
// of nesting and nesting is capped at 64, so hostile input cannot exhaust the
// stack. UTF-8 is checked once for the whole line before parsing, so string
// scanning can copy raw bytes without decoding them.
#include <samestory/error.hpp>
#include <samestory/jsonl.hpp>
#include <samestory/utf8.hpp>

#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <unordered_map>

#include "utf8_decode.hpp"

namespace samestory {

namespace {

constexpr std::size_t max_depth = 64;

std::string error_prefix(std::size_t line, std::size_t byte_offset) {
  std::string s;
  if (line != 0) s = "line " + std::to_string(line) + ", ";
  return s + "byte " + std::to_string(byte_offset) + ": ";
}

const char* kind_name(json_value::kind k) noexcept {
  switch (k) {
    case json_value::kind::null:
      return "null";
    case json_value::kind::boolean:
      return "boolean";
    case json_value::kind::number:
      return "number";
    case json_value::kind::string:
      return "string";
    case json_value::kind::array:
      return "array";
    case json_value::kind::object:
      return "object";
  }
  return "unknown";
}

[[noreturn]] void throw_wrong_type(const char* expected, json_value::kind found) {
  throw parse_error(0, 0,
                    std::string("expected a JSON ") + expected + ", found " + kind_name(found));
}

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

bool is_json_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool is_blank(std::string_view s) noexcept {
  for (const char c : s) {
    if (!is_json_space(c) && c != '\f' && c != '\v') return false;
  }
  return true;
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_integer_literal(std::string_view number) noexcept {
  return number.find_first_of(".eE") == std::string_view::npos;
}

// from_chars reports overflow and underflow alike as out of range; Python's
// float() gives inf or 0.0, so tell them apart by the decimal exponent of the
// first significant digit.
double out_of_range_value(std::string_view s) noexcept {
  const bool negative = !s.empty() && s[0] == '-';
  std::size_t i = negative ? 1 : 0;
  long long magnitude = 0;
  bool found = false;
  long long int_digits = 0;
  for (; i < s.size() && is_digit(s[i]); ++i) {
    if (!found && s[i] != '0') {
      found = true;
      magnitude = -int_digits;  // fixed up below once the integer part's length is known
    }
    ++int_digits;
  }
  if (found) magnitude += int_digits - 1;
  if (i < s.size() && s[i] == '.') {
    ++i;
    long long position = 0;
    for (; i < s.size() && is_digit(s[i]); ++i) {
      ++position;
      if (!found && s[i] != '0') {
        found = true;
        magnitude = -position;
      }
    }
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool exp_negative = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) exp_negative = s[i++] == '-';
    long long e = 0;
    for (; i < s.size() && is_digit(s[i]); ++i) {
      if (e < 1'000'000'000) e = e * 10 + (s[i] - '0');  // saturate: only the sign matters
    }
    magnitude += exp_negative ? -e : e;
  }
  const double v = found && magnitude > 0 ? std::numeric_limits<double>::infinity() : 0.0;
  return negative ? -v : v;
}

double number_to_double(const std::string& s) {
  double d = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec == std::errc() && ptr == s.data() + s.size()) return d;
  if (ec == std::errc::result_out_of_range) return out_of_range_value(s);
  throw parse_error(0, 0, "number \"" + s + "\" cannot be converted");
}

// Python's float repr: shortest round-trip digits, fixed notation for decimal
// exponents in [-4, 16), scientific otherwise with a signed 2+ digit exponent.
std::string python_float_repr(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d < 0 ? "-inf" : "inf";
  std::string out;
  if (std::signbit(d)) {
    out += '-';
    d = -d;
  }
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  const std::string_view sci(buf, static_cast<std::size_t>(r.ptr - buf));
  const std::size_t e_pos = sci.find('e');
  std::string digits;
  for (const char c : sci.substr(0, e_pos)) {
    if (c != '.') digits += c;
  }
  std::string_view exp_text = sci.substr(e_pos + 1);
  if (!exp_text.empty() && exp_text[0] == '+') exp_text.remove_prefix(1);
  int exp = 0;
  std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exp);

  if (exp < -4 || exp >= 16) {
    out += digits[0];
    if (digits.size() > 1) {
      out += '.';
      out.append(digits, 1);
    }
    out += exp < 0 ? "e-" : "e+";
    const int a = exp < 0 ? -exp : exp;
    if (a < 10) out += '0';
    out += std::to_string(a);
  } else if (exp >= 0) {
    const auto int_len = static_cast<std::size_t>(exp) + 1;
    if (digits.size() <= int_len) {
      out += digits;
      out.append(int_len - digits.size(), '0');
      out += ".0";
    } else {
      out.append(digits, 0, int_len);
      out += '.';
      out.append(digits, int_len);
    }
  } else {
    out += "0.";
    out.append(static_cast<std::size_t>(-exp - 1), '0');
    out += digits;
  }
  return out;
}

std::string number_label(const std::string& text) {
  if (is_integer_literal(text)) {
    // The grammar allows no leading zeros, so only "-0" needs care.
    if (text == "-0") return "0";
    return text;
  }
  return python_float_repr(number_to_double(text));
}

// Python's repr of a str, for strings inside lists and dicts. Approximate:
// only ASCII controls are escaped (Python also escapes non-printable non-ASCII).
void append_python_string_repr(std::string& out, std::string_view s) {
  const bool has_single = s.find('\'') != std::string_view::npos;
  const bool has_double = s.find('"') != std::string_view::npos;
  const char quote = has_single && !has_double ? '"' : '\'';
  out += quote;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == quote || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7F) {
      static constexpr char hex[] = "0123456789abcdef";
      out += "\\x";
      out += hex[u >> 4];
      out += hex[u & 0xF];
    } else {
      out += c;
    }
  }
  out += quote;
}

// Depth is bounded by the parser's nesting limit, so this recursion is too.
void append_label(std::string& out, const json_value& v, bool top) {
  switch (v.type()) {
    case json_value::kind::null:
      out += "None";
      return;
    case json_value::kind::boolean:
      out += v.as_bool() ? "True" : "False";
      return;
    case json_value::kind::number:
      out += number_label(v.number_text());
      return;
    case json_value::kind::string:
      if (top) {
        out += v.as_string();
      } else {
        append_python_string_repr(out, v.as_string());
      }
      return;
    case json_value::kind::array: {
      out += '[';
      bool first = true;
      for (const json_value& item : v.items()) {
        if (!first) out += ", ";
        first = false;
        append_label(out, item, false);
      }
      out += ']';
      return;
    }
    case json_value::kind::object: {
      // A Python dict keeps a repeated key at its first position with its last value.
      const auto& members = v.members();
      std::unordered_map<std::string_view, std::size_t> last;
      for (std::size_t i = 0; i < members.size(); ++i) last[members[i].first] = i;
      out += '{';
      bool first = true;
      for (std::size_t i = 0; i < members.size(); ++i) {
        const auto it = last.find(members[i].first);
        if (it == last.end()) continue;  // key already printed
        if (!first) out += ", ";
        first = false;
        append_python_string_repr(out, members[i].first);
        out += ": ";
        append_label(out, members[it->second].second, false);
        last.erase(it);
      }
      out += '}';
      return;
    }
  }
}

}  // namespace

parse_error::parse_error(std::size_t line, std::size_t byte_offset, const std::string& message)
    : error(error_code::parse, error_prefix(line, byte_offset) + message),
      line_(line),
      byte_offset_(byte_offset) {}

// Named in json_value as a friend, so it lives in samestory, not in the anonymous namespace.
class json_parser {
 public:
  // `base` is added to every reported offset (a stripped BOM shifts the line).
  json_parser(std::string_view text, std::size_t line, std::size_t base) noexcept
      : text_(text), line_(line), base_(base) {}

  json_value parse_document() {
    const utf8_check c = check_utf8(text_);
    if (!c.ok) fail(c.error_offset, std::string("invalid UTF-8: ") + c.reason);
    skip_space();
    json_value v = parse_value(0);
    skip_space();
    if (pos_ != text_.size()) fail(pos_, "expected end of input after the value, found " + found());
    return v;
  }

 private:
  [[noreturn]] void fail(std::size_t at, const std::string& message) const {
    throw parse_error(line_, base_ + at, message);
  }

  // What stands at pos_, for messages.
  std::string found() const {
    if (pos_ >= text_.size()) return "end of input";
    const auto u = static_cast<unsigned char>(text_[pos_]);
    if (u >= 0x20 && u < 0x7F) return std::string("'") + text_[pos_] + "'";
    static constexpr char hex[] = "0123456789ABCDEF";
    return std::string("byte 0x") + hex[u >> 4] + hex[u & 0xF];
  }

  bool at(char c) const noexcept { return pos_ < text_.size() && text_[pos_] == c; }

  void skip_space() noexcept {
    while (pos_ < text_.size() && is_json_space(text_[pos_])) ++pos_;
  }

  json_value parse_value(std::size_t depth) {
    if (pos_ >= text_.size()) fail(pos_, "expected a value, found end of input");
    json_value v;
    switch (text_[pos_]) {
      case '{':
        parse_object(v, depth + 1);
        return v;
      case '[':
        parse_array(v, depth + 1);
        return v;
      case '"':
        v.kind_ = json_value::kind::string;
        parse_string(v.text_);
        return v;
      case 't':
        expect_literal("true");
        v.kind_ = json_value::kind::boolean;
        v.bool_ = true;
        return v;
      case 'f':
        expect_literal("false");
        v.kind_ = json_value::kind::boolean;
        return v;
      case 'n':
        expect_literal("null");
        return v;
      default:
        if (text_[pos_] == '-' || is_digit(text_[pos_])) {
          parse_number(v);
          return v;
        }
        fail(pos_, "expected a value, found " + found());
    }
  }

  void expect_literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) {
      fail(pos_, "expected '" + std::string(word) + "', found " + found());
    }
    pos_ += word.size();
  }

  void check_depth(std::size_t depth) const {
    if (depth > max_depth) {
      fail(pos_, "nesting deeper than " + std::to_string(max_depth) + " levels");
    }
  }

  void parse_array(json_value& v, std::size_t depth) {
    check_depth(depth);
    v.kind_ = json_value::kind::array;
    ++pos_;  // '['
    skip_space();
    if (at(']')) {
      ++pos_;
      return;
    }
    for (;;) {
      skip_space();
      v.items_.push_back(parse_value(depth));
      skip_space();
      if (at(',')) {
        ++pos_;
      } else if (at(']')) {
        ++pos_;
        return;
      } else {
        fail(pos_, "expected ',' or ']' in array, found " + found());
      }
    }
  }

  void parse_object(json_value& v, std::size_t depth) {
    check_depth(depth);
    v.kind_ = json_value::kind::object;
    ++pos_;  // '{'
    skip_space();
    if (at('}')) {
      ++pos_;
      return;
    }
    for (;;) {
      skip_space();
      if (!at('"')) fail(pos_, "expected a string key in object, found " + found());
      std::string key;
      parse_string(key);
      skip_space();
      if (!at(':')) fail(pos_, "expected ':' after object key, found " + found());
      ++pos_;
      skip_space();
      json_value member = parse_value(depth);
      v.members_.emplace_back(std::move(key), std::move(member));
      skip_space();
      if (at(',')) {
        ++pos_;
      } else if (at('}')) {
        ++pos_;
        return;
      } else {
        fail(pos_, "expected ',' or '}' in object, found " + found());
      }
    }
  }

  void parse_number(json_value& v) {
    const std::size_t start = pos_;
    if (at('-')) ++pos_;
    if (pos_ >= text_.size() || !is_digit(text_[pos_])) {
      fail(pos_, "expected a digit in number, found " + found());
    }
    if (text_[pos_] == '0') {
      ++pos_;
      if (pos_ < text_.size() && is_digit(text_[pos_])) fail(pos_, "leading zero in number");
    } else {
      while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
    }
    if (at('.')) {
      ++pos_;
      if (pos_ >= text_.size() || !is_digit(text_[pos_])) {
        fail(pos_, "expected a digit after '.', found " + found());
      }
      while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
    }
    if (at('e') || at('E')) {
      ++pos_;
      if (at('+') || at('-')) ++pos_;
      if (pos_ >= text_.size() || !is_digit(text_[pos_])) {
        fail(pos_, "expected a digit in exponent, found " + found());
      }
      while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
    }
    v.kind_ = json_value::kind::number;
    v.text_.assign(text_.substr(start, pos_ - start));
  }

  // Reads four hex digits at pos_.
  char32_t parse_hex4() {
    char32_t cp = 0;
    for (int i = 0; i < 4; ++i) {
      const int h = pos_ < text_.size() ? hex_value(text_[pos_]) : -1;
      if (h < 0) fail(pos_, "expected 4 hex digits after \\u, found " + found());
      cp = (cp << 4) | static_cast<char32_t>(h);
      ++pos_;
    }
    return cp;
  }

  void parse_string(std::string& out) {
    ++pos_;  // opening quote
    for (;;) {
      const std::size_t run = pos_;
      while (pos_ < text_.size()) {
        const auto u = static_cast<unsigned char>(text_[pos_]);
        if (u == '"' || u == '\\' || u < 0x20) break;
        ++pos_;
      }
      out.append(text_.substr(run, pos_ - run));
      if (pos_ >= text_.size()) fail(pos_, "expected '\"' to end the string, found end of input");
      const char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        return;
      }
      if (c != '\\') fail(pos_, "unescaped control character " + found() + " in string");
      const std::size_t escape = pos_;
      ++pos_;
      if (pos_ >= text_.size()) fail(pos_, "expected an escape after '\\', found end of input");
      const char e = text_[pos_];
      ++pos_;
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u':
          append_code_point(out, parse_unicode_escape(escape));
          break;
        default:
          --pos_;
          fail(escape, "invalid escape in string: '\\' followed by " + found());
      }
    }
  }

  // pos_ is just after "\u" of the escape that starts at `escape`.
  char32_t parse_unicode_escape(std::size_t escape) {
    const char32_t cp = parse_hex4();
    if (cp >= 0xDC00 && cp <= 0xDFFF) fail(escape, "lone low surrogate \\u escape in string");
    if (cp < 0xD800 || cp > 0xDBFF) return cp;
    if (text_.substr(pos_, 2) != "\\u") {
      fail(escape, "high surrogate \\u escape not followed by a low surrogate");
    }
    pos_ += 2;
    const char32_t low = parse_hex4();
    if (low < 0xDC00 || low > 0xDFFF) {
      fail(escape, "high surrogate \\u escape not followed by a low surrogate");
    }
    return 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
  }

  static void append_code_point(std::string& out, char32_t cp) {
    char buf[4];
    out.append(buf, detail::encode_utf8(cp, buf));
  }

  std::string_view text_;
  std::size_t line_;
  std::size_t base_;
  std::size_t pos_ = 0;
};

bool json_value::as_bool() const {
  if (kind_ != kind::boolean) throw_wrong_type("boolean", kind_);
  return bool_;
}

const std::string& json_value::as_string() const {
  if (kind_ != kind::string) throw_wrong_type("string", kind_);
  return text_;
}

const std::string& json_value::number_text() const {
  if (kind_ != kind::number) throw_wrong_type("number", kind_);
  return text_;
}

double json_value::as_double() const {
  return number_to_double(number_text());
}

const std::vector<json_value>& json_value::items() const {
  if (kind_ != kind::array) throw_wrong_type("array", kind_);
  return items_;
}

const std::vector<std::pair<std::string, json_value>>& json_value::members() const {
  if (kind_ != kind::object) throw_wrong_type("object", kind_);
  return members_;
}

const json_value* json_value::find(std::string_view key) const {
  if (kind_ != kind::object) throw_wrong_type("object", kind_);
  // From the back, so a repeated key yields its last value as Python's json does.
  for (auto it = members_.rbegin(); it != members_.rend(); ++it) {
    if (it->first == key) return &it->second;
  }
  return nullptr;
}

std::string json_value::to_label() const {
  std::string out;
  append_label(out, *this, true);
  return out;
}

json_value json_value::parse(std::string_view text, std::size_t line) {
  return json_parser(text, line, 0).parse_document();
}

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (u < 0x20) {
          out += "\\u00";
          out += hex[u >> 4];
          out += hex[u & 0xF];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

namespace {

bool is_leap_year(int y) noexcept {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int days_in_month(int y, int m) noexcept {
  static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap_year(y) ? 29 : days[m - 1];
}

// Howard Hinnant's days_from_civil: proleptic Gregorian, no time zone database.
std::int64_t days_from_civil(int y, int m, int d) noexcept {
  y -= m <= 2 ? 1 : 0;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<std::int64_t>(era) * 146097 + doe - 719468;
}

}  // namespace

std::optional<std::int64_t> parse_timestamp(std::string_view t) noexcept {
  std::size_t i = 0;
  const auto digits = [&](std::size_t n, int& out) noexcept {
    if (t.size() - i < n) return false;
    int v = 0;
    for (std::size_t k = 0; k < n; ++k) {
      if (!is_digit(t[i + k])) return false;
      v = v * 10 + (t[i + k] - '0');
    }
    i += n;
    out = v;
    return true;
  };
  const auto accept = [&](char c) noexcept {
    if (i < t.size() && t[i] == c) {
      ++i;
      return true;
    }
    return false;
  };

  int year = 0, month = 0, day = 0;
  if (!digits(4, year) || !accept('-') || !digits(2, month) || !accept('-') || !digits(2, day)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) return std::nullopt;
  const std::int64_t midnight = days_from_civil(year, month, day) * 86400;
  if (i == t.size()) return midnight;

  const bool space = t[i] == ' ';
  if (!space && t[i] != 'T' && t[i] != 't') return std::nullopt;
  ++i;
  int hour = 0, minute = 0, second = 0;
  if (!digits(2, hour) || !accept(':') || !digits(2, minute)) return std::nullopt;
  if (accept(':')) {
    if (!digits(2, second)) return std::nullopt;
    if (accept('.')) {
      // Fractional seconds are ignored, but at least one digit must be there.
      if (i >= t.size() || !is_digit(t[i])) return std::nullopt;
      while (i < t.size() && is_digit(t[i])) ++i;
    }
  } else if (space) {
    return std::nullopt;  // the space form always has seconds
  }
  if (hour > 23 || minute > 59 || second > 60) return std::nullopt;

  std::int64_t offset = 0;
  if (i < t.size()) {
    if (t[i] == 'Z' || t[i] == 'z') {
      ++i;
    } else if (t[i] == '+' || t[i] == '-') {
      const bool negative = t[i] == '-';
      ++i;
      int off_hour = 0, off_minute = 0;
      if (!digits(2, off_hour)) return std::nullopt;
      accept(':');
      if (!digits(2, off_minute)) return std::nullopt;
      if (off_hour > 23 || off_minute > 59) return std::nullopt;
      offset = (off_hour * 3600 + off_minute * 60) * (negative ? -1 : 1);
    }
  }
  if (i != t.size()) return std::nullopt;
  return midnight + hour * 3600 + minute * 60 + second - offset;
}

namespace {

bool is_scheme(std::string_view s) noexcept {
  if (s.empty()) return false;
  const auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (!alpha(s[0])) return false;
  for (const char c : s) {
    if (!alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.') return false;
  }
  return true;
}

// The host of a URL, lowercased: scheme, userinfo, port, path, query and fragment dropped.
std::string url_host(std::string_view url) {
  while (!url.empty() && is_json_space(url.front())) url.remove_prefix(1);
  const std::size_t scheme_end = url.find("://");
  if (scheme_end != std::string_view::npos && is_scheme(url.substr(0, scheme_end))) {
    url.remove_prefix(scheme_end + 3);
  } else if (url.substr(0, 2) == "//") {
    url.remove_prefix(2);
  }
  std::string_view authority = url.substr(0, url.find_first_of("/?#\\ \t"));
  const std::size_t at = authority.rfind('@');
  if (at != std::string_view::npos) authority.remove_prefix(at + 1);
  std::string_view host;
  if (!authority.empty() && authority[0] == '[') {
    const std::size_t close = authority.find(']');  // IPv6 literal: its colons are not a port
    host = close == std::string_view::npos ? authority : authority.substr(0, close + 1);
  } else {
    host = authority.substr(0, authority.find(':'));
  }
  std::string out(host);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Keeps error messages short when a field holds a whole article.
std::string excerpt(std::string_view s) {
  constexpr std::size_t limit = 80;
  if (s.size() <= limit) return std::string(s);
  std::size_t n = limit;
  while (n > 0 && detail::is_cont(static_cast<unsigned char>(s[n]))) --n;  // whole characters
  return std::string(s.substr(0, n)) + "...";
}

std::string optional_string(const json_value& object, const char* field, std::size_t line) {
  const json_value* v = object.find(field);
  if (v == nullptr || v->is_null()) return {};
  if (v->type() != json_value::kind::string) {
    throw parse_error(line, 0,
                      std::string("field \"") + field + "\" must be a string or null, found " +
                          kind_name(v->type()));
  }
  return v->as_string();
}

const std::string* non_empty_string(const json_value& object, const char* field) {
  const json_value* v = object.find(field);
  if (v == nullptr || v->type() != json_value::kind::string || v->as_string().empty()) {
    return nullptr;
  }
  return &v->as_string();
}

std::int64_t number_seconds(const json_value& v, std::size_t line) {
  const std::string& text = v.number_text();
  if (is_integer_literal(text)) {
    std::int64_t n = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec == std::errc() && ptr == text.data() + text.size()) return n;
  } else {
    const double d = std::trunc(v.as_double());
    // 2^63 is exact as a double; the range check also rejects inf.
    if (d >= -9223372036854775808.0 && d < 9223372036854775808.0) {
      return static_cast<std::int64_t>(d);
    }
  }
  throw parse_error(line, 0, "field \"date\": number " + excerpt(text) + " is out of range");
}

}  // namespace

document_record to_document_record(const json_value& object, std::size_t line) {
  if (object.type() != json_value::kind::object) {
    throw parse_error(line, 0,
                      std::string("expected a JSON object, found ") + kind_name(object.type()));
  }
  document_record r;
  r.line = line;

  const json_value* id = object.find("id");
  if (id == nullptr) throw parse_error(line, 0, "field \"id\" is missing");
  if (id->type() == json_value::kind::string) {
    r.id = id->as_string();
  } else if (id->type() == json_value::kind::number) {
    r.id = id->to_label();
  } else {
    throw parse_error(
        line, 0,
        std::string("field \"id\" must be a string or number, found ") + kind_name(id->type()));
  }

  r.title = optional_string(object, "title", line);
  r.text = optional_string(object, "text", line);

  const json_value* date = object.find("date");
  if (date != nullptr && !date->is_null()) {
    if (date->type() == json_value::kind::string) {
      r.time = parse_timestamp(date->as_string());
      if (!r.time) {
        throw parse_error(
            line, 0,
            "date \"" + excerpt(date->as_string()) + "\" is not ISO 8601 or YYYY-MM-DD HH:MM:SS");
      }
    } else if (date->type() == json_value::kind::number) {
      r.time = number_seconds(*date, line);
    } else {
      throw parse_error(line, 0,
                        std::string("field \"date\" must be a string, number or null, found ") +
                            kind_name(date->type()));
    }
  }

  if (const std::string* source = non_empty_string(object, "source")) {
    r.source = *source;
  } else if (const std::string* url = non_empty_string(object, "url")) {
    r.source = url_host(*url);
  }
  if (r.source.empty()) {
    if (const std::string* publisher = non_empty_string(object, "publisher")) {
      r.source = *publisher;
    }
  }
  return r;
}

jsonl_reader::jsonl_reader(std::istream& in) : in_(&in) {}

bool jsonl_reader::next(json_value& value) {
  while (std::getline(*in_, buffer_)) {
    ++line_;
    std::string_view text(buffer_);
    std::size_t base = 0;
    if (line_ == 1 && text.substr(0, 3) == "\xEF\xBB\xBF") {
      text.remove_prefix(3);
      base = 3;  // offsets stay relative to the line as it is in the file
    }
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (is_blank(text)) continue;
    value = json_parser(text, line_, base).parse_document();
    return true;
  }
  return false;
}

}  // namespace samestory
