// samestory index build|query: a saved near-duplicate index for crawlers that
// check each new page against everything seen before. A thin layer over
// document_index (its file is the library's saved format, docs/format.md).
#include "cli.hpp"
#include "documents.hpp"

#include <samestory/document_index.hpp>
#include <samestory/error.hpp>
#include <samestory/jsonl.hpp>
#include <samestory/redis_store.hpp>

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace samestory::cli {

namespace {

const char* const index_help =
    "usage: samestory index build (--out FILE | --store URL) [options] INPUT\n"
    "       samestory index query (--index FILE | --store URL) [options] INPUT\n"
    "       samestory index drop --store URL\n"
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
    "drop: deletes every key of the index (or story state) NAME in Redis, on\n"
    "  every node, so the name can be used again with other settings.\n"
    "\n"
    "  --store redis://HOST:PORT/NAME\n"
    "                 keep the index in Redis (a server or any node of a cluster)\n"
    "                 under NAME instead of a file: build adds to it, and every\n"
    "                 process and machine that opens NAME shares it at once\n"
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
    "Exit status: 0 done, 1 bad input, a damaged or mismatched index file, a\n"
    "mismatched or unreachable Redis index, 2 bad command line.\n"
    "\n"
    "examples:\n"
    "  samestory index build --out seen.smst yesterday.jsonl\n"
    "  samestory index query --index seen.smst today.jsonl > matches.jsonl\n"
    "  samestory index build --threshold 0.8 --out strict.smst pages/\n"
    "  samestory index build --store redis://10.0.0.5:6379/news crawl-07.jsonl\n";

struct settings {
  bool build = false;
  bool drop = false;
  std::string file, path;
  std::optional<redis_options> store;
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
  if (args.empty()) throw usage_error{"index needs 'build', 'query' or 'drop'"};
  if (args[0] == "--help" || args[0] == "-h") {
    help = true;
    return s;
  }
  if (args[0] != "build" && args[0] != "query" && args[0] != "drop") {
    throw usage_error{"index needs 'build', 'query' or 'drop', not '" + args[0] + "'"};
  }
  s.build = args[0] == "build";
  s.drop = args[0] == "drop";
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  for (argument_cursor arg{rest}; !arg.done(); ++arg.i) {
    const std::string& a = arg.flag();
    if (a == "--help" || a == "-h") {
      help = true;
      return s;
    } else if (a == (s.build ? "--out" : "--index")) {
      s.file = arg.value();
    } else if (a == "--store") {
      s.store = parse_store(arg.value());
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
  if (s.drop) {
    if (!s.store || !s.file.empty() || !s.path.empty()) {
      throw usage_error{"index drop takes --store URL and nothing else"};
    }
    return s;
  }
  if (s.file.empty() == !s.store.has_value()) {
    throw usage_error{s.build ? "index build needs --out FILE or --store URL (one of them)"
                              : "index query needs --index FILE or --store URL (one of them)"};
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

// Documents go to Redis in batches: one pipelined round trip per node each.
// add_batch() signs every document before it writes anything, so a bad text
// fails the batch whole; the batch is then added one by one to name it.
class redis_batcher {
 public:
  redis_batcher(document_index& index, document_reader& in) : index_(index), in_(in) {}
  void add(const input_document& d) {
    keys_.push_back(d.id);
    texts_.push_back(d.text.empty() ? d.title : d.text);
    times_.push_back(d.time.value_or(0));
    where_.push_back(in_.where(d));
    if (keys_.size() == 1000) flush();
  }
  void flush() {
    std::size_t added = 0;
    try {
      const std::vector<std::string_view> keys(keys_.begin(), keys_.end());
      const std::vector<std::string_view> texts(texts_.begin(), texts_.end());
      index_.add_batch(keys, texts, times_);
      added = keys_.size();
    } catch (const invalid_utf8_error&) {
      added = one_by_one();
    } catch (const limit_exceeded_error&) {
      added = one_by_one();
    }
    keys_.clear();
    texts_.clear();
    times_.clear();
    where_.clear();
    added_ += added;
  }
  std::size_t added() const noexcept { return added_; }

 private:
  std::size_t one_by_one() {
    std::size_t added = 0;
    for (std::size_t i = 0; i < keys_.size(); ++i) {
      try {
        index_.add(keys_[i], texts_[i], times_[i]);
        ++added;
      } catch (const invalid_utf8_error& e) {
        in_.reject(where_[i] + ": " + e.what());
      } catch (const limit_exceeded_error& e) {
        in_.reject(where_[i] + ": " + e.what());
      }
    }
    return added;
  }

  document_index& index_;
  document_reader& in_;
  std::vector<std::string> keys_, texts_, where_;
  std::vector<std::int64_t> times_;
  std::size_t added_ = 0;
};

document_index open_store(const settings& s) {
  try {
    return document_index(s.options, *s.store);
  } catch (const error& e) {
    throw error(e.code(), "--store " + store_url(*s.store) + ": " + e.what());
  }
}

int build(const settings& s) {
  document_index index = s.store ? open_store(s) : document_index(s.options);
  document_reader in(s.path, s.skip_bad, /*spool_stdin=*/false);
  std::optional<redis_batcher> batch;
  if (s.store) batch.emplace(index, in);
  input_document d;
  std::size_t indexed = 0;
  while (in.next(d)) {
    if (batch) {
      batch->add(d);
      continue;
    }
    try {
      index.add(d.id, d.text.empty() ? d.title : d.text, d.time.value_or(0));
    } catch (const error& e) {
      in.reject(in.where(d) + ": " + e.what());
      continue;
    }
    ++indexed;
  }
  if (batch) {
    batch->flush();
    indexed = batch->added();
  } else {
    index.save_file(s.file);
  }
  in.report_skipped("index build", "indexed", indexed);
  return exit_ok;
}

int query(const settings& s) {
  const document_index index = [&] {
    if (s.store) return open_store(s);
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
  if (s.drop) {
    const std::size_t keys = drop_redis_index(*s.store);
    std::fprintf(stderr, "samestory index drop: %zu keys deleted\n", keys);
    return exit_ok;
  }
  return s.build ? build(s) : query(s);
}

}  // namespace samestory::cli
