/// @file jsonl.hpp
/// Reading JSONL documents as crawlers and evaluation sets store them: one
/// JSON object per line with `id`, `text`, optional `title`, `date`, and a
/// source (`source`, else the host of `url`, else `publisher`).
///
/// The JSON reader is small and strict (RFC 8259): one value per line, UTF-8
/// checked, string escapes decoded (surrogate pairs joined; a lone surrogate
/// is an error), nesting limited to 64 levels. Errors carry the line number
/// and the byte offset within the line.
#pragma once

#include <samestory/error.hpp>
#include <samestory/export.hpp>

#include <cstddef>
#include <cstdint>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace samestory {

/// A line of JSONL is malformed, or a field has the wrong type.
class SAMESTORY_API parse_error : public error {
 public:
  /// @param line 1-based line number (0 when not known)
  /// @param byte_offset offset within the line
  /// @param message what was expected and what was found
  parse_error(std::size_t line, std::size_t byte_offset, const std::string& message);
  /// @return 1-based line number, 0 when not known
  std::size_t line() const noexcept { return line_; }
  /// @return offset within the line of the problem
  std::size_t byte_offset() const noexcept { return byte_offset_; }

 private:
  std::size_t line_;
  std::size_t byte_offset_;
};

/// A parsed JSON value: a small tree, enough for one JSONL record.
/// Numbers keep their source text (ids such as 12345678901234567890 survive).
class SAMESTORY_API json_value {
 public:
  /// The JSON type of a value.
  enum class kind : std::uint8_t { null, boolean, number, string, array, object };

  json_value() = default;  ///< null

  kind type() const noexcept { return kind_; }                   ///< @return the JSON type
  bool is_null() const noexcept { return kind_ == kind::null; }  ///< @return type is null
  bool as_bool() const;                  ///< @throws parse_error unless boolean
  const std::string& as_string() const;  ///< @throws parse_error unless string
  /// @return the number's source text, e.g. "12" or "1.5e3"; @throws parse_error unless number
  const std::string& number_text() const;
  double as_double() const;                      ///< @throws parse_error unless number
  const std::vector<json_value>& items() const;  ///< @throws parse_error unless array
  /// @return members in source order (a repeated key keeps its last value on find)
  const std::vector<std::pair<std::string, json_value>>& members() const;
  /// @return the member named `key`, or nullptr; @throws parse_error unless object
  const json_value* find(std::string_view key) const;

  /// The value as Python's str() would print what json.loads made of it:
  /// strings as they are, 1 → "1", 1.50 → "1.5", 1e16 → "1e+16", true → "True",
  /// null → "None". Labels and ids are compared this way by tools/score.py.
  std::string to_label() const;

  /// Parses exactly one JSON value (surrounding whitespace allowed).
  /// @throws parse_error with `line` and the byte offset of the problem
  static json_value parse(std::string_view text, std::size_t line = 0);

 private:
  kind kind_ = kind::null;
  bool bool_ = false;
  std::string text_;  // string value or number source text
  std::vector<json_value> items_;
  std::vector<std::pair<std::string, json_value>> members_;
  friend class json_parser;
};

/// Appends `text` to `out` as a JSON string literal with quotes; control
/// characters, quote and backslash are escaped, other UTF-8 kept as is.
SAMESTORY_API void append_json_string(std::string& out, std::string_view text);

/// Parses a timestamp to seconds since 1970-01-01 UTC: ISO 8601
/// (`2014-03-10T16:52:50Z`, `...+08:00`, fractional seconds ignored, a date
/// alone is midnight UTC) or `YYYY-MM-DD HH:MM:SS` (taken as UTC).
/// @return std::nullopt when the text is not such a timestamp
SAMESTORY_API std::optional<std::int64_t> parse_timestamp(std::string_view text) noexcept;

/// One document read from JSONL.
struct document_record {
  std::string id;                    ///< `id` as a string (numbers via json_value::to_label)
  std::string title;                 ///< `title`, empty when absent or null
  std::string text;                  ///< `text`, empty when absent or null
  std::optional<std::int64_t> time;  ///< `date` in seconds since the epoch; nullopt = unknown
  std::string source;                ///< `source`, else host of `url`, else `publisher`, else empty
  std::size_t line = 0;              ///< 1-based line it came from
};

/// Makes a document_record of one parsed line.
/// @throws parse_error when `id` is missing or neither string nor number, when
/// `text`/`title` is present but not a string or null, or when `date` is a
/// string that parse_timestamp rejects (null or absent means unknown)
SAMESTORY_API document_record to_document_record(const json_value& object, std::size_t line);

/// Reads a JSONL stream one line at a time, without loading it whole.
/// Blank lines are skipped; a UTF-8 byte-order mark on line 1 is ignored.
class SAMESTORY_API jsonl_reader {
 public:
  /// @param in the stream; it must outlive the reader
  explicit jsonl_reader(std::istream& in);
  /// Reads the next non-blank line. @return false at end of input
  /// @throws parse_error for a malformed line (the reader stays usable: the
  /// next call continues with the following line)
  bool next(json_value& value);
  /// @return 1-based number of the line last returned or rejected
  std::size_t line() const noexcept { return line_; }

 private:
  std::istream* in_;
  std::string buffer_;
  std::size_t line_ = 0;
};

}  // namespace samestory
