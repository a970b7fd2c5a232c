#include <samestory/error.hpp>
#include <samestory/shingle.hpp>

#include "token_class.hpp"

#include <unicode/brkiter.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>
#include <string>

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace samestory {

namespace {

using detail::cjk_class;
using detail::class_of;
using detail::sa_class;
using detail::token_class;
using detail::word_class;

constexpr std::uint32_t word_bit = 0x80000000u;

// Scratch that grows without writing its new elements. The token arrays are
// sized for one token per code point, but prose has one per 5 to 7 letters:
// vector::resize would zero (and so make resident) memory the tokens never reach.
template <class T>
struct raw_buffer {
  std::unique_ptr<T[]> data;
  std::size_t size = 0;
  void ensure(std::size_t n) {
    if (n > size) {
      data = std::make_unique_for_overwrite<T[]>(n);
      size = n;
    }
  }
  T& operator[](std::size_t i) noexcept { return data[i]; }
};

struct walk_scratch {
  raw_buffer<std::uint32_t> codes;
  raw_buffer<std::uint8_t> classes;
  raw_buffer<std::uint32_t> bounds;
  std::vector<std::uint32_t> segments;
};

std::size_t saturating_add(std::size_t a, std::size_t b) noexcept {
  return a > std::numeric_limits<std::size_t>::max() - b ? std::numeric_limits<std::size_t>::max()
                                                         : a + b;
}

[[noreturn]] void too_many_shingles(std::size_t limit, std::size_t actual) {
  throw limit_exceeded_error("shingle_options::max_shingles", limit, actual);
}

walk_scratch& thread_scratch() {
  thread_local walk_scratch scratch;
  return scratch;
}

std::uint32_t word_code(const char32_t* b, const char32_t* e) noexcept {
  const auto h = XXH3_64bits(b, static_cast<std::size_t>(e - b) * sizeof(char32_t));
  return static_cast<std::uint32_t>(h) | word_bit;
}

// Splits a run of Thai/Lao/Khmer/Myanmar letters into dictionary words with
// ICU. Rare in our input, so the break iterator is made per thread, lazily.
template <class F>
void split_sa_run(const char32_t* b, const char32_t* e, F&& on_word) {
  thread_local std::unique_ptr<icu::BreakIterator> it;
  if (!it) {
    UErrorCode status = U_ZERO_ERROR;
    it.reset(icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status));
    if (U_FAILURE(status)) it.reset();
  }
  if (!it) {  // no dictionary: the run is one word
    on_word(b, e);
    return;
  }
  const icu::UnicodeString s = icu::UnicodeString::fromUTF32(reinterpret_cast<const UChar32*>(b),
                                                             static_cast<std::int32_t>(e - b));
  it->setText(s);
  // Break positions are UTF-16 indexes; walk code points alongside them.
  std::int32_t prev16 = it->first();
  const char32_t* prev = b;
  for (std::int32_t pos = it->next(); pos != icu::BreakIterator::DONE; pos = it->next()) {
    const std::int32_t n = s.countChar32(prev16, pos - prev16);
    on_word(prev, prev + n);
    prev += n;
    prev16 = pos;
  }
}

}  // namespace

shingler::shingler(const shingle_options& options) : options_(options) {
  if (options.cjk_n < 1 || options.cjk_n > 16) {
    throw invalid_options_error("shingle_options::cjk_n must be in 1..16, actual " +
                                std::to_string(options.cjk_n));
  }
  if (options.word_n < 1 || options.word_n > 16) {
    throw invalid_options_error("shingle_options::word_n must be in 1..16, actual " +
                                std::to_string(options.word_n));
  }
  if (options.max_shingles == 0) {
    throw invalid_options_error("shingle_options::max_shingles must be at least 1, actual 0");
  }
}

// Two phases. First the text becomes an array of 32-bit token codes (the code
// point itself for a CJK character, so a run of Chinese costs one class check
// and one store per character); then every window is one XXH3 call over a
// contiguous slice of that array. The arrays are per-thread scratch that
// keeps its capacity, so steady-state shingling allocates nothing.
template <bool WantSpans, class Sink>
void shingler::walk(const normalized_text& text, Sink&& sink) const {
  // One scratch per thread, shared by every instantiation of this template
  // (a thread_local inside it would be one per sink type).
  walk_scratch& scratch = thread_scratch();
  // One huge document must not pin its buffers to the thread for good, even
  // when it is refused: they are dropped on the way out.
  struct release_if_huge {
    walk_scratch& s;
    ~release_if_huge() {
      if (s.codes.size > (std::size_t{4} << 20)) {
        walk_scratch fresh;  // swapped, not assigned, so the old buffers are freed here
        std::swap(s, fresh);
      }
    }
  } release{scratch};
  auto& codes = scratch.codes;
  auto& classes = scratch.classes;
  auto& bounds = scratch.bounds;      // token i covers [bounds[2i], bounds[2i+1])
  auto& segments = scratch.segments;  // token index where each segment ends
  const std::size_t max_tokens = text.text.size();
  codes.ensure(max_tokens);
  classes.ensure(max_tokens);
  if (WantSpans) bounds.ensure(2 * max_tokens);
  segments.clear();

  // Refuse an over-long text while tokenizing, before its tokens fill memory:
  // a segment of L tokens has at least L - (n - 1) shingles, so once the
  // tokens exceed max_shingles + (n - 1) per segment, so must the shingles.
  const std::size_t limit = options_.max_shingles;
  const std::size_t reach = std::max(options_.cjk_n, options_.word_n) - 1;
  std::size_t token_cap = saturating_add(limit, reach);

  const char32_t* const base = text.text.data();
  const char32_t* p = base;
  const char32_t* const end = base + text.text.size();
  std::size_t n = 0;
  const bool want_classes = options_.cjk_n != options_.word_n;
  // Local pointers: a byte store (classes) may alias any object in memory,
  // which would make the compiler reload pointers kept in the scratch struct.
  std::uint32_t* const code_at = codes.data.get();
  std::uint8_t* const class_at = classes.data.get();
  std::uint32_t* const bound_at = bounds.data.get();
  auto push = [&](std::uint32_t code, token_class c, const char32_t* b, const char32_t* e) {
    if (n >= token_cap) [[unlikely]] {
      too_many_shingles(limit, n + 1 - reach * (segments.size() + 1));
    }
    code_at[n] = code;
    if (want_classes) class_at[n] = c;
    if constexpr (WantSpans) {
      bound_at[2 * n] = static_cast<std::uint32_t>(b - base);
      bound_at[2 * n + 1] = static_cast<std::uint32_t>(e - base);
    }
    ++n;
  };
  while (p < end) {
    const char32_t c = *p;
    if (c == U' ') {
      ++p;
      continue;
    }
    if (c == U'\n') {
      if (!options_.cross_breaks && (segments.empty() ? n > 0 : segments.back() < n)) {
        segments.push_back(static_cast<std::uint32_t>(n));
        token_cap = saturating_add(token_cap, reach);
      }
      ++p;
      continue;
    }
    const token_class cls = class_of(c);
    if (cls == cjk_class) {
      push(static_cast<std::uint32_t>(c), cjk_class, p, p + 1);
      ++p;
      continue;
    }
    // A word: letters/digits up to a separator, a CJK character or a change
    // between dictionary-segmented scripts and the rest.
    const char32_t* w = p;
    while (p < end && *p != U' ' && *p != U'\n' && class_of(*p) == cls) ++p;
    if (cls == sa_class) {
      split_sa_run(w, p, [&](const char32_t* b, const char32_t* e) {
        push(word_code(b, e), word_class, b, e);
      });
    } else {
      push(word_code(w, p), word_class, w, p);
    }
  }
  if (segments.empty() || segments.back() < n) segments.push_back(static_cast<std::uint32_t>(n));

  const std::uint64_t seed = options_.seed;
  const std::uint32_t ncjk = options_.cjk_n, nword = options_.word_n;
  // Shingles never outnumber tokens; past the limit, count them exactly
  // (as the loop below emits them) before emitting any.
  if (n > limit) {
    std::size_t total = 0, first = 0;
    for (const std::uint32_t last : segments) {
      std::size_t here = 0;
      if (ncjk == nword) {
        here = last - first >= ncjk ? last - first - ncjk + 1 : 0;
      } else {
        for (std::size_t i = first; i < last; ++i) {
          here += i + (classes[i] == cjk_class ? ncjk : nword) <= last;
        }
      }
      total += here == 0 && last > first ? 1 : here;
      first = last;
    }
    if (total > limit) too_many_shingles(limit, total);
  }
  auto emit = [&](std::size_t first, std::size_t count) {
    std::uint32_t b = 0, e = 0;
    if constexpr (WantSpans) {
      b = bounds[2 * first];
      e = bounds[2 * (first + count - 1) + 1];
    }
    sink(XXH3_64bits_withSeed(codes.data.get() + first, count * sizeof(std::uint32_t), seed), b, e);
  };
  std::size_t seg_begin = 0;
  for (const std::uint32_t seg_end : segments) {
    // A shingle starts at every token whose window fits in the segment; a
    // segment shorter than its first window gives one shingle of all its tokens.
    bool emitted = false;
    if (ncjk == nword) {  // the common case: one window length, a tight loop
      // A compile-time length lets XXH3 inline its short-input path.
      auto run = [&](auto len) {
        for (std::size_t i = seg_begin; i + len() <= seg_end; ++i) emit(i, len());
      };
      switch (ncjk) {
        case 2:
          run([] { return std::size_t{2}; });
          break;
        case 3:
          run([] { return std::size_t{3}; });
          break;
        case 4:
          run([] { return std::size_t{4}; });
          break;
        case 5:
          run([] { return std::size_t{5}; });
          break;
        default:
          run([&] { return std::size_t{ncjk}; });
          break;
      }
      emitted = seg_end - seg_begin >= ncjk;
    } else {
      for (std::size_t i = seg_begin; i < seg_end; ++i) {
        const std::size_t len = classes[i] == cjk_class ? ncjk : nword;
        if (i + len <= seg_end) {
          emit(i, len);
          emitted = true;
        }
      }
    }
    if (!emitted && seg_end > seg_begin) emit(seg_begin, seg_end - seg_begin);
    seg_begin = seg_end;
  }
}

std::size_t shingler::count(const normalized_text& text) const {
  std::size_t n = 0;
  walk<false>(text, [&](std::uint64_t, std::uint32_t, std::uint32_t) { ++n; });
  return n;
}

std::size_t shingler::hash(const normalized_text& text, std::span<std::uint64_t> out) const {
  std::size_t n = 0;
  bool overflow = false;
  walk<false>(text, [&](std::uint64_t h, std::uint32_t, std::uint32_t) {
    if (n < out.size()) {
      out[n] = h;
    } else {
      overflow = true;
    }
    ++n;
  });
  if (overflow) {
    throw error(error_code::invalid_argument,
                "shingler::hash: output span holds " + std::to_string(out.size()) +
                    " hashes, the text has " + std::to_string(n) + " shingles");
  }
  return n;
}

void shingler::hash(const normalized_text& text, std::vector<std::uint64_t>& out) const {
  out.clear();
  // Shingles never outnumber code points (nor the limit), so one reservation
  // covers the document.
  const std::size_t most = std::min(text.text.size(), options_.max_shingles) + 1;
  if (out.capacity() < most) out.reserve(most);
  walk<false>(text, [&](std::uint64_t h, std::uint32_t, std::uint32_t) { out.push_back(h); });
}

void shingler::counted(const normalized_text& text, std::vector<counted_shingle>& out) const {
  thread_local std::vector<std::uint64_t> hashes;  // scratch: no allocation once warm
  hash(text, hashes);
  std::sort(hashes.begin(), hashes.end());
  out.clear();
  for (std::size_t i = 0; i < hashes.size();) {
    std::size_t j = i;
    while (j < hashes.size() && hashes[j] == hashes[i]) ++j;
    out.push_back({hashes[i], static_cast<std::uint32_t>(j - i)});
    i = j;
  }
  if (hashes.capacity() > (std::size_t{4} << 20)) std::vector<std::uint64_t>().swap(hashes);
}

void shingler::spans(const normalized_text& text, std::vector<shingle_span>& out) const {
  out.clear();
  walk<true>(text, [&](std::uint64_t, std::uint32_t b, std::uint32_t e) { out.push_back({b, e}); });
}

}  // namespace samestory
