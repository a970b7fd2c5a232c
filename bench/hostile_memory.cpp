// hostile_memory: peak memory of the text side and the clusterers on huge
// and hostile documents, per input byte (docs/reliability.md quotes it).
//
//   hostile_memory                       every input × stage at 200 MB
//   hostile_memory --mb 50               smaller inputs
//   hostile_memory --input cjk --stage process
//   hostile_memory --no-limits           raise max_document_bytes, max_shingles
//                                        and max_lines so nothing is refused
//   hostile_memory --max-document-mb 256 raise only the byte limit
//   hostile_memory --lenient             lenient UTF-8 (for --input binary)
//
// Each case runs in a child process of its own, so its peak RSS
// (getrusage ru_maxrss) is its own. The child first builds the input and the
// stage's objects, notes its RSS (the baseline: the input itself, ICU's
// tables), then runs the stage once; "extra/byte" is (peak − baseline) over
// the input's size: what the stage costs per input byte.
#include <samestory/samestory.hpp>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

namespace {

struct settings {
  std::size_t mb = 200;
  std::size_t line_chars = 10'000'000;
  bool no_limits = false, lenient = false;
  std::size_t max_document_bytes = 0;  // 0: the default
  std::vector<std::string> inputs{"latin",       "cjk",  "line_latin", "line_cjk", "newlines",
                                  "short_lines", "word", "binary",     "marks"};
  std::vector<std::string> stages{"shingles", "process", "minhash", "cluster", "online", "batch"};
};

// A small deterministic generator (splitmix64), so every run sees the same bytes.
struct rng {
  std::uint64_t s;
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
};

void append_utf8(std::string& s, char32_t c) {
  if (c < 0x80) {
    s.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    s.push_back(static_cast<char>(0xC0 | (c >> 6)));
    s.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    s.push_back(static_cast<char>(0xE0 | (c >> 12)));
    s.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    s.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

// English-like prose: words of 2..9 letters from a 5,000-word vocabulary,
// sentences of 8..24 words, paragraphs of 3..6 sentences.
void latin_text(std::string& s, std::size_t bytes, bool one_line, rng& r) {
  std::vector<std::string> vocabulary;
  for (int i = 0; i < 5000; ++i) {
    std::string w;
    const std::size_t len = 2 + r.below(8);
    for (std::size_t k = 0; k < len; ++k) w.push_back(static_cast<char>('a' + r.below(26)));
    vocabulary.push_back(w);
  }
  std::size_t sentence = 0;
  while (s.size() + 64 < bytes) {
    const std::size_t words = 8 + r.below(17);
    for (std::size_t w = 0; w < words; ++w) {
      std::string word = vocabulary[r.below(vocabulary.size())];
      if (w == 0) word[0] = static_cast<char>(word[0] - 'a' + 'A');
      s += word;
      s += w + 1 == words ? ". " : (r.below(8) == 0 ? ", " : " ");
    }
    if (!one_line && ++sentence % (3 + r.below(4)) == 0) s.back() = '\n';
  }
}

// Chinese-like prose: characters from the 3,000 after U+4E00, a comma every
// 5..14 characters, a full stop every 2..4 clauses, a paragraph every 3..6 sentences.
void cjk_text(std::string& s, std::size_t bytes, bool one_line, rng& r) {
  std::size_t sentence = 0;
  while (s.size() + 64 < bytes) {
    const std::size_t clauses = 2 + r.below(3);
    for (std::size_t c = 0; c < clauses; ++c) {
      const std::size_t chars = 5 + r.below(10);
      for (std::size_t k = 0; k < chars; ++k) {
        append_utf8(s, static_cast<char32_t>(0x4E00 + r.below(3000)));
      }
      append_utf8(s, c + 1 == clauses ? U'。' : U'，');
    }
    if (!one_line && ++sentence % (3 + r.below(4)) == 0) s.push_back('\n');
  }
}

std::string make_input(const std::string& kind, const settings& st) {
  const std::size_t bytes = st.mb << 20;
  rng r{42};
  std::string s;
  if (kind == "latin") {
    s.reserve(bytes);
    latin_text(s, bytes, false, r);
  } else if (kind == "cjk") {
    s.reserve(bytes);
    cjk_text(s, bytes, false, r);
  } else if (kind == "line_latin") {  // ~6 bytes per character of prose: bytes = characters
    s.reserve(st.line_chars + 64);
    latin_text(s, st.line_chars, true, r);
  } else if (kind == "line_cjk") {  // 3 bytes per character
    s.reserve(3 * st.line_chars + 64);
    cjk_text(s, 3 * st.line_chars, true, r);
  } else if (kind == "newlines") {
    s.assign(bytes, '\n');
  } else if (kind == "short_lines") {
    s.reserve(bytes);
    while (s.size() + 2 <= bytes) s += "a\n";
  } else if (kind == "word") {  // one line, one token: no space, no newline
    s.reserve(bytes);
    while (s.size() < bytes) s.push_back(static_cast<char>('a' + r.below(26)));
  } else if (kind == "binary") {
    s.reserve(bytes);
    while (s.size() < bytes) s.push_back(static_cast<char>(r.next() & 0xFF));
  } else if (kind == "marks") {  // a letter, then line_chars alternating combining marks
    s.reserve(2 * st.line_chars + 1);
    s = "a";
    for (std::size_t i = 0; i < st.line_chars; ++i) s += i % 2 != 0 ? "\xCC\x81" : "\xCC\x96";
  } else {
    std::fprintf(stderr, "unknown input %s\n", kind.c_str());
    std::exit(2);
  }
  return s;
}

std::size_t rss_kb() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE)) / 1024;
}

std::size_t peak_kb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<std::size_t>(u.ru_maxrss);
}

samestory::cluster_options cluster_settings(const settings& st) {
  samestory::cluster_options o;
  o.threads = 1;  // one thread's scratch: the figure is per document in flight
  if (st.lenient) o.pipeline.normalize.utf8 = samestory::utf8_policy::lenient;
  if (st.max_document_bytes > 0) o.pipeline.normalize.max_document_bytes = st.max_document_bytes;
  if (st.no_limits) {
    o.pipeline.normalize.max_document_bytes = 0xFFFFFFFEull;
    o.pipeline.shingle.max_shingles = std::numeric_limits<std::size_t>::max();
    o.pipeline.chrome.max_lines = std::numeric_limits<std::size_t>::max();
  }
  return o;
}

// Runs one stage on one input; prints one row. Runs in a child process.
void run_case(const std::string& input, const std::string& stage, const settings& st) {
  const samestory::cluster_options options = cluster_settings(st);
  const samestory::text_pipeline pipeline(options.pipeline);
  const samestory::minhasher hasher({}, pipeline.fingerprint());
  std::string doc = make_input(input, st);
  // Warm ICU's tables and the normalizer's code-point table before the baseline.
  std::vector<std::uint64_t> warm;
  pipeline.shingles("warm up", warm);
  const std::size_t base = rss_kb();
  const auto t0 = std::chrono::steady_clock::now();
  std::string outcome;
  try {
    if (stage == "shingles") {
      std::vector<std::uint64_t> out;
      pipeline.shingles(doc, out);
      outcome = std::to_string(out.size()) + " shingles";
    } else if (stage == "process") {
      samestory::processed_text out;
      pipeline.process(doc, out);
      outcome = std::to_string(out.shingles.size()) + " shingles";
    } else if (stage == "minhash") {
      std::vector<std::uint64_t> out;
      pipeline.shingles(doc, out);
      const samestory::minhash_signature sig = hasher.sign(out);
      outcome = std::to_string(sig.set_size()) + " distinct";
    } else if (stage == "cluster") {
      std::vector<samestory::document> docs(3);
      docs[0].id = 1, docs[0].text = doc;
      docs[1].id = 2, docs[1].text = "A short note.";
      docs[2].id = 3, docs[2].text = doc;
      const samestory::clustering c = samestory::cluster_documents(docs, options);
      outcome = std::to_string(c.stories.size()) + " stories";
    } else if (stage == "batch") {
      samestory::batch_clusterer batch(options);
      samestory::document d;
      d.id = 1, d.text = doc;
      batch.add(d);
      d.id = 2, d.text = "A short note.";
      batch.add(d);
      outcome = std::to_string(batch.finish().stories.size()) + " stories";
    } else if (stage == "online") {
      samestory::online_clusterer online(options);
      samestory::document d;
      d.id = 1, d.text = doc;
      online.add(d);
      d.id = 2;
      const samestory::assignment a = online.add(d);
      outcome = a.kind == samestory::copy_kind::exact ? "copy found" : "no copy";
    } else {
      std::fprintf(stderr, "unknown stage %s\n", stage.c_str());
      std::exit(2);
    }
  } catch (const samestory::error& e) {
    outcome = std::string("refused: ") + e.what();
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const std::size_t peak = peak_kb();
  const double extra = peak > base ? static_cast<double>(peak - base) * 1024.0 : 0.0;
  std::printf("%-11s %-8s %10zu %9.1f %9.1f %8.2f %7.2f  %s\n", input.c_str(), stage.c_str(),
              doc.size(), static_cast<double>(base) / 1024.0, static_cast<double>(peak) / 1024.0,
              extra / static_cast<double>(doc.size()), seconds, outcome.c_str());
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  settings st;
  std::vector<std::string> inputs, stages;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--mb" && has_value) {
      st.mb = std::strtoull(argv[++i], nullptr, 10);
    } else if (a == "--line-chars" && has_value) {
      st.line_chars = std::strtoull(argv[++i], nullptr, 10);
    } else if (a == "--input" && has_value) {
      inputs.emplace_back(argv[++i]);
    } else if (a == "--stage" && has_value) {
      stages.emplace_back(argv[++i]);
    } else if (a == "--no-limits") {
      st.no_limits = true;
    } else if (a == "--lenient") {
      st.lenient = true;
    } else if (a == "--max-document-mb" && has_value) {
      st.max_document_bytes = std::strtoull(argv[++i], nullptr, 10) << 20;
    } else {
      std::fprintf(stderr,
                   "usage: hostile_memory [--mb N] [--line-chars N] [--input KIND]... "
                   "[--stage STAGE]... [--no-limits] [--max-document-mb N] [--lenient]\n"
                   "  inputs: latin cjk line_latin line_cjk newlines short_lines word binary "
                   "marks\n"
                   "  stages: shingles process minhash cluster online batch\n");
      return 2;
    }
  }
  if (!inputs.empty()) st.inputs = inputs;
  if (!stages.empty()) st.stages = stages;
  std::printf("%-11s %-8s %10s %9s %9s %8s %7s  %s\n", "input", "stage", "bytes", "base MB",
              "peak MB", "extra/B", "seconds", "outcome");
  std::fflush(stdout);
  int failures = 0;
  for (const std::string& input : st.inputs) {
    for (const std::string& stage : st.stages) {
      const pid_t child = fork();
      if (child == 0) {
        run_case(input, stage, st);
        std::_Exit(0);
      }
      int status = 0;
      waitpid(child, &status, 0);
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::printf("%-11s %-8s  died (status %d)\n", input.c_str(), stage.c_str(), status);
        ++failures;
      }
    }
  }
  return failures == 0 ? 0 : 1;
}
