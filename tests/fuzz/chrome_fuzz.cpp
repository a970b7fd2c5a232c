// Fuzz target: HTML to text (html.hpp) and chrome removal (chrome.hpp),
// without statistics and with chrome_statistics observed from the same input.
//
// The input is one or more documents separated by form feeds (0x0C); each is
// stripped on its own, then all are observed into one chrome_statistics and
// stripped again with it. The HTML converter gets the whole input and its
// text goes through the stripper too. Checked: the lines tile the input;
// kept lines are the input's bytes, joined by '\n'; to_input_offset stays in
// the input and maps kept text back to the very byte it came from; the first
// invalid UTF-8 offset is check_utf8's; statistics count what was observed
// and save/load round-trips; html_to_text's text and title are trimmed lines
// without blank ones, and are valid UTF-8 whenever the page is.
#include <samestory/chrome.hpp>
#include <samestory/error.hpp>
#include <samestory/html.hpp>
#include <samestory/utf8.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"

namespace {

using samestory::chrome_result;
using samestory::chrome_statistics;
using samestory::chrome_stripper;

void check_strip(std::string_view doc, const chrome_result& r) {
  // Lines tile the document: each starts after the previous one's '\n' and
  // ends before its own '\n' (and before a '\r' right in front of it).
  std::size_t next_begin = 0;
  for (const samestory::chrome_line& l : r.lines) {
    SAMESTORY_FUZZ_CHECK(l.begin == next_begin);
    SAMESTORY_FUZZ_CHECK(l.begin <= l.end && l.end <= doc.size());
    SAMESTORY_FUZZ_CHECK(doc.substr(l.begin, l.end - l.begin).find('\n') == std::string_view::npos);
    std::size_t stop = l.end;
    if (stop < doc.size() && doc[stop] == '\r') ++stop;
    SAMESTORY_FUZZ_CHECK(stop == doc.size() || doc[stop] == '\n');
    next_begin = stop + 1;
  }
  SAMESTORY_FUZZ_CHECK(r.lines.empty() == doc.empty());
  if (!doc.empty()) SAMESTORY_FUZZ_CHECK(next_begin >= doc.size());

  // Kept lines, in order, joined by '\n', are the text.
  std::string joined;
  std::size_t kept_count = 0;
  for (std::size_t i = 0; i < r.lines.size(); ++i) {
    if (!r.lines[i].kept()) continue;
    SAMESTORY_FUZZ_CHECK(kept_count < r.kept.size());
    const samestory::kept_line& k = r.kept[kept_count++];
    SAMESTORY_FUZZ_CHECK(k.line == i);
    if (kept_count > 1) joined.push_back('\n');
    SAMESTORY_FUZZ_CHECK(k.text_begin == joined.size());
    joined.append(doc.substr(r.lines[i].begin, r.lines[i].end - r.lines[i].begin));
  }
  SAMESTORY_FUZZ_CHECK(kept_count == r.kept.size());
  SAMESTORY_FUZZ_CHECK(joined == r.text);

  // Every text byte maps back to the same byte of the input; the '\n' after a
  // line and the end of the text map to that line's end; nothing maps outside.
  std::size_t previous = 0;
  for (std::size_t t = 0; t <= r.text.size(); ++t) {
    const std::size_t at = r.to_input_offset(t);
    SAMESTORY_FUZZ_CHECK(at <= doc.size());
    SAMESTORY_FUZZ_CHECK(at >= previous);
    previous = at;
    if (t < r.text.size() && r.text[t] != '\n') SAMESTORY_FUZZ_CHECK(doc[at] == r.text[t]);
  }
  if (r.kept.empty()) {
    SAMESTORY_FUZZ_CHECK(r.to_input_offset(0) == (r.lines.empty() ? 0 : r.lines.back().end));
  }

  const samestory::utf8_check utf8 = samestory::check_utf8(doc);
  SAMESTORY_FUZZ_CHECK((r.invalid_utf8_reason == nullptr) == utf8.ok);
  if (!utf8.ok) SAMESTORY_FUZZ_CHECK(r.invalid_utf8_offset == utf8.error_offset);
  for (const samestory::chrome_line& l : r.lines) {
    SAMESTORY_FUZZ_CHECK(samestory::to_string(l.reason) != nullptr);
  }
}

// Strips `doc` with both overloads (the reusing one starts from the previous
// input's result) and checks they agree.
chrome_result strip_checked(const chrome_stripper& stripper, std::string_view doc,
                            const chrome_statistics* stats, std::string_view source) {
  chrome_result r = stripper.strip(doc, stats, source);
  check_strip(doc, r);
  static chrome_result reused;
  stripper.strip(doc, reused, stats, source);
  SAMESTORY_FUZZ_CHECK(reused.text == r.text);
  SAMESTORY_FUZZ_CHECK(reused.lines.size() == r.lines.size());
  SAMESTORY_FUZZ_CHECK(reused.kept.size() == r.kept.size());
  return r;
}

bool has_ascii_alnum(std::string_view s) {
  for (const char c : s) {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  }
  return false;
}

void check_html(std::string_view page) {
  samestory::html_text h;
  try {
    h = samestory::html_to_text(page);
  } catch (...) {
    samestory::fuzz::fail_unexpected_exception(__FILE__, __LINE__, "html_to_text");
  }
  for (const std::string* s : {&h.text, &h.title}) {
    if (s->empty()) continue;
    SAMESTORY_FUZZ_CHECK(s->front() != ' ' && s->front() != '\n');
    SAMESTORY_FUZZ_CHECK(s->back() != ' ' && s->back() != '\n');
    SAMESTORY_FUZZ_CHECK(s->find("\n\n") == std::string::npos);
    SAMESTORY_FUZZ_CHECK(s->find("  ") == std::string::npos);
    SAMESTORY_FUZZ_CHECK(s->find(" \n") == std::string::npos);
    SAMESTORY_FUZZ_CHECK(s->find("\n ") == std::string::npos);
  }
  SAMESTORY_FUZZ_CHECK(h.title.find('\n') == std::string::npos);
  if (samestory::check_utf8(page).ok) {
    SAMESTORY_FUZZ_CHECK(samestory::check_utf8(h.text).ok);
    SAMESTORY_FUZZ_CHECK(samestory::check_utf8(h.title).ok);
  }
  // The size limit: refused above it, never a partial result.
  if (!page.empty()) {
    samestory::html_options small;
    small.max_document_bytes = page.size() - 1;
    bool refused = false;
    try {
      (void)samestory::html_to_text(page, small);
    } catch (const samestory::limit_exceeded_error& e) {
      refused = e.actual() == page.size() && e.limit() == small.max_document_bytes;
    }
    SAMESTORY_FUZZ_CHECK(refused);
  }
  const chrome_stripper stripper;
  strip_checked(stripper, h.text, nullptr, {});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = samestory::fuzz::as_bytes(data, size);
  std::vector<std::string_view> docs;
  for (std::size_t begin = 0;;) {
    const std::size_t ff = input.find('\f', begin);
    docs.push_back(input.substr(begin, ff == std::string_view::npos ? ff : ff - begin));
    if (ff == std::string_view::npos) break;
    begin = ff + 1;
  }

  // Small thresholds too, so short fuzz inputs reach the body and recurrence rules.
  static const chrome_stripper stripper;
  static const chrome_stripper eager([] {
    samestory::chrome_options o;
    o.min_body_chars = 4;
    o.max_short_chars = 2;
    o.recurring_min_docs = 2;
    return o;
  }());

  for (const std::string_view doc : docs) {
    strip_checked(stripper, doc, nullptr, {});
    strip_checked(eager, doc, nullptr, {});
  }

  // Observe each document under one of two sources; a lone document is
  // observed three times so that its lines reach recurring_min_docs.
  chrome_statistics stats;
  const std::string_view sources[] = {"a.example", "b.example"};
  std::uint32_t observed[2] = {0, 0};
  const int rounds = docs.size() == 1 ? 3 : 1;
  for (int round = 0; round < rounds; ++round) {
    for (std::size_t i = 0; i < docs.size(); ++i) {
      stats.observe(docs[i], sources[i % 2]);
      ++observed[i % 2];
    }
  }
  SAMESTORY_FUZZ_CHECK(!stats.is_empty());
  for (int s = 0; s < 2; ++s) SAMESTORY_FUZZ_CHECK(stats.documents(sources[s]) == observed[s]);
  SAMESTORY_FUZZ_CHECK(stats.documents("never.example") == 0);

  for (std::size_t i = 0; i < docs.size(); ++i) {
    const std::string_view source = sources[i % 2];
    for (const chrome_stripper* st : {&stripper, &eager}) {
      const chrome_result r = strip_checked(*st, docs[i], &stats, source);
      for (const samestory::chrome_line& l : r.lines) {
        const std::string_view line = docs[i].substr(l.begin, l.end - l.begin);
        const std::uint32_t seen = stats.line_documents(source, line);
        SAMESTORY_FUZZ_CHECK(seen <= stats.documents(source));
        if (has_ascii_alnum(line)) SAMESTORY_FUZZ_CHECK(seen >= 1);
      }
    }
  }

  const std::string saved = stats.save();
  try {
    const chrome_statistics loaded = chrome_statistics::load(saved);
    SAMESTORY_FUZZ_CHECK(loaded.save() == saved);
    for (int s = 0; s < 2; ++s) {
      SAMESTORY_FUZZ_CHECK(loaded.documents(sources[s]) == stats.documents(sources[s]));
    }
  } catch (...) {
    samestory::fuzz::fail_unexpected_exception(__FILE__, __LINE__, "chrome_statistics::load");
  }

  check_html(input);
  return 0;
}
