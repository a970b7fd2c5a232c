#include <samestory/chrome.hpp>
#include <samestory/error.hpp>
#include <samestory/utf8.hpp>

#include <catch2/catch.hpp>

#include "support/files.hpp"

#include <cstdint>
#include <cstdio>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

// The tests rebuild checksums after editing saved bytes, so that a corrupted
// length or order is caught by its own check rather than by the checksum.
#define XXH_INLINE_ALL
#include <xxhash.h>

using samestory::chrome_reason;
using samestory::chrome_result;
using samestory::chrome_statistics;
using samestory::chrome_stripper;

namespace {

using samestory::test::read_seed;

// Code points that are not white space: the unit the seed README measures in.
std::size_t visible_chars(std::string_view s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto b = static_cast<unsigned char>(s[i]);
    if ((b & 0xC0u) == 0x80u) continue;  // continuation byte
    if (b == ' ' || b == '\t' || b == '\r' || b == '\n' || b == '\v' || b == '\f') continue;
    if (s.compare(i, 3, "\xE3\x80\x80") == 0 || s.compare(i, 2, "\xC2\xA0") == 0) continue;
    ++n;
  }
  return n;
}

enum class label { body, chrome, neither };

struct tally {
  double body = 0, body_kept = 0, chrome = 0, chrome_removed = 0;
  double kept_pct() const { return body == 0 ? 100.0 : 100.0 * body_kept / body; }
  double removed_pct() const { return chrome == 0 ? 100.0 : 100.0 * chrome_removed / chrome; }
};

// Labels every piece of every line (1-based line numbers), then counts what
// the stripper kept of each label.
using labeller = std::function<std::vector<std::pair<std::string_view, label>>(
    std::size_t line_no, std::string_view line)>;

tally measure(const std::string& doc, const chrome_result& r, const labeller& label_of) {
  tally t;
  for (std::size_t i = 0; i < r.lines.size(); ++i) {
    const std::string_view line(doc.data() + r.lines[i].begin, r.lines[i].end - r.lines[i].begin);
    for (const auto& [piece, l] : label_of(i + 1, line)) {
      const auto n = static_cast<double>(visible_chars(piece));
      if (l == label::body) {
        t.body += n;
        if (r.lines[i].kept()) t.body_kept += n;
      } else if (l == label::chrome) {
        t.chrome += n;
        if (!r.lines[i].kept()) t.chrome_removed += n;
      }
    }
  }
  return t;
}

labeller by_line(std::function<label(std::size_t)> f) {
  return [f](std::size_t line_no, std::string_view line) {
    return std::vector<std::pair<std::string_view, label>>{{line, f(line_no)}};
  };
}

void report(const char* seed, const tally& t) {
  char buf[200];
  std::snprintf(
      buf, sizeof buf,
      "chrome %s: body kept %.1f%% (%.0f/%.0f chars), chrome removed %.1f%% (%.0f/%.0f chars)",
      seed, t.kept_pct(), t.body_kept, t.body, t.removed_pct(), t.chrome_removed, t.chrome);
  WARN(buf);
}

// Checks what every result must satisfy: the lines tile the input, `text` is
// the kept lines joined by '\n', and to_input_offset() maps every byte of
// `text` back to the same byte of the input.
void check_invariants(std::string_view doc, const chrome_result& r) {
  std::size_t expected_begin = 0;
  std::string joined;
  bool first = true;
  for (const auto& l : r.lines) {
    REQUIRE(l.begin == expected_begin);
    REQUIRE(l.end >= l.begin);
    REQUIRE(l.end <= doc.size());
    std::size_t next = l.end;
    if (next < doc.size() && doc[next] == '\r') ++next;
    if (next < doc.size()) {
      REQUIRE(doc[next] == '\n');
      ++next;
    }
    expected_begin = next;
    if (l.kept()) {
      if (!first) joined.push_back('\n');
      first = false;
      joined.append(doc.substr(l.begin, l.end - l.begin));
    }
  }
  REQUIRE(expected_begin == doc.size());
  REQUIRE(r.text == joined);
  for (std::size_t o = 0; o < r.text.size(); ++o) {
    const std::size_t in = r.to_input_offset(o);
    REQUIRE(in < doc.size());
    if (r.text[o] == '\n') {
      REQUIRE((doc[in] == '\n' || doc[in] == '\r'));
    } else {
      REQUIRE(doc[in] == r.text[o]);
    }
  }
}

std::string with_crlf(const std::string& s) {
  std::string out;
  for (const char c : s) {
    if (c == '\n') out.push_back('\r');
    out.push_back(c);
  }
  return out;
}

}  // namespace

// ---- seeds: examples/data/seeds, body ranges from their README -------------

TEST_CASE("chrome: seed 000 keeps body and drops chrome", "[chrome][seeds]") {
  const std::string doc = read_seed("000_1429655e81e706ba.txt");
  const chrome_result r = chrome_stripper().strip(doc);
  REQUIRE(r.lines.size() == 108);
  check_invariants(doc, r);
  // 12 headline, 14 dateline, 18 caption, 21-31 paragraphs; 19 repeats 18.
  const tally t = measure(doc, r, by_line([](std::size_t n) {
                            if (n == 19) return label::neither;
                            if (n == 12 || n == 14 || n == 18 || (n >= 21 && n <= 31)) {
                              return label::body;
                            }
                            return label::chrome;
                          }));
  report("seed 000", t);
  CHECK(t.kept_pct() >= 95.0);
  CHECK(t.removed_pct() >= 90.0);
  // Each headline in the related and popular lists appears twice.
  CHECK(r.lines[46].reason == chrome_reason::duplicate_line);
}

TEST_CASE("chrome: seed 001 keeps body and drops chrome", "[chrome][seeds]") {
  const std::string doc = read_seed("001_16c679fa5d3af775.txt");
  const chrome_result r = chrome_stripper().strip(doc);
  REQUIRE(r.lines.size() == 89);
  check_invariants(doc, r);
  // 1 headline, 5 from "全球首富" on, 6-16; the view counter opening line 5 is chrome.
  const tally t = measure(doc, r, [](std::size_t n, std::string_view line) {
    using pieces = std::vector<std::pair<std::string_view, label>>;
    if (n == 5) {
      const std::size_t cut =
          line.find("\xE5\x85\xA8\xE7\x90\x83\xE9\xA6\x96\xE5\xAF\x8C");  // 全球首富
      REQUIRE(cut != std::string_view::npos);
      return pieces{{line.substr(0, cut), label::chrome}, {line.substr(cut), label::body}};
    }
    return pieces{{line, n == 1 || (n >= 6 && n <= 16) ? label::body : label::chrome}};
  });
  report("seed 001", t);
  CHECK(t.kept_pct() >= 95.0);
  CHECK(t.removed_pct() >= 90.0);
}

TEST_CASE("chrome: seed 002 keeps body and drops chrome", "[chrome][seeds]") {
  const std::string doc = read_seed("002_a4a25052c983028c.txt");
  const chrome_result r = chrome_stripper().strip(doc);
  REQUIRE(r.lines.size() == 48);
  check_invariants(doc, r);
  const tally t =
      measure(doc, r, by_line([](std::size_t n) {
                return n == 1 || n == 2 || (n >= 4 && n <= 46) ? label::body : label::chrome;
              }));
  report("seed 002", t);
  CHECK(t.kept_pct() >= 95.0);
  CHECK(t.removed_pct() >= 90.0);
}

TEST_CASE("chrome: seed 003 has no chrome and keeps it all", "[chrome][seeds]") {
  const std::string doc = read_seed("003_1f0c60b46c01051d.txt");
  const chrome_result r = chrome_stripper().strip(doc);
  REQUIRE(r.lines.size() == 52);
  check_invariants(doc, r);
  const tally t = measure(doc, r, by_line([](std::size_t) { return label::body; }));
  report("seed 003", t);
  CHECK(t.kept_pct() >= 98.0);
}

TEST_CASE("chrome: CRLF line ends give the same verdicts as LF", "[chrome]") {
  const std::string lf = read_seed("000_1429655e81e706ba.txt");
  const std::string crlf = with_crlf(lf);
  const chrome_stripper s;
  const chrome_result a = s.strip(lf);
  const chrome_result b = s.strip(crlf);
  check_invariants(crlf, b);
  REQUIRE(a.lines.size() == b.lines.size());
  for (std::size_t i = 0; i < a.lines.size(); ++i) {
    CHECK(a.lines[i].reason == b.lines[i].reason);
    CHECK(b.lines[i].end - b.lines[i].begin == a.lines[i].end - a.lines[i].begin);
  }
  CHECK(a.text == b.text);
  CHECK(b.text.find('\r') == std::string::npos);
}

// ---- English ------------------------------------------------------------------

namespace {

// An invented article in a typical wire layout: headline, byline, paragraphs
// of varied length, a subheading, a one-line quote and a short last sentence.
const char* const english_article =
    "Riverside council approves bike lanes after two years of debate\n"
    "By Maria Lopez\n"
    "\n"
    "The Riverside city council voted 7 to 2 on Tuesday night to build a network of protected "
    "bike lanes along the river, ending a debate that has divided residents since early 2024.\n"
    "\n"
    "The plan adds 14 kilometres of lanes separated from traffic by concrete kerbs, links the "
    "two bridges in the old town and removes about 300 parking spaces on Harbour Street.\n"
    "\n"
    "Supporters packed the public gallery. Many wore yellow vests and cheered when the final "
    "vote was read out, while a smaller group of shop owners left before the meeting ended.\n"
    "\n"
    "\"This is the most important safety decision we have made in a decade,\" said councillor "
    "Ana Ruiz, who chairs the transport committee. \"Nobody should risk their life to ride to "
    "school.\"\n"
    "\n"
    "Opponents said the loss of parking would hurt small businesses that already struggle with "
    "high rents and online competition.\n"
    "\n"
    "What happens next\n"
    "\n"
    "Construction is expected to start in September and to take about eighteen months. The "
    "first section, between the station and the university, should open next spring.\n"
    "\n"
    "The city estimates the cost at 21 million euros, two thirds of which will come from a "
    "regional fund for low-carbon transport. The rest will be paid from the road maintenance "
    "budget over three years.\n"
    "\n"
    "Traffic engineers will study the effect on bus times. If delays grow, the council may "
    "change the timing of traffic lights along the route.\n"
    "\n"
    "Cycling groups said they would watch the work closely.\n"
    "\n"
    "Shop owners on Harbour Street plan to meet the mayor next week to ask for loading zones and "
    "short-stay parking near the market.\n"
    "\n"
    "The mayor's office declined to comment.";

}  // namespace

TEST_CASE("chrome: an English article without chrome is kept", "[chrome]") {
  const std::string doc = english_article;
  const chrome_result r = chrome_stripper().strip(doc);
  check_invariants(doc, r);
  const tally t = measure(doc, r, by_line([](std::size_t) { return label::body; }));
  report("english (no chrome)", t);
  CHECK(t.kept_pct() >= 98.0);
  CHECK(r.lines.front().kept());  // the headline
  CHECK(r.lines[1].kept());       // the byline
}

TEST_CASE("chrome: an English page loses its menu, share bar, related list and notice",
          "[chrome]") {
  const std::string menu = "Home\nWorld\nBusiness\nTechnology\nSport\nSign in\n\n";
  const std::string footer =
      "\n\nShare this article\nFacebook\nTwitter\nEmail\n\nRelated stories\n"
      "Mayor unveils budget with record transit spending\n"
      "Five things to know about the new ferry timetable\n"
      "Why the old bridge will close for repairs this summer\n\n"
      "Copyright 2026 The Riverside Gazette. All rights reserved.";
  const std::string doc = menu + english_article + footer;
  const chrome_result r = chrome_stripper().strip(doc);
  check_invariants(doc, r);
  const std::size_t menu_lines = 7;
  const std::size_t article_lines = 26;
  const tally t = measure(
      doc, r, by_line([&](std::size_t n) {
        return n > menu_lines && n <= menu_lines + article_lines ? label::body : label::chrome;
      }));
  report("english (with chrome)", t);
  CHECK(t.kept_pct() >= 98.0);
  CHECK(t.removed_pct() >= 95.0);
  CHECK(r.text.find("Copyright") == std::string::npos);
  CHECK(r.text.find("Facebook") == std::string::npos);
}

// ---- structure ----------------------------------------------------------------

TEST_CASE("chrome: headline and dateline above the body are kept, player widgets are not",
          "[chrome]") {
  const std::string doc =
      "首页 新闻 体育\n"
      "相关专题\n"
      "\n"
      "台风携强降雨登陆沿海多地启动应急响应\n"
      "本报记者 李明 报道\n"
      "听新闻\n"
      "0:00 / 3:25\n"
      "受今年第8号台风影响，沿海多地自昨日起出现强降雨，部分地区单日降雨量超过200毫米。\n"
      "气象部门表示，台风中心预计今晚在南部沿海登陆，登陆时中心附近最大风力可达12级。\n"
      "当地已转移群众三万余人。\n";
  const chrome_result r = chrome_stripper().strip(doc);
  check_invariants(doc, r);
  REQUIRE(r.lines.size() == 10);
  CHECK_FALSE(r.lines[0].kept());
  CHECK_FALSE(r.lines[1].kept());
  CHECK(r.lines[3].kept());  // headline
  CHECK(r.lines[4].kept());  // dateline right under it
  CHECK_FALSE(r.lines[5].kept());
  CHECK(r.lines[6].reason == chrome_reason::timestamp);
  CHECK(r.lines[7].kept());
  CHECK(r.lines[8].kept());
  CHECK(r.lines[9].kept());  // a short last sentence of the paragraph block
}

TEST_CASE("chrome: a reprint notice ends the body, a short last paragraph does not", "[chrome]") {
  const std::string body =
      "研究人员在报告中指出，新型电池的能量密度比现有产品提高了约三成，成本却下降了一半以上。\n\n"
      "报告还称，这项技术有望在两年内实现量产，首批产品将用于城市公交和储能电站。\n\n";
  const chrome_result a = chrome_stripper().strip(body + "记者将持续关注。");
  CHECK(a.lines.back().kept());
  const chrome_result b = chrome_stripper().strip(body + "本文为本站原创稿件，未经授权不得转载。");
  CHECK_FALSE(b.lines.back().kept());
  CHECK(b.lines.back().reason == chrome_reason::notice);
}

TEST_CASE("chrome: a lone subheading between paragraphs is body, a list is not", "[chrome]") {
  const std::string p1 =
      "The central bank left interest rates unchanged on Thursday, saying inflation was falling "
      "more slowly than it had expected in the spring.";
  const std::string p2 =
      "Economists had widely expected the decision, although two members of the committee voted "
      "for a cut of a quarter of a percentage point.";
  const std::string doc = p1 + "\n\nWhat the bank said\n\n" + p2 +
                          "\n\nMore from Markets\nOil prices slip\nGold steadies\nYen weakens\n\n" +
                          p2 + " " + p1;
  const chrome_result r = chrome_stripper().strip(doc);
  check_invariants(doc, r);
  CHECK(r.lines[2].kept());
  CHECK(r.lines[6].reason == chrome_reason::title_like_run);
  CHECK(r.lines[7].reason == chrome_reason::title_like_run);
  CHECK(r.lines.back().kept());
}

TEST_CASE("chrome: a duplicated line is kept once", "[chrome]") {
  const std::string para =
      "The committee said the new rules would take effect in January and apply to every company "
      "with more than fifty employees.";
  const std::string doc = para + "\n" + para +
                          "\n\nA second, different paragraph follows here, "
                          "long enough to count as body text of the article.";
  const chrome_result r = chrome_stripper().strip(doc);
  check_invariants(doc, r);
  CHECK(r.lines[0].kept());
  CHECK(r.lines[1].reason == chrome_reason::duplicate_line);
  CHECK(r.lines[3].kept());
}

TEST_CASE("chrome: a document with no prose at all is kept rather than emptied", "[chrome]") {
  // A title-only item or a micro-blog post has no sentence to anchor a body
  // block; dropping it all would make it invisible to matching.
  const std::string doc =
      "\xE9\xA9\xAC\xE6\x96\xAF\xE5\x85\x8B\xE7\xA7\xB0\xE4\xB8\xAD\xE5\x9B\xBD"
      "AI\xE7\xAE\x97\xE5\x8A\x9B\xE5\xB0\x86\xE9\xA2\x86\xE5\x85\x88\xE4\xB8\x96"
      "\xE7\x95\x8C\n"  // 马斯克称中国AI算力将领先世界
      "2026-01-08 10:00\n";
  const chrome_result r = chrome_stripper().strip(doc);
  check_invariants(doc, r);
  CHECK(r.lines[0].kept());
  CHECK(r.lines[1].reason == chrome_reason::timestamp);
  const chrome_result title = chrome_stripper().strip("Musk says China will lead in AI compute");
  CHECK(title.text == "Musk says China will lead in AI compute");
}

// ---- edge cases ---------------------------------------------------------------

TEST_CASE("chrome: empty document gives an empty result with no lines", "[chrome]") {
  const chrome_result r = chrome_stripper().strip("");
  CHECK(r.text.empty());
  CHECK(r.lines.empty());
  CHECK(r.to_input_offset(0) == 0);
}

TEST_CASE("chrome: white space only is all empty lines", "[chrome]") {
  const std::string doc = "   \n\t\n\xE3\x80\x80\r\n\n  ";
  const chrome_result r = chrome_stripper().strip(doc);
  check_invariants(doc, r);
  REQUIRE(r.lines.size() == 5);
  for (const auto& l : r.lines) CHECK(l.reason == chrome_reason::empty);
  CHECK(r.text.empty());
  // A final '\n' ends the last line rather than starting another.
  CHECK(chrome_stripper().strip("a\n").lines.size() == 1);
  CHECK(chrome_stripper().strip("\n").lines.size() == 1);
}

TEST_CASE("chrome: invalid UTF-8 is tolerated", "[chrome]") {
  const std::string bad =
      "\xFF\xFE headline \xC0\xAF with junk\n"
      "\xE4\xB8 truncated \xED\xA0\x80 surrogate \xF4\x90\x80\x80 above range, \x80\x80 stray "
      "continuation bytes, and a sentence that goes on long enough to be a paragraph.\n"
      "\xE4\xB8\xAD\xE6\x96\x87\xE6\xAE\xB5\xE8\x90\xBD\xEF\xBC\x8C\xFF\xE5\x8F\xA5\xE5\xAD\x90"
      "\xE3\x80\x82\n"
      "tail \xF0\x9F\x98";  // cut inside a 4-byte sequence at the very end
  const chrome_result r = chrome_stripper().strip(bad);
  check_invariants(bad, r);
  CHECK(r.lines.size() == 4);

  // Random bytes, biased towards newlines and CJK lead bytes, never crash.
  std::uint64_t state = 0x9E3779B97F4A7C15ull;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  const chrome_stripper s;
  for (int round = 0; round < 300; ++round) {
    std::string doc(next() % 700, '\0');
    for (char& c : doc) {
      const std::uint64_t v = next();
      switch (v % 8) {
        case 0:
          c = '\n';
          break;
        case 1:
          c = static_cast<char>(0xE4 + (v >> 8) % 6);
          break;
        case 2:
          c = static_cast<char>(0x80 + (v >> 8) % 64);
          break;
        case 3:
          c = "., \r!?"[(v >> 8) % 6];
          break;
        default:
          c = static_cast<char>(v >> 16);
          break;
      }
    }
    check_invariants(doc, s.strip(doc));
  }
}

TEST_CASE("chrome: to_input_offset maps text offsets back to the input", "[chrome]") {
  const std::string doc = read_seed("001_16c679fa5d3af775.txt");
  const chrome_result r = chrome_stripper().strip(doc);
  check_invariants(doc, r);  // every byte of text
  // The first kept line is the headline at the start of the input.
  REQUIRE(r.lines[0].kept());
  CHECK(r.to_input_offset(0) == 0);
  // The second kept line (line 5) starts right after the first '\n' of text.
  const std::size_t second = r.text.find('\n') + 1;
  CHECK(r.to_input_offset(second) == r.lines[4].begin);
  CHECK(r.to_input_offset(second - 1) == r.lines[0].end);  // the separator
  // text.size() maps to the end of the last kept line (line 16).
  CHECK(r.to_input_offset(r.text.size()) == r.lines[15].end);
  CHECK(r.to_input_offset(r.text.size() + 100) == r.lines[15].end);
  // With nothing kept, every offset maps to the end of the last line.
  const chrome_result none = chrome_stripper().strip("2026-01-04 05:30\n\n");
  CHECK(none.text.empty());
  CHECK(none.to_input_offset(0) == 17);
}

TEST_CASE("chrome: options out of range are rejected", "[chrome]") {
  using samestory::chrome_options;
  using samestory::invalid_options_error;
  chrome_options o;
  o.min_body_chars = 0;
  CHECK_THROWS_AS(chrome_stripper(o), invalid_options_error);
  o = {};
  o.max_short_chars = o.min_body_chars + 1;
  CHECK_THROWS_AS(chrome_stripper(o), invalid_options_error);
  o = {};
  o.recurring_share = 0.0;
  CHECK_THROWS_AS(chrome_stripper(o), invalid_options_error);
  o.recurring_share = 1.5;
  CHECK_THROWS_AS(chrome_stripper(o), invalid_options_error);
  o = {};
  o.recurring_min_docs = 0;
  CHECK_THROWS_AS(chrome_stripper(o), invalid_options_error);
  CHECK_NOTHROW(chrome_stripper(chrome_options{}));
}

TEST_CASE("chrome: every reason has a distinct name", "[chrome]") {
  std::set<std::string> names;
  for (int i = 0; i <= static_cast<int>(chrome_reason::notice); ++i) {
    names.insert(samestory::to_string(static_cast<chrome_reason>(i)));
  }
  CHECK(names.size() == 9);
  CHECK(std::string(samestory::to_string(chrome_reason::title_like_run)) == "title_like_run");
}

TEST_CASE("chrome: strip gives the same result from several threads at once", "[chrome]") {
  const chrome_stripper s;
  std::vector<std::string> docs = {
      read_seed("000_1429655e81e706ba.txt"), read_seed("001_16c679fa5d3af775.txt"),
      read_seed("002_a4a25052c983028c.txt"), read_seed("003_1f0c60b46c01051d.txt")};
  std::vector<std::string> expected;
  for (const auto& d : docs) expected.push_back(s.strip(d).text);
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < 50; ++k) {
        const std::size_t i = static_cast<std::size_t>(k + t) % docs.size();
        if (s.strip(docs[i]).text != expected[i]) ++mismatches[static_cast<std::size_t>(t)];
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(mismatches == std::vector<int>(4, 0));
}

// ---- statistics -----------------------------------------------------------------

namespace {

const std::string site_footer =
    "Subscribe to our newsletter for the morning briefing, delivered every day.";
const std::string wire_paragraph =
    "The agency said the survey covered more than four thousand households in twelve provinces "
    "and was carried out between March and May.";

std::string site_article(int i) {
  const std::string n = std::to_string(i);
  return "Local story number " + n + " makes the front page today\n\n" + "Residents of district " +
         n +
         " gathered on Saturday to discuss the plan, which would "
         "turn the old depot into a park with a playground and a market hall.\n\n" +
         "Officials promised an answer within " + n +
         " weeks, after a public consultation "
         "that starts next month and runs until the end of the summer.\n\n" +
         wire_paragraph + "\n\n" + site_footer;
}

chrome_statistics observed_site(int docs) {
  chrome_statistics stats;
  for (int i = 0; i < docs; ++i) stats.observe(site_article(i), "gazette.example");
  stats.observe(site_article(100), "other.example");
  return stats;
}

std::uint64_t read_u64(const std::string& b, std::size_t at) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i)
    v = (v << 8) | static_cast<unsigned char>(b[at + static_cast<std::size_t>(i)]);
  return v;
}

void write_u32(std::string& b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i)
    b[at + static_cast<std::size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xFF);
}

void write_u64(std::string& b, std::size_t at, std::uint64_t v) {
  for (int i = 0; i < 8; ++i)
    b[at + static_cast<std::size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xFF);
}

// Recomputes the trailing checksum after an edit of the payload.
void reseal(std::string& b) {
  const std::uint64_t length = read_u64(b, 8);
  write_u64(b, 16 + length, XXH3_64bits(b.data() + 16, length));
}

// Returns the offset a format_error reports, or SIZE_MAX if load() succeeded
// or threw anything else.
std::size_t format_error_offset(const std::string& bytes) {
  try {
    (void)chrome_statistics::load(bytes);
  } catch (const samestory::format_error& e) {
    return e.code() == samestory::error_code::format ? e.byte_offset() : SIZE_MAX;
  } catch (...) {
    return SIZE_MAX;
  }
  return SIZE_MAX;
}

}  // namespace

TEST_CASE("chrome: statistics mark a footer recurring on its source only", "[chrome][statistics]") {
  const chrome_statistics stats = observed_site(10);
  CHECK(stats.documents("gazette.example") == 10);
  CHECK(stats.documents("other.example") == 1);
  CHECK(stats.documents("unknown.example") == 0);
  CHECK(stats.line_documents("gazette.example", site_footer) == 10);
  CHECK(stats.line_documents("gazette.example", "  " + site_footer + " \t") == 10);  // trimmed
  CHECK(stats.line_documents("other.example", site_footer) == 1);

  const chrome_stripper s;
  const std::string doc = site_article(42);
  const auto footer_line = [](const chrome_result& r) { return r.lines.back(); };

  // Without statistics the footer reads like a last sentence and is kept.
  CHECK(footer_line(s.strip(doc)).kept());
  // On its own source it is recurring chrome; the body stays.
  const chrome_result on_site = s.strip(doc, &stats, "gazette.example");
  check_invariants(doc, on_site);
  CHECK(footer_line(on_site).reason == chrome_reason::recurring);
  CHECK(on_site.lines[0].kept());
  CHECK(on_site.lines[2].kept());
  // The shared long paragraph is prose and exempt: repeated prose is what
  // near-duplicate detection needs to see.
  CHECK(stats.line_documents("gazette.example", wire_paragraph) == 10);
  CHECK(on_site.lines[6].kept());
  // Another source has seen the footer once: not recurring there.
  CHECK(footer_line(s.strip(doc, &stats, "other.example")).kept());
}

TEST_CASE("chrome: statistics count a line once per document", "[chrome][statistics]") {
  chrome_statistics stats;
  CHECK(stats.is_empty());
  stats.observe("menu\nmenu\n  menu  \nbody one\n", "s");
  stats.observe("menu\nbody two\n", "s");
  CHECK_FALSE(stats.is_empty());
  CHECK(stats.documents("s") == 2);
  CHECK(stats.line_documents("s", "menu") == 2);
  CHECK(stats.line_documents("s", "body one") == 1);
  CHECK(stats.line_documents("s", "body three") == 0);
}

TEST_CASE("chrome: statistics save and load round trip", "[chrome][statistics]") {
  const chrome_statistics stats = observed_site(10);
  const std::string bytes = stats.save();
  REQUIRE(bytes.substr(0, 4) == "SMST");
  const chrome_statistics back = chrome_statistics::load(bytes);
  CHECK(back.save() == bytes);
  CHECK(back.documents("gazette.example") == 10);
  CHECK(back.line_documents("gazette.example", site_footer) == 10);
  CHECK(back.line_documents("other.example", wire_paragraph) == 1);

  const chrome_statistics empty;
  const std::string e = empty.save();
  CHECK(e.size() == 16 + 4 + 8);
  CHECK(chrome_statistics::load(e).is_empty());
}

TEST_CASE("chrome: statistics load rejects every truncation and every bit flip",
          "[chrome][statistics]") {
  const std::string bytes = observed_site(4).save();
  std::size_t accepted = 0;
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    if (format_error_offset(bytes.substr(0, n)) == SIZE_MAX) ++accepted;
  }
  CHECK(accepted == 0);
  CHECK(format_error_offset(bytes + '\0') != SIZE_MAX);  // trailing garbage

  accepted = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string flipped = bytes;
      flipped[i] = static_cast<char>(flipped[i] ^ (1 << bit));
      if (format_error_offset(flipped) == SIZE_MAX) ++accepted;
    }
  }
  CHECK(accepted == 0);
}

TEST_CASE("chrome: statistics load survives random payloads with valid checksums",
          "[chrome][statistics]") {
  // Past the checksum every field is hostile: counts, order, lengths. Each
  // random payload must either load or raise format_error, never anything else.
  const std::string good = observed_site(3).save();
  std::uint64_t state = 0x2545F4914F6CDD1Dull;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  std::size_t other_failures = 0;
  for (int round = 0; round < 2000; ++round) {
    std::string b = good;
    const std::size_t payload = b.size() - 24;
    const int edits = 1 + static_cast<int>(next() % 4);
    for (int e = 0; e < edits; ++e) {
      b[16 + next() % payload] = static_cast<char>(next());
    }
    reseal(b);
    try {
      const chrome_statistics s = chrome_statistics::load(b);
      CHECK(chrome_statistics::load(s.save()).save() == s.save());
    } catch (const samestory::format_error&) {
    } catch (...) {
      ++other_failures;
    }
  }
  CHECK(other_failures == 0);
}

TEST_CASE("chrome: statistics load names the offending field", "[chrome][statistics]") {
  const std::string good = observed_site(4).save();

  std::string b = good;
  b[0] = 'X';
  CHECK(format_error_offset(b) == 0);  // magic

  b = good;
  b[4] = 2;
  CHECK(format_error_offset(b) == 4);  // version

  b = good;
  b[6] = 1;
  CHECK(format_error_offset(b) == 6);  // kind

  b = good;
  write_u64(b, 8, ~0ull);
  CHECK(format_error_offset(b) == 8);  // payload length beyond the input

  b = good;
  b[b.size() - 1] = static_cast<char>(b[b.size() - 1] ^ 1);
  CHECK(format_error_offset(b) == b.size() - 8);  // checksum

  // Absurd counts with a valid checksum: refused before anything is allocated.
  b = good;
  write_u32(b, 16, 0xFFFFFFFFu);
  reseal(b);
  CHECK(format_error_offset(b) == 16);  // source count

  b = good;
  write_u32(b, 16 + 4 + 8 + 4, 0xFFFFFFFFu);
  reseal(b);
  CHECK(format_error_offset(b) == 32);  // first source's line count

  // Line hashes out of order, or repeated.
  const std::size_t first_line = 16 + 4 + 16;
  b = good;
  const std::string e0 = b.substr(first_line, 12);
  const std::string e1 = b.substr(first_line + 12, 12);
  b.replace(first_line, 12, e1);
  b.replace(first_line + 12, 12, e0);
  reseal(b);
  CHECK(format_error_offset(b) == first_line + 12);
  b = good;
  b.replace(first_line + 12, 12, e0);
  reseal(b);
  CHECK(format_error_offset(b) == first_line + 12);

  // A line seen in more documents than the source has.
  b = good;
  write_u32(b, first_line + 8, 1000);
  reseal(b);
  CHECK(format_error_offset(b) == first_line + 8);

  // Sources out of order.
  const chrome_statistics two = observed_site(1);
  b = two.save();
  const std::size_t first_source = 16 + 4;
  const std::uint32_t lines0 =
      static_cast<std::uint32_t>(static_cast<unsigned char>(b[first_source + 12]) |
                                 (static_cast<unsigned char>(b[first_source + 13]) << 8));
  const std::size_t second_source = first_source + 16 + 12 * lines0;
  write_u64(b, second_source, read_u64(b, first_source));
  reseal(b);
  CHECK(format_error_offset(b) == second_source);

  try {
    b = good;
    b[0] = 'X';
    (void)chrome_statistics::load(b);
  } catch (const samestory::format_error& e) {
    CHECK(std::string(e.what()).find("expected") != std::string::npos);
    CHECK(std::string(e.what()).find("actual") != std::string::npos);
  }
}

TEST_CASE("chrome: the first ill-formed UTF-8 sequence is reported as check_utf8 does",
          "[chrome][utf8]") {
  // strip() decodes every byte, so it doubles as the strict pipeline's
  // validator: its answer must equal check_utf8's on any input.
  std::uint64_t state = 12345;
  auto next = [&] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<unsigned>(state >> 33);
  };
  const char* pieces[] = {
      "中文", "abc ", "\n", "\xE4\xB8", "\xC0\x80",        "\xED\xA0\x80", "\xF4\x90\x80\x80",
      "\xFF", "\x80", "。", "\r\n",     "\xF0\x9F\x98\x80"};
  for (int round = 0; round < 500; ++round) {
    std::string doc;
    for (unsigned k = 0, n = 1 + next() % 40; k < n; ++k) doc += pieces[next() % 12];
    const auto expected = samestory::check_utf8(doc);
    const auto r = chrome_stripper().strip(doc);
    INFO("round " << round);
    REQUIRE((r.invalid_utf8_reason == nullptr) == expected.ok);
    if (!expected.ok) {
      CHECK(r.invalid_utf8_offset == expected.error_offset);
      CHECK(std::string(r.invalid_utf8_reason) == expected.reason);
    }
  }
}
