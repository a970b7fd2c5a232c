// Corpora for the bench: the seed articles, a deterministic synthetic Chinese
// news corpus, and JSONL files such as the shared evaluation data.
#pragma once

#include <samestory/jsonl.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace bench {

struct corpus {
  std::string name;
  std::vector<std::string> docs;
  std::size_t bytes = 0;
  void add(std::string doc) {
    bytes += doc.size();
    docs.push_back(std::move(doc));
  }
};

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + p.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline corpus load_seeds(const std::string& dir) {
  corpus c{"seeds", {}, 0};
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ".txt") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) c.add(read_file(f));
  if (c.docs.empty()) throw std::runtime_error("no .txt seed articles in " + dir);
  return c;
}

// splitmix64: a tiny deterministic generator, so the corpus is the same everywhere.
struct rng {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  bool chance(double p) { return uniform() < p; }
  // Fisher-Yates with this generator, so an order depends on the seed only
  // (not on the standard library's std::shuffle).
  template <class T>
  void shuffle(std::vector<T>& v) {
    for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[below(i)]);
  }
};

inline void append_utf8(std::string& s, char32_t c) {
  if (c < 0x80) {
    s += static_cast<char>(c);
  } else if (c < 0x800) {
    s += static_cast<char>(0xC0 | (c >> 6));
    s += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    s += static_cast<char>(0xE0 | (c >> 12));
    s += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (c & 0x3F));
  }
}

// News-like Chinese pages: a headline, a dateline, paragraphs of clauses with
// Chinese punctuation, some digits and Latin words, then chrome (a related
// list of short headlines with dates). Characters follow a Zipf-like law over
// the unified ideographs so frequent characters repeat as in real text.
inline corpus synthetic_chinese(std::size_t megabytes, std::uint64_t seed,
                                std::size_t min_docs = 0) {
  corpus c{"synthetic", {}, 0};
  rng r{seed};
  std::vector<char32_t> chars;
  for (char32_t x = 0x4E00; x < 0x4E00 + 3500; ++x) chars.push_back(x);
  auto han = [&] {
    // Squaring a uniform draw skews towards the front: a cheap Zipf stand-in.
    const double u = static_cast<double>(r.next() >> 11) / 9007199254740992.0;
    return chars[static_cast<std::size_t>(u * u * static_cast<double>(chars.size()))];
  };
  static const char* latin[] = {"AI", "CEO", "GDP", "5G", "CNBC", "OpenAI", "GPU", "App"};
  static const char* clause_end[] = {"，", "，", "，", "。", "；", "、", "！", "？"};
  const std::size_t target = megabytes * 1000000;
  while (c.bytes < target || c.docs.size() < min_docs) {
    std::string doc;
    for (std::size_t i = 0, n = 12 + r.below(14); i < n; ++i) append_utf8(doc, han());
    doc += "\n2026-01-";
    doc += std::to_string(10 + r.below(18));
    doc += " 记者 ";
    for (int i = 0; i < 3; ++i) append_utf8(doc, han());
    doc += "\n";
    for (std::size_t p = 0, np = 4 + r.below(10); p < np; ++p) {
      for (std::size_t k = 0, nk = 3 + r.below(8); k < nk; ++k) {
        for (std::size_t i = 0, n = 6 + r.below(20); i < n; ++i) {
          if (r.below(60) == 0) {
            doc += latin[r.below(8)];
          } else if (r.below(80) == 0) {
            doc += std::to_string(r.below(3000));
          } else {
            append_utf8(doc, han());
          }
        }
        doc += clause_end[r.below(8)];
      }
      doc += "\n\n";
    }
    doc += "相关新闻\n";
    for (std::size_t l = 0, nl = 5 + r.below(15); l < nl; ++l) {
      for (std::size_t i = 0, n = 10 + r.below(12); i < n; ++i) append_utf8(doc, han());
      doc += "\n2026-01-0";
      doc += std::to_string(1 + r.below(9));
      doc += " 12:";
      doc += std::to_string(10 + r.below(50));
      doc += "\n";
    }
    c.add(std::move(doc));
  }
  return c;
}

// The top-level string, number, boolean and null fields of each JSONL line
// (numbers and literals kept as their JSON text), read with the library's
// JSONL reader. Lines that are not JSON objects are skipped.
inline std::vector<std::map<std::string, std::string>> read_jsonl_fields(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::vector<std::map<std::string, std::string>> records;
  samestory::jsonl_reader reader(in);
  samestory::json_value line;
  using kind = samestory::json_value::kind;
  while (reader.next(line)) {
    if (line.type() != kind::object) continue;
    std::map<std::string, std::string> fields;
    for (const auto& [key, value] : line.members()) {
      switch (value.type()) {
        case kind::string:
          fields[key] = value.as_string();
          break;
        case kind::number:
          fields[key] = value.number_text();
          break;
        case kind::boolean:
          fields[key] = value.as_bool() ? "true" : "false";
          break;
        case kind::null:
          fields[key] = "null";
          break;
        default:
          break;  // arrays and objects: no bench reads them
      }
    }
    if (!fields.empty()) records.push_back(std::move(fields));
  }
  return records;
}

// "title" and "text" of each line, joined by a newline.
inline corpus load_jsonl(const std::string& path) {
  corpus c{std::filesystem::path(path).filename().string(), {}, 0};
  for (auto& f : read_jsonl_fields(path)) {
    const std::string& title = f["title"];
    const std::string& text = f["text"];
    if (title.empty() && text.empty()) continue;
    c.add(title.empty() ? text : text.empty() ? title : title + "\n" + text);
  }
  if (c.docs.empty()) throw std::runtime_error("no documents with text or title in " + path);
  return c;
}

// |A ∩ B| / |A ∪ B| of two sorted, duplicate-free hash sets; 0 when both are empty.
inline double sorted_jaccard(const std::vector<std::uint64_t>& a,
                             const std::vector<std::uint64_t>& b) {
  std::size_t i = 0, j = 0, both = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] < b[j]) {
      ++i;
    } else if (b[j] < a[i]) {
      ++j;
    } else {
      ++both, ++i, ++j;
    }
  }
  const std::size_t u = a.size() + b.size() - both;
  return u ? static_cast<double>(both) / static_cast<double>(u) : 0.0;
}

}  // namespace bench
