// samestory bench: the text pipeline and signature rates of the installed
// binary, without Google Benchmark or the bench/ harness (bench/samestory_bench
// has the full set of rows; this is the subset a user can run anywhere).
//
// The synthetic corpus is generated here rather than taken from
// bench/corpus.hpp, so that the installed command does not depend on a
// directory that is neither installed nor stable; it follows the same idea
// (Zipf-skewed characters, news-page structure with chrome) and adds
// English-like pages.
#include "cli.hpp"
#include "documents.hpp"

#include <samestory/chrome.hpp>
#include <samestory/error.hpp>
#include <samestory/jsonl.hpp>
#include <samestory/minhash.hpp>
#include <samestory/normalize.hpp>
#include <samestory/shingle.hpp>
#include <samestory/simhash.hpp>
#include <samestory/text_pipeline.hpp>
#include <samestory/version.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace samestory::cli {

namespace {

const char* const bench_help =
    "usage: samestory bench [options]\n"
    "\n"
    "Measures, on one core, the text pipeline and the signatures as this binary\n"
    "computes them, on a deterministic synthetic corpus (Chinese and English news\n"
    "pages with menus and related lists) or on your documents. Each row is the\n"
    "best of --reps timed passes over the whole corpus, rows interleaved:\n"
    "\n"
    "  text-pipeline    UTF-8 check, chrome removal, normalization, shingling\n"
    "  floor            cutting the normalized text into shingles and hashing\n"
    "                   each with XXH3: what every signature needs first\n"
    "  minhash-one-permutation, minhash-classic, simhash\n"
    "                   the floor plus signing (k values; SimHash 64 bits)\n"
    "\n"
    "Columns: MB/s and documents/s of raw input text, ns per shingle position,\n"
    "and time relative to the floor (1.30x: signing adds 30% to cutting and\n"
    "hashing). Before timing, the shingles cut for the floor are checked to be\n"
    "those the pipeline makes.\n"
    "\n"
    "  --mb N        synthetic corpus size in MB (default 8)\n"
    "  --jsonl FILE  measure on FILE instead (read as by 'samestory cluster': a\n"
    "                JSONL file of id and text, '-', or a directory)\n"
    "  --reps N      timed passes per row, best kept (default 3)\n"
    "  --k N         MinHash values per signature, 1..4096 (default 128)\n"
    "  --json        one JSON object per row: {\"name\", \"corpus\", \"documents\",\n"
    "                \"mb\", \"k\", \"reps\", \"mb_per_s\", \"docs_per_s\",\n"
    "                \"ns_per_shingle\", \"ratio_to_floor\"}\n"
    "\n"
    "Exit status: 0 done, 1 unreadable or empty input, 2 bad command line.\n"
    "\n"
    "examples:\n"
    "  samestory bench\n"
    "  samestory bench --mb 32 --reps 5 --k 256\n"
    "  samestory bench --jsonl news.jsonl --json > rates.jsonl\n";

struct settings {
  double mb = 8;
  std::string jsonl;
  int reps = 3;
  std::uint32_t k = 128;
  bool json = false;
};

double parse_number(std::string_view flag, const std::string& s, double lo, double hi) {
  double v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || r.ec != std::errc{} || r.ptr != s.data() + s.size() || !(v >= lo && v <= hi)) {
    throw usage_error{std::string(flag) + " '" + s + "' must be a number in " +
                      std::to_string(static_cast<long long>(lo)) + ".." +
                      std::to_string(static_cast<long long>(hi))};
  }
  return v;
}

settings parse(const std::vector<std::string>& args, bool& help) {
  settings s;
  for (argument_cursor arg{args}; !arg.done(); ++arg.i) {
    const std::string& a = arg.flag();
    if (a == "--help" || a == "-h") {
      help = true;
      return s;
    } else if (a == "--mb") {
      s.mb = parse_number("--mb", arg.value(), 0, 100000);
      if (s.mb <= 0) throw usage_error{"--mb must be more than 0"};
    } else if (a == "--jsonl") {
      s.jsonl = arg.value();
    } else if (a == "--reps") {
      const std::string& v = arg.value();
      const double r = parse_number("--reps", v, 1, 1000);
      if (r != static_cast<int>(r)) throw usage_error{"--reps '" + v + "' must be a whole number"};
      s.reps = static_cast<int>(r);
    } else if (a == "--k") {
      const std::string& v = arg.value();
      const double k = parse_number("--k", v, 1, 4096);
      if (k != static_cast<std::uint32_t>(k)) {
        throw usage_error{"--k '" + v + "' must be a whole number"};
      }
      s.k = static_cast<std::uint32_t>(k);
    } else if (a == "--json") {
      s.json = true;
    } else {
      throw usage_error{"unknown option " + a};
    }
  }
  return s;
}

// ---- the synthetic corpus ------------------------------------------------------

// splitmix64: the same corpus on every machine and standard library.
struct rng {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
  // Squaring a uniform draw skews towards the front: a cheap Zipf stand-in,
  // so frequent characters and words repeat as in real text.
  std::size_t skewed(std::size_t n) {
    const double u = static_cast<double>(next() >> 11) * 0x1.0p-53;
    return static_cast<std::size_t>(u * u * static_cast<double>(n));
  }
};

void append_utf8(std::string& s, char32_t c) {  // BMP only, which is all we generate
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

struct corpus {
  std::string name;
  std::vector<std::string> docs;
  std::size_t bytes = 0;
  void add(std::string doc) {
    bytes += doc.size();
    docs.push_back(std::move(doc));
  }
};

// A Chinese news page: headline, dateline, paragraphs of clauses over the
// 3,500 most common-looking ideographs with a few Latin words and numbers,
// then a related list of short headlines with timestamps (chrome).
std::string chinese_page(rng& r) {
  auto han = [&](std::string& s) {
    append_utf8(s, static_cast<char32_t>(0x4E00 + r.skewed(3500)));
  };
  static const char* const latin[] = {"AI", "CEO", "GDP", "5G", "OpenAI", "GPU", "App", "NBA"};
  static const char* const clause_end[] = {"，", "，", "，", "。", "；", "、", "！", "？"};
  std::string doc = "首页 | 新闻 | 财经 | 科技 | 体育\n";
  for (std::size_t i = 0, n = 12 + r.below(14); i < n; ++i) han(doc);
  doc += "\n2026-01-" + std::to_string(10 + r.below(18)) + " 记者 ";
  for (int i = 0; i < 3; ++i) han(doc);
  doc += '\n';
  for (std::size_t p = 0, np = 4 + r.below(10); p < np; ++p) {
    for (std::size_t c = 0, nc = 3 + r.below(8); c < nc; ++c) {
      for (std::size_t i = 0, n = 6 + r.below(20); i < n; ++i) {
        if (r.below(60) == 0) {
          doc += latin[r.below(8)];
        } else if (r.below(80) == 0) {
          doc += std::to_string(r.below(3000));
        } else {
          han(doc);
        }
      }
      doc += clause_end[r.below(8)];
    }
    doc += "\n\n";
  }
  doc += "分享到：微信 微博 QQ空间\n相关新闻\n";
  for (std::size_t l = 0, nl = 5 + r.below(15); l < nl; ++l) {
    for (std::size_t i = 0, n = 10 + r.below(12); i < n; ++i) han(doc);
    doc += "\n2026-01-0" + std::to_string(1 + r.below(9)) +
           " 12:" + std::to_string(10 + r.below(50)) + '\n';
  }
  return doc;
}

// An English news page from a made-up vocabulary of consonant-vowel words:
// the same structure, word 3-grams instead of character 3-grams.
std::string english_page(rng& r, const std::vector<std::string>& words) {
  auto sentence = [&](std::string& s, std::size_t n, bool stop) {
    for (std::size_t i = 0; i < n; ++i) {
      std::string w = words[r.skewed(words.size())];
      if (i == 0) w[0] = static_cast<char>(w[0] - 'a' + 'A');
      if (i > 0) s += (r.below(9) == 0) ? ", " : " ";
      s += w;
    }
    if (stop) s += r.below(12) == 0 ? "?" : ".";
  };
  std::string doc = "Home | World | Business | Tech | Sport\n";
  sentence(doc, 6 + r.below(8), false);
  doc += "\nBy ";
  sentence(doc, 2, false);
  doc += ", Jan " + std::to_string(10 + r.below(18)) + ", 2026\n";
  for (std::size_t p = 0, np = 3 + r.below(8); p < np; ++p) {
    for (std::size_t k = 0, nk = 2 + r.below(6); k < nk; ++k) {
      if (k > 0) doc += ' ';
      sentence(doc, 8 + r.below(22), true);
    }
    doc += "\n\n";
  }
  doc += "Share: Facebook Twitter Email\nRelated stories\n";
  for (std::size_t l = 0, nl = 5 + r.below(10); l < nl; ++l) {
    sentence(doc, 5 + r.below(6), false);
    doc += "\nJan 0" + std::to_string(1 + r.below(9)) + ", 2026\n";
  }
  return doc;
}

corpus synthetic(double megabytes) {
  corpus c{"synthetic", {}, 0};
  rng r{20260101};
  std::vector<std::string> words;
  static const char consonants[] = "bcdfghklmnprstvwz";
  static const char vowels[] = "aeiou";
  for (int i = 0; i < 4000; ++i) {
    std::string w;
    for (std::size_t s = 0, n = 1 + r.below(3); s < n; ++s) {
      w += consonants[r.below(sizeof consonants - 1)];
      w += vowels[r.below(sizeof vowels - 1)];
    }
    if (r.below(3) == 0) w += consonants[r.below(sizeof consonants - 1)];
    words.push_back(std::move(w));
  }
  const auto target = static_cast<std::size_t>(megabytes * 1e6);
  // Two Chinese pages for each English one, as in a Chinese-first crawl.
  while (c.bytes < target) c.add(c.docs.size() % 3 == 2 ? english_page(r, words) : chinese_page(r));
  return c;
}

corpus from_documents(const std::string& path) {
  corpus c{path == "-" ? "stdin" : path, {}, 0};
  document_reader in(path, /*skip_bad=*/false, /*spool_stdin=*/false);
  input_document d;
  while (in.next(d)) c.add(std::move(d.text));
  if (c.bytes == 0) throw error(error_code::invalid_argument, in.name() + ": no document has text");
  return c;
}

// ---- measuring -------------------------------------------------------------------

struct row {
  const char* name;
  std::uint32_t k;  // 0: not a signature
  std::function<std::uint64_t()> run;
  double best = 1e300;  // seconds
};

const char* cpu_name() {
  static std::string name;
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const std::size_t colon = line.find(':');
      name = colon == std::string::npos ? line : line.substr(colon + 2);
      break;
    }
  }
  if (name.empty()) name = "unknown CPU";
  return name.c_str();
}

}  // namespace

int bench_command(const std::vector<std::string>& args) {
  bool help = false;
  const settings s = parse(args, help);
  if (help) {
    std::fputs(bench_help, stdout);
    return exit_ok;
  }
  const corpus c = s.jsonl.empty() ? synthetic(s.mb) : from_documents(s.jsonl);

  // What the signature rows start from: the normalized body of each document,
  // made once outside every timing, as the pipeline makes it.
  const text_pipeline pipeline;
  const shingler& cutter = pipeline.text_shingler();
  normalize_options no = pipeline.options().normalize;
  no.keep_offsets = false;
  const normalizer norm(no);
  std::vector<normalized_text> texts(c.docs.size());
  std::size_t positions = 0;
  {
    chrome_result body;
    std::vector<std::uint64_t> mine, theirs;
    for (std::size_t i = 0; i < c.docs.size(); ++i) {
      pipeline.stripper().strip(c.docs[i], body);
      norm.normalize(body.text, texts[i]);
      cutter.hash(texts[i], mine);
      try {
        pipeline.shingles(c.docs[i], theirs);
      } catch (const error& e) {
        throw error(e.code(), c.name + ": document " + std::to_string(i + 1) + ": " + e.what());
      }
      // Verify, then time: the floor and signature rows must hash the very
      // shingles the pipeline produces.
      if (mine != theirs) {
        throw error(error_code::invalid_argument,
                    "document " + std::to_string(i + 1) +
                        ": the shingles cut for the floor differ from the pipeline's; "
                        "refusing to time them");
      }
      positions += mine.size();
    }
  }

  std::vector<std::uint64_t> h;
  std::vector<std::uint32_t> values(s.k);
  minhash_options one;
  one.num_hashes = s.k;
  one.scheme = minhash_scheme::one_permutation;
  const minhasher one_permutation(one, pipeline.fingerprint());
  minhash_options classic_options = one;
  classic_options.scheme = minhash_scheme::classic;
  const minhasher classic(classic_options, pipeline.fingerprint());
  const simhasher sim({}, pipeline.fingerprint());

  // Each returns something derived from every document, so that no pass can
  // be optimized away.
  auto sign_all = [&](const minhasher& m) {
    std::uint64_t acc = 0;
    for (const auto& t : texts) {
      cutter.hash(t, h);
      m.sign_into(h, values);
      acc += values[0];
    }
    return acc;
  };
  std::vector<row> rows = {
      {"text-pipeline", 0,
       [&] {
         std::uint64_t acc = 0;
         for (const auto& d : c.docs) {
           pipeline.shingles(d, h);
           acc += h.size();
         }
         return acc;
       }},
      {"floor", 0,
       [&] {
         std::uint64_t acc = 0;
         for (const auto& t : texts) {
           cutter.hash(t, h);
           acc += h.empty() ? 0 : h[0];
         }
         return acc;
       }},
      {"minhash-one-permutation", s.k, [&] { return sign_all(one_permutation); }},
      {"minhash-classic", s.k, [&] { return sign_all(classic); }},
      {"simhash", 64,
       [&] {
         std::uint64_t acc = 0;
         for (const auto& t : texts) {
           cutter.hash(t, h);
           acc += sim.hash(std::span<const std::uint64_t>(h));
         }
         return acc;
       }},
  };
  std::uint64_t sink = 0;
  using clock_type = std::chrono::steady_clock;
  for (int rep = 0; rep < s.reps; ++rep) {
    for (row& r : rows) {
      const auto t0 = clock_type::now();
      sink += r.run();
      const double t = std::chrono::duration<double>(clock_type::now() - t0).count();
      r.best = std::min(r.best, std::max(t, 1e-9));
    }
  }

  const double mb = static_cast<double>(c.bytes) / 1e6;
  const double docs = static_cast<double>(c.docs.size());
  const double floor_t = rows[1].best;
  if (!s.json) {
    std::printf("samestory %s bench: %s corpus, %zu documents, %.2f MB, %zu shingle positions\n",
                version_string, c.name.c_str(), c.docs.size(), mb, positions);
#ifdef NDEBUG
    const char* const build = "";
#else
    const char* const build = ", assertions on (not a release build)";
#endif
    std::printf("%s, one thread, best of %d%s\n\n", cpu_name(), s.reps, build);
    std::printf("  %-24s %5s %10s %12s %11s %8s\n", "row", "k", "MB/s", "docs/s", "ns/shingle",
                "x floor");
  }
  std::string line;
  for (const row& r : rows) {
    const double ns = positions > 0 ? r.best * 1e9 / static_cast<double>(positions) : 0.0;
    if (s.json) {
      line = "{\"name\": \"";
      line += r.name;
      line += "\", \"corpus\": ";
      append_json_string(line, c.name);
      char buf[320];
      std::snprintf(buf, sizeof buf,
                    ", \"documents\": %zu, \"mb\": %.3f, \"k\": %u, \"reps\": %d, \"mb_per_s\": "
                    "%.1f, \"docs_per_s\": %.1f, \"ns_per_shingle\": %.3f, \"ratio_to_floor\": "
                    "%.3f}\n",
                    c.docs.size(), mb, r.k, s.reps, mb / r.best, docs / r.best, ns,
                    r.best / floor_t);
      line += buf;
      std::fputs(line.c_str(), stdout);
    } else {
      const std::string k = r.k > 0 ? std::to_string(r.k) : "-";
      std::printf("  %-24s %5s %10.1f %12.0f %11.2f %7.2fx\n", r.name, k.c_str(), mb / r.best,
                  docs / r.best, ns, r.best / floor_t);
    }
  }
  if (sink == 42) std::fputs(" ", stdout);  // keeps the work observable
  return exit_ok;
}

}  // namespace samestory::cli
