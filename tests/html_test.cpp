#include <samestory/error.hpp>
#include <samestory/html.hpp>

#include <catch2/catch.hpp>

#include "support/files.hpp"

#include <cstdint>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <string_view>
#include <vector>

using samestory::html_to_text;

namespace {

std::string text_of(std::string_view html) {
  return html_to_text(html).text;
}

// Converts from a heap buffer of exactly the input's size (std::string keeps a
// NUL and often spare capacity after its bytes), so a sanitizer build catches
// any read past the end.
samestory::html_text convert_exact(std::string_view html) {
  const std::vector<char> bytes(html.begin(), html.end());
  return html_to_text(std::string_view(bytes.data(), bytes.size()));
}

std::string read_fixture(const std::string& name) {
  return samestory::test::read_source_file("tests/data/html/" + name);
}

// The promises html_text::text makes whatever the input: one block per line,
// no empty lines, no white space at either end of a line, no NUL bytes.
void check_text_shape(const std::string& text) {
  CHECK(text.find("\n\n") == std::string::npos);
  CHECK(text.find(" \n") == std::string::npos);
  CHECK(text.find("\n ") == std::string::npos);
  CHECK(text.find("  ") == std::string::npos);
  CHECK(text.find('\0') == std::string::npos);
  if (!text.empty()) {
    CHECK(text.front() != ' ');
    CHECK(text.front() != '\n');
    CHECK(text.back() != ' ');
    CHECK(text.back() != '\n');
  }
}

// A page with one of everything the tokenizer has a state for, so cutting it
// at every byte stops inside each of them.
constexpr std::string_view k_kitchen_sink =
    "<!DOCTYPE html><?xml version=\"1.0\"?><html><head><title>T&amp;T &#x65B0;</title>"
    "<meta content='a>b' name=x><style>p>a{}</style><script>if (a<b) x='</p>';</script>"
    "</head><body><!-- note --><![CDATA[ c ]]><p class=\"x\" data-y='z'>One &lt; two&nbsp;"
    "&#26032;&#xD800;&copy&unknown;</p><svg><svg/><g>s</g></svg><pre>a\n b</pre>"
    "<ul><li><a href=/x>item</a></li></ul><textarea>t<b></textarea><br/>x < y"
    "</ body></html>";

}  // namespace

TEST_CASE("html: tags are removed and inline elements stay inline", "[html]") {
  CHECK(text_of("<a href=\"/a\">新聞</a><a href=\"/b\">體育</a>") == "新聞體育");
  CHECK(text_of("<p>Hello <b>bold</b> and <i>italic</i> <span class=\"x\">span</span>.</p>") ==
        "Hello bold and italic span.");
  CHECK(text_of("x<img src=\"a.png\" alt=\"pic\">y") == "xy");
  CHECK(text_of("<em>強</em><strong>調</strong><font color=red>字</font><sup>1</sup>") ==
        "強調字1");
  CHECK(text_of("<my-widget data-a=1>text</my-widget>more") == "textmore");
  // Menus of inline links still come out one item per line, thanks to <li>.
  CHECK(text_of("<ul><li><a>新聞</a></li><li><a>體育</a></li></ul>") == "新聞\n體育");
}

TEST_CASE("html: block elements become line breaks", "[html]") {
  const std::vector<std::string> blocks{
      "p",       "div",      "li",      "ul",     "ol",     "dl",         "dt",         "dd",
      "h1",      "h2",       "h3",      "h4",     "h5",     "h6",         "tr",         "td",
      "th",      "table",    "thead",   "tbody",  "tfoot",  "section",    "article",    "header",
      "footer",  "nav",      "aside",   "main",   "figure", "figcaption", "blockquote", "pre",
      "form",    "fieldset", "address", "option", "select", "caption",    "center",     "details",
      "summary", "legend",   "textarea"};
  for (const std::string& name : blocks) {
    INFO(name);
    CHECK(text_of("a<" + name + ">b</" + name + ">c") == "a\nb\nc");
    CHECK(text_of("a<" + name + " class=\"x\">b</" + name + ">c") == "a\nb\nc");
  }
  CHECK(text_of("a<br>b<br/>c<BR />d") == "a\nb\nc\nd");
  CHECK(text_of("a<hr>b") == "a\nb");
  CHECK(text_of("<table><tr><td>1</td><td>2</td></tr><tr><th>3</th></tr></table>") == "1\n2\n3");
  CHECK(text_of("<DIV>a</DIV><P>b") == "a\nb");
}

TEST_CASE("html: white space collapses, lines are trimmed, empty lines dropped", "[html]") {
  CHECK(text_of("  <p>  a \t\n b  </p>\n\n<p>\r\n c&nbsp;&nbsp; d </p>  ") == "a b\nc d");
  CHECK(text_of("<p></p><p> </p><div><p>x</p></div><br><br>") == "x");
  CHECK(text_of("a&#32;&#9;&#10;&#160;b") == "a b");
  CHECK(text_of("<p>x</p>") == "x");
  CHECK(text_of(" \n\t ") == "");
  CHECK(text_of("<b>a</b> <b>b</b>") == "a b");
  // Only ASCII white space and &nbsp; collapse; an ideographic space is text.
  CHECK(text_of("標題　內文") == "標題　內文");
}

TEST_CASE("html: pre keeps its line breaks", "[html]") {
  CHECK(text_of("<pre>line 1\n  line   2\r\n\nline 3</pre>after\nmore") ==
        "line 1\nline 2\nline 3\nafter more");
  CHECK(text_of("<pre>a\n<pre>b\n</pre>c\nd</pre>e\nf") == "a\nb\nc\nd\ne f");
  CHECK(text_of("<pre>a&#10;b</pre>") == "a\nb");
  // A stray </pre> must not leave the counter below zero.
  CHECK(text_of("</pre>x\ny<pre>z\nw</pre>") == "x y\nz\nw");
}

TEST_CASE("html: scripts and styles are dropped", "[html]") {
  CHECK(text_of("<p>before</p><script>var x = \"<p>hi</p>\"; if (a < b) {}</script><p>after</p>") ==
        "before\nafter");
  CHECK(text_of("<style>p > a { color: red }</style><p>text</p>") == "text");
  CHECK(text_of("<script type=\"text/javascript\" src=\"x.js\"></script>x") == "x");
  CHECK(text_of("<script><!-- document.write(\"</p>\") --></script>ok") == "ok");
  CHECK(text_of("x<script>never closed <p>y</p>") == "x");
}

TEST_CASE("html: raw text ends only at its matching close tag", "[html]") {
  CHECK(text_of("<SCRIPT>alert(1)</SCRIPT>x") == "x");
  CHECK(text_of("<ScRiPt>a</sCrIpT>x") == "x");
  CHECK(text_of("<script>a</script >x") == "x");
  CHECK(text_of("<script>a</script\n>x") == "x");
  CHECK(text_of("<script>a</script foo=\"1\">x") == "x");
  CHECK(text_of("<script>a</scriptx>b</style></script>c") == "c");
  CHECK(text_of("<style>a</STYLE>b") == "b");
  // As in browsers, "/>" does not close a script: its content runs to </script>.
  CHECK(text_of("<script src=\"a.js\"/>hidden</script>x") == "x");
  CHECK(text_of("<script>x</script") == "");
}

TEST_CASE("html: hidden containers are dropped", "[html]") {
  for (const std::string name :
       {"noscript", "template", "svg", "math", "iframe", "object", "noembed", "noframes"}) {
    INFO(name);
    CHECK(text_of("a<" + name + " x=\"1\">hidden <b>more</b></" + name + ">b") == "ab");
  }
  CHECK(text_of("<svg><svg>x</svg>y</svg>z") == "z");
  CHECK(text_of("<SVG><text>x</text></SVG>z") == "z");
  CHECK(text_of("<svg/>visible") == "visible");
  CHECK(text_of("<svg viewBox=\"0 0 1 1\"/><p>visible</p>") == "visible");
  CHECK(text_of("<template><script>\"</template>\"</script>t</template>v") == "v");
  CHECK(text_of("<object><embed src=x><p>fallback</p></object>y") == "y");
  CHECK(text_of("<object><svg></svg></object>y") == "y");
  CHECK(text_of("<noscript><img src=\"pixel.gif\"></noscript><p>x</p>") == "x");
  CHECK(text_of("<math><mi>x</mi></math>") == "");
}

TEST_CASE("html: head is dropped and the first title is extracted", "[html]") {
  const auto page = html_to_text(
      "<html><head><meta charset=\"utf-8\"><title>  新聞&amp;標題\n  </title>"
      "<title>second</title><link rel=x>stray</head><body><p>內文</p></body></html>");
  CHECK(page.title == "新聞&標題");
  CHECK(page.text == "內文");

  const auto no_title = html_to_text("<p>x</p>");
  CHECK(no_title.title == "");

  // A missing </head> costs nothing: the first body element ends the head.
  const auto open_head = html_to_text("<head><title>T</title><div>body</div>");
  CHECK(open_head.title == "T");
  CHECK(open_head.text == "body");

  const auto body_title = html_to_text("<p>a</p><title>T</title><p>b</p>");
  CHECK(body_title.title == "T");
  CHECK(body_title.text == "a\nb");

  // Title content is text: markup in it stays literal, as in browsers.
  CHECK(html_to_text("<title>a <b>b</b></title>").title == "a <b>b</b>");
  CHECK(html_to_text("<TITLE>abc").title == "abc");
  CHECK(html_to_text("<title>a</title >b").text == "b");
  // A second <head> pasted into the body must not hide what follows it.
  CHECK(text_of("<head></head><body><p>a</p><head>b</head>c") == "a\nbc");
}

TEST_CASE("html: comments, doctype, cdata and processing instructions are dropped", "[html]") {
  CHECK(text_of("<!DOCTYPE html><?xml version=\"1.0\"?><p>a<!-- c --> b<!-- <p>x</p> -->c</p>"
                "<![CDATA[ d ]]>e") == "a bc\ne");
  CHECK(text_of("<!-->x") == "x");
  CHECK(text_of("<!--->y") == "y");
  CHECK(text_of("<!-- a -- b -->c") == "c");
  CHECK(text_of("<!-- a --!>d") == "d");
  CHECK(text_of("<!--[if IE]><p>ie</p><![endif]-->z") == "z");
  CHECK(text_of("<!doctype html>z") == "z");
  CHECK(text_of("a</ x>b") == "ab");
  CHECK(text_of("a</>b") == "ab");
  CHECK(text_of("a<!-- never closed <p>b</p>") == "a");
}

TEST_CASE("html: numeric character references", "[html]") {
  CHECK(text_of("&#26032;&#x65B0;&#X65b0;") == "新新新");
  CHECK(text_of("&#65 &#x42") == "A B");
  CHECK(text_of("&#x1F600;") == "\xF0\x9F\x98\x80");
  CHECK(text_of("&#233;") == "\xC3\xA9");
  const std::string replacement = "\xEF\xBF\xBD";
  CHECK(text_of("&#0;") == replacement);
  CHECK(text_of("&#x0;") == replacement);
  CHECK(text_of("&#xD800;") == replacement);
  CHECK(text_of("&#57343;") == replacement);
  CHECK(text_of("&#x110000;") == replacement);
  CHECK(text_of("&#99999999999999999999999;") == replacement);
  CHECK(text_of("&#x10FFFF;") == "\xF4\x8F\xBF\xBF");
  // 0x80..0x9F mean Windows-1252, as the pages using them intended.
  CHECK(text_of("&#150;&#x93;q&#148;") == "\xE2\x80\x93\xE2\x80\x9Cq\xE2\x80\x9D");
  CHECK(text_of("a&#160;b") == "a b");
  CHECK(text_of("&#") == "&#");
  CHECK(text_of("&#x;") == "&#x;");
  CHECK(text_of("&#;") == "&#;");
  CHECK(text_of("&#xyz") == "&#xyz");
}

TEST_CASE("html: named character references", "[html]") {
  const std::vector<std::pair<std::string, std::string>> references{
      {"amp", "&"},       {"lt", "<"},        {"gt", ">"},          {"quot", "\""},  {"apos", "'"},
      {"ensp", "\u2002"}, {"emsp", "\u2003"}, {"thinsp", "\u2009"}, {"copy", "©"},   {"reg", "®"},
      {"trade", "™"},     {"hellip", "…"},    {"mdash", "—"},       {"ndash", "–"},  {"lsquo", "‘"},
      {"rsquo", "’"},     {"ldquo", "“"},     {"rdquo", "”"},       {"laquo", "«"},  {"raquo", "»"},
      {"middot", "·"},    {"bull", "•"},      {"times", "×"},       {"divide", "÷"}, {"yen", "¥"},
      {"euro", "€"},      {"pound", "£"},     {"cent", "¢"},        {"sect", "§"},   {"para", "¶"},
      {"deg", "°"},       {"plusmn", "±"},    {"AMP", "&"},         {"hearts", "♥"}, {"rarr", "→"},
      {"frac12", "½"}};
  for (const auto& [name, expected] : references) {
    INFO(name);
    CHECK(text_of("x&" + name + ";y") == "x" + expected + "y");
  }
  // &nbsp; is a plain space and collapses like one.
  CHECK(text_of("x&nbsp;y") == "x y");
  CHECK(text_of("&nbsp;x&nbsp; &nbsp;y&nbsp;") == "x y");
  // Old templates drop the ';' after the most common names; browsers accept that.
  CHECK(text_of("&copy 2024 A&amp B") == "© 2024 A& B");
  CHECK(text_of("a&nbsp新聞") == "a 新聞");
  // No double decoding.
  CHECK(text_of("&amp;lt;") == "&lt;");
}

TEST_CASE("html: unknown and malformed references stay literal", "[html]") {
  CHECK(text_of("&foo;") == "&foo;");
  CHECK(text_of("&;") == "&;");
  CHECK(text_of("a & b") == "a & b");
  CHECK(text_of("a&") == "a&");
  CHECK(text_of("AT&T") == "AT&T");
  CHECK(text_of("&ampx;") == "&ampx;");
  CHECK(text_of("&nbspx") == "&nbspx");
  CHECK(text_of("&Amp;") == "&Amp;");
  CHECK(text_of("&aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa;") ==
        "&aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa;");
  CHECK(text_of("&&amp;") == "&&");
  CHECK(text_of("?a=1&b=2") == "?a=1&b=2");
  CHECK(text_of("&amp") == "&");
  CHECK(text_of("&am") == "&am");
  // A reference cannot run across a tag.
  CHECK(text_of("&am<b>p;</b>") == "&amp;");
}

TEST_CASE("html: stray '<' and broken tags give best-effort text", "[html]") {
  CHECK(text_of("a < b") == "a < b");
  CHECK(text_of("1<2") == "1<2");
  CHECK(text_of("a <") == "a <");
  CHECK(text_of("<") == "<");
  CHECK(text_of("a</") == "a</");
  CHECK(text_of("x<<p>y") == "x<\ny");
  CHECK(text_of("<3 台灣") == "<3 台灣");
  CHECK(text_of("<p class=\"a>b\">text</p>") == "text");
  CHECK(text_of("<p title='it\"s'>text</p>") == "text");
  CHECK(text_of("text<div class=") == "text");
  CHECK(text_of("text<div") == "text");
  CHECK(text_of("<div") == "");
  CHECK(text_of("<p><div><span>unclosed") == "unclosed");
  CHECK(text_of("</div></p></li>closed twice") == "closed twice");
  CHECK(text_of("<a href= >x</a>") == "x");
  CHECK(text_of("<a b=\"1\"c='2'd=3 e>x</a>") == "x");
}

TEST_CASE("html: an attribute quote that never closes costs one tag", "[html]") {
  CHECK(text_of("<p class=\"oops>text</p><p>more</p>") == "text\nmore");
  CHECK(text_of("<p class='oops>text") == "text");
  CHECK(text_of("<p class=\"oops") == "");
}

TEST_CASE("html: huge attributes and long runs", "[html]") {
  const std::string big(1 << 20, 'a');
  CHECK(text_of("<div data-x=\"" + big + "\">text</div>") == "text");
  CHECK(text_of("<div data-x=" + big + ">text</div>") == "text");
  CHECK(text_of("<" + big + ">text") == "text");
  CHECK(text_of("<p>" + big + "</p>") == big);
  CHECK(text_of(std::string(100000, '<')) == std::string(100000, '<'));
  CHECK(text_of(std::string(100000, '&')) == std::string(100000, '&'));
  std::string deep;
  for (int i = 0; i < 10000; ++i) deep += "<div><svg>";
  CHECK(text_of(deep + "x") == "");
}

TEST_CASE("html: NUL bytes are dropped", "[html]") {
  using namespace std::string_literals;
  CHECK(text_of("a\0b<p\0>c</p>\0"s) == "abc");
  CHECK(text_of("<p>x</p>\0\0\0<p>y</p>"s) == "x\ny");
  CHECK(text_of("<scr\0ipt>z</script>w"s) == "zw");
  CHECK(html_to_text("<title>a\0b</title>"s).title == "ab");
}

TEST_CASE("html: invalid UTF-8 passes through unchanged", "[html]") {
  CHECK(text_of("<p>\xff\xfe ab \xc3</p>") == "\xff\xfe ab \xc3");
  CHECK(text_of("\xe6\x96<br>\x80\x80") == "\xe6\x96\n\x80\x80");
  CHECK(text_of("\xc0\xaf&amp;\xed\xa0\x80") == "\xc0\xaf&\xed\xa0\x80");
}

TEST_CASE("html: every prefix of a page converts", "[html]") {
  const std::string full(k_kitchen_sink);
  const auto whole = html_to_text(full);
  CHECK(whole.title == "T&T 新");
  CHECK(whole.text == "One < two 新\xEF\xBF\xBD©&unknown;\na\nb\nitem\nt<b>\nx < y");
  for (std::size_t length = 0; length <= full.size(); ++length) {
    INFO("prefix length " << length);
    samestory::html_text result;
    REQUIRE_NOTHROW(result = convert_exact(std::string_view(full).substr(0, length)));
    CHECK(result.text.size() <= length);
    check_text_shape(result.text);
  }
}

TEST_CASE("html: random markup-heavy junk never breaks the output's shape", "[html]") {
  // Bytes biased towards the ones the tokenizer branches on, plus arbitrary
  // bytes (NUL, invalid UTF-8), from a fixed seed so failures replay.
  const std::string alphabet =
      "<<<>>>&&&;;#x/!--=\"'  \n\tpPsScript styleSVGtitle amp nbsp 0123456789 ]][CDATA?";
  std::mt19937 random(20240601);
  std::uniform_int_distribution<int> pick(0, static_cast<int>(alphabet.size()) + 15);
  std::uniform_int_distribution<int> any_byte(0, 255);
  for (int round = 0; round < 2000; ++round) {
    std::string junk(static_cast<std::size_t>(round % 300), '\0');
    for (char& c : junk) {
      const int k = pick(random);
      c = k < static_cast<int>(alphabet.size()) ? alphabet[static_cast<std::size_t>(k)]
                                                : static_cast<char>(any_byte(random));
    }
    INFO("round " << round);
    samestory::html_text result;
    REQUIRE_NOTHROW(result = convert_exact(junk));
    CHECK(result.text.size() <= junk.size());
    check_text_shape(result.text);
  }
}

TEST_CASE("html: documents over the size limit are refused", "[html]") {
  samestory::html_options options;
  options.max_document_bytes = 10;
  CHECK(html_to_text("<p>123</p>", options).text == "123");  // exactly 10 bytes
  CHECK_THROWS_AS(html_to_text("<p>1234</p>", options), samestory::limit_exceeded_error);
  try {
    html_to_text("<p>1234</p>", options);
    FAIL("no exception");
  } catch (const samestory::limit_exceeded_error& e) {
    CHECK(e.limit() == 10);
    CHECK(e.actual() == 11);
    CHECK(e.code() == samestory::error_code::limit_exceeded);
    CHECK(std::string(e.what()).find("html_options::max_document_bytes") != std::string::npos);
  }
  options.max_document_bytes = 0;
  CHECK(html_to_text("", options).text == "");
}

TEST_CASE("html: empty input", "[html]") {
  const auto result = html_to_text("");
  CHECK(result.title == "");
  CHECK(result.text == "");
}

TEST_CASE("html: a Traditional Chinese news page", "[html]") {
  const std::string page = read_fixture("twnews_article.html");
  const auto result = html_to_text(page);
  CHECK(result.title == "小犬颱風逼近　花東嚴防豪雨 | 生活 | 範例新聞網");
  CHECK(result.text ==
        "首頁\n"
        "政治\n"
        "生活\n"
        "體育\n"
        "小犬颱風逼近　花東嚴防豪雨\n"
        "2023/10/04 18:30 記者王小明／花蓮報導\n"
        "中央氣象署今（4）日下午發布海上颱風警報， 小犬颱風暴風圈預計明天清晨接觸臺灣東南部陸地。\n"
        "花蓮縣政府表示，已在沿海鄉鎮預先部署抽水機&沙包，並提醒民眾 避免前往海邊、山區……。\n"
        "小犬颱風路徑潛勢圖（取自氣象署）\n"
        "氣象專家指出，颱風外圍環流與東北季風產生「共伴效應」，北部及東北部的降雨可能持續到週末。\n"
        "相關新聞\n"
        "颱風假怎麼放？各縣市停班停課標準一次看\n"
        "蘇澳漁港漁船回港避風\n"
        "© 2023 範例新聞網 版權所有");
  // Nothing from the head, the scripts or the style leaks into the text.
  for (const char* hidden :
       {"不該出現", "廣告", "dataLayer", "innerWidth", "display", "颱風路徑圖"}) {
    INFO(hidden);
    CHECK(result.text.find(hidden) == std::string::npos);
  }
  check_text_shape(result.text);
}

TEST_CASE("html: every prefix of the news page converts", "[html]") {
  const std::string page = read_fixture("twnews_article.html");
  for (std::size_t length = 0; length <= page.size(); ++length) {
    INFO("prefix length " << length);
    samestory::html_text result;
    REQUIRE_NOTHROW(result = convert_exact(std::string_view(page).substr(0, length)));
    CHECK(result.text.size() <= length);
    check_text_shape(result.text);
  }
}
