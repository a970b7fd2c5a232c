// samestory cluster: copy groups and stories for a set of documents.
//
// Input is streamed: online, each document is assigned and printed as it is
// read; batch, batch_clusterer keeps signatures and story terms, not texts,
// and re-reads the few texts it must check exactly (standard input is copied
// to a temporary file for that).
#include "cli.hpp"
#include "documents.hpp"
#include "progress.hpp"

#include <samestory/cluster.hpp>
#include <samestory/durable_cluster.hpp>
#include <samestory/error.hpp>
#include <samestory/jsonl.hpp>
#include <samestory/online_cluster.hpp>
#include <samestory/redis_store.hpp>

#include <cstdio>
#include <limits>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace samestory::cli {

namespace {

const char* const cluster_help =
    "usage: samestory cluster [options] INPUT\n"
    "\n"
    "Groups documents into copy groups (reposts, syndication, spins, excerpts)\n"
    "and stories (independent reports of one event). INPUT is a JSONL file (one\n"
    "object per line: id, text, optional title, date, source or url or\n"
    "publisher), '-' for JSONL on standard input, or a directory whose .txt and\n"
    ".html files are the documents (id = file name).\n"
    "\n"
    "  --level L        stories (default) or copies: what --threshold sets and\n"
    "                   what --output clusters lists\n"
    "  --threshold X    story score threshold (batch, both linkages, and online),\n"
    "                   or copy Jaccard threshold with --level copies; defaults:\n"
    "                   docs/tuning.md\n"
    "  --online         assign each document at once, in input order, as a crawler\n"
    "                   would (default: batch, all documents at once)\n"
    "  --window W       documents further apart than W never join (s, m, h, d);\n"
    "                   online, older documents and idle stories are dropped\n"
    "  --dateline-factor X  story score factor for two reports that open on\n"
    "                   different days ('11月8日'); online, a report against a\n"
    "                   story of another day; 1 = off (default 0.5)\n"
    "  --output O       assignments (default): one line per document, in input\n"
    "                   order; clusters: one line per cluster of the chosen level\n"
    "  --format F       jsonl (default) or tsv (with a header line)\n"
    "  --skip-bad       pass over bad lines (malformed JSON, wrong field types,\n"
    "                   repeated ids, invalid UTF-8, texts over a limit) and count\n"
    "                   them on stderr\n"
    "  --max-document-bytes N  longest text accepted (default 64M; K, M, G suffixes)\n"
    "  --max-shingles N most shingles in one text (default 4M); longer texts are\n"
    "                   bad records (docs/reliability.md)\n"
    "  --quiet          no progress line (shown only when stderr is a terminal)\n"
    "  --store redis://HOST:PORT/NAME\n"
    "                   online, with the clusterer's state kept in Redis under\n"
    "                   NAME: each run resumes the stories of the runs before it,\n"
    "                   on any machine (one writer at a time); implies --online\n"
    "\n"
    "Assignments: {\"id\": \"...\", \"story\": \"...\", \"copy\": \"...\"}; labels are the\n"
    "id of the first document of the story or copy group (with --store, 16 hex\n"
    "digits of a hash of that id, the same in every run). Clusters: {\"level\",\n"
    "\"id\", \"size\", \"representative\", \"members\", \"links\": [{\"a\", \"b\",\n"
    "\"similarity\"}]}.\n"
    "\n"
    "Exit status: 0 done, 1 bad input (the message names file, line and field),\n"
    "2 bad command line.\n"
    "\n"
    "examples:\n"
    "  samestory cluster news.jsonl > assignments.jsonl\n"
    "  samestory cluster --online --window 72h --skip-bad crawl.jsonl\n"
    "  samestory cluster --level copies --output clusters --format tsv pages/\n";

struct settings {
  std::string level = "stories", output = "assignments", format = "jsonl", path;
  bool online = false, skip_bad = false, quiet = false;
  std::optional<redis_options> store;
  cluster_options options;
};

settings parse(const std::vector<std::string>& args, bool& help) {
  settings s;
  std::optional<double> threshold;
  for (argument_cursor arg{args}; !arg.done(); ++arg.i) {
    const std::string& a = arg.flag();
    if (a == "--help" || a == "-h") {
      help = true;
      return s;
    } else if (a == "--level") {
      s.level = arg.value();
      if (s.level != "stories" && s.level != "copies") {
        throw usage_error{"--level must be stories or copies, not '" + s.level + "'"};
      }
    } else if (a == "--online") {
      s.online = true;
    } else if (a == "--store") {
      s.store = parse_store(arg.value());
      s.online = true;
    } else if (a == "--window") {
      s.options.time_window_seconds = parse_duration("--window", arg.value());
    } else if (a == "--threshold") {
      threshold = parse_unit_interval("--threshold", arg.value());
    } else if (a == "--dateline-factor") {
      s.options.dateline_factor = parse_unit_interval(a, arg.value());
    } else if (a == "--output") {
      s.output = arg.value();
      if (s.output != "assignments" && s.output != "clusters") {
        throw usage_error{"--output must be assignments or clusters, not '" + s.output + "'"};
      }
    } else if (a == "--format") {
      s.format = arg.value();
      if (s.format != "jsonl" && s.format != "tsv") {
        throw usage_error{"--format must be jsonl or tsv, not '" + s.format + "'"};
      }
    } else if (a == "--skip-bad") {
      s.skip_bad = true;
    } else if (a == "--max-document-bytes") {
      s.options.pipeline.normalize.max_document_bytes =
          parse_size(a, arg.value(), std::size_t{0xFFFFFFFE});
    } else if (a == "--max-shingles") {
      s.options.pipeline.shingle.max_shingles =
          parse_size(a, arg.value(), std::numeric_limits<std::size_t>::max());
    } else if (a == "--quiet" || a == "-q") {
      s.quiet = true;
    } else if (!a.empty() && a[0] == '-' && a != "-") {
      throw usage_error{"unknown option " + a};
    } else if (s.path.empty()) {
      s.path = a;
    } else {
      throw usage_error{"one input only; got '" + s.path + "' and '" + a + "'"};
    }
  }
  if (s.path.empty()) {
    throw usage_error{"cluster needs an input: a JSONL file, a directory, or - for standard input"};
  }
  if (threshold) {
    if (s.level == "copies") {
      s.options.copy_jaccard = *threshold;
      // The online margin must stay under the threshold it loosens.
      s.options.online_copy_margin = std::min(s.options.online_copy_margin, *threshold / 2);
    } else {
      s.options.story_threshold = *threshold;
      s.options.average_story_threshold = *threshold;
      s.options.online_story_threshold = *threshold;
      s.options.headline_story_threshold = *threshold;
    }
  }
  validate(s.options);
  return s;
}

void write(const std::string& line) {
  std::fwrite(line.data(), 1, line.size(), stdout);
}

class assignment_writer {
 public:
  explicit assignment_writer(bool tsv) : tsv_(tsv) {
    if (tsv_) write("id\tstory\tcopy\n");
  }
  void operator()(std::string_view id, std::string_view story, std::string_view copy) {
    line_.clear();
    if (tsv_) {
      append_tsv_field(line_, id);
      line_ += '\t';
      append_tsv_field(line_, story);
      line_ += '\t';
      append_tsv_field(line_, copy);
    } else {
      line_ += "{\"id\": ";
      append_json_string(line_, id);
      line_ += ", \"story\": ";
      append_json_string(line_, story);
      line_ += ", \"copy\": ";
      append_json_string(line_, copy);
      line_ += '}';
    }
    line_ += '\n';
    write(line_);
  }

 private:
  bool tsv_;
  std::string line_;
};

// One line per cluster. `name(id)` gives a document's id as given in the
// input, `label(id)` a cluster's label (the same but with --store).
template <class Name, class Label>
void write_clusters(const std::vector<cluster>& clusters, const std::string& level, bool tsv,
                    const Name& name, const Label& label) {
  std::string line;
  if (tsv) write("cluster\tsize\trepresentative\tmembers\n");
  for (const cluster& c : clusters) {
    line.clear();
    if (tsv) {
      append_tsv_field(line, label(c.id));
      line += '\t' + std::to_string(c.members.size()) + '\t';
      append_tsv_field(line, label(c.representative));
      line += '\t';
      for (std::size_t i = 0; i < c.members.size(); ++i) {
        if (i > 0) line += ' ';
        append_tsv_field(line, name(c.members[i]));
      }
    } else {
      line += "{\"level\": ";
      append_json_string(line, level);
      line += ", \"id\": ";
      append_json_string(line, label(c.id));
      line += ", \"size\": " + std::to_string(c.members.size()) + ", \"representative\": ";
      append_json_string(line, label(c.representative));
      line += ", \"members\": [";
      for (std::size_t i = 0; i < c.members.size(); ++i) {
        if (i > 0) line += ", ";
        append_json_string(line, name(c.members[i]));
      }
      line += "], \"links\": [";
      char buf[32];
      for (std::size_t i = 0; i < c.links.size(); ++i) {
        const cluster_link& l = c.links[i];
        if (i > 0) line += ", ";
        line += "{\"a\": ";
        append_json_string(line, name(l.a));
        line += ", \"b\": ";
        append_json_string(line, name(l.b));
        std::snprintf(buf, sizeof buf, "%.4f", l.similarity);
        line += ", \"similarity\": ";
        line += buf;
        if (l.by_containment) line += ", \"by_containment\": true";
        line += '}';
      }
      line += ']';
      line += '}';
    }
    line += '\n';
    write(line);
  }
}

// Clusters of one level from online assignments, in order of first member.
// Each later member has the link it joined by: a copy to its copy group's
// first document, a new write-up to its story's.
std::vector<cluster> clusters_of(const std::vector<assignment>& all, bool stories) {
  std::vector<cluster> out;
  std::unordered_map<document_id, std::size_t> index;
  for (const assignment& a : all) {
    const document_id label = stories ? a.story : a.copy;
    const auto [it, fresh] = index.emplace(label, out.size());
    if (fresh) out.push_back({label, label, {}, {}});
    cluster& c = out[it->second];
    c.members.push_back(a.id);
    if (a.id == label) continue;
    const bool copy = a.kind != copy_kind::original;
    c.links.push_back({copy ? a.copy : a.story, a.id, a.similarity, false});
  }
  return out;
}

// Batch stories whose links explain every member, as online ones do: the
// links of its copy groups first, then the merges between them.
std::vector<cluster> with_copy_links(const clustering& result) {
  std::unordered_map<document_id, std::size_t> story_index;
  for (std::size_t s = 0; s < result.stories.size(); ++s) story_index[result.stories[s].id] = s;
  std::unordered_map<document_id, document_id> story_of;
  for (const assignment& a : result.assignments) story_of[a.id] = a.story;
  std::vector<cluster> out = result.stories;
  for (cluster& s : out) s.links.clear();
  for (const cluster& c : result.copies) {
    auto& links = out[story_index.at(story_of.at(c.id))].links;
    links.insert(links.end(), c.links.begin(), c.links.end());
  }
  for (std::size_t s = 0; s < out.size(); ++s) {
    const auto& merges = result.stories[s].links;
    out[s].links.insert(out[s].links.end(), merges.begin(), merges.end());
  }
  return out;
}

// Online, with the state in Redis (durable_clusterer): every assignment is
// durable when printed. Ids are hashed from the input's ids, so a document
// seen in an earlier run keeps its assignment, and labels are those hashes.
int cluster_in_store(const settings& s, document_reader& in, progress& bar) {
  const std::string where = store_url(*s.store);
  std::optional<durable_clusterer> state;
  try {
    state.emplace(*s.store, s.options);
  } catch (const error& e) {
    throw error(e.code(), "--store " + where + ": " + e.what());
  }
  const bool tsv = s.format == "tsv";
  assignment_writer print(tsv);
  std::vector<assignment> all;
  std::unordered_map<document_id, std::string> names;  // this run's documents
  const auto label = [&](document_id id) {
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(id));
    return std::string(hex);
  };
  const auto name_of = [&](document_id id) {
    const auto it = names.find(id);
    return it != names.end() ? it->second : label(id);
  };
  input_document d;
  std::size_t clustered = 0;
  while (in.next(d)) {
    const document_id id = XXH3_64bits_withSeed(d.id.data(), d.id.size(), 0x6b65795f6964ULL);
    assignment a;
    try {
      a = state->add({id, d.text, d.title, d.time, d.source});
    } catch (const store_error&) {
      throw;  // Redis trouble is not the document's fault
    } catch (const error& e) {
      in.reject(in.where(d) + ": " + e.what());
      continue;
    }
    ++clustered;
    if (s.output == "clusters") {
      names.emplace(id, d.id);
      all.push_back(a);
    } else {
      print(d.id, label(a.story), label(a.copy));
    }
    bar.update(clustered, in.bytes_read(), in.total_bytes());
  }
  bar.done();
  if (s.output == "clusters") {
    // Cluster ids and representatives are labels; members are the input's ids.
    write_clusters(clusters_of(all, s.level == "stories"), s.level, tsv, name_of, label);
  }
  in.report_skipped("cluster", "clustered", clustered);
  return exit_ok;
}

}  // namespace

int cluster_command(const std::vector<std::string>& args) {
  bool help = false;
  settings s = parse(args, help);
  if (help) {
    std::fputs(cluster_help, stdout);
    return exit_ok;
  }
  const bool tsv = s.format == "tsv";
  const bool list_clusters = s.output == "clusters";
  document_reader in(s.path, s.skip_bad, /*spool_stdin=*/!s.online);
  progress bar(s.quiet);
  std::vector<std::string> name;  // by document position
  input_document d;

  const auto by_position = [&](document_id id) -> const std::string& { return name[id]; };
  if (s.store) return cluster_in_store(s, in, bar);
  if (s.online) {
    online_clusterer clusterer(s.options);
    assignment_writer print(tsv);
    std::vector<assignment> all;
    while (in.next(d)) {
      const document_id id = name.size();
      assignment a;
      try {
        a = clusterer.add({id, d.text, d.title, d.time, d.source});
      } catch (const error& e) {  // e.g. a text over max_document_bytes
        in.reject(in.where(d) + ": " + e.what());
        continue;
      }
      name.push_back(d.id);
      if (list_clusters) {
        all.push_back(a);
      } else {
        print(d.id, name[a.story], name[a.copy]);
      }
      bar.update(name.size(), in.bytes_read(), in.total_bytes());
    }
    bar.done();
    if (list_clusters) {
      write_clusters(clusters_of(all, s.level == "stories"), s.level, tsv, by_position,
                     by_position);
    }
    in.report_skipped("cluster", "clustered", name.size());
    return exit_ok;
  }

  batch_clusterer batch(s.options);
  std::vector<std::size_t> position;  // document id (index in name) → reader's document index
  std::size_t read = 0;
  while (in.next(d)) {
    const std::size_t index = read++;
    try {
      batch.add({name.size(), d.text, d.title, d.time, d.source});
    } catch (const error& e) {  // e.g. a text over max_document_bytes
      in.reject(in.where(d) + ": " + e.what());
      continue;
    }
    name.push_back(d.id);
    position.push_back(index);
    bar.update(name.size(), in.bytes_read(), in.total_bytes());
  }
  bar.phase("clustering");
  const clustering result =
      batch.finish([&](document_id id, std::string& text, std::string& title) {
        in.reread(position[id], text, title);
      });
  bar.done();
  if (list_clusters && s.level == "stories") {
    write_clusters(with_copy_links(result), s.level, tsv, by_position, by_position);
  } else if (list_clusters) {
    write_clusters(result.copies, s.level, tsv, by_position, by_position);
  } else {
    assignment_writer print(tsv);
    for (const assignment& a : result.assignments) print(name[a.id], name[a.story], name[a.copy]);
  }
  in.report_skipped("cluster", "clustered", name.size());
  return exit_ok;
}

}  // namespace samestory::cli
