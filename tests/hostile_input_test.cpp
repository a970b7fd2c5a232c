// Hostile documents and resource limits: every input named in the reliability
// issue (empty, only punctuation or white space, 200 MB, one line of 10
// million characters, binary junk, NUL bytes, encoded surrogates, every kind
// of ill-formed UTF-8) through the text pipeline, the signers and both
// clusterers, with the outcome docs/reliability.md states; and each limit
// (max_document_bytes, max_lines, max_shingles, max_candidates) at its
// boundary. The 200 MB cases with raised limits are hidden ("[.][large]");
// scripts/test runs them in its release section.
#include <samestory/brute_force_index.hpp>
#include <samestory/chrome.hpp>
#include <samestory/cluster.hpp>
#include <samestory/error.hpp>
#include <samestory/lsh_index.hpp>
#include <samestory/minhash.hpp>
#include <samestory/normalize.hpp>
#include <samestory/online_cluster.hpp>
#include <samestory/shingle.hpp>
#include <samestory/simhash.hpp>
#include <samestory/text_pipeline.hpp>
#include <samestory/utf8.hpp>

#include <catch2/catch.hpp>

#include <sys/resource.h>

#include <unistd.h>
#include <algorithm>
#include <cstdint>
#include <fstream>
#include <functional>
#include <limits>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

using namespace std::string_literals;
using samestory::cluster_options;
using samestory::document;
using samestory::limit_exceeded_error;
using samestory::text_pipeline;
using samestory::text_pipeline_options;
using samestory::utf8_policy;

namespace {

document doc(samestory::document_id id, std::string_view text) {
  document d;
  d.id = id;
  d.text = text;
  return d;
}

std::string utf8(char32_t c) {
  std::string s;
  if (c < 0x80) {
    s += static_cast<char>(c);
  } else if (c < 0x800) {
    s += static_cast<char>(0xC0 | (c >> 6));
    s += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    s += static_cast<char>(0xE0 | (c >> 12));
    s += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    s += static_cast<char>(0xF0 | (c >> 18));
    s += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    s += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (c & 0x3F));
  }
  return s;
}

// English-like prose: 5,000 made-up words, sentences, a line break every few
// sentences (no line break at all when one_line).
std::string latin_prose(std::size_t bytes, std::uint32_t seed, bool one_line = false) {
  std::mt19937 rng(seed);
  std::vector<std::string> words;
  for (int i = 0; i < 5000; ++i) {
    std::string w;
    const auto len = 2 + rng() % 8;
    for (unsigned k = 0; k < len; ++k) w += static_cast<char>('a' + rng() % 26);
    words.push_back(w);
  }
  std::string s;
  s.reserve(bytes + 64);
  for (std::size_t sentence = 1; s.size() < bytes; ++sentence) {
    const auto n = 8 + rng() % 17;
    for (unsigned w = 0; w < n; ++w) s += words[rng() % words.size()] + (w + 1 == n ? ". " : " ");
    if (!one_line && sentence % 4 == 0) s.back() = '\n';
  }
  s.resize(bytes);
  return s;
}

// Chinese-like prose: ideographs from U+4E00, clauses, a line break every few sentences.
std::string cjk_prose(std::size_t bytes, std::uint32_t seed, bool one_line = false) {
  std::mt19937 rng(seed);
  std::string s;
  s.reserve(bytes + 64);
  for (std::size_t sentence = 1; s.size() < bytes; ++sentence) {
    for (unsigned c = 0; c < 3; ++c) {
      const auto n = 5 + rng() % 10;
      for (unsigned k = 0; k < n; ++k) s += utf8(static_cast<char32_t>(0x4E00 + rng() % 3000));
      s += c == 2 ? "。" : "，";
    }
    if (!one_line && sentence % 4 == 0) s += '\n';
  }
  while (s.size() > bytes) s.pop_back();
  while (!s.empty() && (static_cast<unsigned char>(s.back()) & 0xC0) == 0x80) s.pop_back();
  if (!s.empty() && static_cast<unsigned char>(s.back()) >= 0xC0) s.pop_back();
  return s;
}

// `bytes` of text made by repeating a 64 KiB piece of prose: fast even at 200 MB.
std::string repeated(const std::string& piece, std::size_t bytes) {
  std::string s;
  s.reserve(bytes);
  while (s.size() + piece.size() <= bytes) s += piece;
  s.append(piece, 0, bytes - s.size());
  return s;
}

// Reference UTF-8 check straight from the Unicode Standard's table 3-7, with
// the maximal-subpart rule (U+FFFD substitution of maximal subparts, chapter 3):
// the offset of the first ill-formed sequence and how many there are.
struct reference_utf8 {
  std::size_t first_bad = std::string::npos;
  std::size_t bad_sequences = 0;
};
reference_utf8 reference_check(std::string_view s) {
  reference_utf8 r;
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t need = 0;
    unsigned lo = 0x80, hi = 0xBF;
    if (b < 0x80) {
      ++i;
      continue;
    } else if (b >= 0xC2 && b <= 0xDF) {
      need = 1;
    } else if (b >= 0xE0 && b <= 0xEF) {
      need = 2;
      if (b == 0xE0) lo = 0xA0;
      if (b == 0xED) hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      need = 3;
      if (b == 0xF0) lo = 0x90;
      if (b == 0xF4) hi = 0x8F;
    }
    std::size_t len = 1;  // the maximal subpart: the lead and the continuation bytes that fit
    bool ok = need > 0;
    for (std::size_t k = 1; ok && k <= need; ++k) {
      const unsigned lo_k = k == 1 ? lo : 0x80, hi_k = k == 1 ? hi : 0xBF;
      if (i + k >= s.size()) {
        ok = false;
        break;
      }
      const auto c = static_cast<unsigned char>(s[i + k]);
      if (c < lo_k || c > hi_k) {
        ok = false;
        break;
      }
      len = k + 1;
    }
    if (ok) {
      i += need + 1;
      continue;
    }
    if (r.first_bad == std::string::npos) r.first_bad = i;
    ++r.bad_sequences;
    i += len;
  }
  return r;
}

text_pipeline_options lenient_options() {
  text_pipeline_options o;
  o.normalize.utf8 = utf8_policy::lenient;
  return o;
}

cluster_options one_thread() {
  cluster_options o;
  o.threads = 1;
  return o;
}

// Runs f and requires a limit_exceeded_error whose message names `option`.
template <class F>
limit_exceeded_error expect_limit(F&& f, const std::string& option) {
  try {
    f();
  } catch (const limit_exceeded_error& e) {
    INFO(e.what());
    CHECK(std::string(e.what()).find(option) != std::string::npos);
    CHECK(e.code() == samestory::error_code::limit_exceeded);
    CHECK(e.actual() > e.limit());
    return e;
  }
  FAIL("no limit_exceeded_error naming " << option);
  return limit_exceeded_error("", 0, 0);
}

// The text side's verdict on text with no letter or digit: nothing to hash.
void check_nothing_to_hash(const std::string& text) {
  for (const bool strip : {true, false}) {
    text_pipeline_options o;
    o.strip_chrome = strip;
    const text_pipeline p(o);
    samestory::processed_text out;
    p.process(text, out);
    CHECK(out.normalized.is_empty());
    CHECK(out.shingles.empty());
    std::vector<std::uint64_t> fast{1, 2, 3};
    p.shingles(text, fast);
    CHECK(fast.empty());
  }
  const samestory::minhasher hasher({});
  const samestory::minhash_signature sig = hasher.sign({});
  CHECK(sig.is_empty());
  CHECK(sig.set_size() == 0);
  const samestory::simhasher sim;
  CHECK(sim.hash(std::span<const std::uint64_t>{}) == 0);
}

// Such documents join nothing: each is its own copy group and story, in both
// clusterers, and an article beside them is unaffected.
void check_joins_nothing(const std::vector<std::string>& texts) {
  const std::string article = latin_prose(2000, 7);
  std::vector<document> docs;
  for (std::size_t i = 0; i < texts.size(); ++i) docs.push_back(doc(i + 1, texts[i]));
  docs.push_back(doc(100, article));
  const samestory::clustering c = samestory::cluster_documents(docs, one_thread());
  REQUIRE(c.assignments.size() == docs.size());
  for (const samestory::assignment& a : c.assignments) {
    CHECK(a.story == a.id);
    CHECK(a.copy == a.id);
    CHECK(a.kind == samestory::copy_kind::original);
  }
  samestory::online_clusterer online(one_thread());
  for (const document& d : docs) {
    const samestory::assignment a = online.add(d);
    CHECK(a.story == d.id);
    CHECK(a.copy == d.id);
    CHECK(a.kind == samestory::copy_kind::original);
  }
}

std::size_t peak_rss_bytes() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<std::size_t>(u.ru_maxrss) * 1024;
}

std::size_t rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

#if defined(__SANITIZE_ADDRESS__)
constexpr bool sanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool sanitized = true;
#else
constexpr bool sanitized = false;
#endif
#else
constexpr bool sanitized = false;
#endif

}  // namespace

// ---- empty, punctuation, white space ------------------------------------------

TEST_CASE("hostile: an empty document has no shingles and joins nothing", "[hostile]") {
  check_nothing_to_hash("");
  check_joins_nothing({"", ""});
  samestory::batch_clusterer batch(one_thread());
  batch.add(doc(1, ""));
  batch.add(doc(2, ""));
  const samestory::clustering c = batch.finish();
  REQUIRE(c.stories.size() == 2);
}

TEST_CASE("hostile: only punctuation, ASCII or CJK, is like an empty document", "[hostile]") {
  const std::vector<std::string> junk = {
      "!!! ??? ... --- ,,, ;;; ::: \"\" '' () [] {} <> / \\ | @ # $ % ^ & * _ + = ~ `",
      "。，！？、；：「」『』（）【】《》…—～·。。。！！！？？？",
      "！！！\n。。。\n？？？\n，，，\n" + std::string(3000, '.') + "\n" + std::string(3000, '-'),
      "「」「」「」" + std::string(100, '!') + "、、、、"};
  for (const std::string& t : junk) {
    INFO(t);
    check_nothing_to_hash(t);
  }
  check_joins_nothing(junk);
}

TEST_CASE("hostile: only white space, ASCII, NBSP, U+3000 and line separators", "[hostile]") {
  const std::vector<std::string> blank = {
      " ",
      " \t\r\n\v\f \n\n\n",
      "\u3000\u3000\u3000\n\u3000",
      "\u00A0\u00A0 \u00A0",
      "\u2028\u2029\u0085\u2028",
      "\u200B\u200C\u200D\uFEFF",  // zero-width: format characters, dropped
      std::string(100000, ' ') + std::string(5000, '\n')};
  for (const std::string& t : blank) check_nothing_to_hash(t);
  check_joins_nothing(blank);
}

// ---- NUL bytes ----------------------------------------------------------------

TEST_CASE("hostile: NUL bytes are valid UTF-8, dropped like other controls", "[hostile]") {
  // U+0000 is well-formed, so strict mode accepts it; as a control character
  // it vanishes without splitting the word it sits in, and nothing after it
  // is lost (the views carry their length, never a C string's NUL).
  const std::string with_nul = "alpha\0beta gamma delta\0\0 epsilon zeta eta theta"s;
  const std::string without = "alphabeta gamma delta epsilon zeta eta theta";
  const text_pipeline p;
  samestory::processed_text a, b;
  p.process(with_nul, a);
  p.process(without, b);
  CHECK(a.normalized.text == b.normalized.text);
  CHECK(a.shingles == b.shingles);
  CHECK(a.normalized.offsets.back() == with_nul.size());
  // Offsets still lead to the right bytes: 'b' of "beta" is after the NUL.
  CHECK(with_nul[a.normalized.offsets[5]] == 'b');

  const std::string only_nul(1 << 20, '\0');
  check_nothing_to_hash(only_nul);
  std::string sprinkled = latin_prose(20000, 3);
  for (std::size_t i = 0; i < sprinkled.size(); i += 97) sprinkled.insert(i, 1, '\0');
  samestory::processed_text c;
  p.process(sprinkled, c);
  CHECK_FALSE(c.shingles.empty());
  check_joins_nothing({only_nul, "\0\0\0"s});
}

// ---- encoded surrogates and every kind of ill-formed UTF-8 --------------------

namespace {

struct bad_utf8 {
  std::string bytes;
  const char* reason;       // what invalid_utf8_error says
  std::size_t subparts;     // maximal ill-formed subparts: lenient separators
  bool needs_suffix_check;  // truncated at the very end differs from before ASCII
};

std::vector<bad_utf8> every_kind() {
  return {
      {"\xC3", "truncated sequence", 1, true},
      {"\xE4\xB8", "truncated sequence", 1, true},
      {"\xF0\x9F\x98", "truncated sequence", 1, true},
      {"\x80", "unexpected continuation byte", 1, false},
      {"\xBF\xBF", "unexpected continuation byte", 2, false},
      {"\xC0\x80", "overlong form", 2, false},
      {"\xC1\xBF", "overlong form", 2, false},
      {"\xE0\x80\x80", "overlong form", 3, false},
      {"\xE0\x9F\xBF", "overlong form", 3, false},
      {"\xF0\x80\x80\x80", "overlong form", 4, false},
      {"\xF0\x8F\xBF\xBF", "overlong form", 4, false},
      {"\xED\xA0\x80", "encoded surrogate", 3, false},
      {"\xED\xBF\xBF", "encoded surrogate", 3, false},
      {"\xF4\x90\x80\x80", "above U+10FFFF", 4, false},
      {"\xF4\xBF\xBF\xBF", "above U+10FFFF", 4, false},
      {"\xF5\x80\x80\x80", "never appears in UTF-8", 4, false},
      {"\xF8\x88\x80\x80\x80", "never appears in UTF-8", 5, false},
      {"\xFC\x84\x80\x80\x80\x80", "never appears in UTF-8", 6, false},
      {"\xFE", "never appears in UTF-8", 1, false},
      {"\xFF", "never appears in UTF-8", 1, false},
  };
}

// Every strict entry point names the offset of the first ill-formed byte.
void check_strict_offset(const std::string& text, std::size_t offset, const char* reason) {
  INFO("offset " << offset << ", " << reason);
  const auto check = [&](const std::function<void()>& f, const char* where,
                         const char* says = nullptr) {
    INFO(where);
    try {
      f();
      FAIL("accepted");
    } catch (const samestory::invalid_utf8_error& e) {
      CHECK(e.byte_offset() == offset);
      CHECK(std::string(e.what()).find(says != nullptr ? says : reason) != std::string::npos);
    }
  };
  const samestory::normalizer n;
  check([&] { (void)n.normalize(text); }, "normalizer");
  for (const bool strip : {true, false}) {
    text_pipeline_options o;
    o.strip_chrome = strip;
    const text_pipeline p(o);
    samestory::processed_text out;
    std::vector<std::uint64_t> fast;
    check([&] { p.process(text, out); }, strip ? "process" : "process, no chrome removal");
    check([&] { p.shingles(text, fast); }, strip ? "shingles" : "shingles, no chrome removal");
  }
  check(
      [&] {
        const std::vector<document> docs = {doc(1, "a fine first document"), doc(42, text)};
        (void)samestory::cluster_documents(docs, one_thread());
      },
      "cluster_documents", "document 42");
  samestory::online_clusterer online(one_thread());
  check([&] { online.add(doc(7, text)); }, "online_clusterer");
  CHECK(online.size() == 0);
  CHECK(online.add(doc(8, "still usable")).id == 8);
  samestory::batch_clusterer batch(one_thread());
  check([&] { batch.add(doc(7, text)); }, "batch_clusterer");
  CHECK(batch.size() == 0);
}

}  // namespace

TEST_CASE("hostile: every kind of ill-formed UTF-8, strict, names its byte offset", "[hostile]") {
  for (const bad_utf8& bad : every_kind()) {
    for (const std::string& prefix : {""s, "Naïve café 中文 text "s}) {
      for (const std::string& suffix : {" and more words"s, ""s}) {
        const std::string text = prefix + bad.bytes + suffix;
        REQUIRE(reference_check(text).first_bad == prefix.size());
        const samestory::utf8_check c = samestory::check_utf8(text);
        CHECK_FALSE(c.ok);
        CHECK(c.error_offset == prefix.size());
        check_strict_offset(text, prefix.size(), bad.reason);
      }
    }
  }
}

TEST_CASE("hostile: every kind of ill-formed UTF-8, lenient, one separator per subpart",
          "[hostile]") {
  for (const bad_utf8& bad : every_kind()) {
    INFO(bad.reason);
    const std::string text = "before" + bad.bytes + "after words here";
    REQUIRE(reference_check(text).bad_sequences == bad.subparts);
    samestory::normalize_options no;
    no.utf8 = utf8_policy::lenient;
    const samestory::normalized_text t = samestory::normalizer(no).normalize(text);
    CHECK(t.invalid_sequences == bad.subparts);
    CHECK(t.to_utf8() == "before after words here");  // the bytes split words, lose nothing
    const text_pipeline p(lenient_options());
    samestory::processed_text out;
    p.process(text, out);
    CHECK(out.normalized.invalid_sequences == bad.subparts);
    CHECK(out.shingles.size() == 2);  // 4 words, 3-grams
    // Offsets skip the bad bytes: "after" starts right after them.
    CHECK(out.normalized.offsets[7] == 6 + bad.bytes.size());
  }
  // At the very end, a truncated sequence is one subpart too.
  for (const bad_utf8& bad : every_kind()) {
    const std::string text = "the end" + bad.bytes;
    samestory::normalize_options no;
    no.utf8 = utf8_policy::lenient;
    CHECK(samestory::normalizer(no).normalize(text).invalid_sequences ==
          reference_check(text).bad_sequences);
  }
}

TEST_CASE("hostile: each encoded surrogate D800..DFFF is refused or split", "[hostile]") {
  samestory::normalize_options lenient;
  lenient.utf8 = utf8_policy::lenient;
  const samestory::normalizer strict_n, lenient_n(lenient);
  const text_pipeline strict_p, lenient_p(lenient_options());
  for (char32_t cp = 0xD800; cp <= 0xDFFF; ++cp) {
    // The three bytes a careless encoder (CESU-8, WTF-8) writes for a surrogate.
    const std::string bytes = {static_cast<char>(0xE0 | (cp >> 12)),
                               static_cast<char>(0x80 | ((cp >> 6) & 0x3F)),
                               static_cast<char>(0x80 | (cp & 0x3F))};
    const std::string text = "中文" + bytes + "text";
    try {
      (void)strict_n.normalize(text);
      FAIL("surrogate accepted");
    } catch (const samestory::invalid_utf8_error& e) {
      CHECK(e.byte_offset() == 6);
    }
    std::vector<std::uint64_t> shingles;
    CHECK_THROWS_AS(strict_p.shingles(text, shingles), samestory::invalid_utf8_error);
    const samestory::normalized_text t = lenient_n.normalize(text);
    CHECK(t.invalid_sequences == 3);  // ED, then two lone continuation bytes
    CHECK(t.to_utf8() == "中文 text");
    CHECK_NOTHROW(lenient_p.shingles(text, shingles));
  }
  // A well-formed pair's four-byte form is a supplementary character, not junk.
  CHECK(samestory::normalizer().normalize("\xF0\x9F\x98\x80").invalid_sequences == 0);
  check_strict_offset("ok \xED\xB0\x80", 3, "encoded surrogate");
}

// ---- binary junk ----------------------------------------------------------------

TEST_CASE("hostile: random binary is refused (strict) or hashed as junk (lenient)", "[hostile]") {
  std::mt19937_64 rng(2024);
  std::string binary(1 << 20, '\0');
  for (char& c : binary) c = static_cast<char>(rng() & 0xFF);
  const reference_utf8 ref = reference_check(binary);
  REQUIRE(ref.first_bad != std::string::npos);
  check_strict_offset(binary, ref.first_bad, "");

  const text_pipeline lenient(lenient_options());
  samestory::text_pipeline_options whole = lenient_options();
  whole.strip_chrome = false;
  samestory::processed_text out;
  text_pipeline(whole).process(binary, out);
  CHECK(out.normalized.invalid_sequences == ref.bad_sequences);
  CHECK(out.shingles.size() <= binary.size());
  std::vector<std::uint64_t> fast;
  lenient.shingles(binary, fast);
  const samestory::minhasher hasher({});
  const samestory::simhasher sim;
  CHECK(hasher.sign(fast).set_size() <= fast.size());
  (void)sim.sign(std::span<const std::uint64_t>(fast));

  // The same junk twice is an exact copy; other junk is not.
  std::string other = binary;
  for (std::size_t i = 0; i < other.size(); i += 3) other[i] = static_cast<char>(rng() & 0xFF);
  cluster_options co = one_thread();
  co.pipeline = lenient_options();
  const std::vector<document> docs = {doc(1, binary), doc(2, other), doc(3, binary)};
  const samestory::clustering c = samestory::cluster_documents(docs, co);
  CHECK(c.assignments[2].copy == 1);
  CHECK(c.assignments[2].kind == samestory::copy_kind::exact);
  CHECK(c.assignments[1].copy == 2);
  samestory::online_clusterer online(co);
  for (const document& d : docs) online.add(d);
  CHECK(online.find(3)->copy == 1);
  CHECK(online.find(2)->copy == 2);
}

// ---- one line of 10 million characters -----------------------------------------

TEST_CASE("hostile: one line of 10 million characters", "[hostile]") {
  const text_pipeline p;
  std::vector<std::uint64_t> shingles;
  SECTION("English words, no line break: accepted (about 1.5 million shingles)") {
    const std::string line = latin_prose(10'000'000, 5, true);
    REQUIRE(line.find('\n') == std::string::npos);
    p.shingles(line, shingles);
    CHECK(shingles.size() > 1'000'000);
    CHECK(shingles.size() < p.options().shingle.max_shingles);
    const samestory::minhash_signature sig = samestory::minhasher({}).sign(shingles);
    CHECK_FALSE(sig.is_empty());
  }
  SECTION("Chinese characters, no line break: refused, 10 million shingles > max_shingles") {
    const std::string line = cjk_prose(30'000'000, 5, true);
    const limit_exceeded_error e =
        expect_limit([&] { p.shingles(line, shingles); }, "shingle_options::max_shingles");
    CHECK(e.limit() == std::size_t{1} << 22);
    expect_limit([&] { samestory::online_clusterer(one_thread()).add(doc(1, line)); },
                 "shingle_options::max_shingles");
  }
  SECTION("one word of 10 million letters: one shingle") {
    std::string word(10'000'000, 'x');
    for (std::size_t i = 0; i < word.size(); i += 7) word[i] = 'y';
    p.shingles(word, shingles);
    CHECK(shingles.size() == 1);
  }
  SECTION("10 million alternating combining marks: linear time, one shingle") {
    // ICU reorders a run of marks in quadratic time; the normalizer feeds it
    // at most 30 at a time (Stream-Safe Text Format), or this took hours.
    std::string zalgo = "a";
    zalgo.reserve(20'000'001);
    for (int i = 0; i < 10'000'000; ++i) zalgo += i % 2 != 0 ? "\xCC\x81" : "\xCC\x96";
    p.shingles(zalgo, shingles);
    CHECK(shingles.size() == 1);
  }
}

TEST_CASE("hostile: normalization of long runs of combining marks", "[hostile]") {
  const samestory::normalizer n;
  // Up to 30 marks after a letter: one ICU call, canonical order (220 before 230).
  CHECK(n.normalize("e\xCC\x81\xCC\x96").text == n.normalize("e\xCC\x96\xCC\x81").text);
  CHECK(n.normalize("e\xCC\x81").text == U"é");
  // A longer run is still one word, with every mark kept.
  std::string run = "x";
  for (int i = 0; i < 1000; ++i) run += "\xCC\x81";
  const samestory::normalized_text t = n.normalize(run + " next");
  CHECK(t.text.size() == 1 + 1000 + 1 + 4);
  CHECK(t.text.find(U' ') == 1001);
}

// ---- 200 MB ---------------------------------------------------------------------

TEST_CASE("hostile: a 200 MB document is refused at once by max_document_bytes", "[hostile]") {
  const std::string big = repeated(latin_prose(1 << 16, 9), std::size_t{200} << 20);
  const std::string option = "normalize_options::max_document_bytes";
  const text_pipeline p;
  samestory::processed_text out;
  std::vector<std::uint64_t> shingles;
  const std::size_t before = rss_bytes();
  const limit_exceeded_error e = expect_limit([&] { p.process(big, out); }, option);
  CHECK(e.limit() == std::size_t{64} << 20);
  CHECK(e.actual() == big.size());
  expect_limit([&] { p.shingles(big, shingles); }, option);
  expect_limit([&] { p.check_limits(big); }, option);
  expect_limit([&] { (void)samestory::normalizer().normalize(big); }, option);
  expect_limit([&] { (void)samestory::cluster_documents(std::vector<document>{doc(1, big)}); },
               option);
  samestory::online_clusterer online(one_thread());
  expect_limit([&] { online.add(doc(1, big)); }, option);
  CHECK(online.size() == 0);
  samestory::batch_clusterer batch(one_thread());
  expect_limit([&] { batch.add(doc(1, big)); }, option);
  CHECK(batch.size() == 0);
  // Refused before any work: nothing near the document's size was allocated.
  if (!sanitized) CHECK(rss_bytes() < before + (std::size_t{16} << 20));
}

namespace {
// A 200 MB document with the byte limit raised: refused by max_shingles after
// chrome removal and a piecewise count, at about 1.3 bytes per input byte.
void check_200mb_refused_cheaply(const std::string& big) {
  cluster_options co = one_thread();
  co.pipeline.normalize.max_document_bytes = std::size_t{256} << 20;
  const text_pipeline p(co.pipeline);
  const std::string option = "shingle_options::max_shingles";
  const std::size_t peak_before = peak_rss_bytes(), rss_before = rss_bytes();
  {
    samestory::processed_text out;
    expect_limit([&] { p.process(big, out); }, option);
  }
  // docs/reliability.md: the body copy (1 byte per byte) and the line
  // records; without the piecewise count process() took 9 bytes per byte.
  // Measured on the first call only: the peak is the process's high-water
  // mark, and the clusterers' per-thread scratch may keep a body afterwards.
  const std::size_t peak = peak_rss_bytes();
  INFO("peak " << peak / 1048576 << " MiB, before " << rss_before / 1048576 << " MiB");
  if (!sanitized && peak > peak_before) CHECK(peak - rss_before < 2 * big.size());
  std::vector<std::uint64_t> shingles;
  expect_limit([&] { p.shingles(big, shingles); }, option);
  expect_limit([&] { (void)samestory::cluster_documents(std::vector<document>{doc(1, big)}, co); },
               option);
  samestory::online_clusterer online(co);
  expect_limit([&] { online.add(doc(1, big)); }, option);
  CHECK(online.size() == 0);
  samestory::batch_clusterer batch(co);
  expect_limit([&] { batch.add(doc(1, big)); }, option);
  CHECK(batch.size() == 0);
}
}  // namespace

TEST_CASE("hostile: 200 MB of English with the byte limit raised", "[.][large][hostile]") {
  // Not repeated text: chrome removal drops repeated lines.
  check_200mb_refused_cheaply(latin_prose(std::size_t{200} << 20, 11));
}

TEST_CASE("hostile: 200 MB of Chinese with the byte limit raised", "[.][large][hostile]") {
  check_200mb_refused_cheaply(cjk_prose(std::size_t{200} << 20, 12));
}

TEST_CASE("hostile: a 4 MB document, accepted, and refused by a lower max_shingles", "[hostile]") {
  for (const std::string& text : {latin_prose(4 << 20, 13), cjk_prose(4 << 20, 14)}) {
    const text_pipeline p;
    std::vector<std::uint64_t> all;
    p.shingles(text, all);
    REQUIRE(all.size() > 500'000);
    text_pipeline_options o;
    o.shingle.max_shingles = 100'000;
    const text_pipeline small(o);
    std::vector<std::uint64_t> shingles;
    const limit_exceeded_error e =
        expect_limit([&] { small.shingles(text, shingles); }, "shingle_options::max_shingles");
    CHECK(e.limit() == 100'000);
    CHECK(shingles.empty());
    cluster_options co = one_thread();
    co.pipeline = o;
    expect_limit([&] { samestory::online_clusterer(co).add(doc(1, text)); },
                 "shingle_options::max_shingles");
    samestory::batch_clusterer batch(co);
    expect_limit([&] { batch.add(doc(1, text)); }, "shingle_options::max_shingles");
  }
}

// ---- the limits at their boundaries ---------------------------------------------

TEST_CASE("limits: max_shingles, exactly at the limit and one over", "[hostile][limits]") {
  const samestory::normalizer n;
  const samestory::normalized_text text = n.normalize(
      "one two three four five six seven eight nine ten eleven twelve\n"
      "十三 十四 十五");
  for (const bool cross : {true, false}) {
    for (const std::uint32_t cjk_n : {3u, 2u}) {
      samestory::shingle_options o;
      o.cross_breaks = cross;
      o.cjk_n = cjk_n;
      const std::size_t exact = samestory::shingler(o).count(text);
      INFO("cross_breaks " << cross << ", cjk_n " << cjk_n << ", " << exact << " shingles");
      o.max_shingles = exact;
      const samestory::shingler at(o);
      std::vector<std::uint64_t> hashes;
      CHECK_NOTHROW(at.hash(text, hashes));
      CHECK(hashes.size() == exact);
      o.max_shingles = exact - 1;
      const samestory::shingler over(o);
      const limit_exceeded_error e =
          expect_limit([&] { over.hash(text, hashes); }, "shingle_options::max_shingles");
      CHECK(e.limit() == exact - 1);
      expect_limit([&] { (void)over.count(text); }, "shingle_options::max_shingles");
      std::vector<samestory::shingle_span> spans;
      expect_limit([&] { over.spans(text, spans); }, "shingle_options::max_shingles");
      std::vector<samestory::counted_shingle> counted;
      expect_limit([&] { over.counted(text, counted); }, "shingle_options::max_shingles");
    }
  }
  samestory::shingle_options zero;
  zero.max_shingles = 0;
  CHECK_THROWS_AS(samestory::shingler(zero), samestory::invalid_options_error);
}

TEST_CASE("limits: the piecewise count refuses exactly what the shingler refuses",
          "[hostile][limits]") {
  // A body longer than max_shingles bytes is counted a piece (about 1 MiB) at
  // a time before it is normalized whole; the pieces are cut after line
  // breaks, after ASCII spaces before ASCII and between ideographs. Here the
  // cuts fall among long lines of words, long runs of ideographs, joins
  // (U.S., l'homme), combining marks, NULs, full-width and ill-formed bytes.
  std::mt19937 rng(77);
  std::string text;
  const std::vector<std::string> bits = {"U.S. ",
                                         "l'homme ",
                                         "e\xCC\x81t\xC3\xA9 ",
                                         "\xEF\xBC\xA1\xEF\xBC\xA9 ",
                                         "3.14 ",
                                         "a\0b "s,
                                         "\xE2\x80\x8B",
                                         "\xC3",
                                         "\x80 ",
                                         "\t",
                                         "\u3000",
                                         "。",
                                         "，",
                                         "\r\n",
                                         "\n\n"};
  while (text.size() < (std::size_t{5} << 19)) {  // 2.5 MiB
    switch (rng() % 4) {
      case 0:
        text += latin_prose(1000 + rng() % 300000, static_cast<std::uint32_t>(rng()), true) + " ";
        break;
      case 1:
        text += cjk_prose(1000 + rng() % 300000, static_cast<std::uint32_t>(rng()), true);
        break;
      default:
        for (int k = 0; k < 50; ++k) text += bits[rng() % bits.size()];
    }
  }
  for (const bool cross : {true, false}) {
    text_pipeline_options o = lenient_options();
    o.strip_chrome = false;  // the body is the text: its size decides whether the count runs
    o.shingle.cross_breaks = cross;
    o.shingle.max_shingles = std::numeric_limits<std::size_t>::max();
    std::vector<std::uint64_t> all;
    text_pipeline(o).shingles(text, all);
    const std::size_t exact = all.size();
    INFO("cross_breaks " << cross << ": " << exact << " shingles in " << text.size() << " bytes");
    REQUIRE(exact < text.size());  // so the piecewise count runs
    o.shingle.max_shingles = exact;
    std::vector<std::uint64_t> at;
    text_pipeline(o).shingles(text, at);
    CHECK(at == all);
    o.shingle.max_shingles = exact - 1;
    const limit_exceeded_error e =
        expect_limit([&] { text_pipeline(o).shingles(text, at); }, "shingle_options::max_shingles");
    // One segment: the count is exact, so the pieces' tokens added up.
    if (cross) CHECK(e.actual() == exact);
  }
}

TEST_CASE("limits: no character gives more than two tokens per byte", "[hostile][limits]") {
  // text_pipeline::check_limits skips documents of at most max_shingles / 2
  // bytes on this bound. Tokens never outnumber the output's code points, so
  // only characters folding to more than two per byte need counting.
  const samestory::normalizer n;
  samestory::shingle_options one;
  one.cjk_n = one.word_n = 1;
  const samestory::shingler tokens(one);
  std::size_t checked = 0;
  for (char32_t cp = 0; cp < 0x110000; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    const std::string bytes = utf8(cp);
    if (samestory::fold_code_point(cp).size() <= 2 * bytes.size()) continue;
    ++checked;
    INFO("U+" << std::hex << static_cast<std::uint32_t>(cp));
    CHECK(tokens.count(n.normalize(bytes)) <= 2 * bytes.size());
  }
  CHECK(checked > 0);
}

TEST_CASE("limits: max_lines, before any line is measured", "[hostile][limits]") {
  samestory::chrome_options o;
  o.max_lines = 3;
  const samestory::chrome_stripper s(o);
  CHECK_NOTHROW(s.strip("a\nb\nc"));
  CHECK_NOTHROW(s.strip("a\nb\nc\n"));  // a final line break starts no line
  const limit_exceeded_error e =
      expect_limit([&] { (void)s.strip("a\nb\nc\nd"); }, "chrome_options::max_lines");
  CHECK(e.limit() == 3);
  CHECK(e.actual() == 4);
  o.max_lines = 0;
  CHECK_THROWS_AS(samestory::chrome_stripper(o), samestory::invalid_options_error);

  // Through the pipeline: a megabyte of bare newlines is refused at once by
  // default; without chrome removal there are no lines to count.
  const std::string newlines(std::size_t{2} << 20, '\n');
  std::vector<std::uint64_t> shingles;
  expect_limit([&] { text_pipeline().shingles(newlines, shingles); }, "chrome_options::max_lines");
  samestory::batch_clusterer batch(one_thread());
  expect_limit([&] { batch.add(doc(1, newlines)); }, "chrome_options::max_lines");
  text_pipeline_options whole;
  whole.strip_chrome = false;
  text_pipeline(whole).shingles(newlines, shingles);
  CHECK(shingles.empty());
}

TEST_CASE("limits: check_limits agrees with shingles()", "[hostile][limits]") {
  text_pipeline_options o;
  o.shingle.max_shingles = 1000;
  o.chrome.max_lines = 100;
  const text_pipeline p(o);
  std::vector<std::uint64_t> out;
  for (const std::string& t :
       {""s, "short text"s, latin_prose(400, 1), latin_prose(20000, 2), std::string(300, '\n'),
        cjk_prose(3000, 3), std::string(5000, 'z')}) {
    bool refused = false;
    try {
      p.shingles(t, out);
    } catch (const limit_exceeded_error&) {
      refused = true;
    }
    if (refused) {
      CHECK_THROWS_AS(p.check_limits(t), limit_exceeded_error);
    } else {
      CHECK_NOTHROW(p.check_limits(t));
    }
  }
}

namespace {
// Ten stored documents with one signature: every query meets all ten.
struct flood {
  samestory::minhasher hasher{samestory::minhash_options{}};
  samestory::lsh_index lsh{samestory::lsh_parameters{16, 4}, hasher};
  samestory::brute_force_index exact;
  std::vector<std::uint64_t> set;
  flood() {
    for (std::uint64_t i = 0; i < 200; ++i) set.push_back(i * 0x9E3779B97F4A7C15ull);
    const samestory::minhash_signature sig = hasher.sign(set);
    for (samestory::document_id id = 1; id <= 10; ++id) {
      lsh.insert(id, sig);
      exact.insert(id, set);
    }
  }
};
samestory::query_options most(std::size_t n) {
  samestory::query_options o;
  o.max_candidates = n;
  return o;
}
}  // namespace

TEST_CASE("limits: max_candidates in both indexes", "[hostile][limits]") {
  const flood f;
  const samestory::minhash_signature sig = f.hasher.sign(f.set);
  const std::string option = "query_options::max_candidates";
  CHECK(f.lsh.query(sig, most(10)).size() == 10);
  const limit_exceeded_error e = expect_limit([&] { (void)f.lsh.query(sig, most(9)); }, option);
  CHECK(e.limit() == 9);
  CHECK(e.actual() == 10);
  CHECK(f.lsh.query_id(1, most(9)).size() == 9);  // the document itself is not a candidate
  expect_limit([&] { (void)f.lsh.query_id(1, most(8)); }, option);
  CHECK(f.lsh.candidates(sig).size() == 10);  // raw candidates are never limited

  CHECK(f.exact.query(f.set, most(10)).size() == 10);
  expect_limit([&] { (void)f.exact.query(f.set, most(9)); }, option);
  CHECK(f.exact.query_id(1, most(9)).size() == 9);
  expect_limit([&] { (void)f.exact.query_id(1, most(8)); }, option);

  CHECK_THROWS_AS(f.lsh.query(sig, most(0)), samestory::invalid_options_error);
  CHECK_THROWS_AS(f.exact.query(f.set, most(0)), samestory::invalid_options_error);
}

TEST_CASE("limits: cluster_options::max_candidates in both clusterers", "[hostile][limits]") {
  // Six near-identical pages (one word differs): every copy query meets the others.
  const std::string base = latin_prose(3000, 21);
  std::vector<std::string> texts;
  for (int i = 0; i < 6; ++i) texts.push_back(base + " variant" + std::to_string(i));
  std::vector<document> docs;
  for (std::size_t i = 0; i < texts.size(); ++i) docs.push_back(doc(i + 1, texts[i]));
  cluster_options o = one_thread();
  const samestory::clustering free = samestory::cluster_documents(docs, o);
  for (const samestory::assignment& a : free.assignments) CHECK(a.copy == 1);

  o.max_candidates = 5;  // the other five
  CHECK_NOTHROW(samestory::cluster_documents(docs, o));
  o.max_candidates = 4;
  const limit_exceeded_error e = expect_limit([&] { (void)samestory::cluster_documents(docs, o); },
                                              "cluster_options::max_candidates");
  CHECK(e.limit() == 4);
  CHECK(e.actual() == 5);

  o.max_candidates = 2;
  samestory::online_clusterer online(o);
  for (std::size_t i = 0; i < 3; ++i) online.add(docs[i]);  // meets 0, 1, 2 earlier copies
  expect_limit([&] { online.add(docs[3]); }, "cluster_options::max_candidates");
  CHECK(online.size() == 3);
  CHECK_FALSE(online.find(4).has_value());
  CHECK(online.add(doc(99, latin_prose(3000, 99))).story == 99);  // still usable
}
