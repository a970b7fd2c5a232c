// samestory compare: why two documents are, or are not, copies or one story.
// A thin printer over compare_documents() (include/samestory/compare.hpp),
// which decides exactly as the batch clusterer does.
#include "cli.hpp"

#include <samestory/compare.hpp>
#include <samestory/error.hpp>
#include <samestory/html.hpp>
#include <samestory/jsonl.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace samestory::cli {

namespace {

const char* const compare_help =
    "usage: samestory compare [options] A B\n"
    "\n"
    "Explains why two documents are or are not the same copy or story, and\n"
    "decides exactly as 'samestory cluster' would on these two documents alone.\n"
    "A and B are each one of:\n"
    "  FILE.txt         plain text, as a crawler extracts it (page chrome included);\n"
    "                   any other name that is not .html/.htm is read the same way\n"
    "  FILE.html        an HTML page (FILE.htm too); its <title> is the title\n"
    "  -                plain text on standard input (one side at most)\n"
    "  FILE.jsonl#ID    the record of a JSONL file whose id is ID\n"
    "\n"
    "  --json           print one JSON object instead of the report\n"
    "  --full           print normalized texts and removed lines whole (the report\n"
    "                   shortens them); with --json, add each side's text as compared\n"
    "  --threshold X    story score threshold, as for 'samestory cluster'\n"
    "  --copy-threshold X  copy Jaccard threshold (cluster --level copies --threshold)\n"
    "  --window W       documents further apart in time than W never join (s, m, h,\n"
    "                   d; JSONL records with a date)\n"
    "  --dateline-factor X  as for 'samestory cluster'\n"
    "\n"
    "The report: the verdict (copy, story or different) and the rule that gave\n"
    "it, the lines removed from each side as page chrome with their reasons, the\n"
    "figures (estimated and exact Jaccard and containment of the 3-gram shingle\n"
    "sets, the story score) with their thresholds, the passages both hold as byte\n"
    "ranges [begin, end) of A and B (of the text extracted from an HTML page, of\n"
    "a JSONL record's text), and the normalized texts. docs/cli.md describes it.\n"
    "\n"
    "Exit status: 0 when the comparison ran, whatever the verdict; 1 for a missing,\n"
    "unreadable or invalid input (the message names it); 2 for a bad command line.\n"
    "\n"
    "examples:\n"
    "  samestory compare examples/data/seeds/000_1429655e81e706ba.txt \\\n"
    "                    examples/data/seeds/001_16c679fa5d3af775.txt\n"
    "  samestory compare --json page.html news.jsonl#4711\n"
    "  curl -s https://example.com/a.txt | samestory compare - saved.txt\n";

// How many characters of a normalized text, and of a removed line, the report shows.
constexpr std::size_t shown_normalized_chars = 400;
constexpr std::size_t shown_line_chars = 60;

// One side as read from the command line.
struct side_input {
  std::string spec;  // as given
  std::string kind;  // txt, html, stdin, jsonl
  std::string text, title, source;
  std::optional<std::int64_t> time;
};

std::string read_all(std::istream& in, const std::string& name) {
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw error(error_code::io, "cannot read " + name);
  return s;
}

bool ends_with_ci(const std::string& s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  for (std::size_t i = 0; i < suffix.size(); ++i) {
    const char c = s[s.size() - suffix.size() + i];
    const char l = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    if (l != suffix[i]) return false;
  }
  return true;
}

// The record of `path` whose id (as tools/score.py reads ids) is `id`.
side_input read_jsonl_record(const std::string& spec, const std::string& path,
                             const std::string& id) {
  input in(path);
  jsonl_reader reader(in.stream());
  json_value v;
  try {
    while (next_object(reader, v)) {
      const json_value* field = v.find("id");
      if (field == nullptr || field->to_label() != id) continue;
      document_record r = to_document_record(v, reader.line());
      side_input s;
      s.spec = spec;
      s.kind = "jsonl";
      s.text = std::move(r.text);
      s.title = std::move(r.title);
      s.source = std::move(r.source);
      s.time = r.time;
      return s;
    }
  } catch (const parse_error& e) {
    throw error(error_code::parse, path + ": " + e.what());
  }
  throw error(error_code::invalid_argument, path + " has no record with id \"" + id + "\"");
}

side_input read_side(const std::string& spec) {
  namespace fs = std::filesystem;
  if (spec == "-") {
    side_input s;
    s.spec = spec;
    s.kind = "stdin";
    s.text = read_all(std::cin, "standard input");
    return s;
  }
  // FILE.jsonl#ID, unless a file is really called that.
  if (const auto hash = spec.rfind('#'); hash != std::string::npos && !fs::exists(spec)) {
    const std::string path = spec.substr(0, hash);
    if (ends_with_ci(path, ".jsonl")) return read_jsonl_record(spec, path, spec.substr(hash + 1));
  }
  std::error_code ec;
  if (fs::is_directory(spec, ec)) {
    throw error(error_code::io, "cannot compare " + spec + ": it is a directory");
  }
  input in(spec);
  side_input s;
  s.spec = spec;
  std::string bytes = read_all(in.stream(), spec);
  if (ends_with_ci(spec, ".html") || ends_with_ci(spec, ".htm")) {
    html_text page = html_to_text(bytes);
    s.kind = "html";
    s.text = std::move(page.text);
    s.title = std::move(page.title);
  } else {
    s.kind = "txt";
    s.text = std::move(bytes);
  }
  return s;
}

// ---- printing -------------------------------------------------------------------

std::string fixed(double v, int digits = 3) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

// "11-08" for a dateline, "none" without one.
std::string day_text(const std::optional<month_day>& d) {
  if (!d) return "none";
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02u-%02u", static_cast<unsigned>(d->month),
                static_cast<unsigned>(d->day));
  return buf;
}

// The story score, and why it was lowered when the datelines differ.
std::string score_text(const comparison& c) {
  const bool differ = c.a.dateline && c.b.dateline && *c.a.dateline != *c.b.dateline;
  if (!differ) return fixed(c.story_score);
  return fixed(c.story_score) + " (datelines " + day_text(c.a.dateline) + " and " +
         day_text(c.b.dateline) + " differ: x dateline_factor " +
         fixed(c.thresholds.dateline_factor, 2) + ")";
}

// The first `n` characters of UTF-8 text; `cut` says whether any were left out.
std::string first_chars(std::string_view s, std::size_t n, bool& cut) {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && chars++ == n) {
      cut = true;
      return std::string(s.substr(0, i));
    }
  }
  cut = false;
  return std::string(s);
}

std::size_t count_chars(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// A quoted one-line rendering: line breaks and tabs as \n, \t.
std::string quote_line(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// Which option the pair's story threshold is: two CJK texts answer to the
// average-linkage one (cluster_options::story_linkage, by_script).
std::string story_threshold_name(const comparison_thresholds& t) {
  return t.average_linkage ? "average_story_threshold" : "story_threshold";
}

// Why the pair is not a copy pair (for story and below_thresholds verdicts).
std::string not_copy_reason(const comparison& c) {
  const comparison_thresholds& t = c.thresholds;
  const std::size_t smaller = std::min(c.a.shingles, c.b.shingles);
  std::string containment;
  if (smaller < t.copy_min_shingles) {
    containment = "containment not counted: the smaller side has " + std::to_string(smaller) +
                  " < " + std::to_string(t.copy_min_shingles) + " distinct shingles";
  }
  if (!c.lsh_candidate) {
    return "not an LSH copy candidate (estimated Jaccard " + fixed(c.jaccard_estimate) +
           ", candidates are sought from about " + fixed(t.copy_candidate_jaccard, 2) + ")" +
           (containment.empty() ? "" : "; " + containment);
  }
  const bool exact = c.checked_exactly;
  const char* how = exact ? "exact" : "estimated";
  std::string s = std::string(how) + " Jaccard " +
                  fixed(exact ? c.jaccard_exact : c.jaccard_estimate) + " < copy_jaccard " +
                  fixed(t.copy_jaccard, 2);
  if (containment.empty()) {
    s += ", " + std::string(how) + " containment " +
         fixed(exact ? c.containment_exact : c.containment_estimate) + " < copy_containment " +
         fixed(t.copy_containment, 2);
  } else {
    s += "; " + containment;
  }
  if (exact) s += " (the estimates were near a threshold, so the shingle sets were compared)";
  return s;
}

std::string why(const comparison& c, const side_input& a, const side_input& b) {
  const comparison_thresholds& t = c.thresholds;
  switch (c.rule) {
    case comparison_rule::exact_text:
      return "the normalized texts are identical (equal hashes)";
    case comparison_rule::jaccard_estimate:
      return "estimated Jaccard " + fixed(c.jaccard_estimate) + " >= copy_jaccard " +
             fixed(t.copy_jaccard, 2) + " (MinHash, k = " + std::to_string(c.num_hashes) +
             "; clear of the threshold, so the estimate decides)";
    case comparison_rule::containment_estimate:
      return "estimated containment " + fixed(c.containment_estimate) + " >= copy_containment " +
             fixed(t.copy_containment, 2) + ", the smaller side having " +
             std::to_string(std::min(c.a.shingles, c.b.shingles)) +
             " >= " + std::to_string(t.copy_min_shingles) +
             " distinct shingles (estimated Jaccard " + fixed(c.jaccard_estimate) + " < " +
             fixed(t.copy_jaccard, 2) + ")";
    case comparison_rule::jaccard_exact:
      return "exact Jaccard " + fixed(c.jaccard_exact) + " >= copy_jaccard " +
             fixed(t.copy_jaccard, 2) + " (the estimate " + fixed(c.jaccard_estimate) +
             " was too near a threshold to trust, so the shingle sets were compared)";
    case comparison_rule::containment_exact:
      return "exact containment " + fixed(c.containment_exact) + " >= copy_containment " +
             fixed(t.copy_containment, 2) + ", the smaller side having " +
             std::to_string(std::min(c.a.shingles, c.b.shingles)) +
             " >= " + std::to_string(t.copy_min_shingles) +
             " distinct shingles (the estimates were too near a threshold to trust, so the "
             "shingle sets were compared)";
    case comparison_rule::story_score:
      return "story score " + score_text(c) + " >= " + story_threshold_name(t) + " " +
             fixed(t.story_threshold, 2) + "; not copies: " + not_copy_reason(c);
    case comparison_rule::below_thresholds:
      return "story score " + score_text(c) + " < " + story_threshold_name(t) + " " +
             fixed(t.story_threshold, 2) + "; not copies: " + not_copy_reason(c);
    case comparison_rule::empty_document:
      return std::string("document ") + (c.a.normalized.empty() ? "A" : "B") +
             " has no letters or digits, and an empty document joins nothing";
    case comparison_rule::time_window: {
      const std::int64_t d = *a.time > *b.time ? *a.time - *b.time : *b.time - *a.time;
      return "the documents are " + std::to_string(d) + " s apart, more than the window of " +
             std::to_string(t.time_window_seconds) + " s";
    }
  }
  return "";
}

bool is_blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

void print_side(const char* name, const side_input& in, const comparison_side& s, bool full) {
  std::printf("\ndocument %s: %s (%s, %zu bytes%s%s)\n", name, in.spec.c_str(), in.kind.c_str(),
              in.text.size(), in.title.empty() ? "" : ", title ",
              in.title.empty() ? "" : quote_line(in.title).c_str());
  // Blank lines are counted, not listed (--full lists them too).
  const std::size_t blank = static_cast<std::size_t>(std::count_if(
      s.removed.begin(), s.removed.end(), [](const removed_line& l) { return is_blank(l.text); }));
  std::printf("  %zu lines, %zu removed as page chrome", s.lines, s.removed.size());
  if (blank > 0 && !full) std::printf(" (%zu of them blank, not listed)", blank);
  std::printf("%s\n", s.title_only ? "; the body is empty, so the title was compared" : "");
  for (const removed_line& l : s.removed) {
    if (!full && is_blank(l.text)) continue;
    bool cut = false;
    const std::string shown = full ? l.text : first_chars(l.text, shown_line_chars, cut);
    std::printf("  - [%zu, %zu) %s: %s%s\n", l.begin, l.end, to_string(l.reason),
                quote_line(shown).c_str(), cut ? " ..." : "");
  }
}

void print_report(const comparison& c, const side_input& a, const side_input& b, bool full) {
  std::printf("verdict: %s\n", to_string(c.verdict));
  std::printf("why: %s\n", why(c, a, b).c_str());
  print_side("A", a, c.a, full);
  print_side("B", b, c.b, full);

  const comparison_thresholds& t = c.thresholds;
  std::printf("\nfigures (3-gram shingle sets; estimates from MinHash, k = %u):\n", c.num_hashes);
  std::printf("  %-22s %9s %9s   %s\n", "", "estimate", "exact", "threshold");
  std::printf("  %-22s %9s %9s   %s\n", "Jaccard", fixed(c.jaccard_estimate).c_str(),
              fixed(c.jaccard_exact).c_str(), ("copy_jaccard " + fixed(t.copy_jaccard, 2)).c_str());
  std::printf("  %-22s %9s %9s   %s\n", "containment", fixed(c.containment_estimate).c_str(),
              fixed(c.containment_exact).c_str(),
              ("copy_containment " + fixed(t.copy_containment, 2) +
               " (smaller side >= " + std::to_string(t.copy_min_shingles) + " shingles)")
                  .c_str());
  std::printf("  %-22s %9s %9s   %s\n", "story score", "", fixed(c.story_score).c_str(),
              (story_threshold_name(t) + " " + fixed(t.story_threshold, 2)).c_str());
  if (c.a.dateline || c.b.dateline) {
    const bool differ = c.a.dateline && c.b.dateline && *c.a.dateline != *c.b.dateline;
    std::printf("  datelines: A %s, B %s%s\n", day_text(c.a.dateline).c_str(),
                day_text(c.b.dateline).c_str(),
                differ ? (" (different days: the story score is times dateline_factor " +
                          fixed(t.dateline_factor, 2) + ")")
                             .c_str()
                       : "");
  }
  std::printf("  distinct shingles: A %zu, B %zu, shared %zu\n", c.a.shingles, c.b.shingles,
              c.shared_shingles);
  std::printf("  same normalized text: %s; LSH copy candidate: %s; decided on: %s\n",
              c.same_text ? "yes" : "no", c.lsh_candidate ? "yes" : "no",
              c.rule == comparison_rule::exact_text ? "text hashes"
              : c.checked_exactly                   ? "exact shingle sets"
                                                    : "estimates");

  std::printf("\nshared passages: %zu (runs of >= %u shingles; bytes [begin, end) of A and B)\n",
              c.shared_spans.size(), min_shared_span_shingles);
  for (const shared_span& s : c.shared_spans) {
    std::printf("  A[%zu, %zu) B[%zu, %zu) %u shingles: %s\n", s.a_begin, s.a_end, s.b_begin,
                s.b_end, s.shingles, quote_line(s.text).c_str());
  }

  for (const auto& [name, side] : {std::pair{"A", &c.a}, std::pair{"B", &c.b}}) {
    bool cut = false;
    const std::size_t total = count_chars(side->normalized);
    const std::string shown =
        full ? side->normalized : first_chars(side->normalized, shown_normalized_chars, cut);
    std::printf("\nnormalized %s (%zu characters%s):\n", name, total,
                cut ? ", shortened; --full prints it whole" : "");
    // One indented line per normalized break.
    std::string line;
    for (const char ch : shown) {
      if (ch == '\n') {
        std::printf("  %s\n", line.c_str());
        line.clear();
      } else {
        line += ch;
      }
    }
    std::printf("  %s%s\n", line.c_str(), cut ? " ..." : "");
  }
}

void append_number(std::string& out, double v) {
  out += fixed(v, 4);
}

void append_side_json(std::string& out, const side_input& in, const comparison_side& s, bool full) {
  out += "{\"input\": ";
  append_json_string(out, in.spec);
  out += ", \"kind\": ";
  append_json_string(out, in.kind);
  out += ", \"title\": ";
  append_json_string(out, in.title);
  out += ", \"bytes\": " + std::to_string(in.text.size());
  out += ", \"lines\": " + std::to_string(s.lines);
  out += ", \"title_only\": ";
  out += s.title_only ? "true" : "false";
  out += ", \"dateline\": ";
  out += s.dateline ? "\"" + day_text(s.dateline) + "\"" : std::string("null");
  out += ", \"removed_lines\": [";
  for (std::size_t i = 0; i < s.removed.size(); ++i) {
    const removed_line& l = s.removed[i];
    if (i > 0) out += ", ";
    out += "{\"begin\": " + std::to_string(l.begin) + ", \"end\": " + std::to_string(l.end) +
           ", \"reason\": \"" + to_string(l.reason) + "\", \"text\": ";
    append_json_string(out, l.text);
    out += "}";
  }
  out += "], \"shingles\": " + std::to_string(s.shingles);
  out += ", \"normalized\": ";
  append_json_string(out, s.normalized);
  if (full) {
    out += ", \"text\": ";
    append_json_string(out, in.text);
  }
  out += "}";
}

void print_json(const comparison& c, const side_input& a, const side_input& b, bool full) {
  std::string out = "{\"verdict\": \"";
  out += to_string(c.verdict);
  out += "\", \"rule\": \"";
  out += to_string(c.rule);
  out += "\", \"why\": ";
  append_json_string(out, why(c, a, b));
  out += ", \"jaccard_estimate\": ";
  append_number(out, c.jaccard_estimate);
  out += ", \"jaccard_exact\": ";
  append_number(out, c.jaccard_exact);
  out += ", \"containment\": ";
  append_number(out, c.containment_exact);
  out += ", \"containment_estimate\": ";
  append_number(out, c.containment_estimate);
  out += ", \"containment_exact\": ";
  append_number(out, c.containment_exact);
  out += ", \"story_score\": ";
  append_number(out, c.story_score);
  out += ", \"num_hashes\": " + std::to_string(c.num_hashes);
  out += ", \"shared_shingles\": " + std::to_string(c.shared_shingles);
  out += ", \"same_text\": ";
  out += c.same_text ? "true" : "false";
  out += ", \"lsh_candidate\": ";
  out += c.lsh_candidate ? "true" : "false";
  out += ", \"checked_exactly\": ";
  out += c.checked_exactly ? "true" : "false";
  const comparison_thresholds& t = c.thresholds;
  out += ", \"thresholds\": {\"copy_jaccard\": ";
  append_number(out, t.copy_jaccard);
  out += ", \"copy_containment\": ";
  append_number(out, t.copy_containment);
  out += ", \"copy_min_shingles\": " + std::to_string(t.copy_min_shingles);
  out += ", \"copy_candidate_jaccard\": ";
  append_number(out, t.copy_candidate_jaccard);
  out += ", \"story_threshold\": ";
  append_number(out, t.story_threshold);
  out += ", \"average_linkage\": ";
  out += t.average_linkage ? "true" : "false";
  out += ", \"cjk_story_scale\": ";
  append_number(out, t.cjk_story_scale);
  out += ", \"dateline_factor\": ";
  append_number(out, t.dateline_factor);
  out += ", \"time_window_seconds\": " + std::to_string(t.time_window_seconds);
  out += ", \"min_span_shingles\": " + std::to_string(min_shared_span_shingles);
  out += "}, \"shared_spans\": [";
  for (std::size_t i = 0; i < c.shared_spans.size(); ++i) {
    const shared_span& s = c.shared_spans[i];
    if (i > 0) out += ", ";
    out +=
        "{\"a_begin\": " + std::to_string(s.a_begin) + ", \"a_end\": " + std::to_string(s.a_end) +
        ", \"b_begin\": " + std::to_string(s.b_begin) + ", \"b_end\": " + std::to_string(s.b_end) +
        ", \"shingles\": " + std::to_string(s.shingles) + ", \"text\": ";
    append_json_string(out, s.text);
    out += "}";
  }
  out += "], \"a\": ";
  append_side_json(out, a, c.a, full);
  out += ", \"b\": ";
  append_side_json(out, b, c.b, full);
  out += "}\n";
  std::fputs(out.c_str(), stdout);
}

}  // namespace

int compare_command(const std::vector<std::string>& args) {
  bool json = false, full = false;
  cluster_options options;
  std::vector<std::string> paths;
  for (argument_cursor arg{args}; !arg.done(); ++arg.i) {
    const std::string& a = arg.flag();
    if (a == "--help" || a == "-h") {
      std::fputs(compare_help, stdout);
      return exit_ok;
    } else if (a == "--json") {
      json = true;
    } else if (a == "--full") {
      full = true;
    } else if (a == "--threshold") {
      options.story_threshold = options.average_story_threshold =
          parse_unit_interval("--threshold", arg.value());
    } else if (a == "--copy-threshold") {
      options.copy_jaccard = parse_unit_interval("--copy-threshold", arg.value());
    } else if (a == "--window") {
      options.time_window_seconds = parse_duration("--window", arg.value());
    } else if (a == "--dateline-factor") {
      options.dateline_factor = parse_unit_interval(a, arg.value());
    } else if (a.size() > 1 && a[0] == '-') {
      throw usage_error{"unknown argument " + a};
    } else {
      paths.push_back(a);
    }
  }
  if (paths.size() != 2) {
    throw usage_error{"compare needs two inputs, A and B; got " + std::to_string(paths.size())};
  }
  if (paths[0] == "-" && paths[1] == "-") {
    throw usage_error{"only one of A and B may be standard input ('-')"};
  }
  const side_input a = read_side(paths[0]);
  const side_input b = read_side(paths[1]);
  document da, db;
  da.text = a.text;
  da.title = a.title;
  da.time = a.time;
  da.source = a.source;
  db.text = b.text;
  db.title = b.title;
  db.time = b.time;
  db.source = b.source;
  comparison c;
  try {
    c = compare_documents(da, db, options);
  } catch (const invalid_utf8_error& e) {
    // The library names the side (A or B); say which file that is.
    throw error(error_code::invalid_utf8,
                std::string(e.what()) + " (A is " + a.spec + ", B is " + b.spec + ")");
  }
  if (json) {
    print_json(c, a, b, full);
  } else {
    print_report(c, a, b, full);
  }
  return exit_ok;
}

}  // namespace samestory::cli
