/// @file text_pipeline.hpp
/// The whole text side in one object: UTF-8 check → chrome removal →
/// normalization → shingling, with offsets that lead back to the input.
#pragma once

#include <samestory/chrome.hpp>
#include <samestory/export.hpp>
#include <samestory/normalize.hpp>
#include <samestory/shingle.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace samestory {

/// Options for text_pipeline: one struct per stage.
struct text_pipeline_options {
  normalize_options normalize;  ///< UTF-8 policy, folding, limits
  chrome_options chrome;        ///< boilerplate removal knobs
  shingle_options shingle;      ///< n-gram sizes and hash seed
  bool strip_chrome = true;     ///< false: shingle the whole document
};

/// One document after the text pipeline.
struct processed_text {
  chrome_result body;                   ///< lines kept and removed, body text
  normalized_text normalized;           ///< offsets point into the ORIGINAL input, not the body
  std::vector<std::uint64_t> shingles;  ///< one hash per shingle position
};

/// UTF-8 check, chrome removal, normalization and shingling.
/// Thread safety: immutable; may be shared by many threads.
class SAMESTORY_API text_pipeline {
 public:
  /// @throws invalid_options_error for out-of-range options
  explicit text_pipeline(const text_pipeline_options& options = {});

  /// Runs every stage; `out`'s buffers are reused.
  /// @throws invalid_utf8_error (strict policy) with the offset in `document`
  /// @throws limit_exceeded_error when the document exceeds
  ///         normalize_options::max_document_bytes, chrome_options::max_lines
  ///         (with strip_chrome) or shingle_options::max_shingles; the message
  ///         names the limit. A body with more bytes than max_shingles is first
  ///         counted a piece at a time, so refusing it costs little memory
  ///         (docs/reliability.md).
  void process(std::string_view document, processed_text& out,
               const chrome_statistics* stats = nullptr, std::string_view source = {}) const;

  /// Shingle hashes only (the hot path): `out` is resized, its capacity reused.
  /// @throws as process()
  void shingles(std::string_view document, std::vector<std::uint64_t>& out) const;

  /// Throws what shingles() would throw for this document's size, keeping
  /// nothing: for a caller that takes documents now and processes them later
  /// (batch_clusterer::add), so the error names the document at once. Free
  /// for a document too short to meet a limit (at most max_lines bytes, and
  /// at most max_shingles / 2 bytes: no character gives more than two tokens
  /// per byte); a longer one is run through shingles().
  /// @throws limit_exceeded_error, invalid_utf8_error as process()
  void check_limits(std::string_view document) const;

  /// @return a hash of everything that decides the shingle hashes: normalizer
  /// fingerprint, shingle options and whether chrome is stripped
  std::uint64_t fingerprint() const noexcept;

  const normalizer& text_normalizer() const noexcept { return normalizer_; }  ///< @return stage
  const chrome_stripper& stripper() const noexcept { return stripper_; }      ///< @return stage
  const shingler& text_shingler() const noexcept { return shingler_; }        ///< @return stage
  const text_pipeline_options& options() const noexcept { return options_; }  ///< @return options

 private:
  // Checks limits and UTF-8, removes chrome; returns the text to normalize
  // (the body, or the document itself when chrome removal is off).
  std::string_view prepare(std::string_view document, chrome_result& body, bool fill_body,
                           const chrome_statistics* stats, std::string_view source) const;
  // Refuses text whose shingles must exceed max_shingles without normalizing it whole.
  void check_shingle_budget(std::string_view text) const;

  text_pipeline_options options_;
  normalizer normalizer_;
  chrome_stripper stripper_;
  shingler shingler_;
  normalizer fast_normalizer_;  // same table, no offsets: the shingles() hot path
};

}  // namespace samestory
