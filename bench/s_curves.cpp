// s_curves: the S-curve plots and the table of docs/tuning.md ("Threshold ↔
// bands × rows").
//
//   s_curves OUTPUT_DIR        (scripts/make-s-curves runs it on docs/images)
//
// For each setting it asks tune_lsh() for the bands × rows at threshold t and
// k hashes, samples P(s) = 1 - (1 - s^r)^b with lsh_tuning::s_curve(), and
// draws the curves as plain SVG text (axes, grid, ticks, legend; no plotting
// library, no scripts, no external fonts):
// - OUTPUT_DIR/s-curves-thresholds.svg: t = 0.3, 0.5, 0.8 at k = 128, each
//   threshold a dashed vertical line;
// - OUTPUT_DIR/s-curves-k.svg: t = 0.5 at k = 64, 128, 256 and 512. At 0.99
//   recall the tuner needs about 4.6 · 2^r bands of r rows, so k = 256 gets
//   the same 35 × 3 as k = 128 (drawn dashed on top of it) and the next,
//   steeper curve (72 × 4 = 288 hashes) needs k = 512.
// It prints one table row per setting: b × r, the hashes used, P(t), the
// false-positive and false-negative rates (lsh_tuning), and the LSH index's
// memory per document, lsh_index::memory_bytes() / N after inserting
// N = 100,000 signatures of random shingle sets, once after reserve(N)
// (tables at their 7/8 load limit) and once grown one insert at a time
// (tables between 58% and 88% full, so the figure depends on N).
// Deterministic: fixed seeds, no clock; the same build writes the same bytes.
#include <samestory/samestory.hpp>

#include <array>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace {

constexpr std::size_t memory_documents = 100'000;
constexpr std::size_t shingles_per_document = 64;
constexpr std::size_t curve_points = 201;  // s in steps of 0.005

// Okabe & Ito's colour-blind safe palette.
constexpr std::array<const char*, 4> colors = {"#0072B2", "#D55E00", "#009E73", "#CC79A7"};

// One plotted banding.
struct setting {
  double threshold;
  std::uint32_t num_hashes;
  samestory::lsh_tuning tuning;
  double bytes_reserved = 0.0;  // memory_bytes() / N after reserve(N)
  double bytes_grown = 0.0;     // memory_bytes() / N without reserve
};

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Heap bytes per document of an lsh_index holding memory_documents random
// signatures; memory does not depend on the values, only on k, b and N.
double bytes_per_document(samestory::lsh_parameters p, const samestory::minhasher& hasher,
                          const std::vector<samestory::minhash_signature>& signatures,
                          bool reserve) {
  samestory::lsh_index index(p, hasher);
  if (reserve) index.reserve(signatures.size());
  for (std::size_t i = 0; i < signatures.size(); ++i) index.insert(i, signatures[i]);
  return static_cast<double>(index.memory_bytes()) / static_cast<double>(signatures.size());
}

void measure_memory(setting& s) {
  const samestory::minhasher hasher({.num_hashes = s.num_hashes});
  std::vector<samestory::minhash_signature> signatures;
  signatures.reserve(memory_documents);
  std::uint64_t state = 42;
  std::vector<std::uint64_t> shingles(shingles_per_document);
  for (std::size_t i = 0; i < memory_documents; ++i) {
    for (auto& h : shingles) h = splitmix64(state);
    signatures.push_back(hasher.sign(shingles));
  }
  s.bytes_reserved = bytes_per_document(s.tuning.parameters, hasher, signatures, true);
  s.bytes_grown = bytes_per_document(s.tuning.parameters, hasher, signatures, false);
}

std::string formatted(const char* format, double a) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, a);
  return buf;
}

std::string banding(const samestory::lsh_tuning& t) {
  return std::to_string(t.parameters.bands) + " × " + std::to_string(t.parameters.rows);
}

// One curve of a plot and its two legend lines. A curve equal to an earlier
// one is drawn dashed on top of it, so both stay visible.
struct curve {
  const setting* s;
  std::string color;
  std::string legend;
  std::string detail;
  bool dashed = false;
};

// The plot area: s in [0, 1] to x in [left, left + width], P in [0, 1] to
// y in [top + height, top].
constexpr double svg_width = 880, svg_height = 500;
constexpr double left = 70, top = 50, width = 540, height = 380;

double px(double s) {
  return left + s * width;
}
double py(double p) {
  return top + (1.0 - p) * height;
}

void write_svg(const std::filesystem::path& path, const std::string& title,
               const std::vector<curve>& curves, const std::vector<double>& thresholds) {
  std::string o;
  const auto add = [&o](const std::string& line) { o += line + "\n"; };
  const auto num = [](double v) { return formatted("%.2f", v); };
  const auto dash = [](const curve& c) {
    return c.dashed ? std::string(" stroke-dasharray=\"9 6\"") : std::string();
  };

  add("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
  add("<!-- Written by bench/s_curves.cpp (scripts/make-s-curves); do not edit. -->");
  add("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(svg_width) + "\" height=\"" +
      num(svg_height) + "\" viewBox=\"0 0 " + num(svg_width) + " " + num(svg_height) +
      "\" font-family=\"sans-serif\" font-size=\"13\">");
  add("<title>" + title + "</title>");
  add("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>");
  add("<text x=\"" + num(left + width / 2) +
      "\" y=\"28\" text-anchor=\"middle\" font-size=\"16\">" + title + "</text>");

  // Grid and tick labels every 0.1 on both axes.
  add("<g stroke=\"#e0e0e0\" stroke-width=\"1\">");
  for (int i = 1; i < 10; ++i) {
    const double v = i / 10.0;
    add("<line x1=\"" + num(px(v)) + "\" y1=\"" + num(py(0)) + "\" x2=\"" + num(px(v)) +
        "\" y2=\"" + num(py(1)) + "\"/>");
    add("<line x1=\"" + num(px(0)) + "\" y1=\"" + num(py(v)) + "\" x2=\"" + num(px(1)) +
        "\" y2=\"" + num(py(v)) + "\"/>");
  }
  add("</g>");
  add("<rect x=\"" + num(left) + "\" y=\"" + num(top) + "\" width=\"" + num(width) +
      "\" height=\"" + num(height) + "\" fill=\"none\" stroke=\"#333333\" stroke-width=\"1\"/>");
  add("<g fill=\"#333333\">");
  for (int i = 0; i <= 10; ++i) {
    const double v = i / 10.0;
    const std::string label = i == 0 ? "0" : i == 10 ? "1" : formatted("%.1f", v);
    add("<line x1=\"" + num(px(v)) + "\" y1=\"" + num(py(0)) + "\" x2=\"" + num(px(v)) +
        "\" y2=\"" + num(py(0) + 5) + "\" stroke=\"#333333\"/>");
    add("<text x=\"" + num(px(v)) + "\" y=\"" + num(py(0) + 19) + "\" text-anchor=\"middle\">" +
        label + "</text>");
    add("<line x1=\"" + num(px(0) - 5) + "\" y1=\"" + num(py(v)) + "\" x2=\"" + num(px(0)) +
        "\" y2=\"" + num(py(v)) + "\" stroke=\"#333333\"/>");
    add("<text x=\"" + num(px(0) - 8) + "\" y=\"" + num(py(v) + 4) + "\" text-anchor=\"end\">" +
        label + "</text>");
  }
  add("</g>");
  add("<text x=\"" + num(left + width / 2) + "\" y=\"" + num(top + height + 42) +
      "\" text-anchor=\"middle\">Jaccard similarity s of a pair</text>");
  add("<text transform=\"translate(22 " + num(top + height / 2) +
      ") rotate(-90)\" text-anchor=\"middle\">P(candidate) = 1 − (1 − s<tspan dy=\"-6\" "
      "font-size=\"10\">r</tspan><tspan dy=\"6\">)</tspan><tspan dy=\"-6\" "
      "font-size=\"10\">b</tspan></text>");

  // Thresholds: dashed vertical lines, labelled at the top.
  for (std::size_t i = 0; i < thresholds.size(); ++i) {
    const double t = thresholds[i];
    const std::string color = thresholds.size() == 1 ? "#555555" : curves[i].color;
    add("<line x1=\"" + num(px(t)) + "\" y1=\"" + num(py(0)) + "\" x2=\"" + num(px(t)) +
        "\" y2=\"" + num(py(1)) + "\" stroke=\"" + color +
        "\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>");
    add("<text x=\"" + num(px(t)) + "\" y=\"" + num(top - 6) + "\" text-anchor=\"middle\" fill=\"" +
        color + "\">t = " + formatted("%.1f", t) + "</text>");
  }

  // The curves, and a dot at (t, P(t)).
  for (const curve& c : curves) {
    std::string points;
    for (const auto& [s, p] : c.s->tuning.s_curve(curve_points)) {
      if (!points.empty()) points += ' ';
      points += num(px(s)) + "," + num(py(p));
    }
    add("<polyline fill=\"none\" stroke=\"" + c.color + "\" stroke-width=\"2.5\"" + dash(c) +
        " points=\"" + points + "\"/>");
    const double t = c.s->tuning.threshold;
    add("<circle cx=\"" + num(px(t)) + "\" cy=\"" + num(py(c.s->tuning.recall_at_threshold)) +
        "\" r=\"4\" fill=\"" + c.color + "\"/>");
  }

  // Legend, right of the plot.
  const double lx = left + width + 25;
  double ly = top + 10;
  for (const curve& c : curves) {
    add("<line x1=\"" + num(lx) + "\" y1=\"" + num(ly) + "\" x2=\"" + num(lx + 28) + "\" y2=\"" +
        num(ly) + "\" stroke=\"" + c.color + "\" stroke-width=\"2.5\"" + dash(c) + "/>");
    add("<text x=\"" + num(lx + 36) + "\" y=\"" + num(ly + 4) + "\">" + c.legend + "</text>");
    add("<text x=\"" + num(lx + 36) + "\" y=\"" + num(ly + 22) +
        "\" fill=\"#555555\" font-size=\"12\">" + c.detail + "</text>");
    ly += 52;
  }
  add("<text x=\"" + num(lx) + "\" y=\"" + num(ly + 4) +
      "\" fill=\"#555555\" font-size=\"12\">dot: P(t), the recall at t</text>");
  add("<text x=\"" + num(lx) + "\" y=\"" + num(ly + 22) +
      "\" fill=\"#555555\" font-size=\"12\">tune_lsh(), min_recall 0.99</text>");
  add("</svg>");

  std::ofstream out(path, std::ios::binary);
  out << o;
  out.close();
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

}  // namespace

int main(int argc, char** argv) try {
  if (argc != 2) {
    std::fprintf(stderr, "usage: s_curves OUTPUT_DIR\n");
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);

  // The settings of both plots; (0.5, 128) appears in each.
  std::vector<setting> settings;
  for (const auto& [t, k] : std::vector<std::pair<double, std::uint32_t>>{
           {0.3, 128}, {0.5, 128}, {0.8, 128}, {0.5, 64}, {0.5, 256}, {0.5, 512}}) {
    setting s{t, k, samestory::tune_lsh({.threshold = t, .num_hashes = k}), 0.0, 0.0};
    measure_memory(s);
    settings.push_back(s);
  }
  const auto find = [&settings](double t, std::uint32_t k) -> const setting& {
    for (const setting& s : settings) {
      if (s.threshold == t && s.num_hashes == k) return s;
    }
    throw std::logic_error("no such setting");
  };

  const auto detail = [](const setting& s) {
    const auto& t = s.tuning;
    return "P(t) = " + formatted("%.3f", t.recall_at_threshold) + ", " +
           std::to_string(t.num_hashes - t.unused_hashes) + " of " + std::to_string(t.num_hashes) +
           " hashes";
  };

  std::vector<curve> by_threshold;
  for (const double t : {0.3, 0.5, 0.8}) {
    const setting& s = find(t, 128);
    by_threshold.push_back({&s, colors[by_threshold.size()],
                            "t = " + formatted("%.1f", t) + ": " + banding(s.tuning), detail(s)});
  }
  write_svg(dir / "s-curves-thresholds.svg", "Bands × rows chosen for three thresholds, k = 128",
            by_threshold, {0.3, 0.5, 0.8});

  std::vector<curve> by_k;
  for (const std::uint32_t k : {64u, 128u, 256u, 512u}) {
    const setting& s = find(0.5, k);
    bool repeated = false;
    for (const curve& c : by_k) repeated |= c.s->tuning.parameters == s.tuning.parameters;
    by_k.push_back({&s, colors[by_k.size()],
                    "k = " + std::to_string(k) + ": " + banding(s.tuning) + " (t = 0.5)", detail(s),
                    repeated});
  }
  write_svg(dir / "s-curves-k.svg", "Threshold 0.5 at k = 64, 128, 256 and 512", by_k, {0.5});

  std::printf("Written: %s, %s\n\n", (dir / "s-curves-thresholds.svg").string().c_str(),
              (dir / "s-curves-k.svg").string().c_str());
  std::printf(
      "| t | k | b × r | hashes used | P(t) | false-positive rate | false-negative rate "
      "| bytes/doc, reserved | bytes/doc, grown |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|\n");
  for (const setting& s : settings) {
    const auto& t = s.tuning;
    std::printf("| %.1f | %u | %s | %u | %.3f | %.2f | %.4f | %.0f | %.0f |\n", s.threshold,
                s.num_hashes, banding(t).c_str(), t.num_hashes - t.unused_hashes,
                t.recall_at_threshold, t.false_positive_rate, t.false_negative_rate,
                s.bytes_reserved, s.bytes_grown);
  }
  std::printf(
      "\nbytes/doc: lsh_index::memory_bytes() / %zu after inserting %zu signatures of random "
      "%zu-shingle sets; reserved = after reserve(%zu), grown = without.\n",
      memory_documents, memory_documents, shingles_per_document, memory_documents);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "s_curves: %s\n", e.what());
  return 1;
}
