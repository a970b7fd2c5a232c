/// @file chrome.hpp
/// Page chrome (boilerplate) removal: navigation, "previous/next", related and
/// hot-news lists, captions with timestamps, share widgets and the like.
///
/// Works on lines of crawled text (html_to_text() produces such lines). Each
/// line is classified from per-document features (length in characters,
/// sentence punctuation, runs of short title-like lines, duplicated lines,
/// timestamps) and, when a chrome_statistics is given, from how often the
/// line recurs across other documents of the same source. docs/algorithms.md
/// describes the method.
#pragma once

#include <samestory/export.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace samestory {

/// Why a line was removed (or none when kept).
enum class chrome_reason : std::uint8_t {
  none = 0,        ///< kept: article body
  empty,           ///< blank or only white space / punctuation
  short_line,      ///< too short to be body and not next to body
  title_like_run,  ///< part of a run of short, unpunctuated, title-like lines (menus, lists)
  duplicate_line,  ///< the same line appears elsewhere in the document
  timestamp,       ///< a date/time or counter line ("2026-01-04 05:30", "浏览:249 次")
  outside_body,    ///< separated from the main body block by chrome
  recurring,       ///< recurs across many documents of the same source (chrome_statistics)
  notice,          ///< a reprint, copyright or disclaimer notice at the body's edge
};

/// Short stable name of a reason, e.g. "title_like_run".
SAMESTORY_API const char* to_string(chrome_reason reason) noexcept;

/// One input line and its verdict.
struct chrome_line {
  std::size_t begin = 0;                       ///< byte offset of the line in the input
  std::size_t end = 0;                         ///< one past its last byte (excluding `\n`)
  chrome_reason reason = chrome_reason::none;  ///< none when kept
  /// @return true when the line is body text (reason is none)
  bool kept() const noexcept { return reason == chrome_reason::none; }
};

/// Where a kept line starts in chrome_result::text.
struct kept_line {
  std::size_t text_begin = 0;  ///< byte offset of the line in `text`
  std::size_t line = 0;        ///< its index in chrome_result::lines
};

/// The body text of a document and how it maps back to the input.
struct chrome_result {
  std::string text;                ///< kept lines joined by `\n` (a trailing `\r` removed)
  std::vector<chrome_line> lines;  ///< every input line, in order; empty for empty input
  std::vector<kept_line> kept;     ///< the kept lines, in order, with their place in `text`
  /// Byte offset of the first ill-formed UTF-8 sequence in the input, kept or
  /// not (valid only when invalid_utf8_reason is not null).
  std::size_t invalid_utf8_offset = 0;
  /// Why that sequence is ill-formed ("truncated sequence", ...), or null when
  /// the whole input is well-formed UTF-8.
  const char* invalid_utf8_reason = nullptr;
  /// Maps a byte offset in `text` to the byte offset in the input it came from.
  /// O(log kept lines).
  /// @param text_offset 0 .. text.size(); the '\n' after a kept line, and
  /// text.size(), map to the end of that line; with nothing kept, the result
  /// is the end of the last input line (0 for empty input)
  std::size_t to_input_offset(std::size_t text_offset) const noexcept;
};

/// Tuning knobs; the defaults were chosen on the seed articles and the
/// Traditional-Chinese news pages in docs/tuning.md.
struct chrome_options {
  /// A line with at least this many letters/digits and sentence punctuation is body.
  std::uint32_t min_body_chars = 40;
  /// Lines with fewer letters/digits than this are never body on their own.
  std::uint32_t max_short_chars = 12;
  /// With statistics: a line seen in at least this share of a source's documents is chrome.
  double recurring_share = 0.3;
  /// ...and in at least this many documents.
  std::uint32_t recurring_min_docs = 3;
  /// Most lines a document may have (at least 1); strip() refuses one with
  /// more by throwing limit_exceeded_error naming "chrome_options::max_lines",
  /// after a memchr-speed count that stops one past the limit (so actual() is
  /// max_lines + 1) and before measuring any line. Each line
  /// costs about 100 bytes of bookkeeping, so without a limit a page of bare
  /// newlines took 77 bytes of memory per input byte. Default 2^20
  /// (1,048,576 lines, about 100 MiB of bookkeeping): an article has hundreds
  /// of lines, a long report a few tens of thousands.
  std::size_t max_lines = std::size_t{1} << 20;
};

class chrome_statistics;

/// Removes page chrome from documents.
/// Thread safety: const methods may be called from many threads at once.
class SAMESTORY_API chrome_stripper {
 public:
  /// @throws invalid_options_error when an option is out of range (max_lines 0 included)
  explicit chrome_stripper(const chrome_options& options = {});

  /// Classifies every line of `document` and returns the body.
  /// @param document crawled text, '\n' or "\r\n" line ends; invalid UTF-8 is tolerated
  /// @param stats optional cross-document statistics for `source`
  /// @param source the document's site or publisher, used with `stats`
  /// @throws limit_exceeded_error for documents of 4 GiB or more (line indexes
  ///         are 32-bit) or of more than chrome_options::max_lines lines
  chrome_result strip(std::string_view document, const chrome_statistics* stats = nullptr,
                      std::string_view source = {}) const;

  /// As above, into `out`, reusing its buffers: a loop over documents that
  /// passes the same `out` allocates nothing once the buffers have grown.
  void strip(std::string_view document, chrome_result& out,
             const chrome_statistics* stats = nullptr, std::string_view source = {}) const;

  /// @return the options in force
  const chrome_options& options() const noexcept { return options_; }

 private:
  chrome_options options_;
};

/// Learned statistics: which lines recur across documents of one source.
/// Observe a stream of documents, then pass the statistics to strip().
/// Thread safety: const methods from many threads; observe() needs one writer.
class SAMESTORY_API chrome_statistics {
 public:
  chrome_statistics() = default;

  /// Counts each distinct line of `document` once for `source`.
  void observe(std::string_view document, std::string_view source);

  /// @return documents observed for `source`
  std::uint32_t documents(std::string_view source) const noexcept;
  /// @return documents of `source` that contained `line` (compared after trimming white space)
  std::uint32_t line_documents(std::string_view source, std::string_view line) const noexcept;

  /// Serializes to the documented little-endian format (docs/format.md).
  std::string save() const;
  /// @throws format_error on truncated, corrupted or foreign bytes
  static chrome_statistics load(std::string_view bytes);

  /// @return true when nothing has been observed
  bool is_empty() const noexcept { return sources_.empty(); }

  /// Bounds memory on an endless stream: every source with more than
  /// `max_lines` distinct lines keeps only the `max_lines` seen in the most
  /// documents (ties: smaller line hash). Chrome recurs, so it is what stays;
  /// the lines of article bodies, seen once each, are what goes.
  void prune(std::size_t max_lines);

  /// @return bytes held by the tables
  std::size_t memory_bytes() const noexcept;

 private:
  friend class chrome_stripper;
  struct source_stats {
    std::uint32_t documents = 0;
    std::vector<std::pair<std::uint64_t, std::uint32_t>> lines;  // sorted by line hash
  };
  std::vector<std::pair<std::uint64_t, source_stats>> sources_;  // sorted by source hash
};

}  // namespace samestory
