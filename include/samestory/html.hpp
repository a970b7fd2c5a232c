/// @file html.hpp
/// HTML to plain text, so crawled pages can enter the text pipeline.
///
/// Tags are removed; the contents of script, style, noscript, template, svg,
/// head-only elements and comments are dropped; character references (named,
/// decimal, hexadecimal) are decoded; block-level elements (p, div, br, li,
/// h1..h6, tr, table, section, article, ...) become line breaks, so the chrome
/// step downstream sees one line per paragraph, menu item or list entry.
/// Runs of white space inside a line collapse to one space; empty lines are dropped.
#pragma once

#include <samestory/export.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace samestory {

/// Options for html_to_text().
struct html_options {
  /// Input larger than this is refused with limit_exceeded_error.
  std::size_t max_document_bytes = std::size_t{256} << 20;
};

/// The text of an HTML page.
struct html_text {
  std::string title;  ///< contents of the first `<title>`, decoded and trimmed ("" if none)
  std::string text;   ///< visible text, one block per line, `\n` separated, no final newline
};

/// Converts an HTML page to text. Never throws on malformed markup: unclosed
/// tags, stray '<', unknown entities and truncated input all give best-effort text.
/// Invalid UTF-8 bytes are passed through unchanged (the normalizer decides on them).
/// @param html the page's bytes, UTF-8
/// @param options limits
/// @return title and text
/// @throws limit_exceeded_error when html is larger than options.max_document_bytes
SAMESTORY_API html_text html_to_text(std::string_view html, const html_options& options = {});

}  // namespace samestory
