// Internal to the samestory command line: what its subcommands share.
#pragma once

#include <samestory/jsonl.hpp>
#include <samestory/redis_store.hpp>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

namespace samestory::cli {

/// Exit codes (docs/cli.md).
constexpr int exit_ok = 0;
constexpr int exit_data = 1;   ///< bad input data: malformed line, duplicate id, unreadable file
constexpr int exit_usage = 2;  ///< bad command line

/// A bad command line: main() prints it with a pointer to --help.
struct usage_error {
  std::string message;
};

/// "72h" → seconds; units s, m, h, d. @throws usage_error naming `flag`
std::int64_t parse_duration(std::string_view flag, std::string_view s);

/// A number in (0, 1]. @throws usage_error naming `flag`
double parse_unit_interval(std::string_view flag, std::string_view s);

/// --store's redis://HOST:PORT/NAME. @throws usage_error saying what is wrong
redis_options parse_store(std::string_view s);

/// "redis://host:port/name" of a store, for messages.
std::string store_url(const redis_options& store);

/// A count in 1..max, with an optional K, M or G suffix (× 1024, 1024², 1024³):
/// "64M". @throws usage_error naming `flag`
std::size_t parse_size(std::string_view flag, std::string_view s, std::size_t max);

/// Opens a file or standard input ("-").
struct input {
  /// @throws samestory::error (io) when the file cannot be opened
  explicit input(const std::string& path);
  std::istream& stream() { return file.is_open() ? static_cast<std::istream&>(file) : *in; }
  std::string name;
  std::ifstream file;
  std::istream* in = nullptr;
};

/// Walks a subcommand's arguments: the flag at the cursor, and value() for a
/// flag that takes the next argument.
struct argument_cursor {
  const std::vector<std::string>& args;
  std::size_t i = 0;

  bool done() const { return i >= args.size(); }
  const std::string& flag() const { return args[i]; }
  /// @throws usage_error when the flag is last
  const std::string& value() {
    if (i + 1 >= args.size()) throw usage_error{args[i] + " needs a value"};
    return args[++i];
  }
};

/// Appends one TSV field: tab, newline, carriage return and backslash are
/// escaped (\t \n \r \\), so a line is always one record.
void append_tsv_field(std::string& out, std::string_view field);

/// The next line of a JSONL input, which must be an object. @return false at the end
bool next_object(jsonl_reader& reader, json_value& value);

// The subcommands; each returns its exit code and may throw usage_error or
// samestory::error, which main() reports.
int cluster_command(const std::vector<std::string>& args);
int eval_command(const std::vector<std::string>& args);
int compare_command(const std::vector<std::string>& args);
int strip_command(const std::vector<std::string>& args);
int sign_command(const std::vector<std::string>& args);
int bench_command(const std::vector<std::string>& args);
int index_command(const std::vector<std::string>& args);

}  // namespace samestory::cli
