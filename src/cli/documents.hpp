// Internal to the samestory command line: where documents come from.
// A JSONL file, standard input (JSONL), or a directory of .txt / .html files,
// read one document at a time so that memory does not grow with the input.
#pragma once

#include <samestory/utf8.hpp>

#include <cstdint>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace samestory::cli {

/// One input document as the command line sees it.
struct input_document {
  std::string id;  ///< as given (JSONL) or the file name (directory)
  std::string text;
  std::string title;
  std::optional<std::int64_t> time;
  std::string source;
  std::size_t line = 0;  ///< JSONL line (1-based); 0 for a file of a directory
};

/// Reads documents from a path: `-` (JSONL on standard input), a directory
/// (its .txt, .html and .htm files are documents, by name; HTML goes through
/// html_to_text, and its <title> is the title; its .jsonl files are read as
/// JSONL), or a JSONL file.
///
/// A bad record (malformed JSON, a field of the wrong type, a repeated id) is
/// a samestory::error naming the file, line and field; with skip_bad it is
/// counted and passed over instead.
class document_reader {
 public:
  /// @param spool_stdin copy standard input to a temporary file as it is
  ///        read, so that reread() works on it too
  /// @throws samestory::error (io) when the path cannot be opened
  document_reader(const std::string& path, bool skip_bad, bool spool_stdin);
  ~document_reader();

  /// The next document. @return false at the end
  bool next(input_document& out);

  /// The text and title of the `index`-th document next() returned (0-based).
  void reread(std::size_t index, std::string& text, std::string& title);

  /// A record found bad after reading (e.g. by the library): throws
  /// samestory::error with `message`, or with skip_bad counts it.
  void reject(const std::string& message);

  /// Where the last document came from, for messages: "FILE: line N" or the file path.
  std::string where(const input_document& d) const;

  /// When records were skipped, one line on stderr such as "samestory
  /// cluster: 9 documents clustered, 2 bad records skipped (first: ...)".
  void report_skipped(const char* command, const char* done, std::size_t documents) const;
  /// Bytes consumed so far and in all (0 when unknown: standard input), for progress.
  std::uint64_t bytes_read() const noexcept { return bytes_read_; }
  std::uint64_t total_bytes() const noexcept { return total_bytes_; }
  /// "<stdin>", the file or the directory, for messages.
  const std::string& name() const noexcept { return name_; }

 private:
  static constexpr std::uint32_t no_file = 0xFFFFFFFF;  // the path itself, not a file of it
  void open_jsonl(const std::string& path);
  void claim_id(const std::string& id, std::size_t line);
  bool next_jsonl(input_document& out);
  bool next_file(input_document& out);

  std::string name_;
  bool skip_bad_ = false;
  // JSONL
  std::ifstream file_;
  std::istream* jsonl_ = nullptr;
  std::string spool_path_;
  std::ofstream spool_;
  std::string jsonl_name_;    // the JSONL file being read, for messages
  std::uint64_t offset_ = 0;  // of the next line in it
  std::uint32_t current_file_ = no_file;
  std::vector<std::uint64_t> offsets_;      // per returned record: its line's offset
  std::vector<std::uint32_t> record_file_;  // per returned record: index in files_, or no_file
  std::size_t line_ = 0;
  std::string buffer_;
  // directory
  std::vector<std::string> files_;
  std::size_t next_file_ = 0;
  utf8_check last_check_;

  std::unordered_map<std::string, std::pair<std::uint32_t, std::size_t>> line_of_id_;  // file, line
  std::size_t skipped_ = 0;
  std::string first_skipped_;
  std::uint64_t bytes_read_ = 0;
  std::uint64_t total_bytes_ = 0;
};

}  // namespace samestory::cli
