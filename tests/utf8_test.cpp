#include <samestory/error.hpp>
#include <samestory/utf8.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace std::string_literals;
using samestory::check_utf8;

namespace {
// The expected offset and reason for one ill-formed input.
void require_bad(const std::string& s, std::size_t offset, const std::string& reason) {
  INFO("input bytes: " << s.size());
  const auto c = check_utf8(s);
  REQUIRE_FALSE(c.ok);
  CHECK(c.error_offset == offset);
  CHECK(std::string(c.reason) == reason);
  try {
    samestory::validate_utf8(s);
    FAIL("validate_utf8 did not throw");
  } catch (const samestory::invalid_utf8_error& e) {
    CHECK(e.byte_offset() == offset);
    CHECK(e.code() == samestory::error_code::invalid_utf8);
    CHECK(std::string(e.what()).find(std::to_string(offset)) != std::string::npos);
  }
}
}  // namespace

TEST_CASE("utf8: well-formed text of every length class passes", "[utf8]") {
  CHECK(check_utf8("").ok);
  CHECK(check_utf8("plain ascii text, long enough for the 8-byte path").ok);
  CHECK(check_utf8("\xC2\xA9 \xE4\xB8\xAD\xE6\x96\x87 \xF0\x9F\x98\x80").ok);  // ©, 中文, 😀
  CHECK(check_utf8("\xEF\xBF\xBF\xF4\x8F\xBF\xBF").ok);                        // U+FFFF, U+10FFFF
  CHECK(check_utf8("\xED\x9F\xBF\xEE\x80\x80").ok);  // U+D7FF, U+E000 around the surrogates
}

TEST_CASE("utf8: NUL is valid and does not end the document", "[utf8]") {
  const std::string s = "ab\0cd\xFF"s;
  const auto c = check_utf8(s);
  REQUIRE_FALSE(c.ok);
  CHECK(c.error_offset == 5);  // found after the NUL, so the NUL did not stop the scan
  CHECK(check_utf8("ab\0\0\0cd"s).ok);
}

TEST_CASE("utf8: overlong forms are rejected with their offset", "[utf8]") {
  require_bad("ab\xC0\x80", 2, "overlong form");
  require_bad("\xC1\xBF", 0, "overlong form");
  require_bad("x\xE0\x80\x80", 1, "overlong form");
  require_bad("xyz\xE0\x9F\xBF", 3, "overlong form");
  require_bad("\xF0\x80\x80\x80", 0, "overlong form");
  require_bad("\xF0\x8F\xBF\xBF", 0, "overlong form");
}

TEST_CASE("utf8: encoded surrogates are rejected", "[utf8]") {
  require_bad("ok\xED\xA0\x80", 2, "encoded surrogate");  // U+D800
  require_bad("\xED\xBF\xBF", 0, "encoded surrogate");    // U+DFFF
}

TEST_CASE("utf8: truncated sequences are rejected", "[utf8]") {
  require_bad("\xE4\xB8", 0, "truncated sequence");      // cut at the end
  require_bad("12345678\xE4", 8, "truncated sequence");  // after the ASCII fast path
  require_bad("\xE4\xB8\x41", 0, "truncated sequence");  // interrupted by ASCII
  require_bad("\xF0\x9F\x98", 0, "truncated sequence");
  require_bad("\xC3", 0, "truncated sequence");
}

TEST_CASE("utf8: bytes that never appear and stray continuations", "[utf8]") {
  require_bad("a\xFF", 1, "byte that never appears in UTF-8");
  require_bad("\xF5\x80\x80\x80", 0, "byte that never appears in UTF-8");
  require_bad("\xFE", 0, "byte that never appears in UTF-8");
  require_bad("ab\x80", 2, "unexpected continuation byte");
  require_bad("\xF4\x90\x80\x80", 0, "code point above U+10FFFF");
}

TEST_CASE("utf8: repair replaces each maximal subpart once", "[utf8]") {
  std::string out;
  CHECK(samestory::repair_utf8("good", out) == 0);
  CHECK(out == "good");
  // E4 B8 is one maximal subpart, then 'A' survives.
  CHECK(samestory::repair_utf8("\xE4\xB8\x41", out) == 1);
  CHECK(out ==
        "\xEF\xBF\xBD"
        "A");
  // F0 80 80 80: F0 cannot start with 80, so four separate replacements.
  CHECK(samestory::repair_utf8("\xF0\x80\x80\x80", out) == 4);
  CHECK(samestory::repair_utf8("\xED\xA0\x80x", out) == 3);
  CHECK(samestory::check_utf8(out).ok);
  // Repair keeps NUL and valid multibyte text intact.
  CHECK(samestory::repair_utf8("\xE4\xB8\xAD\0\xFF"s, out) == 1);
  CHECK(out == "\xE4\xB8\xAD\0\xEF\xBF\xBD"s);
}

TEST_CASE("utf8: every truncation of a valid text is found or passes", "[utf8]") {
  const std::string s = "\xE9\xA6\xAC\xE6\x96\xAF\xE5\x85\x8B AI \xF0\x9F\x98\x80!";
  for (std::size_t n = 0; n <= s.size(); ++n) {
    const auto c = check_utf8(std::string_view(s).substr(0, n));
    std::string repaired;
    const auto replaced = samestory::repair_utf8(std::string_view(s).substr(0, n), repaired);
    CHECK(c.ok == (replaced == 0));
    CHECK(check_utf8(repaired).ok);
  }
}
