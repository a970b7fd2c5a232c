#include <samestory/error.hpp>
#include <samestory/normalize.hpp>
#include <samestory/shingle.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "support/exact.hpp"
#include "support/icu_reference.hpp"

using samestory::normalizer;
using samestory::shingle_options;
using samestory::shingler;

namespace {
std::vector<std::uint64_t> hashes(std::string_view text, const shingle_options& o = {}) {
  std::vector<std::uint64_t> out;
  shingler(o).hash(normalizer().normalize(text), out);
  return out;
}
// The shingles as strings of their normalized source spans, for readable checks.
std::vector<std::string> pieces(std::string_view text, const shingle_options& o = {}) {
  const auto t = normalizer().normalize(text);
  std::vector<samestory::shingle_span> spans;
  shingler(o).spans(t, spans);
  std::vector<std::string> out;
  for (const auto& s : spans) {
    samestory::normalized_text piece{t.text.substr(s.begin, s.end - s.begin), {}, 0};
    out.push_back(piece.to_utf8());
  }
  return out;
}
}  // namespace

TEST_CASE("shingle: Chinese gives character n-grams", "[shingle]") {
  CHECK(pieces("马斯克表示") == std::vector<std::string>{"马斯克", "斯克表", "克表示"});
  shingle_options two;
  two.cjk_n = 2;
  CHECK(pieces("电力供应", two) == std::vector<std::string>{"电力", "力供", "供应"});
}

TEST_CASE("shingle: punctuation and spaces inside CJK text do not change shingles", "[shingle]") {
  CHECK(hashes("格林指出, , ,,,,,中国正依附") == hashes("格林指出，中国正依附"));
  CHECK(hashes("正在上演。。 。。。。 。格林直言") == hashes("正在上演。格林直言"));
  CHECK(hashes("馬斯克：中國「電力供應是美3倍」") == hashes("马斯克:中国“电力供应是美3倍”"));
}

TEST_CASE("shingle: English gives word n-grams", "[shingle]") {
  CHECK(pieces("The quick brown fox jumps") ==
        std::vector<std::string>{"the quick brown", "quick brown fox", "brown fox jumps"});
  shingle_options one;
  one.word_n = 1;
  CHECK(pieces("Breaking: news, today!", one) ==
        std::vector<std::string>{"breaking", "news", "today"});
}

TEST_CASE("shingle: mixed CJK and Latin text treats a word as one token", "[shingle]") {
  CHECK(pieces("特斯拉CEO埃隆·马斯克") == std::vector<std::string>{"特斯拉", "斯拉ceo", "拉ceo埃",
                                                                   "ceo埃隆", "埃隆 马", "隆 马斯",
                                                                   "马斯克"});
  CHECK(pieces("Hugging Face榜单") == std::vector<std::string>{"hugging face榜", "face榜单"});
}

TEST_CASE("shingle: Japanese uses character n-grams across kana and kanji", "[shingle]") {
  CHECK(pieces("東京で会議") == std::vector<std::string>{"东京で", "京で会", "で会议"});
  CHECK(pieces("ニュース") == std::vector<std::string>{"ニュー", "ュース"});
}

TEST_CASE("shingle: Korean uses character n-grams over Hangul syllables", "[shingle]") {
  CHECK(pieces("한국 뉴스") ==
        std::vector<std::string>{"한국 뉴", "국 뉴스"});  // spans show the space
  CHECK(hashes("한국 뉴스") == hashes("한국뉴스"));
}

TEST_CASE("shingle: Thai words come from ICU's dictionary breaker", "[shingle]") {
  shingle_options one;
  one.word_n = 1;
  const auto p = pieces("ภาษาไทยง่ายนิดเดียว", one);
  CHECK(p.size() >= 3);  // several dictionary words, not one blob
  std::string joined;
  for (const auto& s : p) joined += s;
  CHECK(joined == "ภาษาไทยง่ายนิดเดียว");
}

TEST_CASE("shingle: short and empty documents", "[shingle]") {
  CHECK(pieces("中文") == std::vector<std::string>{"中文"});  // fewer tokens than n: one shingle
  CHECK(pieces("abc") == std::vector<std::string>{"abc"});
  CHECK(pieces("马斯克") == std::vector<std::string>{"马斯克"});
  CHECK(hashes("").empty());
  CHECK(hashes(" 。。, ").empty());
}

TEST_CASE("shingle: breaks stop shingles only when asked", "[shingle]") {
  shingle_options stop;
  stop.cross_breaks = false;
  CHECK(pieces("甲乙丙\n丁戊己", stop) == std::vector<std::string>{"甲乙丙", "丁戊己"});
  CHECK(pieces("甲乙丙\n丁戊己").size() == 4);
  CHECK(pieces("甲乙\n丁戊己", stop) == std::vector<std::string>{"甲乙", "丁戊己"});
}

TEST_CASE("shingle: long documents slide the window correctly", "[shingle]") {
  // More tokens than the internal window buffer, with both token classes.
  std::string text;
  for (int i = 0; i < 500; ++i) text += (i % 7 == 0) ? " word" + std::to_string(i) + " " : "中";
  const auto t = normalizer().normalize(text);
  std::vector<samestory::shingle_span> spans;
  std::vector<std::uint64_t> h;
  const shingler s;
  s.spans(t, spans);
  s.hash(t, h);
  REQUIRE(spans.size() == h.size());
  CHECK(s.count(t) == h.size());
  // Every shingle equals the hash of the same text cut out on its own.
  for (std::size_t i = 0; i < spans.size(); i += 37) {
    samestory::normalized_text piece{
        t.text.substr(spans[i].begin, spans[i].end - spans[i].begin), {}, 0};
    std::vector<std::uint64_t> alone;
    s.hash(piece, alone);
    REQUIRE(!alone.empty());
    CHECK(alone[0] == h[i]);
  }
}

TEST_CASE("shingle: span output and the seed", "[shingle]") {
  const auto t = normalizer().normalize("电力成AI竞赛关键");
  std::vector<std::uint64_t> buf(3);
  CHECK_THROWS_AS(shingler().hash(t, std::span<std::uint64_t>(buf)), samestory::error);
  buf.resize(shingler().count(t));
  CHECK(shingler().hash(t, std::span<std::uint64_t>(buf)) == buf.size());
  shingle_options seeded;
  seeded.seed = 42;
  CHECK(hashes("电力成AI竞赛关键", seeded) != hashes("电力成AI竞赛关键"));
}

TEST_CASE("shingle: counted shingles sum to positions", "[shingle]") {
  std::vector<samestory::counted_shingle> c;
  const auto t = normalizer().normalize("中国中国中国中国");
  shingler().counted(t, c);
  CHECK(c.size() == 2);  // 中国中 and 国中国
  std::uint32_t total = 0;
  for (const auto& x : c) total += x.count;
  CHECK(total == 6);
  CHECK(std::is_sorted(c.begin(), c.end(), [](auto& a, auto& b) { return a.hash < b.hash; }));
}

TEST_CASE("shingle: options are validated", "[shingle]") {
  shingle_options bad;
  bad.cjk_n = 0;
  CHECK_THROWS_AS(shingler{bad}, samestory::invalid_options_error);
  bad.cjk_n = 17;
  CHECK_THROWS_AS(shingler{bad}, samestory::invalid_options_error);
}

TEST_CASE("shingle: known answers", "[shingle]") {
  // Output is part of the format: changing it must bump the fingerprint version.
  const auto h = hashes("马斯克表示");
  REQUIRE(h.size() == 3);
  CHECK(samestory::test::jaccard(hashes("马斯克表示中国"), hashes("马斯克表示美国")) ==
        Approx(3.0 / 7.0));
}

TEST_CASE("shingle: word tokens agree with ICU's word breaker on space-delimited scripts",
          "[shingle][icu]") {
  // The shingler splits words at the normalizer's separators instead of
  // running ICU's BreakIterator over every document; the normalizer joins
  // MidLetter/MidNum/ExtendNumLet characters between letters as UAX #29 does.
  // ICU's words, each normalized on its own, must equal our word tokens.
  const char* const texts[] = {
      "Don't stop: the U.S. economy grew 3.14% to $1,000 billion, e-mail said.",
      "state-of-the-art snake_case and example.com at 10:30 (really?)",
      "L'homme aujourd'hui: «Bonjour», dit-il.",
      "Die Straße ist 2,5 km lang; Größe zählt!",
      "Привет, мир! Это тест — номер 42.",
      "Η Ελλάδα είναι όμορφη χώρα.",
      "Tiếng Việt có dấu, rất hay.",
      "مرحبا بالعالم، هذا اختبار.",
      "שלום עולם, זה מבחן.",
      "ＦＵＬＬ－ｗｉｄｔｈ ＡＩ２０２６ text",
  };
  shingle_options one;
  one.word_n = 1;
  const normalizer n;
  for (const char* text : texts) {
    std::vector<std::string> expected;
    for (const auto& w : samestory::test::icu_words(text)) {
      std::string folded = n.normalize(w).to_utf8();
      if (!folded.empty()) expected.push_back(folded);
    }
    INFO(text);
    CHECK(pieces(text, one) == expected);
  }
}
