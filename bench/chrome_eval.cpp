// chrome_eval: HTML-to-text and chrome removal on real news pages.
//
//   chrome_eval DIR_OR_JSONL
//
// Reads twnews_html_samples.jsonl (fields html_file, expected_body_substring,
// title) with the pages beside it under html/, runs html_to_text and chrome
// removal, and prints per page: HTML bytes, text characters, body characters
// kept, the share of the text removed as chrome, and whether the expected body
// snippet survives (compared after normalization, so white space and
// punctuation differences do not count).
#include <samestory/samestory.hpp>

#include <cstdio>
#include <filesystem>
#include <string>

#include "corpus.hpp"

namespace {
std::size_t letters(const samestory::normalizer& n, const std::string& s) {
  std::size_t count = 0;
  for (char32_t c : n.normalize(s).text) count += (c != U' ' && c != U'\n') ? 1 : 0;
  return count;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s twnews_html_samples.jsonl|DIR\n", argv[0]);
    return 2;
  }
  std::filesystem::path jsonl = argv[1];
  if (std::filesystem::is_directory(jsonl)) jsonl /= "twnews_html_samples.jsonl";
  try {
    samestory::normalize_options no;
    no.utf8 = samestory::utf8_policy::lenient;
    const samestory::normalizer norm(no);
    const samestory::chrome_stripper stripper;
    std::printf("%-12s %9s %11s %11s %9s %s\n", "page", "html B", "text chars", "body chars",
                "removed", "expected snippet");
    int found = 0, pages = 0;
    for (auto& rec : bench::read_jsonl_fields(jsonl.string())) {
      const auto html = bench::read_file(jsonl.parent_path() / rec["html_file"]);
      const auto page = samestory::html_to_text(html);
      const auto body = stripper.strip(page.text);
      const std::size_t text_chars = letters(norm, page.text);
      const std::size_t body_chars = letters(norm, body.text);
      const std::string want = norm.normalize(rec["expected_body_substring"]).to_utf8();
      // Compare without separators: the snippet may straddle a line break.
      auto squeeze = [](std::string s) {
        std::erase_if(s, [](char c) { return c == ' ' || c == '\n'; });
        return s;
      };
      const bool ok =
          squeeze(norm.normalize(body.text).to_utf8()).find(squeeze(want)) != std::string::npos;
      found += ok ? 1 : 0;
      ++pages;
      const auto name = std::filesystem::path(rec["html_file"]).stem().string();
      std::printf("%-12s %9zu %11zu %11zu %8.1f%% %s\n", name.c_str(), html.size(), text_chars,
                  body_chars,
                  text_chars ? 100.0 * static_cast<double>(text_chars - body_chars) /
                                   static_cast<double>(text_chars)
                             : 0.0,
                  ok ? "found" : "MISSING");
    }
    std::printf("expected snippets found in the body: %d of %d pages\n", found, pages);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "chrome_eval: %s\n", e.what());
    return 1;
  }
  return 0;
}
