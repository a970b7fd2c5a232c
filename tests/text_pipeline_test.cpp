#include <samestory/error.hpp>
#include <samestory/normalize.hpp>
#include <samestory/text_pipeline.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <thread>
#include <vector>

using namespace std::string_literals;
using samestory::text_pipeline;
using samestory::text_pipeline_options;

namespace {
// A page with chrome around a body of full sentences.
const std::string page =
    "首页 新闻 体育 财经\n"
    "登录 注册\n"
    "馬斯克：中國電力供應是美國的三倍\n"
    "據美國商業內幕網站七日報導，特斯拉首席執行官馬斯克在播客節目中表示，中國的人工智能計算能力將會"
    "領先世界。\n"
    "他認為，這場競賽的決定性因素並不只在於算法或芯片性能，而在於電力供應，中國的發電量到二〇二六年"
    "可能達到美國的三倍。\n"
    "報導稱，世界各地的企業競相建設數據中心，許多設施的用電需求相當於一座中型城市，電力正在成為新的"
    "瓶頸。\n"
    "上一則\n"
    "下一則\n"
    "熱門新聞\n";

// Decodes the code point that starts at byte `at` of s.
char32_t code_point_at(const std::string& s, std::size_t at) {
  const auto b = static_cast<unsigned char>(s[at]);
  if (b < 0x80) return b;
  const int n = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
  char32_t cp = b & (0x3F >> (n - 1));
  for (int i = 1; i < n; ++i) cp = (cp << 6) | (static_cast<unsigned char>(s[at + i]) & 0x3F);
  return cp;
}
}  // namespace

TEST_CASE("text_pipeline: shingles() equals process().shingles", "[text_pipeline]") {
  const text_pipeline p;
  samestory::processed_text doc;
  p.process(page, doc);
  std::vector<std::uint64_t> fast;
  p.shingles(page, fast);
  CHECK(fast == doc.shingles);
  CHECK_FALSE(doc.shingles.empty());
}

TEST_CASE("text_pipeline: offsets lead back to the original document", "[text_pipeline]") {
  const text_pipeline p;
  samestory::processed_text doc;
  p.process(page, doc);
  REQUIRE(doc.normalized.offsets.size() == doc.normalized.text.size() + 1);
  CHECK(doc.normalized.offsets.back() <= page.size());
  std::size_t letters = 0;
  for (std::size_t i = 0; i < doc.normalized.text.size(); ++i) {
    const char32_t out = doc.normalized.text[i];
    if (out == U' ' || out == U'\n') continue;
    const std::size_t at = doc.normalized.offsets[i];
    REQUIRE(at < page.size());
    // The original character there folds to the normalized one.
    const std::u32string folded = samestory::fold_code_point(code_point_at(page, at));
    CHECK(folded.find(out) != std::u32string::npos);
    ++letters;
  }
  CHECK(letters > 100);
  // Chrome lines come before the body, so the first kept letter is past them.
  CHECK(doc.normalized.offsets.front() >= page.find("馬斯克"));
}

TEST_CASE("text_pipeline: strict UTF-8 errors name the offset in the input", "[text_pipeline]") {
  const std::string bad = page + "尾\xE4\xB8";
  try {
    text_pipeline().process(bad, *std::make_unique<samestory::processed_text>());
    FAIL("no throw");
  } catch (const samestory::invalid_utf8_error& e) {
    CHECK(e.byte_offset() == page.size() + 3);
  }
}

TEST_CASE("text_pipeline: strict mode rejects bad bytes even in removed chrome lines",
          "[text_pipeline]") {
  std::string bad = page;
  const std::size_t at = bad.find("上一則");
  bad.insert(at, "\xC0\x80");  // an overlong NUL inside a chrome line
  try {
    text_pipeline().process(bad, *std::make_unique<samestory::processed_text>());
    FAIL("no throw");
  } catch (const samestory::invalid_utf8_error& e) {
    CHECK(e.byte_offset() == at);
  }
  samestory::text_pipeline_options raw;
  raw.strip_chrome = false;
  std::vector<std::uint64_t> h;
  try {
    text_pipeline(raw).shingles(bad, h);
    FAIL("no throw");
  } catch (const samestory::invalid_utf8_error& e) {
    CHECK(e.byte_offset() == at);
  }
}

TEST_CASE("text_pipeline: lenient UTF-8 keeps the rest of the document", "[text_pipeline]") {
  text_pipeline_options o;
  o.normalize.utf8 = samestory::utf8_policy::lenient;
  const text_pipeline p(o);
  std::vector<std::uint64_t> clean, dirty;
  p.shingles(page, clean);
  std::string damaged = page;
  damaged.insert(damaged.find("上一則"), "\xFF\xFE");
  p.shingles(damaged, dirty);
  CHECK(dirty == clean);  // the bad bytes sat in chrome and cost nothing
}

TEST_CASE("text_pipeline: empty, blank and binary documents", "[text_pipeline]") {
  text_pipeline_options o;
  o.normalize.utf8 = samestory::utf8_policy::lenient;
  const text_pipeline p(o);
  std::vector<std::uint64_t> h{1, 2, 3};
  p.shingles("", h);
  CHECK(h.empty());
  p.shingles(" \n\n\t 。。。", h);
  CHECK(h.empty());
  std::string junk;
  for (int i = 0; i < 4096; ++i) junk += static_cast<char>((i * 2654435761u) >> 13);
  CHECK_NOTHROW(p.shingles(junk, h));
  CHECK_NOTHROW(p.shingles("\0\0\0"s, h));
}

TEST_CASE("text_pipeline: the document limit applies before any work", "[text_pipeline]") {
  text_pipeline_options o;
  o.normalize.max_document_bytes = 100;
  std::vector<std::uint64_t> h;
  CHECK_THROWS_AS(text_pipeline(o).shingles(std::string(101, 'a'), h),
                  samestory::limit_exceeded_error);
}

TEST_CASE("text_pipeline: without chrome removal every line is shingled", "[text_pipeline]") {
  text_pipeline_options o;
  o.strip_chrome = false;
  std::vector<std::uint64_t> all, body;
  text_pipeline(o).shingles(page, all);
  text_pipeline().shingles(page, body);
  CHECK(all.size() > body.size());
  CHECK(text_pipeline(o).fingerprint() != text_pipeline().fingerprint());
}

TEST_CASE("text_pipeline: one pipeline shared by threads gives the same hashes",
          "[text_pipeline]") {
  const text_pipeline p;
  std::vector<std::uint64_t> expected;
  p.shingles(page, expected);
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::vector<std::uint64_t> h;
      int good = 0;
      for (int i = 0; i < 50; ++i) {
        p.shingles(page, h);
        good += h == expected ? 1 : 0;
      }
      ok[static_cast<std::size_t>(t)] = good;
    });
  }
  for (auto& th : threads) th.join();
  CHECK(ok == std::vector<int>(4, 50));
}
