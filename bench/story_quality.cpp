// story_quality: how well do samestory's stories match human (or aggregator)
// labels, next to a plain TF-IDF baseline given every advantage?
//
//   story_quality --ecb ecbplus.jsonl --uci uci_news_aggregator_head.jsonl [--json]
//   story_quality --labelled FILE.jsonl   (any set with "cluster" labels: batch and online)
//
// - ECB+ (batch): cluster_documents with default options, then a sweep of
//   story_threshold; against TF-IDF cosine (Salton & Buckley 1988) with
//   complete, average and single linkage agglomeration.
// - UCI headlines (online, in file order): online_clusterer with default
//   options, then a sweep of online_story_threshold = headline_story_threshold;
//   against TF-IDF online centroid assignment.
// The baseline rows show the best threshold of a sweep scored on the gold
// labels themselves (oracle tuning), and its IDF is computed over the whole
// set in advance; both favour the baseline. Scores are those of evaluate.hpp
// (pairwise, BCubed, ARI). Wall times are of one run at the shown threshold.
#include <samestory/evaluate.hpp>
#include <samestory/jsonl.hpp>
#include <samestory/samestory.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tfidf_baseline.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

struct data_set {
  std::string name;
  std::vector<samestory::document_record> records;
  samestory::ordered_labels gold;  // file order, as score.py sums
  std::vector<std::string> texts;  // title + text, for the baseline
};

data_set load(const std::string& name, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  data_set d;
  d.name = name;
  samestory::jsonl_reader reader(in);
  samestory::json_value v;
  while (reader.next(v)) {
    auto r = samestory::to_document_record(v, reader.line());
    const samestory::json_value* c = v.find("cluster");
    std::optional<std::string> label;
    if (c != nullptr && !c->is_null()) label = c->to_label();
    d.gold.emplace_back(r.id, std::move(label));
    d.texts.push_back(r.title + " " + r.text);
    d.records.push_back(std::move(r));
  }
  if (d.records.empty()) throw std::runtime_error("no documents in " + path);
  return d;
}

// Ids are positions + 1: the records' own ids are strings.
std::vector<samestory::document> as_documents(const data_set& d) {
  std::vector<samestory::document> docs;
  docs.reserve(d.records.size());
  for (std::size_t i = 0; i < d.records.size(); ++i) {
    const auto& r = d.records[i];
    docs.push_back(
        {.id = i + 1, .text = r.text, .title = r.title, .time = r.time, .source = r.source});
  }
  return docs;
}

template <class Label>
samestory::clustering_scores score(const data_set& d, const std::vector<Label>& labels) {
  samestory::label_map pred;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    pred[d.records[i].id] = std::to_string(labels[i]);
  }
  return samestory::score_clustering(d.gold, pred);
}

struct result {
  std::string name;
  std::optional<double> threshold;  // nullopt = defaults
  samestory::clustering_scores s;
  double seconds = 0;
};

// Runs `run(threshold)` for every threshold and keeps the best BCubed F1
// (the earlier threshold on a tie).
result best_of(const std::string& name, const std::vector<double>& thresholds,
               const std::function<result(double)>& run, std::vector<result>* all = nullptr) {
  result best;
  bool have = false;
  for (const double t : thresholds) {
    result r = run(t);
    if (all != nullptr) all->push_back(r);
    if (!have || r.s.bcubed_f1 > best.s.bcubed_f1) best = r, have = true;
  }
  best.name = name;
  return best;
}

std::vector<double> steps(int from, int to, int step) {  // in hundredths, inclusive
  std::vector<double> v;
  for (int i = from; i <= to; i += step) v.push_back(i / 100.0);
  return v;
}

void print_header(const data_set& d, const samestory::clustering_scores& any, const char* mode) {
  std::printf("\n%s: %zu documents scored, %zu gold clusters (%s)\n", d.name.c_str(), any.n,
              any.gold_clusters, mode);
  std::printf("  %-36s %5s %5s %6s %6s %6s %6s %6s %6s %6s %6s %8s\n", "", "thr", "n", "pred",
              "pairP", "pairR", "pairF1", "B3 P", "B3 R", "B3 F1", "ARI", "wall s");
}

void print_row(const result& r) {
  char thr[16] = "-";
  if (r.threshold) std::snprintf(thr, sizeof thr, "%.2f", *r.threshold);
  std::printf("  %-36s %5s %5zu %6zu %6.4f %6.4f %6.4f %6.4f %6.4f %6.4f %6.4f %8.3f\n",
              r.name.c_str(), thr, r.s.n, r.s.pred_clusters, r.s.pair_p, r.s.pair_r, r.s.pair_f1,
              r.s.bcubed_p, r.s.bcubed_r, r.s.bcubed_f1, r.s.ari, r.seconds);
}

void print_json(const result& r, const std::string& data) {
  std::string out = "{\"name\": ";
  samestory::append_json_string(out, r.name);
  out += ", \"data\": ";
  samestory::append_json_string(out, data);
  char buf[512];
  if (r.threshold) {
    std::snprintf(buf, sizeof buf, ", \"threshold\": %.2f", *r.threshold);
    out += buf;
  }
  std::snprintf(buf, sizeof buf,
                ", \"n\": %zu, \"gold_clusters\": %zu, \"pred_clusters\": %zu, \"pair_p\": %.4f, "
                "\"pair_r\": %.4f, \"pair_f1\": %.4f, \"bcubed_p\": %.4f, \"bcubed_r\": %.4f, "
                "\"bcubed_f1\": %.4f, \"ari\": %.4f, \"wall_s\": %.3f}",
                r.s.n, r.s.gold_clusters, r.s.pred_clusters, r.s.pair_p, r.s.pair_r, r.s.pair_f1,
                r.s.bcubed_p, r.s.bcubed_r, r.s.bcubed_f1, r.s.ari, r.seconds);
  out += buf;
  std::printf("%s\n", out.c_str());
}

void print_sweep(const char* what, const std::vector<result>& sweep) {
  std::printf("  sweep of samestory's %s (B3 F1 / pred clusters):\n   ", what);
  for (std::size_t i = 0; i < sweep.size(); ++i) {
    std::printf(" %.2f:%.4f/%zu", *sweep[i].threshold, sweep[i].s.bcubed_f1,
                sweep[i].s.pred_clusters);
    if (i % 5 == 4 && i + 1 < sweep.size()) std::printf("\n   ");
  }
  std::printf("\n");
}

void emit(const std::vector<result>& rows, const data_set& d, bool json) {
  for (const auto& r : rows) json ? print_json(r, d.name) : print_row(r);
}

// Baseline thresholds: 0.02..0.60 in steps of 0.01.
const std::vector<double> baseline_thresholds = steps(2, 60, 1);

// --linkage: the batch story linkage to measure (default: the library's).
std::optional<samestory::story_linkage> linkage_choice;

void run_batch(const data_set& d, bool json) {
  const auto docs = as_documents(d);
  auto ours = [&](std::optional<double> t,
                  double dateline_factor = samestory::cluster_options{}.dateline_factor) {
    samestory::cluster_options o;
    o.dateline_factor = dateline_factor;
    if (linkage_choice) o.story_linkage = *linkage_choice;
    if (t) {  // both thresholds, in the ratio of their defaults
      o.average_story_threshold = *t * o.average_story_threshold / o.story_threshold;
      o.story_threshold = *t;
    }
    const auto t0 = clock_type::now();
    const auto c = samestory::cluster_documents(docs, o);
    const double secs = seconds_since(t0);
    std::vector<samestory::document_id> labels;
    for (const auto& a : c.assignments) labels.push_back(a.story);
    return result{"samestory", t, score(d, labels), secs};
  };
  // An untimed first run, so that one-time start-up (threads, tables) is
  // not charged to the defaults row alone.
  (void)samestory::cluster_documents(docs);
  std::vector<result> rows;
  rows.push_back(ours(std::nullopt));
  rows.back().name = "samestory (defaults)";
  // What the datelines add: the defaults with dateline_factor 1.
  rows.push_back(ours(std::nullopt, 1.0));
  rows.back().name = "samestory, datelines off";
  std::vector<result> sweep;
  rows.push_back(best_of(
      "samestory best-of-sweep", steps(6, 24, 2), [&](double t) { return ours(t); }, &sweep));

  // Vectors and similarities once; each linkage's merge sequence once (cut
  // per threshold). The time shown is that of the whole pipeline for one threshold.
  const auto t0 = clock_type::now();
  const auto x = samestory_bench::tfidf_matrix(d.texts);
  const Eigen::MatrixXd s = samestory_bench::cosine_matrix(x);
  const double prep = seconds_since(t0);
  for (const auto l : {samestory_bench::linkage::complete, samestory_bench::linkage::average,
                       samestory_bench::linkage::single}) {
    const auto t1 = clock_type::now();
    const auto merges = samestory_bench::agglomerate(s, l, baseline_thresholds.front());
    const double agg = seconds_since(t1);
    const std::string name = std::string("tfidf ") + samestory_bench::linkage_name(l) + " best";
    rows.push_back(best_of(name, baseline_thresholds, [&](double t) {
      const auto t2 = clock_type::now();
      const auto labels = samestory_bench::cut(merges, static_cast<int>(s.rows()), t);
      return result{name, t, score(d, labels), prep + agg + seconds_since(t2)};
    }));
  }
  if (!json) print_header(d, rows.front().s, "batch");
  emit(rows, d, json);
  if (!json) {
    print_sweep("story_threshold (average_story_threshold 1.6 x)", sweep);
    std::printf(
        "  tfidf rows: best of thresholds 0.02..0.60 chosen on the gold labels (oracle);\n"
        "  IDF over the whole set. Single linkage = max, average = UPGMA, complete = min.\n");
  }
}

void run_online(const data_set& d, bool json) {
  const auto docs = as_documents(d);
  auto ours = [&](std::optional<double> t,
                  double dateline_factor = samestory::cluster_options{}.dateline_factor,
                  double online_cjk_story_scale =
                      samestory::cluster_options{}.online_cjk_story_scale) {
    samestory::cluster_options o;
    o.dateline_factor = dateline_factor;
    o.online_cjk_story_scale = online_cjk_story_scale;
    if (t) o.online_story_threshold = o.headline_story_threshold = *t;
    const auto t0 = clock_type::now();
    samestory::online_clusterer oc(o);
    std::vector<samestory::document_id> labels;
    labels.reserve(docs.size());
    for (const auto& doc : docs) labels.push_back(oc.add(doc).story);
    const double secs = seconds_since(t0);
    return result{"samestory", t, score(d, labels), secs};
  };
  std::vector<result> rows;
  rows.push_back(ours(std::nullopt));
  rows.back().name = "samestory (defaults)";
  // What the datelines add online; and the scale CJK articles met before
  // datelines (cjk_story_scale, the batch's), which a lower bar needs.
  rows.push_back(ours(std::nullopt, 1.0));
  rows.back().name = "samestory, datelines off";
  rows.push_back(ours(std::nullopt, 1.0, samestory::cluster_options{}.cjk_story_scale));
  rows.back().name = "datelines off, CJK scale 0.6";
  std::vector<result> sweep;
  rows.push_back(best_of(
      "samestory best-of-sweep", steps(3, 30, 1), [&](double t) { return ours(t); }, &sweep));

  const auto t0 = clock_type::now();
  const auto x = samestory_bench::tfidf_matrix(d.texts);
  const double prep = seconds_since(t0);
  rows.push_back(best_of("tfidf online centroid best", baseline_thresholds, [&](double t) {
    const auto t1 = clock_type::now();
    const auto labels = samestory_bench::online_centroid(x, t);
    return result{"", t, score(d, labels), prep + seconds_since(t1)};
  }));
  if (!json) print_header(d, rows.front().s, "online, file order");
  emit(rows, d, json);
  if (!json) {
    print_sweep("online_story_threshold = headline_story_threshold", sweep);
    std::printf(
        "  tfidf row: best of thresholds 0.02..0.60 chosen on the gold labels (oracle); its IDF\n"
        "  is computed over all %zu headlines in advance, which an online system cannot do.\n",
        d.records.size());
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string ecb, uci, other;
  bool json = false;
  const char* usage =
      "usage: story_quality [--ecb ecbplus.jsonl] [--uci uci.jsonl] [--labelled FILE.jsonl] "
      "[--linkage complete|average|by_script] [--json]\n";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--json") {
      json = true;
    } else if (a == "--linkage" && i + 1 < argc) {
      const std::string l = argv[++i];
      linkage_choice = l == "average"    ? samestory::story_linkage::average
                       : l == "complete" ? samestory::story_linkage::complete
                                         : samestory::story_linkage::by_script;
    } else if ((a == "--ecb" || a == "--uci" || a == "--labelled") && i + 1 < argc) {
      (a == "--ecb" ? ecb : a == "--uci" ? uci : other) = argv[++i];
    } else {
      std::fprintf(stderr, "%s", usage);
      return 2;
    }
  }
  if (ecb.empty() && uci.empty() && other.empty()) {
    std::fprintf(stderr, "%s", usage);
    return 2;
  }
  try {
    // Load all first so that a bad path fails before minutes of work.
    std::optional<data_set> e, u, l;
    if (!ecb.empty()) e = load("ecbplus", ecb);
    if (!uci.empty()) u = load("uci_news_aggregator_head", uci);
    if (!other.empty()) l = load(other, other);
    if (e) run_batch(*e, json);
    if (u) run_online(*u, json);
    if (l) {  // any labelled set (one with a "cluster" field), both ways
      run_batch(*l, json);
      run_online(*l, json);
    }
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "story_quality: %s\n", ex.what());
    return 1;
  }
  return 0;
}
