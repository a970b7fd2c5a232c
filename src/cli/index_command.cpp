// samestory index build|query: a saved near-duplicate index for crawlers that
// check each new page against everything seen before. A thin layer over
// document_index (its file is the library's saved format, docs/format.md).
#include "cli.hpp"
#include "documents.hpp"

#include <samestory/document_index.hpp>
#include <samestory/error.hpp>
#include <samestory/jsonl.hpp>

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace samestory::cli {

namespace {

const char* const index_help =
    "usage: samestory index build --out FILE [options] INPUT\n"
    "       samestory index query --index FILE [options] INPUT\n"
    "\n"
    "build: signs every document of INPUT and saves a near-duplicate index to\n"
    "FILE, atomically (a crash leaves the old FILE or the new one, whole).\n"
    "query: loads FILE and prints, for each document of INPUT, one JSON line\n"
    "  {\"id\": ID, \"matches\": [{\"id\": ID, \"similarity\": J}, ...]}\n"
    "with the indexed documents whose estimated Jaccard similarity J reaches\n"
    "the threshold, best first; a document with the query's own id is left out.\n"
    "INPUT is read as by 'samestory cluster': a JSONL file (id, text, optional\n"
    "title and date), '-' for standard input, or a directory of .txt/.html files.\n"
    "A document without text is indexed by its title.\n"
    "\n"
    "  --threshold T  smallest Jaccard similarity of a match, in (0, 1) (default\n"
    "                 0.5); the LSH banding is tuned for it\n"
    "  --k N          MinHash values per signature, 1..4096 (default 128)\n"
    "  --seed S       MinHash seed (default 0)\n"
    "  --limit N      query: at most N matches per document (default: all)\n"
    "  --skip-bad     pass over bad records and count them on stderr\n"
    "\n"
    "The index remembers --threshold, --k, --seed and the text processing it\n"
    "was built with; query refuses a file built with others, naming the first\n"
    "that differs. A damaged or truncated file is refused with the byte offset\n"
    "of the damage.\n"
    "\n"
    "Exit status: 0 done, 1 bad input or a damaged or mismatched index file,\n"
    "2 bad command line.\n"
    "\n"
    "examples:\n"
    "  samestory index build --out seen.smst yesterday.jsonl\n"
    "  samestory index query --index seen.smst today.jsonl > matches.jsonl\n"
    "  samestory index build --threshold 0.8 --out strict.smst pages/\n";

struct settings {
  bool build = false;
  std::string file, path;
  document_index_options options;
  std::size_t limit = SIZE_MAX;
  bool skip_bad = false;
};

std::uint64_t parse_count(std::string_view flag, const std::string& s, std::uint64_t min,
                          std::uint64_t max) {
  std::uint64_t v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || r.ec != std::errc{} || r.ptr != s.data() + s.size() || v < min || v > max) {
    throw usage_error{std::string(flag) + " '" + s + "' must be a whole number in " +
                      std::to_string(min) + ".." + std::to_string(max)};
  }
  return v;
}

settings parse(const std::vector<std::string>& args, bool& help) {
  settings s;
  if (args.empty()) throw usage_error{"index needs 'build' or 'query'"};
  if (args[0] == "--help" || args[0] == "-h") {
    help = true;
    return s;
  }
  if (args[0] != "build" && args[0] != "query") {
    throw usage_error{"index needs 'build' or 'query', not '" + args[0] + "'"};
  }
  s.build = args[0] == "build";
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  for (argument_cursor arg{rest}; !arg.done(); ++arg.i) {
    const std::string& a = arg.flag();
    if (a == "--help" || a == "-h") {
      help = true;
      return s;
    } else if (a == (s.build ? "--out" : "--index")) {
      s.file = arg.value();
    } else if (a == "--threshold") {
      const std::string& v = arg.value();
      s.options.threshold = parse_unit_interval("--threshold", v);
      if (s.options.threshold >= 1.0) {
        throw usage_error{"--threshold '" + v + "' must be below 1"};
      }
    } else if (a == "--k") {
      s.options.num_hashes = static_cast<std::uint32_t>(parse_count("--k", arg.value(), 1, 4096));
    } else if (a == "--seed") {
      s.options.seed = parse_count("--seed", arg.value(), 0, UINT64_MAX);
    } else if (a == "--limit" && !s.build) {
      s.limit = static_cast<std::size_t>(parse_count("--limit", arg.value(), 1, SIZE_MAX));
    } else if (a == "--skip-bad") {
      s.skip_bad = true;
    } else if (!a.empty() && a[0] == '-' && a != "-") {
      throw usage_error{"unknown option " + a + " for index " + (s.build ? "build" : "query")};
    } else if (s.path.empty()) {
      s.path = a;
    } else {
      throw usage_error{"one input only; got '" + s.path + "' and '" + a + "'"};
    }
  }
  if (s.file.empty()) {
    throw usage_error{s.build ? "index build needs --out FILE" : "index query needs --index FILE"};
  }
  if (s.path.empty()) {
    throw usage_error{"index needs an input: a JSONL file, a directory, or - for standard input"};
  }
  return s;
}

void append_number(std::string& out, double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", v);
  out += buf;
}

int build(const settings& s) {
  document_index index(s.options);
  document_reader in(s.path, s.skip_bad, /*spool_stdin=*/false);
  input_document d;
  std::size_t indexed = 0;
  while (in.next(d)) {
    try {
      index.add(d.id, d.text.empty() ? d.title : d.text, d.time.value_or(0));
    } catch (const error& e) {
      in.reject(in.where(d) + ": " + e.what());
      continue;
    }
    ++indexed;
  }
  index.save_file(s.file);
  in.report_skipped("index build", "indexed", indexed);
  return exit_ok;
}

int query(const settings& s) {
  const document_index index = [&] {
    try {
      return document_index::load_file(s.file, s.options);
    } catch (const error& e) {  // say which file: the library knows only bytes
      throw error(e.code(), s.file + ": " + e.what());
    }
  }();
  document_reader in(s.path, s.skip_bad, /*spool_stdin=*/false);
  input_document d;
  std::string line;
  std::size_t queried = 0;
  while (in.next(d)) {
    std::vector<keyed_match> found;
    try {
      // One more than the limit: the document itself may be among them.
      found = index.query(d.text.empty() ? d.title : d.text,
                          s.limit == SIZE_MAX ? s.limit : s.limit + 1);
    } catch (const error& e) {
      in.reject(in.where(d) + ": " + e.what());
      continue;
    }
    line = "{\"id\": ";
    append_json_string(line, d.id);
    line += ", \"matches\": [";
    std::size_t written = 0;
    for (const keyed_match& m : found) {
      if (m.key == d.id || written == s.limit) continue;
      if (written++ > 0) line += ", ";
      line += "{\"id\": ";
      append_json_string(line, m.key);
      line += ", \"similarity\": ";
      append_number(line, m.jaccard);
      line += '}';
    }
    line += "]}\n";
    std::fwrite(line.data(), 1, line.size(), stdout);
    ++queried;
  }
  in.report_skipped("index query", "queried", queried);
  return exit_ok;
}

}  // namespace

int index_command(const std::vector<std::string>& args) {
  bool help = false;
  const settings s = parse(args, help);
  if (help) {
    std::fputs(index_help, stdout);
    return exit_ok;
  }
  return s.build ? build(s) : query(s);
}

}  // namespace samestory::cli
