// compare_documents(): one pair, decided by the batch clusterer itself and
// explained with the same internals (src/cluster_detail.hpp), so that the
// explanation can never disagree with what `samestory cluster` does.
#include "cluster_detail.hpp"

#include <samestory/compare.hpp>
#include <samestory/error.hpp>
#include <samestory/lsh_index.hpp>
#include <samestory/utf8.hpp>

#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace samestory {

const char* to_string(comparison_verdict verdict) noexcept {
  switch (verdict) {
    case comparison_verdict::copy:
      return "copy";
    case comparison_verdict::story:
      return "story";
    case comparison_verdict::different:
      return "different";
  }
  return "unknown";
}

const char* to_string(comparison_rule rule) noexcept {
  switch (rule) {
    case comparison_rule::exact_text:
      return "exact_text";
    case comparison_rule::jaccard_estimate:
      return "jaccard_estimate";
    case comparison_rule::containment_estimate:
      return "containment_estimate";
    case comparison_rule::jaccard_exact:
      return "jaccard_exact";
    case comparison_rule::containment_exact:
      return "containment_exact";
    case comparison_rule::story_score:
      return "story_score";
    case comparison_rule::below_thresholds:
      return "below_thresholds";
    case comparison_rule::empty_document:
      return "empty_document";
    case comparison_rule::time_window:
      return "time_window";
  }
  return "unknown";
}

namespace {

// A repeated shingle is tried at no more than this many of its places in B,
// which bounds the work on degenerate texts ("哈哈哈…") while every ordinary
// passage, whose first shingle occurs a few times at most, is still found.
constexpr std::size_t max_tries_per_shingle = 32;

// One side after the text side, with what the explanation needs beyond
// detail::prepare(): the compared text's normalized form with offsets, each
// shingle position's hash and span, and the distinct shingles.
struct side_work {
  detail::prepared_document prepared;
  processed_text processed;  // body chrome result; normalized/shingles of the compared text
  std::vector<shingle_span> spans;
  std::vector<std::uint64_t> distinct;
  std::string_view source;  // what the offsets point into: the text, or the title
};

side_work work_on(const detail::cluster_engine& engine, const document& doc, const char* name,
                  comparison_side& out) {
  // The errors the text side can raise, checked first so that they name the
  // side and say whether the offset is in its text or its title (as
  // batch_clusterer::add does).
  const normalize_options& limits = engine.options.pipeline.normalize;
  for (const bool is_title : {false, true}) {
    const std::string_view part = is_title ? doc.title : doc.text;
    if (part.size() > limits.max_document_bytes) {
      throw limit_exceeded_error("normalize_options::max_document_bytes", limits.max_document_bytes,
                                 part.size());
    }
    if (limits.utf8 == utf8_policy::strict) {
      const utf8_check check = check_utf8(part);
      if (!check.ok) {
        const std::string where = std::string(check.reason) +
                                  (is_title ? " in the title of document " : " in document ") +
                                  name;
        throw invalid_utf8_error(check.error_offset, where.c_str());
      }
    }
  }
  side_work w;
  w.prepared = detail::prepare(engine, doc, w.processed);
  // prepare() compares the title when the body has no letters or digits
  // (copy_text() in cluster_detail.cpp); its chrome result is still the body's.
  {
    processed_text body;
    engine.pipeline.process(doc.text, body, nullptr, doc.source);
    out.title_only = body.normalized.is_empty() && !doc.title.empty();
  }
  w.source = out.title_only ? doc.title : doc.text;
  engine.pipeline.text_shingler().spans(w.processed.normalized, w.spans);
  {
    processed_text scratch;  // the sets the batch clusterer checks pairs on
    w.distinct = detail::copy_shingles(engine, doc, scratch);
  }

  const chrome_result& body = w.processed.body;
  out.lines = body.lines.size();
  for (const chrome_line& line : body.lines) {
    if (line.kept()) continue;
    out.removed.push_back({line.begin, line.end, line.reason,
                           std::string(doc.text.substr(line.begin, line.end - line.begin))});
  }
  out.normalized = w.processed.normalized.to_utf8();
  out.shingles = w.distinct.size();
  out.shingle_count = w.processed.shingles.size();
  out.dateline = w.prepared.dateline;
  return w;
}

// The containment of the smaller set in the larger implied by a Jaccard
// estimate and the set sizes, as lsh_index reports it.
double containment_of(double jaccard, std::uint64_t a, std::uint64_t b) noexcept {
  if (a == 0 || b == 0) return 0.0;
  const double inter = jaccard * static_cast<double>(a + b) / (1.0 + jaccard);
  return std::min(1.0, inter / static_cast<double>(std::min(a, b)));
}

// Byte range in the side's source of the normalized code points [begin, end).
// The start is the first character's offset. The end is where the next
// normalized character's source starts, beyond the last character's own
// (which may have expanded to several normalized ones, or absorbed combining
// marks): bytes in between were consumed by the last character or dropped by
// normalization (format characters), never punctuation or space, which
// leave a separator of their own. The separator for a line break points at
// the end of the line, so a passage never runs into a removed chrome line.
std::pair<std::size_t, std::size_t> byte_range(const side_work& w, std::uint32_t begin,
                                               std::uint32_t end) {
  const auto& offsets = w.processed.normalized.offsets;
  const std::size_t first = offsets[begin];
  const std::size_t last = offsets[end - 1];
  std::size_t stop = w.source.size();
  for (std::size_t k = end; k < offsets.size(); ++k) {
    if (offsets[k] > last) {
      stop = offsets[k];
      break;
    }
  }
  return {first, std::max(stop, first)};
}

struct passage {
  std::uint32_t a_begin, a_end;  // normalized code points of A
  std::uint32_t b_begin, b_end;  // normalized code points of B
  std::uint32_t shingles;
};

// Shared passages: walking A's shingle positions in order, the longest run of
// consecutive positions that also appears consecutively in B, starting at the
// current position (greedy tiling); runs under min_shared_span_shingles are
// skipped one position at a time. Runs whose passages overlap in both texts
// are merged.
std::vector<shared_span> shared_passages(const side_work& a, const side_work& b) {
  const auto& ha = a.processed.shingles;
  const auto& hb = b.processed.shingles;
  std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> places;
  for (std::size_t p = 0; p < hb.size(); ++p) {
    auto& v = places[hb[p]];
    if (v.size() < max_tries_per_shingle) v.push_back(static_cast<std::uint32_t>(p));
  }
  std::vector<passage> found;
  for (std::size_t i = 0; i < ha.size();) {
    std::size_t best = 0, best_p = 0;
    if (const auto it = places.find(ha[i]); it != places.end()) {
      for (const std::uint32_t p : it->second) {
        std::size_t n = 0;
        while (i + n < ha.size() && p + n < hb.size() && ha[i + n] == hb[p + n]) ++n;
        if (n > best) best = n, best_p = p;
      }
    }
    if (best < min_shared_span_shingles) {
      ++i;
      continue;
    }
    found.push_back({a.spans[i].begin, a.spans[i + best - 1].end, b.spans[best_p].begin,
                     b.spans[best_p + best - 1].end, static_cast<std::uint32_t>(best)});
    i += best;
  }
  // Merge neighbours that overlap in both texts (shingles overlap, so two
  // runs split by a repeat in B can describe one passage).
  std::vector<passage> merged;
  for (const passage& p : found) {
    if (!merged.empty()) {
      passage& m = merged.back();
      if (p.a_begin < m.a_end && p.b_begin < m.b_end && m.b_begin < p.b_end) {
        m.a_end = std::max(m.a_end, p.a_end);
        m.b_begin = std::min(m.b_begin, p.b_begin);
        m.b_end = std::max(m.b_end, p.b_end);
        m.shingles += p.shingles;
        continue;
      }
    }
    merged.push_back(p);
  }
  std::vector<shared_span> out;
  out.reserve(merged.size());
  for (const passage& p : merged) {
    const auto [ab, ae] = byte_range(a, p.a_begin, p.a_end);
    const auto [bb, be] = byte_range(b, p.b_begin, p.b_end);
    out.push_back({ab, ae, bb, be, p.shingles, std::string(a.source.substr(ab, ae - ab))});
  }
  return out;
}

}  // namespace

comparison compare_documents(const document& a, const document& b,
                             const cluster_options& caller_options) {
  // Shared passages need the offset map; it changes no hash and no decision.
  cluster_options options = caller_options;
  options.pipeline.normalize.keep_offsets = true;
  const detail::cluster_engine engine(options);  // validates the options
  comparison out;
  out.thresholds = {options.copy_jaccard,       options.copy_containment,
                    options.copy_min_shingles,  options.copy_candidate_jaccard,
                    options.story_threshold,    options.cjk_story_scale,
                    options.time_window_seconds};
  out.thresholds.dateline_factor = options.dateline_factor;
  const side_work wa = work_on(engine, a, "A", out.a);
  const side_work wb = work_on(engine, b, "B", out.b);

  // The verdict: the batch clusterer on these two documents (ids 0 and 1,
  // whatever the caller's are: equal ids would be refused).
  std::array<document, 2> pair = {a, b};
  pair[0].id = 0;
  pair[1].id = 1;
  const clustering c = cluster_documents(pair, options);
  const auto& x = c.assignments[0];
  const auto& y = c.assignments[1];

  // The figures. The estimates are those the clusterer saw: an LSH index
  // built as in cluster_documents(), queried with A.
  out.num_hashes = options.num_hashes;
  out.same_text = !wa.prepared.is_empty && !wb.prepared.is_empty &&
                  wa.prepared.text_hash == wb.prepared.text_hash;
  const std::uint64_t size_a = wa.prepared.signature.set_size();
  const std::uint64_t size_b = wb.prepared.signature.set_size();
  match found;
  if (!wa.prepared.is_empty && !wb.prepared.is_empty) {
    lsh_index index(engine.lsh, engine.hasher);
    index.insert(1, wb.prepared.signature);
    for (const match& m : index.query(wa.prepared.signature)) {
      if (m.id == 1) {
        out.lsh_candidate = true;
        found = m;
      }
    }
  }
  if (out.lsh_candidate) {
    out.jaccard_estimate = found.jaccard;
    out.containment_estimate = found.containment;
    // The clusterer checks a candidate exactly only when it reaches the LSH
    // stage: not for equal texts (hashed first), nor outside the window.
    out.checked_exactly = !out.same_text && detail::within_window(options, a.time, b.time) &&
                          detail::near_copy_threshold(options, found, size_a);
  } else {
    out.jaccard_estimate = estimate_jaccard(wa.prepared.signature, wb.prepared.signature).estimate;
    out.containment_estimate = containment_of(out.jaccard_estimate, size_a, size_b);
  }
  detail::exact_overlap(wa.distinct, wb.distinct, out.jaccard_exact, out.containment_exact);
  {
    std::size_t common = 0;
    for (std::size_t i = 0, j = 0; i < wa.distinct.size() && j < wb.distinct.size();) {
      if (wa.distinct[i] < wb.distinct[j]) {
        ++i;
      } else if (wb.distinct[j] < wa.distinct[i]) {
        ++j;
      } else {
        ++common, ++i, ++j;
      }
    }
    out.shared_shingles = common;
  }
  {
    // The score and the threshold this pair answers to, from the vectors the
    // batch clusterer weighs for a batch of these two (story_similarities()).
    const auto vec = detail::story_vectors(engine, {&wa.prepared.counts, &wb.prepared.counts}, 1);
    const detail::unit_facts fa{bigram_share(vec[0]), wa.prepared.dateline};
    const detail::unit_facts fb{bigram_share(vec[1]), wb.prepared.dateline};
    out.story_score = detail::story_score(options, dot(vec[0], vec[1]), fa, fb);
    out.thresholds.average_linkage = detail::averaged_linkage(
        options.story_linkage, detail::is_cjk_unit(fa.share), detail::is_cjk_unit(fb.share));
    out.thresholds.story_threshold =
        out.thresholds.average_linkage ? options.average_story_threshold : options.story_threshold;
  }
  out.shared_spans = shared_passages(wa, wb);

  // Which rule decided.
  if (x.copy == y.copy) {
    out.verdict = comparison_verdict::copy;
    if (y.kind == copy_kind::exact) {
      out.rule = comparison_rule::exact_text;
    } else {
      const bool by_containment =
          !c.copies.front().links.empty() && c.copies.front().links.front().by_containment;
      if (out.checked_exactly) {
        out.rule =
            by_containment ? comparison_rule::containment_exact : comparison_rule::jaccard_exact;
      } else {
        out.rule = by_containment ? comparison_rule::containment_estimate
                                  : comparison_rule::jaccard_estimate;
      }
    }
  } else if (x.story == y.story) {
    out.verdict = comparison_verdict::story;
    out.rule = comparison_rule::story_score;
  } else {
    out.verdict = comparison_verdict::different;
    if (wa.prepared.is_empty || wb.prepared.is_empty) {
      out.rule = comparison_rule::empty_document;
    } else if (!detail::within_window(options, a.time, b.time)) {
      out.rule = comparison_rule::time_window;
    } else {
      out.rule = comparison_rule::below_thresholds;
    }
  }
  return out;
}

}  // namespace samestory
