// samestory strip: what the text pipeline keeps of one document, and why it
// drops the rest. A window on html_to_text and chrome removal for people
// tuning a crawler, not a hot path: the whole document is held in memory.
#include "cli.hpp"

#include <samestory/chrome.hpp>
#include <samestory/error.hpp>
#include <samestory/html.hpp>
#include <samestory/jsonl.hpp>
#include <samestory/text_pipeline.hpp>
#include <samestory/utf8.hpp>

#include <cstdio>
#include <filesystem>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

namespace samestory::cli {

namespace {

const char* const strip_help =
    "usage: samestory strip [options] FILE\n"
    "\n"
    "Prints the text the pipeline keeps of one document: HTML to text (for .html\n"
    "and .htm files, or with --html), then page-chrome removal (menus, related\n"
    "lists, share bars, timestamps, notices; docs/chrome.md). FILE is a text or\n"
    "HTML file, '-' for standard input, or FILE.jsonl#ID for the \"text\" field of\n"
    "the JSONL record whose id is ID (the title is not part of it).\n"
    "\n"
    "  --show-removed   print every line: kept lines start with two spaces,\n"
    "                   removed ones with '- [REASON] ' (see below)\n"
    "  --normalized     print the normalized text that is shingled instead\n"
    "                   (NFKC, case folding, Traditional to Simplified)\n"
    "  --json           one JSON object: {\"file\", \"title\", \"lines\", \"kept\": TEXT,\n"
    "                   \"removed\": [{\"line\": N, \"reason\": CODE, \"text\"}]}\n"
    "                   with 1-based line numbers and chrome_reason codes\n"
    "  --html           read FILE as HTML whatever its name\n"
    "  --lenient        treat ill-formed UTF-8 as a word break instead of failing\n"
    "\n"
    "Reasons (code in --json):\n"
    "  blank          empty, or only white space and punctuation (empty)\n"
    "  short          too short to be body, not next to body (short_line)\n"
    "  link list      one of 3+ short unpunctuated lines: a menu or related list\n"
    "                 (title_like_run)\n"
    "  repeat         the same line appears earlier (duplicate_line)\n"
    "  timestamp      a date, time or counter line (timestamp)\n"
    "  outside body   cut off from the article body by chrome (outside_body)\n"
    "  recurring      seen on many pages of the same site (recurring)\n"
    "  notice         a reprint or copyright notice at the body's edge (notice)\n"
    "\n"
    "Exit status: 0 done, 1 unreadable file, unknown id or invalid UTF-8 (the\n"
    "message gives the byte offset in the file), 2 bad command line.\n"
    "\n"
    "examples:\n"
    "  samestory strip page.html\n"
    "  samestory strip --show-removed crawl.jsonl#12345 | grep '^-'\n"
    "  curl -s https://example.com/news/1 | samestory strip --html -\n";

struct settings {
  std::string path;
  bool show_removed = false, normalized = false, json = false, html = false, lenient = false;
};

settings parse(const std::vector<std::string>& args, bool& help) {
  settings s;
  for (argument_cursor arg{args}; !arg.done(); ++arg.i) {
    const std::string& a = arg.flag();
    if (a == "--help" || a == "-h") {
      help = true;
      return s;
    } else if (a == "--show-removed") {
      s.show_removed = true;
    } else if (a == "--normalized") {
      s.normalized = true;
    } else if (a == "--json") {
      s.json = true;
    } else if (a == "--html") {
      s.html = true;
    } else if (a == "--lenient") {
      s.lenient = true;
    } else if (!a.empty() && a[0] == '-' && a != "-") {
      throw usage_error{"unknown option " + a};
    } else if (s.path.empty()) {
      s.path = a;
    } else {
      throw usage_error{"one file only; got '" + s.path + "' and '" + a + "'"};
    }
  }
  if (s.path.empty())
    throw usage_error{"strip needs a file, FILE.jsonl#ID, or - for standard input"};
  if (s.show_removed + s.normalized + s.json > 1) {
    throw usage_error{"--show-removed, --normalized and --json exclude each other"};
  }
  return s;
}

// The document to strip and what to call it in messages.
struct source_document {
  std::string name;   // the file, "<stdin>" or "FILE#ID"
  std::string bytes;  // as read; the offsets of UTF-8 errors count in these
  std::string title;
  bool from_jsonl = false;
};

std::string read_all(std::istream& in, const std::string& name) {
  std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) throw error(error_code::io, "cannot read " + name);
  return bytes;
}

// FILE.jsonl#ID: the record with that id. Ids may hold '#', so the split is
// at the first '#' whose left side is an existing file; a file whose own
// name holds '#' is read whole (the caller tries it first).
bool split_record(const std::string& path, std::string& file, std::string& id) {
  for (std::size_t hash = path.find('#'); hash != std::string::npos;
       hash = path.find('#', hash + 1)) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(path.substr(0, hash), ec)) {
      file = path.substr(0, hash);
      id = path.substr(hash + 1);
      return true;
    }
  }
  return false;
}

source_document read_record(const std::string& file, const std::string& id) {
  input in(file);
  jsonl_reader reader(in.stream());
  json_value v;
  try {
    while (next_object(reader, v)) {
      document_record r = to_document_record(v, reader.line());
      if (r.id == id) return {file + "#" + id, std::move(r.text), std::move(r.title), true};
    }
  } catch (const parse_error& e) {
    throw error(error_code::parse, file + ": " + e.what());
  }
  throw error(error_code::invalid_argument, file + ": no record with id \"" + id + "\"");
}

source_document read_document(const settings& s) {
  std::error_code ec;
  std::string file, id;
  if (s.path != "-" && !std::filesystem::exists(s.path, ec) && split_record(s.path, file, id)) {
    return read_record(file, id);
  }
  input in(s.path);
  return {in.name, read_all(in.stream(), in.name), {}, false};
}

bool is_html(const settings& s) {
  if (s.html) return true;
  const std::string ext = std::filesystem::path(s.path).extension().string();
  return ext == ".html" || ext == ".htm";
}

// The reason in words, for --show-removed (docs/chrome.md).
const char* reason_words(chrome_reason r) {
  switch (r) {
    case chrome_reason::none:
      return "kept";
    case chrome_reason::empty:
      return "blank";
    case chrome_reason::short_line:
      return "short";
    case chrome_reason::title_like_run:
      return "link list";
    case chrome_reason::duplicate_line:
      return "repeat";
    case chrome_reason::timestamp:
      return "timestamp";
    case chrome_reason::outside_body:
      return "outside body";
    case chrome_reason::recurring:
      return "recurring";
    case chrome_reason::notice:
      return "notice";
  }
  return "unknown";
}

void write(const std::string& s) {
  std::fwrite(s.data(), 1, s.size(), stdout);
}

}  // namespace

int strip_command(const std::vector<std::string>& args) {
  bool help = false;
  const settings s = parse(args, help);
  if (help) {
    std::fputs(strip_help, stdout);
    return exit_ok;
  }
  source_document doc = read_document(s);
  // Strict UTF-8 is checked on the bytes as read, so that the offset is one
  // in the file even when html_to_text moves everything around. A JSONL
  // record's text was checked by the JSON reader already.
  if (!s.lenient && !doc.from_jsonl) {
    const utf8_check check = check_utf8(doc.bytes);
    if (!check.ok) {
      throw error(error_code::invalid_utf8, doc.name + ": invalid UTF-8 at byte " +
                                                std::to_string(check.error_offset) + " (" +
                                                check.reason + ")");
    }
  }
  std::string text;
  if (!doc.from_jsonl && is_html(s)) {
    html_text h = html_to_text(doc.bytes);
    text = std::move(h.text);
    doc.title = std::move(h.title);
  } else {
    text = std::move(doc.bytes);
  }

  text_pipeline_options options;
  if (s.lenient) options.normalize.utf8 = utf8_policy::lenient;
  const text_pipeline pipeline(options);
  processed_text out;
  try {
    pipeline.process(text, out);
  } catch (const invalid_utf8_error& e) {
    // Only reachable for text that was valid as read, e.g. a character
    // reference html_to_text decoded: the offset is in the extracted text.
    throw error(error_code::invalid_utf8, doc.name + ": invalid UTF-8 at byte " +
                                              std::to_string(e.byte_offset()) +
                                              " of the extracted text");
  } catch (const error& e) {
    throw error(e.code(), doc.name + ": " + e.what());
  }

  std::string line;
  if (s.json) {
    line = "{\"file\": ";
    append_json_string(line, doc.name);
    line += ", \"title\": ";
    append_json_string(line, doc.title);
    line += ", \"lines\": " + std::to_string(out.body.lines.size()) + ", \"kept\": ";
    append_json_string(line, out.body.text);
    line += ", \"removed\": [";
    bool first = true;
    for (std::size_t i = 0; i < out.body.lines.size(); ++i) {
      const chrome_line& l = out.body.lines[i];
      if (l.kept()) continue;
      line += first ? "{\"line\": " : ", {\"line\": ";
      first = false;
      line += std::to_string(i + 1) + ", \"reason\": \"" + to_string(l.reason) + "\", \"text\": ";
      append_json_string(line, std::string_view(text).substr(l.begin, l.end - l.begin));
      line += '}';
    }
    line += "]}\n";
    write(line);
  } else if (s.show_removed) {
    for (const chrome_line& l : out.body.lines) {
      const std::string_view content = std::string_view(text).substr(l.begin, l.end - l.begin);
      line.clear();
      if (l.kept()) {
        line += "  ";
      } else {
        line += "- [";
        line += reason_words(l.reason);
        line += content.empty() ? "]" : "] ";
      }
      line += content;
      line += '\n';
      write(line);
    }
  } else if (s.normalized) {
    line = out.normalized.to_utf8();
    if (!line.empty()) line += '\n';
    write(line);
  } else {
    line = out.body.text;
    if (!line.empty()) line += '\n';
    write(line);
  }
  return exit_ok;
}

}  // namespace samestory::cli
