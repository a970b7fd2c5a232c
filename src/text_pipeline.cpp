#include <samestory/error.hpp>
#include <samestory/text_pipeline.hpp>

#include <algorithm>
#include <limits>
#include <string>
#include <utility>

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace samestory {

namespace {
normalize_options without_offsets(normalize_options o) {
  o.keep_offsets = false;
  return o;
}

// Whether bytes [i, i + 3) are one of the CJK ideographs U+4E00..U+9FFF.
bool ideograph_at(std::string_view s, std::size_t i) noexcept {
  if (i + 3 > s.size()) return false;
  const auto b0 = static_cast<unsigned char>(s[i]), b1 = static_cast<unsigned char>(s[i + 1]),
             b2 = static_cast<unsigned char>(s[i + 2]);
  return b0 >= 0xE4u && b0 <= 0xE9u && (b0 != 0xE4u || b1 >= 0xB8u) && (b1 & 0xC0u) == 0x80u &&
         (b2 & 0xC0u) == 0x80u;
}

// End of the piece of `s` that starts at `begin`: about piece_bytes long, cut
// where normalizing the two sides apart gives the same tokens as normalizing
// them together. That holds after a line break or an ASCII space followed by
// ASCII (a separator ends every token, word join and Thai run; ASCII never
// combines with what precedes it), and between two ideographs (each is a
// token of its own that nothing joins or combines with). Text with no such
// place (one 200 MB word) is one piece.
std::size_t piece_end(std::string_view s, std::size_t begin) noexcept {
  constexpr std::size_t piece_bytes = std::size_t{1} << 20;
  if (s.size() - begin <= piece_bytes) return s.size();
  for (std::size_t i = begin + piece_bytes; i + 1 < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '\n') return i + 1;
    if ((c == ' ' || c == '\t' || c == '\r') && static_cast<unsigned char>(s[i + 1]) < 0x80u) {
      return i + 1;
    }
    if (i >= 2 && ideograph_at(s, i - 2) && ideograph_at(s, i + 1)) return i + 1;
  }
  return s.size();
}
}  // namespace

text_pipeline::text_pipeline(const text_pipeline_options& options)
    : options_(options),
      normalizer_(options.normalize),
      stripper_(options.chrome),
      shingler_(options.shingle),
      fast_normalizer_(without_offsets(options.normalize)) {}

std::string_view text_pipeline::prepare(std::string_view document, chrome_result& body,
                                        bool fill_body, const chrome_statistics* stats,
                                        std::string_view source) const {
  if (document.size() > options_.normalize.max_document_bytes) {
    throw limit_exceeded_error("normalize_options::max_document_bytes",
                               options_.normalize.max_document_bytes, document.size());
  }
  // Strict UTF-8 errors must name the offset in the caller's document, not in
  // the extracted body. Chrome removal decodes every byte and records the
  // first bad sequence, so that costs no second pass; without chrome removal
  // the normalizer sees the whole document and reports the offset itself.
  if (options_.strip_chrome) {
    stripper_.strip(document, body, stats, source);
    if (options_.normalize.utf8 == utf8_policy::strict && body.invalid_utf8_reason != nullptr) {
      throw invalid_utf8_error(body.invalid_utf8_offset, body.invalid_utf8_reason);
    }
    return body.text;
  }
  if (fill_body) {  // the whole document is the body; only process() reports it
    body.text.assign(document);
    body.lines.assign(1, {0, document.size(), chrome_reason::none});
    body.kept.assign(1, {0, 0});
    body.invalid_utf8_reason = nullptr;
  }
  return document;
}

// Normalized text takes 4 bytes a character (8 with offsets), so normalizing
// a 200 MB body whole only to find it has too many shingles would cost
// gigabytes. A body with more bytes than the limit (one that could exceed it)
// is first normalized a piece at a time, only to count its tokens; pieces are
// cut where no token spans the cut, so the counts add up. A segment of L
// tokens has at least L - (n - 1) shingles, so the count refuses a body once
// that lower bound passes the limit, having held one piece at a time. The
// exact check stays with the shingler: this pass only makes refusal cheap.
void text_pipeline::check_shingle_budget(std::string_view text) const {
  const shingle_options& o = options_.shingle;
  if (text.size() <= o.max_shingles) return;
  const std::size_t reach = std::max(o.cjk_n, o.word_n) - 1;
  const shingler tokens(
      {.cjk_n = 1, .word_n = 1, .max_shingles = std::numeric_limits<std::size_t>::max()});
  normalized_text piece;
  std::size_t total = 0, segments = 1;
  for (std::size_t begin = 0; begin < text.size();) {
    const std::size_t end = piece_end(text, begin);
    if (begin == 0 && end == text.size()) return;  // one piece: the whole-text pass is this pass
    try {
      fast_normalizer_.normalize(text.substr(begin, end - begin), piece);
    } catch (const invalid_utf8_error&) {
      return;  // the whole-text pass reports it, with the offset in the document
    }
    total += tokens.count(piece);
    // Without cross_breaks a break starts a segment; a piece may start one too.
    if (!o.cross_breaks) {
      segments +=
          1 + static_cast<std::size_t>(std::count(piece.text.begin(), piece.text.end(), U'\n'));
    }
    const std::size_t slack = reach * segments;
    if (total > slack && total - slack > o.max_shingles) {
      throw limit_exceeded_error("shingle_options::max_shingles", o.max_shingles, total - slack);
    }
    begin = end;
  }
}

void text_pipeline::process(std::string_view document, processed_text& out,
                            const chrome_statistics* stats, std::string_view source) const {
  const std::string_view text = prepare(document, out.body, true, stats, source);
  check_shingle_budget(text);
  normalizer_.normalize(text, out.normalized);
  // Offsets from the normalizer point into the body; lead them back to the input.
  if (options_.strip_chrome) {
    for (auto& o : out.normalized.offsets) {
      o = static_cast<std::uint32_t>(out.body.to_input_offset(o));
    }
  }
  shingler_.hash(out.normalized, out.shingles);
}

void text_pipeline::shingles(std::string_view document, std::vector<std::uint64_t>& out) const {
  // Per-thread scratch keeps the hot path free of per-document allocations
  // once the buffers have grown to the largest document seen.
  thread_local chrome_result body;
  thread_local normalized_text normalized;
  // One huge document must not pin its buffers to the thread for good, even
  // when it is refused. Swap with fresh objects: move-assigning an empty
  // string keeps the old buffer.
  struct release_if_huge {
    ~release_if_huge() {
      constexpr std::size_t keep_bytes = std::size_t{16} << 20;
      if (body.text.capacity() > keep_bytes || body.lines.capacity() > keep_bytes / 64) {
        chrome_result fresh;
        std::swap(body, fresh);
      }
      if (normalized.text.capacity() * sizeof(char32_t) > keep_bytes) {
        normalized_text fresh;
        std::swap(normalized, fresh);
      }
    }
  } release;
  const std::string_view text = prepare(document, body, false, nullptr, {});
  check_shingle_budget(text);
  fast_normalizer_.normalize(text, normalized);
  shingler_.hash(normalized, out);
}

void text_pipeline::check_limits(std::string_view document) const {
  if (document.size() > options_.normalize.max_document_bytes) {
    throw limit_exceeded_error("normalize_options::max_document_bytes",
                               options_.normalize.max_document_bytes, document.size());
  }
  // Lines never outnumber bytes, nor tokens twice the bytes (a test checks
  // every code point's expansion), and shingles never outnumber tokens.
  const bool lines_possible = options_.strip_chrome && document.size() > options_.chrome.max_lines;
  const bool shingles_possible = document.size() > options_.shingle.max_shingles / 2;
  if (!lines_possible && !shingles_possible) return;
  std::vector<std::uint64_t> discarded;
  shingles(document, discarded);
}

std::uint64_t text_pipeline::fingerprint() const noexcept {
  const std::string key =
      "samestory-text/" + std::to_string(normalizer_.fingerprint()) + "/" +
      std::to_string(options_.shingle.cjk_n) + "/" + std::to_string(options_.shingle.word_n) + "/" +
      std::to_string(options_.shingle.seed) + "/" + (options_.shingle.cross_breaks ? "x" : "b") +
      (options_.strip_chrome ? "c" : "-");
  return XXH3_64bits(key.data(), key.size());
}

}  // namespace samestory
