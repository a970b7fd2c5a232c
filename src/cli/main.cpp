// The samestory command line. Subcommands: cluster, eval.
//
// Exit codes (docs/cli.md): 0 success, 1 bad input data (a malformed line,
// a duplicate id, unreadable file), 2 bad command line.
#include <samestory/cluster.hpp>
#include <samestory/error.hpp>
#include <samestory/evaluate.hpp>
#include <samestory/jsonl.hpp>
#include <samestory/online_cluster.hpp>

#include <charconv>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace {

constexpr int exit_data = 1;
constexpr int exit_usage = 2;

struct usage_error {
  std::string message;
};

const char* const main_help =
    "usage: samestory <command> [options]\n"
    "\n"
    "commands:\n"
    "  cluster   group documents into copy groups and stories\n"
    "  eval      score a clustering against gold labels (as tools/score.py)\n"
    "\n"
    "Run 'samestory <command> --help' for the options of a command.\n";

const char* const cluster_help =
    "usage: samestory cluster [--level stories|copies] [--online] [--window 72h]\n"
    "                         [--threshold X] FILE.jsonl\n"
    "\n"
    "Reads JSONL (one object per line: id, text, optional title, date, source or\n"
    "url or publisher) and prints one line per document, in input order:\n"
    "  {\"id\": \"...\", \"story\": \"...\", \"copy\": \"...\"}\n"
    "Labels are the id of the first document of each story and copy group.\n"
    "\n"
    "  --level L      stories (default) or copies: the level --threshold sets\n"
    "  --online       feed documents one at a time through the online clusterer\n"
    "  --window W     documents further apart than W never join (s, m, h, d units);\n"
    "                 online, stories idle longer than W are closed\n"
    "  --threshold X  story cosine threshold, or copy Jaccard threshold with\n"
    "                 --level copies\n"
    "  FILE may be '-' for standard input.\n"
    "\n"
    "example:\n"
    "  samestory cluster --online --window 72h news.jsonl > assignments.jsonl\n";

const char* const eval_help =
    "usage: samestory eval --gold GOLD.jsonl --gold-key KEY --pred PRED.jsonl --pred-key KEY\n"
    "\n"
    "Prints one JSON line: n, gold_clusters, pred_clusters, pairwise precision/recall/F1,\n"
    "BCubed precision/recall/F1 and the adjusted Rand index, with the rules of\n"
    "tools/score.py: documents join on id; only documents with a gold label are\n"
    "scored; a scored document without a predicted label is a singleton.\n"
    "\n"
    "example:\n"
    "  samestory eval --gold ecbplus.jsonl --gold-key cluster --pred out.jsonl --pred-key story\n";

std::int64_t parse_duration(std::string_view s) {
  if (s.size() < 2) throw usage_error{"--window wants a number and a unit (s, m, h, d), e.g. 72h"};
  std::int64_t unit = 0;
  switch (s.back()) {
    case 's':
      unit = 1;
      break;
    case 'm':
      unit = 60;
      break;
    case 'h':
      unit = 3600;
      break;
    case 'd':
      unit = 86400;
      break;
    default:
      throw usage_error{"--window unit must be s, m, h or d, not '" + std::string(1, s.back()) +
                        "'"};
  }
  std::int64_t v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size() - 1, v);
  if (r.ec != std::errc{} || r.ptr != s.data() + s.size() - 1 || v <= 0 ||
      v > std::int64_t{1} << 40) {
    throw usage_error{"--window '" + std::string(s) + "' is not a positive duration"};
  }
  return v * unit;
}

double parse_unit_interval(std::string_view flag, std::string_view s) {
  double v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc{} || r.ptr != s.data() + s.size() || !(v > 0 && v <= 1)) {
    throw usage_error{std::string(flag) + " '" + std::string(s) + "' must be a number in (0, 1]"};
  }
  return v;
}

// Opens a file or standard input ("-").
struct input {
  explicit input(const std::string& path) : name(path == "-" ? "<stdin>" : path) {
    if (path != "-") {
      file.open(path, std::ios::binary);
      if (!file)
        throw samestory::error(samestory::error_code::io,
                               "cannot open " + path + ": " + std::strerror(errno));
    }
  }
  std::istream& stream() { return file.is_open() ? static_cast<std::istream&>(file) : std::cin; }
  std::string name;
  std::ifstream file;
};

// Walks a subcommand's arguments: the flag at the cursor, and value() for a
// flag that takes the next argument.
struct argument_cursor {
  const std::vector<std::string>& args;
  std::size_t i = 0;

  bool done() const { return i >= args.size(); }
  const std::string& flag() const { return args[i]; }
  const std::string& value() {
    if (i + 1 >= args.size()) throw usage_error{args[i] + " needs a value"};
    return args[++i];
  }
};

// The next line of a JSONL input, which must be an object. @return false at the end
bool next_object(samestory::jsonl_reader& reader, samestory::json_value& value) {
  if (!reader.next(value)) return false;
  if (value.type() != samestory::json_value::kind::object) {
    throw samestory::parse_error(reader.line(), 0, "a line must hold a JSON object");
  }
  return true;
}

int cluster_command(const std::vector<std::string>& args) {
  std::string level = "stories", path;
  bool online = false;
  std::optional<double> threshold;
  samestory::cluster_options options;
  for (argument_cursor arg{args}; !arg.done(); ++arg.i) {
    const std::string& a = arg.flag();
    if (a == "--help" || a == "-h") {
      std::fputs(cluster_help, stdout);
      return 0;
    } else if (a == "--level") {
      level = arg.value();
      if (level != "stories" && level != "copies") {
        throw usage_error{"--level must be stories or copies, not '" + level + "'"};
      }
    } else if (a == "--online") {
      online = true;
    } else if (a == "--window") {
      options.time_window_seconds = parse_duration(arg.value());
    } else if (a == "--threshold") {
      threshold = parse_unit_interval("--threshold", arg.value());
    } else if (!a.empty() && a[0] == '-' && a != "-") {
      throw usage_error{"unknown option " + a};
    } else if (path.empty()) {
      path = a;
    } else {
      throw usage_error{"one input file only; got '" + path + "' and '" + a + "'"};
    }
  }
  if (path.empty()) throw usage_error{"cluster needs an input file (or - for standard input)"};
  if (threshold) {
    if (level == "copies") {
      options.copy_jaccard = *threshold;
    } else {
      options.story_threshold = *threshold;
      options.online_story_threshold = *threshold;
      options.headline_story_threshold = *threshold;
    }
  }

  input in(path);
  samestory::jsonl_reader reader(in.stream());
  std::vector<samestory::document_record> records;
  std::unordered_map<std::string, std::size_t> line_of_id;
  samestory::json_value value;
  while (true) {
    try {
      if (!next_object(reader, value)) break;
      samestory::document_record r = samestory::to_document_record(value, reader.line());
      const auto [it, fresh] = line_of_id.emplace(r.id, r.line);
      if (!fresh) {
        throw samestory::parse_error(
            r.line, 0, "id \"" + r.id + "\" repeats the id of line " + std::to_string(it->second));
      }
      records.push_back(std::move(r));
    } catch (const samestory::parse_error& e) {
      std::fprintf(stderr, "samestory cluster: %s: %s\n", in.name.c_str(), e.what());
      return exit_data;
    }
  }

  std::vector<samestory::assignment> result(records.size());
  auto doc_of = [&](std::size_t i) {
    const auto& r = records[i];
    return samestory::document{i, r.text, r.title, r.time, r.source};
  };
  if (online) {
    samestory::online_clusterer clusterer(options);
    for (std::size_t i = 0; i < records.size(); ++i) result[i] = clusterer.add(doc_of(i));
  } else {
    std::vector<samestory::document> docs;
    docs.reserve(records.size());
    for (std::size_t i = 0; i < records.size(); ++i) docs.push_back(doc_of(i));
    result = samestory::cluster_documents(docs, options).assignments;
  }
  std::string line;
  for (std::size_t i = 0; i < records.size(); ++i) {
    line.clear();
    line += "{\"id\": ";
    samestory::append_json_string(line, records[i].id);
    line += ", \"story\": ";
    samestory::append_json_string(line, records[result[i].story].id);
    line += ", \"copy\": ";
    samestory::append_json_string(line, records[result[i].copy].id);
    line += "}\n";
    std::fwrite(line.data(), 1, line.size(), stdout);
  }
  return 0;
}

// Labels of one JSONL file the way score.py reads them: id and label through
// Python's str(); a null or absent label is no label.
samestory::ordered_labels read_labels(const std::string& path, const std::string& key) {
  input in(path);
  samestory::jsonl_reader reader(in.stream());
  samestory::ordered_labels out;
  std::unordered_map<std::string, std::size_t> place;
  samestory::json_value v;
  while (true) {
    try {
      if (!next_object(reader, v)) break;
      const samestory::json_value* id = v.find("id");
      if (id == nullptr) throw samestory::parse_error(reader.line(), 0, "no \"id\" field");
      const samestory::json_value* label = v.find(key);
      std::optional<std::string> l;
      if (label != nullptr && !label->is_null()) l = label->to_label();
      const auto [it, fresh] = place.emplace(id->to_label(), out.size());
      if (fresh) {
        out.emplace_back(it->first, std::move(l));
      } else {
        out[it->second].second =
            std::move(l);  // a repeated id keeps its place, takes the last label
      }
    } catch (const samestory::parse_error& e) {
      throw samestory::error(samestory::error_code::parse, path + ": " + e.what());
    }
  }
  return out;
}

int eval_command(const std::vector<std::string>& args) {
  std::string gold, gold_key, pred, pred_key;
  for (argument_cursor arg{args}; !arg.done(); ++arg.i) {
    const std::string& a = arg.flag();
    if (a == "--help" || a == "-h") {
      std::fputs(eval_help, stdout);
      return 0;
    } else if (a == "--gold") {
      gold = arg.value();
    } else if (a == "--gold-key") {
      gold_key = arg.value();
    } else if (a == "--pred") {
      pred = arg.value();
    } else if (a == "--pred-key") {
      pred_key = arg.value();
    } else {
      throw usage_error{"unknown argument " + a};
    }
  }
  if (gold.empty() || gold_key.empty() || pred.empty() || pred_key.empty()) {
    throw usage_error{"eval needs --gold, --gold-key, --pred and --pred-key"};
  }
  const samestory::ordered_labels g = read_labels(gold, gold_key);
  samestory::label_map p;
  for (auto& [id, label] : read_labels(pred, pred_key)) p[id] = label;
  std::printf("%s\n", samestory::score_clustering(g, p).to_json().c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::fputs(main_help, args.empty() ? stderr : stdout);
    return args.empty() ? exit_usage : 0;
  }
  const std::string command = args[0];
  args.erase(args.begin());
  try {
    if (command == "cluster") return cluster_command(args);
    if (command == "eval") return eval_command(args);
    throw usage_error{"unknown command '" + command + "'"};
  } catch (const usage_error& e) {
    std::fprintf(stderr, "samestory %s: %s\n(see samestory %s --help)\n", command.c_str(),
                 e.message.c_str(), command.c_str());
    return exit_usage;
  } catch (const samestory::error& e) {
    std::fprintf(stderr, "samestory %s: %s\n", command.c_str(), e.what());
    return exit_data;
  }
}
