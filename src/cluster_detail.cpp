#include "cluster_detail.hpp"
#include "term_order.hpp"

#include <samestory/error.hpp>

#include <xxhash.h>

#include <atomic>
#include <exception>
#include <limits>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

namespace samestory {

void validate(const cluster_options& o) {
  auto unit = [](double v, const char* name, bool open_low) {
    if (!(v <= 1.0 && (open_low ? v > 0.0 : v >= 0.0))) {
      throw invalid_options_error(std::string("cluster_options::") + name + " is " +
                                  std::to_string(v) + ", allowed " +
                                  (open_low ? "(0, 1]" : "[0, 1]"));
    }
  };
  unit(o.copy_candidate_jaccard, "copy_candidate_jaccard", true);
  if (o.copy_candidate_jaccard >= 1.0) {
    throw invalid_options_error("cluster_options::copy_candidate_jaccard must be below 1");
  }
  unit(o.copy_jaccard, "copy_jaccard", true);
  unit(o.copy_containment, "copy_containment", true);
  if (!(o.online_copy_margin >= 0.0 && o.online_copy_margin < o.copy_jaccard &&
        o.online_copy_margin < o.copy_containment)) {
    throw invalid_options_error("cluster_options::online_copy_margin is " +
                                std::to_string(o.online_copy_margin) +
                                ", allowed [0, min(copy_jaccard, copy_containment))");
  }
  unit(o.story_threshold, "story_threshold", true);
  unit(o.average_story_threshold, "average_story_threshold", true);
  if (o.story_refinement_rounds > 100) {
    throw invalid_options_error("cluster_options::story_refinement_rounds is " +
                                std::to_string(o.story_refinement_rounds) + ", allowed 0..100");
  }
  if (o.story_linkage > story_linkage::by_script) {
    throw invalid_options_error("cluster_options::story_linkage is " +
                                std::to_string(static_cast<int>(o.story_linkage)) +
                                ", allowed complete, average or by_script");
  }
  unit(o.online_story_threshold, "online_story_threshold", true);
  for (const auto& [scale, name] :
       {std::pair{o.cjk_story_scale, "cjk_story_scale"},
        std::pair{o.online_cjk_story_scale, "online_cjk_story_scale"}}) {
    if (!(scale > 0.0 && scale <= 1.0)) {
      throw invalid_options_error(std::string("cluster_options::") + name + " is " +
                                  std::to_string(scale) + ", allowed (0, 1]");
    }
  }
  unit(o.headline_story_threshold, "headline_story_threshold", true);
  unit(o.dateline_factor, "dateline_factor", true);
  if (o.time_window_seconds < 0) {
    throw invalid_options_error("cluster_options::time_window_seconds is negative");
  }
  if (o.candidate_terms == 0 || o.candidate_terms > 4096) {
    throw invalid_options_error("cluster_options::candidate_terms is " +
                                std::to_string(o.candidate_terms) + ", allowed 1..4096");
  }
}

namespace detail {

namespace {
const cluster_options& checked(const cluster_options& o) {
  validate(o);
  return o;
}
}  // namespace

cluster_engine::cluster_engine(const cluster_options& o)
    : options(checked(o)),
      pipeline(o.pipeline),
      hasher(minhash_options{o.num_hashes, minhash_scheme::one_permutation, o.seed},
             pipeline.fingerprint()),
      terms(o.pipeline, o.terms),
      lsh(tune_lsh({.threshold = o.copy_candidate_jaccard, .num_hashes = o.num_hashes})
              .parameters) {}

namespace {
// The body, or the title when there is no body (headlines only): the text
// the copy level compares. Leaves the normalized text and shingles in scratch.
// @return whether the title stood in for an empty body
bool copy_text(const cluster_engine& engine, const document& doc, processed_text& scratch,
               const chrome_statistics* chrome = nullptr) {
  engine.pipeline.process(doc.text, scratch, chrome, doc.source);
  if (scratch.normalized.is_empty() && !doc.title.empty()) {
    scratch.normalized = engine.pipeline.text_normalizer().normalize(doc.title);
    engine.pipeline.text_shingler().hash(scratch.normalized, scratch.shingles);
    return true;
  }
  return false;
}
}  // namespace

std::vector<std::uint64_t> copy_shingles(const cluster_engine& engine, const document& doc,
                                         processed_text& scratch) {
  copy_text(engine, doc, scratch);
  std::vector<std::uint64_t> s(scratch.shingles.begin(), scratch.shingles.end());
  std::sort(s.begin(), s.end());
  s.erase(std::unique(s.begin(), s.end()), s.end());
  return s;
}

bool near_copy_threshold(const cluster_options& o, const match& m,
                         std::uint64_t query_set_size) noexcept {
  constexpr double jaccard_margin = 0.15;  // about 3.4 standard deviations at J = 0.5
  constexpr double containment_margin = 0.2;
  if (m.jaccard >= o.copy_jaccard + jaccard_margin) return false;  // surely a copy
  if (m.jaccard >= o.copy_jaccard - jaccard_margin) return true;
  const std::uint64_t smaller = std::min(query_set_size, m.set_size);
  return smaller >= o.copy_min_shingles && m.containment >= o.copy_containment - containment_margin;
}

void exact_overlap(std::span<const std::uint64_t> a, std::span<const std::uint64_t> b,
                   double& jaccard, double& containment) noexcept {
  std::size_t common = 0;
  for (std::size_t i = 0, j = 0; i < a.size() && j < b.size();) {
    if (a[i] < b[j]) {
      ++i;
    } else if (b[j] < a[i]) {
      ++j;
    } else {
      ++common, ++i, ++j;
    }
  }
  const std::size_t all = a.size() + b.size() - common;
  const std::size_t smaller = std::min(a.size(), b.size());
  jaccard = all == 0 ? 0.0 : static_cast<double>(common) / static_cast<double>(all);
  containment = smaller == 0 ? 0.0 : static_cast<double>(common) / static_cast<double>(smaller);
}

prepared_document prepare(const cluster_engine& engine, const document& doc,
                          processed_text& scratch, const chrome_statistics* chrome) {
  prepared_document p;
  if (copy_text(engine, doc, scratch, chrome)) {
    p.counts = engine.terms.counts(doc.title, std::string_view{});  // a headline alone
  } else {
    p.counts = engine.terms.counts(doc.title, scratch.normalized, doc.text);
  }
  p.dateline = find_dateline(doc.text);
  p.is_empty = scratch.normalized.is_empty();
  p.length = scratch.normalized.text.size();
  p.text_hash = XXH3_64bits(scratch.normalized.text.data(),
                            scratch.normalized.text.size() * sizeof(char32_t));
  p.signature = engine.hasher.sign(scratch.shingles);
  return p;
}

bool is_copy(const cluster_options& o, const match& m, std::uint64_t query_set_size,
             double& similarity, bool& by_containment, double margin) noexcept {
  if (m.jaccard >= o.copy_jaccard - margin) {
    similarity = m.jaccard;
    by_containment = false;
    return true;
  }
  const std::uint64_t smaller = std::min(query_set_size, m.set_size);
  if (smaller >= o.copy_min_shingles && m.containment >= o.copy_containment - margin) {
    similarity = m.containment;
    by_containment = true;
    return true;
  }
  return false;
}

std::vector<match> copy_candidates(const lsh_index& index, const minhash_signature& signature,
                                   const cluster_options& o, bool stored) {
  query_options q;
  const std::size_t self = stored ? 1 : 0;
  if (o.max_candidates > 0 && o.max_candidates < std::numeric_limits<std::size_t>::max()) {
    q.max_candidates = o.max_candidates + self;
  }
  try {
    return index.query(signature, q);
  } catch (const limit_exceeded_error& e) {
    // The caller set cluster_options, not query_options: name what they set.
    throw limit_exceeded_error("cluster_options::max_candidates", o.max_candidates,
                               e.actual() - self);
  }
}

namespace {
// Terms only one document has cannot match; in a large batch dropping them
// keeps them from diluting the norm (ECB+ BCubed F1 0.912 → 0.921). In a
// small batch nearly every term is unique, and the vectors would shrink to
// the few shared terms, inflating every cosine (the seeds' unrelated pair
// went from 0.04 to 0.40), so there the rule is off.
bool skip_singletons(std::size_t units) noexcept {
  return units >= 50;
}
}  // namespace

std::vector<std::vector<term_weight>> story_vectors(
    const cluster_engine& engine, const std::vector<const std::vector<term_weight>*>& counts,
    unsigned threads) {
  term_statistics stats;
  for (const auto* c : counts) stats.add(*c);
  std::vector<std::vector<term_weight>> vec(counts.size());
  const bool skip = skip_singletons(counts.size());
  parallel_for(counts.size(), threads,
               [&](std::size_t u) { vec[u] = engine.terms.weigh(*counts[u], stats, skip); });
  return vec;
}

void parallel_for(std::size_t n, unsigned threads, const std::function<void(std::size_t)>& body) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, std::max<std::size_t>(n, 1)));
  std::atomic<std::size_t> next{0};
  std::mutex m;
  std::size_t failed_at = n;
  std::exception_ptr failure;
  auto work = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < n;) {
      try {
        body(i);
      } catch (...) {
        std::lock_guard lock(m);
        if (i < failed_at) {
          failed_at = i;
          failure = std::current_exception();
        }
      }
    }
  };
  if (threads <= 1) {
    work();
  } else {
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
  }
  if (failure) std::rethrow_exception(failure);
}

std::vector<std::uint64_t> top_terms(std::span<const term_weight> v, std::size_t n) {
  std::vector<term_weight> w(v.begin(), v.end());
  partition_heaviest(w, n);
  w.resize(std::min(w.size(), n));
  std::vector<std::uint64_t> out;
  out.reserve(w.size());
  for (const auto& t : w) out.push_back(t.term);
  return out;
}

}  // namespace detail
}  // namespace samestory
