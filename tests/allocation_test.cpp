// Hot paths must not allocate once their buffers are warm. This file replaces
// the global operator new with a counting one, so it builds into an
// executable of its own (samestory_allocation_tests).
#include <samestory/chrome.hpp>
#include <samestory/minhash.hpp>
#include <samestory/normalize.hpp>
#include <samestory/shingle.hpp>
#include <samestory/simhash.hpp>
#include <samestory/text_pipeline.hpp>
#include <samestory/utf8.hpp>

#include <catch2/catch.hpp>

#include "support/files.hpp"

#include <cstdlib>
#include <new>
#include <string>
#include <vector>

namespace {
thread_local bool counting = false;
thread_local std::size_t allocations = 0;

// Counts the allocations `fn` makes on this thread.
template <class F>
std::size_t count_allocations(F&& fn) {
  allocations = 0;
  counting = true;
  fn();
  counting = false;
  return allocations;
}

std::string seed(const char* name) {
  return samestory::test::read_seed(name);
}
}  // namespace

// The whole family is replaced, nothrow forms included: a form left to the
// runtime (ASan's, say) would hand our operator delete memory it did not make.
namespace {
void* counted_malloc(std::size_t n) noexcept {
  if (counting) ++allocations;
  return std::malloc(n == 0 ? 1 : n);
}
}  // namespace

void* operator new(std::size_t n) {
  if (void* p = counted_malloc(n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  if (void* p = counted_malloc(n)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  return counted_malloc(n);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  return counted_malloc(n);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}

TEST_CASE("allocation: the counter sees allocations", "[allocation]") {
  // Guards the guard: if counting were broken every other case would pass.
  const std::size_t n = count_allocations([] {
    auto* v = new std::vector<int>(100);
    delete v;
  });
  CHECK(n >= 2);
}

TEST_CASE("allocation: checking UTF-8 allocates nothing", "[allocation]") {
  const std::string doc = seed("001_16c679fa5d3af775.txt");
  CHECK(count_allocations([&] { CHECK(samestory::check_utf8(doc).ok); }) == 0);
}

TEST_CASE("allocation: normalizing into a warm normalized_text allocates nothing", "[allocation]") {
  const std::string doc = seed("000_1429655e81e706ba.txt");
  for (bool offsets : {false, true}) {
    samestory::normalize_options o;
    o.keep_offsets = offsets;
    const samestory::normalizer n(o);
    samestory::normalized_text out;
    n.normalize(doc, out);  // warm-up: buffers grow to this document
    CHECK(count_allocations([&] { n.normalize(doc, out); }) == 0);
  }
}

TEST_CASE("allocation: shingling into a span or a warm vector allocates nothing", "[allocation]") {
  const samestory::normalized_text t =
      samestory::normalizer().normalize(seed("003_1f0c60b46c01051d.txt"));
  const samestory::shingler s;
  std::vector<std::uint64_t> buffer(s.count(t));
  std::vector<std::uint64_t> vec;
  s.hash(t, vec);  // warm-up: per-thread token buffer and vec's capacity
  CHECK(count_allocations([&] { s.hash(t, std::span<std::uint64_t>(buffer)); }) == 0);
  CHECK(count_allocations([&] { s.hash(t, vec); }) == 0);
  std::vector<samestory::counted_shingle> counted;
  s.counted(t, counted);  // warm-up
  CHECK(count_allocations([&] { s.counted(t, counted); }) == 0);
}

TEST_CASE("allocation: stripping chrome into a warm result allocates nothing", "[allocation]") {
  const std::string doc = seed("000_1429655e81e706ba.txt");
  const samestory::chrome_stripper stripper;
  samestory::chrome_result out;
  stripper.strip(doc, out);
  CHECK(count_allocations([&] { stripper.strip(doc, out); }) == 0);
}

TEST_CASE("allocation: the text pipeline's hot path allocates nothing once warm", "[allocation]") {
  const samestory::text_pipeline p;
  std::vector<std::uint64_t> out;
  for (const char* name : samestory::test::seed_names) {
    const std::string doc = seed(name);
    p.shingles(doc, out);  // warm-up for this size
    INFO(name);
    CHECK(count_allocations([&] { p.shingles(doc, out); }) == 0);
  }
}

TEST_CASE("allocation: a huge document does not pin its buffers to the thread",
          "[allocation][slow]") {
  // 24 MB of prose in long paragraphs (few lines, so chrome removal's own
  // per-line scratch stays small and only the buffers under test grow huge).
  std::string huge;
  const std::string sentence =
      "据美国商业内幕网站报导，特斯拉首席执行官马斯克表示中国的算力将领先世界。";
  for (std::size_t n = 0; huge.size() < (std::size_t{24} << 20); ++n) {
    huge += sentence;
    // Distinct lines: chrome removal keeps only one copy of a repeated line.
    if (n % 64 == 63) huge += "第" + std::to_string(n) + "段\n";
  }
  const std::string small = seed("003_1f0c60b46c01051d.txt");
  samestory::text_pipeline_options o;
  o.shingle.max_shingles = std::size_t{1} << 24;  // 8 million characters: over the default
  const samestory::text_pipeline p(o);
  std::vector<std::uint64_t> out;
  p.shingles(small, out);
  CHECK(count_allocations([&] { p.shingles(small, out); }) == 0);  // warm
  p.shingles(huge, out);  // `out` keeps the huge capacity: it is the caller's buffer
  // The pipeline released its own buffers after the huge document, so the
  // next small one grows them again; after that they are warm again.
  CHECK(count_allocations([&] { p.shingles(small, out); }) > 0);
  CHECK(count_allocations([&] { p.shingles(small, out); }) == 0);
}

TEST_CASE("allocation: signing shingles allocates nothing", "[allocation]") {
  std::vector<std::uint64_t> shingles;
  samestory::text_pipeline().shingles(seed("001_16c679fa5d3af775.txt"), shingles);
  REQUIRE(!shingles.empty());
  for (auto scheme :
       {samestory::minhash_scheme::classic, samestory::minhash_scheme::one_permutation}) {
    samestory::minhash_options o;
    o.scheme = scheme;
    const samestory::minhasher mh(o);
    std::vector<std::uint32_t> out(o.num_hashes);
    CHECK(count_allocations([&] { mh.sign_into(shingles, out); }) == 0);
  }
  const samestory::simhasher sh;
  std::uint64_t v = 0;
  CHECK(count_allocations([&] { v = sh.hash(std::span<const std::uint64_t>(shingles)); }) == 0);
  CHECK(v != 0);
}
