#include <samestory/error.hpp>
#include <samestory/text_pipeline.hpp>

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

void text_pipeline::process(std::string_view document, processed_text& out,
                            const chrome_statistics* stats, std::string_view source) const {
  normalizer_.normalize(prepare(document, out.body, true, stats, source), out.normalized);
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
  fast_normalizer_.normalize(prepare(document, body, false, nullptr, {}), normalized);
  shingler_.hash(normalized, out);
  // One huge document must not pin its buffers to the thread for good. Swap
  // with fresh objects: move-assigning an empty string keeps the old buffer.
  constexpr std::size_t keep_bytes = std::size_t{16} << 20;
  if (body.text.capacity() > keep_bytes) {
    chrome_result fresh;
    std::swap(body, fresh);
  }
  if (normalized.text.capacity() * sizeof(char32_t) > keep_bytes) {
    normalized_text fresh;
    std::swap(normalized, fresh);
  }
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
