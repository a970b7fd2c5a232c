#include <samestory/error.hpp>
#include <samestory/jsonl.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using namespace std::string_literals;
using samestory::json_value;
using samestory::parse_error;
using samestory::parse_timestamp;
using kind = samestory::json_value::kind;

namespace {
// Parsing `text` must fail at `offset`; the message must say where.
void require_parse_error(const std::string& text, std::size_t offset, std::size_t line = 0) {
  INFO("input: " << text);
  try {
    (void)json_value::parse(text, line);
    FAIL("parse did not throw");
  } catch (const parse_error& e) {
    CHECK(e.byte_offset() == offset);
    CHECK(e.line() == line);
    CHECK(e.code() == samestory::error_code::parse);
    const std::string where = (line != 0 ? "line " + std::to_string(line) + ", " : ""s) + "byte " +
                              std::to_string(offset) + ": ";
    CHECK(std::string(e.what()).rfind(where, 0) == 0);
  }
}

std::string label(const std::string& json) {
  return json_value::parse(json).to_label();
}

std::string quoted(std::string_view s) {
  std::string out;
  samestory::append_json_string(out, s);
  return out;
}

samestory::document_record record(const std::string& json, std::size_t line = 1) {
  return samestory::to_document_record(json_value::parse(json, line), line);
}

// to_document_record must throw and name `field` in its message.
void require_record_error(const std::string& json, const std::string& field) {
  INFO("input: " << json);
  try {
    (void)record(json, 4);
    FAIL("to_document_record did not throw");
  } catch (const parse_error& e) {
    CHECK(e.line() == 4);
    CHECK(std::string(e.what()).find(field) != std::string::npos);
  }
}
}  // namespace

TEST_CASE("jsonl: parse builds a tree of every kind", "[jsonl]") {
  const json_value v = json_value::parse(
      R"( {"s":"x","n":-12.50e1,"t":true,"f":false,"z":null,"a":[1,[2],{}],"o":{"k":"v"}} )");
  REQUIRE(v.type() == kind::object);
  REQUIRE(v.members().size() == 7);
  CHECK(v.members()[0].first == "s");
  CHECK(v.members()[6].first == "o");
  CHECK(v.find("s")->as_string() == "x");
  CHECK(v.find("n")->type() == kind::number);
  CHECK(v.find("n")->number_text() == "-12.50e1");
  CHECK(v.find("n")->as_double() == -125.0);
  CHECK(v.find("t")->as_bool());
  CHECK_FALSE(v.find("f")->as_bool());
  CHECK(v.find("z")->is_null());
  const auto& a = v.find("a")->items();
  REQUIRE(a.size() == 3);
  CHECK(a[0].number_text() == "1");
  CHECK(a[1].items().at(0).number_text() == "2");
  CHECK(a[2].members().empty());
  CHECK(v.find("o")->find("k")->as_string() == "v");
  CHECK(v.find("missing") == nullptr);
  CHECK(json_value::parse("[]").items().empty());
  CHECK(json_value::parse("\t\r\n 7 \n").number_text() == "7");
  CHECK(json_value().is_null());
}

TEST_CASE("jsonl: a repeated key finds its last value, members keep all", "[jsonl]") {
  const json_value v = json_value::parse(R"({"a":1,"b":2,"a":3})");
  CHECK(v.find("a")->number_text() == "3");
  CHECK(v.members().size() == 3);
}

TEST_CASE("jsonl: big integers keep their source text", "[jsonl]") {
  const json_value v = json_value::parse("12345678901234567890123");
  CHECK(v.number_text() == "12345678901234567890123");
  CHECK(v.to_label() == "12345678901234567890123");
  CHECK(v.as_double() == 1.2345678901234568e22);
}

TEST_CASE("jsonl: accessors throw parse_error on the wrong kind", "[jsonl]") {
  const json_value n = json_value::parse("1");
  CHECK_THROWS_AS(n.as_string(), parse_error);
  CHECK_THROWS_AS(n.as_bool(), parse_error);
  CHECK_THROWS_AS(n.items(), parse_error);
  CHECK_THROWS_AS(n.members(), parse_error);
  CHECK_THROWS_AS(n.find("x"), parse_error);
  const json_value s = json_value::parse("\"1\"");
  CHECK_THROWS_AS(s.number_text(), parse_error);
  CHECK_THROWS_AS(s.as_double(), parse_error);
  try {
    (void)s.as_bool();
    FAIL("as_bool did not throw");
  } catch (const parse_error& e) {
    CHECK(std::string(e.what()).find("found string") != std::string::npos);
  }
}

TEST_CASE("jsonl: strict RFC 8259, errors at the offending byte", "[jsonl]") {
  require_parse_error("", 0);
  require_parse_error("   ", 3);
  require_parse_error("[1,]", 3);         // trailing comma in array
  require_parse_error(R"({"a":1,})", 7);  // trailing comma in object
  require_parse_error("[1 2]", 3);
  require_parse_error("// c\n1", 0);  // comments
  require_parse_error("1 /* c */", 2);
  require_parse_error("NaN", 0);
  require_parse_error("Infinity", 0);
  require_parse_error("-Infinity", 1);
  require_parse_error("01", 1);  // leading zero
  require_parse_error("-01", 2);
  require_parse_error("+1", 0);  // leading plus
  require_parse_error("-", 1);
  require_parse_error(".5", 0);
  require_parse_error("1.", 2);
  require_parse_error("1.e5", 2);
  require_parse_error("1e", 2);
  require_parse_error("1e+", 3);
  require_parse_error("0x10", 1);
  require_parse_error("1 2", 2);  // trailing garbage
  require_parse_error("{} x", 3);
  require_parse_error("tru", 0);
  require_parse_error("nul", 0);
  require_parse_error("True", 0);
  require_parse_error("[", 1);
  require_parse_error("{", 1);
  require_parse_error("{a:1}", 1);    // unquoted key
  require_parse_error("{'a':1}", 1);  // single quotes
  require_parse_error(R"({"a" 1})", 5);
  require_parse_error(R"({"a":})", 5);
  require_parse_error(R"({"a":1 "b":2})", 7);
  require_parse_error("\"abc", 4);     // unterminated string
  require_parse_error("\"a\tb\"", 2);  // raw control character
  require_parse_error("\"a\nb\"", 2);
  require_parse_error("\"a\0b\""s, 2);
  require_parse_error(R"("a\xb")", 2);  // unknown escape, at the backslash
  require_parse_error("\"a\\", 3);
  require_parse_error(R"("\u12G4")", 5);  // bad hex digit
  require_parse_error(R"("\u12")", 5);
}

TEST_CASE("jsonl: error message names the line and the byte", "[jsonl]") {
  require_parse_error("[1,]", 3, 7);
  try {
    (void)json_value::parse("[1,]", 7);
    FAIL("no throw");
  } catch (const samestory::error& e) {
    CHECK(std::string(e.what()).rfind("line 7, byte 3: ", 0) == 0);
  }
  const parse_error e(0, 5, "x");
  CHECK(std::string(e.what()) == "byte 5: x");
  const parse_error e2(2, 9, "y");
  CHECK(std::string(e2.what()) == "line 2, byte 9: y");
  CHECK(e2.line() == 2);
  CHECK(e2.byte_offset() == 9);
}

TEST_CASE("jsonl: invalid UTF-8 is rejected with its offset", "[jsonl]") {
  require_parse_error(
      "\"ab\xFF"
      "cd\"",
      3);
  require_parse_error("{\"k\xC3\":1}", 3);           // truncated sequence in a key
  require_parse_error("[\"ok\", \"\xC0\x80\"]", 8);  // overlong NUL
  require_parse_error("\"\xED\xA0\x80\"", 1);        // encoded surrogate
  require_parse_error("\"\xF4\x90\x80\x80\"", 1);    // above U+10FFFF
  require_parse_error("1 \x80", 2);                  // outside any string
  // Well-formed multibyte text is kept byte for byte.
  CHECK(json_value::parse("\"\xC2\xA9 \xE4\xB8\xAD \xF0\x9F\x98\x80\"").as_string() ==
        "\xC2\xA9 \xE4\xB8\xAD \xF0\x9F\x98\x80");
}

TEST_CASE("jsonl: string escapes are decoded", "[jsonl]") {
  CHECK(json_value::parse(R"("\"\\\/\b\f\n\r\t")").as_string() == "\"\\/\b\f\n\r\t");
  CHECK(json_value::parse(R"("\u0041\u00e9\u20AC")").as_string() == "A\xC3\xA9\xE2\x82\xAC");
  CHECK(json_value::parse(R"("a\u0000b")").as_string() == "a\0b"s);
  CHECK(json_value::parse(R"("\uFFFF")").as_string() == "\xEF\xBF\xBF");
}

TEST_CASE("jsonl: surrogate pairs join, lone surrogates fail", "[jsonl]") {
  CHECK(json_value::parse(R"("\uD83D\uDE00")").as_string() == "\xF0\x9F\x98\x80");
  CHECK(json_value::parse(R"("x\ud83d\ude00y")").as_string() == "x\xF0\x9F\x98\x80y");
  CHECK(json_value::parse(R"("\uDBFF\uDFFF")").as_string() == "\xF4\x8F\xBF\xBF");  // U+10FFFF
  CHECK(json_value::parse(R"("\uD800\uDC00")").as_string() == "\xF0\x90\x80\x80");  // U+10000
  require_parse_error(R"("\uD83D")", 1);         // high at the end
  require_parse_error(R"("ab\uD83Dx")", 3);      // high then text
  require_parse_error(R"("\uD83D\u0041")", 1);   // high then a non-surrogate
  require_parse_error(R"("\uD83D\uD83D")", 1);   // high then high
  require_parse_error(R"("\uDE00")", 1);         // lone low
  require_parse_error(R"("a\uDE00\uD83D")", 2);  // reversed pair
  require_parse_error(R"("\uD83D\uDE0")", 12);   // truncated low
}

TEST_CASE("jsonl: nesting is limited to 64 levels", "[jsonl]") {
  const std::string ok = std::string(64, '[') + std::string(64, ']');
  CHECK_NOTHROW(json_value::parse(ok));
  require_parse_error(std::string(65, '[') + std::string(65, ']'), 64);
  std::string objects;
  for (int i = 0; i < 64; ++i) objects += "{\"a\":";
  CHECK_NOTHROW(json_value::parse(objects + "1" + std::string(64, '}')));
  require_parse_error(objects + "[1]" + std::string(64, '}'), 5 * 64);
  // Far deeper than the limit, unterminated: an error, not a stack overflow.
  require_parse_error(std::string(1'000'000, '['), 64);
  require_parse_error(std::string(100'000, '{'), 1);
}

TEST_CASE("jsonl: arbitrary bytes never crash the parser", "[jsonl]") {
  const std::string seed =
      R"({"id":12,"t":"a\u00e9\uD83D\uDE00","n":[-0.5e-3,true,null,{"x":[[]]}],"u":"\u00ff"})";
  std::mt19937 rng(12345);
  const char alphabet[] = "{}[]\":,\\u0123456789abcdefeE+-.tfnrl \t\n\xC3\xA9\xFF\x80\xED";
  std::size_t parsed = 0, rejected = 0;
  for (int round = 0; round < 20'000; ++round) {
    std::string s = seed;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < edits; ++k) {
      const std::size_t pos = rng() % (s.size() + 1);
      const char c = alphabet[rng() % (sizeof alphabet - 1)];
      switch (rng() % 3) {
        case 0:
          s.insert(s.begin() + static_cast<std::ptrdiff_t>(pos), c);
          break;
        case 1:
          if (pos < s.size()) s[pos] = c;
          break;
        default:
          if (pos < s.size()) s.erase(pos, 1);
      }
    }
    try {
      const json_value v = json_value::parse(s, 1);
      (void)v.to_label();
      ++parsed;
    } catch (const parse_error& e) {
      CHECK(e.byte_offset() <= s.size());
      ++rejected;
    }
  }
  CHECK(parsed > 0);
  CHECK(rejected > 0);
}

TEST_CASE("jsonl: to_label matches Python's str(json.loads(...))", "[jsonl]") {
  // Expected strings printed by CPython 3: print(str(json.loads(text))).
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"1", "1"},
      {"-0", "0"},
      {"-17", "-17"},
      {"12345678901234567890", "12345678901234567890"},
      {"1e16", "1e+16"},
      {"1e15", "1000000000000000.0"},
      {"1.0e15", "1000000000000000.0"},
      {"1e-05", "1e-05"},
      {"1.5e-7", "1.5e-07"},
      {"123.0", "123.0"},
      {"0.0001", "0.0001"},
      {"2.5e-4", "0.00025"},
      {"1.50", "1.5"},
      {"-0.0", "-0.0"},
      {"0.0", "0.0"},
      {"1E2", "100.0"},
      {"100.0e-2", "1.0"},
      {"-12.5E+3", "-12500.0"},
      {"0.1", "0.1"},
      {"0.30000000000000004", "0.30000000000000004"},
      {"1e22", "1e+22"},
      {"9999999999999998.0", "9999999999999998.0"},
      {"123456789012345678.0", "1.2345678901234568e+17"},
      {"1.7976931348623157e308", "1.7976931348623157e+308"},
      {"5e-324", "5e-324"},
      {"-5e-324", "-5e-324"},
      {"4.9e-324", "5e-324"},
      {"0.000001e-310", "1e-316"},
      {"2e-324", "0.0"},
      {"1e-999", "0.0"},
      {"1e999", "inf"},
      {"1e400", "inf"},
      {"-1e999", "-inf"},
      {"true", "True"},
      {"false", "False"},
      {"null", "None"},
      {R"("plain")", "plain"},
      {R"("\u00e9\ud83d\ude00")", "\xC3\xA9\xF0\x9F\x98\x80"},
      {R"([1, "a"])", "[1, 'a']"},
      {R"({"k": 1})", "{'k': 1}"},
      {"[true,false,null,1.5,[],{}]", "[True, False, None, 1.5, [], {}]"},
      {R"({"a":1,"b":2,"a":3})", "{'a': 3, 'b': 2}"},
      {R"(["it's"])", R"(["it's"])"},
      {R"(["a\nb\\"])", R"(['a\nb\\'])"},
      {R"(["x\"y\u0001"])", R"(['x"y\x01'])"},
      {R"(["it's \"q\""])", R"(['it\'s "q"'])"},
  };
  for (const auto& [json, expected] : cases) {
    INFO("json: " << json);
    CHECK(label(json) == expected);
  }
}

TEST_CASE("jsonl: as_double reads numbers, overflow is infinite", "[jsonl]") {
  CHECK(json_value::parse("1.5e3").as_double() == 1500.0);
  CHECK(json_value::parse("-0.25").as_double() == -0.25);
  CHECK(std::isinf(json_value::parse("1e999").as_double()));
  CHECK(json_value::parse("-1e999").as_double() < 0);
  CHECK(json_value::parse("1e-999").as_double() == 0.0);
  CHECK(json_value::parse("0.00000000000000000000000000001e999").as_double() > 0);
}

TEST_CASE("jsonl: append_json_string escapes what JSON requires", "[jsonl]") {
  CHECK(quoted("") == R"("")");
  CHECK(quoted("a\"b\\c") == R"("a\"b\\c")");
  CHECK(quoted("\n\r\t\b\f") == R"("\n\r\t\b\f")");
  CHECK(quoted("\x01\x1f\0"s) == R"("\u0001\u001f\u0000")");
  CHECK(quoted("/ \x7f \xC3\xA9 \xF0\x9F\x98\x80") == "\"/ \x7f \xC3\xA9 \xF0\x9F\x98\x80\"");
  std::string out = "x=";
  samestory::append_json_string(out, "y");
  CHECK(out == "x=\"y\"");
  // Every ASCII byte survives a round trip through the parser.
  std::string all;
  for (int c = 0; c < 128; ++c) all += static_cast<char>(c);
  CHECK(json_value::parse(quoted(all)).as_string() == all);
}

TEST_CASE("jsonl: parse_timestamp reads ISO 8601 and the SQL form", "[jsonl]") {
  // Expected values from Python's datetime(..., tzinfo=...).timestamp().
  CHECK(parse_timestamp("1970-01-01") == 0);
  CHECK(parse_timestamp("2014-03-10T16:52:50Z") == 1394470370);
  CHECK(parse_timestamp("2014-03-10t16:52:50z") == 1394470370);
  CHECK(parse_timestamp("2014-03-10T16:52:50") == 1394470370);
  CHECK(parse_timestamp("2014-03-10T16:52:50.123Z") == 1394470370);
  CHECK(parse_timestamp("2014-03-10T16:52:50.9") == 1394470370);
  CHECK(parse_timestamp("2014-03-10T16:52") == 1394470320);
  CHECK(parse_timestamp("2014-03-10T16:52Z") == 1394470320);
  CHECK(parse_timestamp("2014-03-10T16:52:50+08:00") == 1394441570);
  CHECK(parse_timestamp("2014-03-10T16:52:50+0800") == 1394441570);
  CHECK(parse_timestamp("2014-03-10T08:52:50-00:00") == 1394441570);
  CHECK(parse_timestamp("2014-03-10 16:52:50") == 1394470370);
  CHECK(parse_timestamp("2014-03-10 16:52:50.5+08:00") == 1394441570);
  CHECK(parse_timestamp("2000-02-29") == 951782400);  // leap year (divisible by 400)
  CHECK(parse_timestamp("2024-02-29T00:00:00-05:30") == 1709184600);
  CHECK(parse_timestamp("1969-12-31T23:59:59Z") == -1);
  CHECK(parse_timestamp("1900-03-01") == -2203891200);
  CHECK(parse_timestamp("0001-01-01") == -62135596800);
  CHECK(parse_timestamp("9999-12-31T23:59:59Z") == 253402300799);
  CHECK(parse_timestamp("2016-12-31T23:59:60Z") == 1483228800);  // leap second
}

TEST_CASE("jsonl: parse_timestamp rejects everything else", "[jsonl]") {
  const char* bad[] = {"",
                       "2014",
                       "2014-03",
                       "14-03-10",
                       "2014-3-10",
                       "2014/03/10",
                       "2014-00-10",
                       "2014-13-10",
                       "2014-03-00",
                       "2014-04-31",
                       "1900-02-29",  // not a leap year (divisible by 100)
                       "2023-02-29",
                       "2014-03-10T",
                       "2014-03-10T24:00:00",
                       "2014-03-10T23:60:00",
                       "2014-03-10T23:59:61",
                       "2014-03-10T1:02:03",
                       "2014-03-10T16",
                       "2014-03-10T16:52:50.",
                       "2014-03-10T16:52:50Z ",
                       " 2014-03-10",
                       "2014-03-10x",
                       "2014-03-10 16:52",  // the space form has seconds
                       "2014-03-10T16:52:50+8",
                       "2014-03-10T16:52:50+08",
                       "2014-03-10T16:52:50+24:00",
                       "2014-03-10T16:52:50+08:60",
                       "2014-03-10T16:52:50ZZ",
                       "2014-03-10Z",
                       "March 10, 2014"};
  for (const char* s : bad) {
    INFO("text: " << s);
    CHECK_FALSE(parse_timestamp(s).has_value());
  }
  CHECK_FALSE(parse_timestamp("2014-03-10\0"s).has_value());
}

TEST_CASE("jsonl: to_document_record maps the fields", "[jsonl]") {
  const auto r =
      record(R"({"id":"d1","title":"T","text":"body","date":"2014-03-10T16:52:50Z","source":"S",)"
             R"("url":"http://x.org/","publisher":"P","extra":[1]})",
             3);
  CHECK(r.id == "d1");
  CHECK(r.title == "T");
  CHECK(r.text == "body");
  CHECK(r.time == 1394470370);
  CHECK(r.source == "S");
  CHECK(r.line == 3);

  const auto minimal = record(R"({"id":"x"})");
  CHECK(minimal.title.empty());
  CHECK(minimal.text.empty());
  CHECK_FALSE(minimal.time.has_value());
  CHECK(minimal.source.empty());

  const auto nulls = record(R"({"id":"x","title":null,"text":null,"date":null})");
  CHECK(nulls.title.empty());
  CHECK(nulls.text.empty());
  CHECK_FALSE(nulls.time.has_value());
}

TEST_CASE("jsonl: numeric ids use to_label", "[jsonl]") {
  CHECK(record(R"({"id":12345678901234567890})").id == "12345678901234567890");
  CHECK(record(R"({"id":-0})").id == "0");
  CHECK(record(R"({"id":1.50})").id == "1.5");
  CHECK(record(R"({"id":1e16})").id == "1e+16");
  CHECK(record(R"({"id":""})").id.empty());
}

TEST_CASE("jsonl: numeric dates are seconds since the epoch", "[jsonl]") {
  CHECK(record(R"({"id":1,"date":1394470370})").time == 1394470370);
  CHECK(record(R"({"id":1,"date":1394470370.9})").time == 1394470370);
  CHECK(record(R"({"id":1,"date":-1.5})").time == -1);
  CHECK(record(R"({"id":1,"date":1.39447037e9})").time == 1394470370);
  CHECK(record(R"({"id":1,"date":0})").time == 0);
  require_record_error(R"({"id":1,"date":1e300})", "date");
  require_record_error(R"({"id":1,"date":99999999999999999999})", "date");
}

TEST_CASE("jsonl: to_document_record rejects wrong types, naming the field", "[jsonl]") {
  require_record_error(R"({"title":"no id"})", "\"id\"");
  require_record_error(R"({"id":null})", "\"id\"");
  require_record_error(R"({"id":true})", "\"id\"");
  require_record_error(R"({"id":[1]})", "\"id\"");
  require_record_error(R"({"id":{}})", "\"id\"");
  require_record_error(R"({"id":1,"title":5})", "\"title\"");
  require_record_error(R"({"id":1,"title":["a"]})", "\"title\"");
  require_record_error(R"({"id":1,"text":false})", "\"text\"");
  require_record_error(R"({"id":1,"text":{}})", "\"text\"");
  require_record_error(R"({"id":1,"date":"yesterday"})",
                       "date \"yesterday\" is not ISO 8601 or YYYY-MM-DD HH:MM:SS");
  require_record_error(R"({"id":1,"date":"2023-02-29"})", "date");
  require_record_error(R"({"id":1,"date":true})", "date");
  require_record_error(R"([1,2])", "object");
  require_record_error(R"("just a string")", "object");
}

TEST_CASE("jsonl: source falls back to the url host, then the publisher", "[jsonl]") {
  const auto source = [](const std::string& fields) {
    return record(R"({"id":1)" + fields + "}").source;
  };
  CHECK(source(R"(,"source":"Reuters","url":"http://a.com/")") == "Reuters");
  CHECK(source(R"(,"source":"","url":"http://a.com/")") == "a.com");
  CHECK(source(R"(,"source":null,"url":"http://a.com/")") == "a.com");
  CHECK(source(R"(,"url":"https://User@www.Example.com:8080/a?b")") == "www.example.com");
  CHECK(source(R"(,"url":"HTTP://NEWS.EXAMPLE.ORG")") == "news.example.org");
  CHECK(source(R"(,"url":"https://a.com?x=1")") == "a.com");
  CHECK(source(R"(,"url":"https://a.com#frag")") == "a.com");
  CHECK(source(R"(,"url":"https://user:pw@b.com/x@y")") == "b.com");
  CHECK(source(R"(,"url":"//cdn.example.net/x")") == "cdn.example.net");
  CHECK(source(R"(,"url":"www.example.com/path")") == "www.example.com");
  CHECK(source(R"(,"url":"http://[2001:DB8::1]:80/x")") == "[2001:db8::1]");
  CHECK(source(R"(,"url":"http://a.com/","publisher":"P")") == "a.com");
  CHECK(source(R"(,"url":"http:///path","publisher":"P")") == "P");  // no host
  CHECK(source(R"(,"url":"","publisher":"P")") == "P");
  CHECK(source(R"(,"publisher":"The Times")") == "The Times");
  CHECK(source(R"(,"url":5,"publisher":"P")") == "P");
  CHECK(source("").empty());
}

TEST_CASE("jsonl: reader skips blank lines and strips CR and BOM", "[jsonl]") {
  std::istringstream in("\xEF\xBB\xBF{\"id\":1}\r\n\n   \n\t\r\n[2]\r\n\n\"last\"");
  samestory::jsonl_reader reader(in);
  json_value v;
  REQUIRE(reader.next(v));
  CHECK(reader.line() == 1);
  CHECK(v.find("id")->number_text() == "1");
  REQUIRE(reader.next(v));
  CHECK(reader.line() == 5);
  CHECK(v.items().at(0).number_text() == "2");
  REQUIRE(reader.next(v));
  CHECK(reader.line() == 7);
  CHECK(v.as_string() == "last");
  CHECK_FALSE(reader.next(v));
  CHECK_FALSE(reader.next(v));
}

TEST_CASE("jsonl: reader continues after a bad line", "[jsonl]") {
  std::istringstream in("{\"id\":1}\n{\"id\":,}\n\n{\"id\":3}\n[1,]\n");
  samestory::jsonl_reader reader(in);
  json_value v;
  REQUIRE(reader.next(v));
  CHECK(v.find("id")->number_text() == "1");
  try {
    reader.next(v);
    FAIL("bad line accepted");
  } catch (const parse_error& e) {
    CHECK(e.line() == 2);
    CHECK(e.byte_offset() == 6);
    CHECK(reader.line() == 2);
    CHECK(std::string(e.what()).rfind("line 2, byte 6: ", 0) == 0);
  }
  CHECK(v.find("id")->number_text() == "1");  // untouched by the failure
  REQUIRE(reader.next(v));
  CHECK(reader.line() == 4);
  CHECK(samestory::to_document_record(v, reader.line()).id == "3");
  CHECK_THROWS_AS(reader.next(v), parse_error);
  CHECK(reader.line() == 5);
  CHECK_FALSE(reader.next(v));
}

TEST_CASE("jsonl: reader reports offsets in the line as stored, BOM included", "[jsonl]") {
  std::istringstream in("\xEF\xBB\xBF[1 2]\n\xEF\xBB\xBF[1]\n");
  samestory::jsonl_reader reader(in);
  json_value v;
  try {
    reader.next(v);
    FAIL("bad line accepted");
  } catch (const parse_error& e) {
    CHECK(e.line() == 1);
    CHECK(e.byte_offset() == 6);
  }
  // A BOM is only a BOM on line 1; later it is stray bytes (U+FEFF is not JSON whitespace).
  try {
    reader.next(v);
    FAIL("BOM on line 2 accepted");
  } catch (const parse_error& e) {
    CHECK(e.line() == 2);
    CHECK(e.byte_offset() == 0);
  }
}

TEST_CASE("jsonl: reader reports invalid UTF-8 with line and offset", "[jsonl]") {
  std::istringstream in("{\"id\":\"ok\"}\n{\"id\":\"a\xFF\"}\n{\"id\":\"b\"}");
  samestory::jsonl_reader reader(in);
  json_value v;
  REQUIRE(reader.next(v));
  try {
    reader.next(v);
    FAIL("invalid UTF-8 accepted");
  } catch (const parse_error& e) {
    CHECK(e.line() == 2);
    CHECK(e.byte_offset() == 8);
  }
  REQUIRE(reader.next(v));
  CHECK(v.find("id")->as_string() == "b");
}
