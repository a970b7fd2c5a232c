// Corpora for the bench: the seed articles, a deterministic synthetic Chinese
// news corpus, and JSONL files such as the shared evaluation data.
#pragma once

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

// Decodes one JSON string starting at the opening quote s[i]; advances i past it.
inline std::string json_string(const std::string& s, std::size_t& i) {
  std::string out;
  auto hex4 = [&](std::size_t at) -> unsigned {
    if (at + 4 > s.size()) throw std::runtime_error("truncated \\u escape");
    return static_cast<unsigned>(std::stoul(s.substr(at, 4), nullptr, 16));
  };
  for (++i; i < s.size(); ++i) {
    const char ch = s[i];
    if (ch == '"') {
      ++i;
      return out;
    }
    if (ch != '\\') {
      out += ch;
      continue;
    }
    if (++i >= s.size()) break;
    switch (s[i]) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'u': {
        char32_t cp = hex4(i + 1);
        i += 4;
        if (cp >= 0xD800 && cp < 0xDC00 && i + 6 < s.size() && s[i + 1] == '\\' &&
            s[i + 2] == 'u') {
          const char32_t lo = hex4(i + 3);
          if (lo >= 0xDC00 && lo < 0xE000) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            i += 6;
          }
        }
        if (cp < 0x10000) {
          append_utf8(out, cp);
        } else {
          out += static_cast<char>(0xF0 | (cp >> 18));
          out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
          out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
          out += static_cast<char>(0x80 | (cp & 0x3F));
        }
        break;
      }
      default:
        out += s[i];
    }
  }
  throw std::runtime_error("unterminated JSON string");
}

// The top-level string and number fields of each JSONL line (numbers kept as
// their text). A bench reader, not a validating parser: the library's own
// JSONL reader arrives with the command line.
inline std::vector<std::map<std::string, std::string>> read_jsonl_fields(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::vector<std::map<std::string, std::string>> records;
  for (std::string line; std::getline(in, line);) {
    std::map<std::string, std::string> fields;
    int depth = 0;
    for (std::size_t i = 0; i < line.size();) {
      const char ch = line[i];
      if (ch == '{' || ch == '[') {
        ++depth, ++i;
      } else if (ch == '}' || ch == ']') {
        --depth, ++i;
      } else if (ch == '"') {
        std::string key = json_string(line, i);
        std::size_t j = i;
        while (j < line.size() && line[j] == ' ') ++j;
        if (depth != 1 || j == line.size() || line[j] != ':') continue;  // a value, not a key
        ++j;
        while (j < line.size() && line[j] == ' ') ++j;
        i = j;
        if (i < line.size() && line[i] == '"') {
          fields[key] = json_string(line, i);
        } else {
          const std::size_t b = i;
          while (i < line.size() && line[i] != ',' && line[i] != '}') ++i;
          fields[key] = line.substr(b, i - b);
        }
      } else {
        ++i;
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
