// samestory eval: scores a clustering against gold labels, exactly as
// tools/score.py does (score_clustering).
#include "cli.hpp"

#include <samestory/error.hpp>
#include <samestory/evaluate.hpp>

#include <cstdio>
#include <optional>
#include <string>
#include <unordered_map>

namespace samestory::cli {

namespace {

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

// Labels of one JSONL file the way score.py reads them: id and label through
// Python's str(); a null or absent label is no label.
ordered_labels read_labels(const std::string& path, const std::string& key) {
  input in(path);
  jsonl_reader reader(in.stream());
  ordered_labels out;
  std::unordered_map<std::string, std::size_t> place;
  json_value v;
  while (true) {
    try {
      if (!next_object(reader, v)) break;
      const json_value* id = v.find("id");
      if (id == nullptr) throw parse_error(reader.line(), 0, "no \"id\" field");
      const json_value* label = v.find(key);
      std::optional<std::string> l;
      if (label != nullptr && !label->is_null()) l = label->to_label();
      const auto [it, fresh] = place.emplace(id->to_label(), out.size());
      if (fresh) {
        out.emplace_back(it->first, std::move(l));
      } else {
        out[it->second].second =
            std::move(l);  // a repeated id keeps its place, takes the last label
      }
    } catch (const parse_error& e) {
      throw error(error_code::parse, path + ": " + e.what());
    }
  }
  return out;
}

}  // namespace

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
  const ordered_labels g = read_labels(gold, gold_key);
  label_map p;
  for (auto& [id, label] : read_labels(pred, pred_key)) p[id] = label;
  std::printf("%s\n", score_clustering(g, p).to_json().c_str());
  return 0;
}

}  // namespace samestory::cli
