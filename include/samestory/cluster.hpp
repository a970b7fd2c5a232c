/// @file cluster.hpp
/// Batch clustering: documents in, copy groups and stories out.
///
/// Two levels, nested:
///  - **copies**: documents derived from one original (reposts, syndication,
///    spins, excerpts). Found by exact full-text hash first, then MinHash LSH
///    candidates verified by estimated Jaccard or containment. A repost of a
///    repost is a copy too, so this level is transitive (union-find).
///  - **stories**: independent reports of one event. Copy groups are the
///    units; their TF-IDF story vectors (story_terms.hpp) are compared by
///    cosine, and units are joined by agglomeration. By default text in
///    space-delimited scripts uses complete linkage (a story holds only units
///    whose every pair reaches story_threshold) and Chinese, Japanese or Korean text
///    average linkage (the mean over all pairs reaches average_story_threshold).
///    Plain connected components would chain A~B~C into one story with A
///    unlike C; complete linkage cannot, and average linkage only when B~C
///    alone carries the mean of both pairs (docs/algorithms.md §15 says why these).
///    A refinement pass then moves any copy group whose story's centroid is
///    not its nearest (story_refinement_rounds).
/// A copy group never spans two stories.
///
/// Example:
/// @code
///   std::vector<samestory::document> docs = {{.id = 1, .text = page1}, {.id = 2, .text = page2}};
///   samestory::clustering result = samestory::cluster_documents(docs);
///   for (const auto& a : result.assignments) std::printf("%llu story %llu\n", a.id, a.story);
/// @endcode
#pragma once

#include <samestory/export.hpp>
#include <samestory/query.hpp>
#include <samestory/story_terms.hpp>
#include <samestory/text_pipeline.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace samestory {

/// One article as a crawler hands it over. The views must stay valid for the call.
struct document {
  document_id id = 0;                ///< the caller's id, unique within a batch
  std::string_view text;             ///< body as extracted (chrome is removed here)
  std::string_view title;            ///< optional headline, used with the text
  std::optional<std::int64_t> time;  ///< seconds since the epoch; nullopt = unknown
  std::string_view source;           ///< site or publisher (for chrome statistics)
};

/// How a document joined its copy group.
enum class copy_kind : std::uint8_t {
  original = 0,  ///< first of its copy group
  exact = 1,     ///< same normalized text as an earlier document
  near = 2,      ///< near-duplicate: high estimated Jaccard or containment
};

/// How the batch clusterer joins copy groups into stories.
enum class story_linkage : std::uint8_t {
  complete = 0,  ///< every pair in a story reaches story_threshold
  /// the mean story score over all cross pairs reaches average_story_threshold (UPGMA)
  average = 1,
  /// average between two stories written in CJK characters (every copy group's
  /// bigram_share() ≥ 0.5), complete otherwise. Character-bigram cosines are
  /// noisy, so a many-sided Chinese story (thirty obituaries of one man:
  /// tributes, biography, reactions) always has some pair under any threshold
  /// that keeps other events apart; words are cleaner, and there complete
  /// linkage separates two events of one kind better (docs/tuning.md).
  by_script = 2,
};

/// Options for both clusterers. Defaults and how they were chosen: docs/tuning.md.
struct cluster_options {
  text_pipeline_options pipeline;  ///< normalization, chrome removal, 3-gram shingles
  story_terms_options terms;       ///< story vectors
  std::uint32_t num_hashes = 128;  ///< MinHash k for copy detection
  std::uint64_t seed = 0;          ///< MinHash seed
  /// LSH candidates are sought down to this Jaccard (recall ≥ 0.99 there);
  /// low enough to find excerpts by containment.
  double copy_candidate_jaccard = 0.3;
  /// A candidate with Jaccard ≥ this is a copy. Batch: decided on the
  /// estimate, or on the exact shingle sets when the estimate is within its
  /// noise of the threshold.
  double copy_jaccard = 0.5;
  /// ...or with containment of the smaller in the larger ≥ this
  double copy_containment = 0.8;
  /// Containment counts only when the smaller document has at least this many
  /// distinct shingles (a one-line snippet is contained in many pages).
  std::uint32_t copy_min_shingles = 50;
  /// Online: the texts are gone, so estimates decide alone; they may fall
  /// this far below copy_jaccard and copy_containment (about one standard
  /// deviation at k = 128). A missed copy is for good online, and measured
  /// precision stayed at 0.999 (docs/tuning.md).
  double online_copy_margin = 0.04;
  /// Batch: every pair of copy groups in a story has a story score (cosine,
  /// rescaled by cjk_story_scale for CJK text) ≥ this.
  double story_threshold = 0.10;
  /// Batch: story_threshold for two documents written in CJK characters is
  /// scaled by this (for a mixed pair, in proportion to the less CJK one's
  /// bigram_share()). Overlapping character bigrams give an article many more
  /// incidental terms than words do, so same-story cosines run lower: the best
  /// complete-linkage threshold measured 0.10 on English (ECB+) and 0.06 on
  /// Chinese (docs/tuning.md). 1 = one scale for all.
  double cjk_story_scale = 0.6;
  /// Batch: the agglomeration rule for stories.
  samestory::story_linkage story_linkage = samestory::story_linkage::by_script;
  /// Batch, where average linkage applies (story_linkage average, or by_script
  /// between CJK stories): two stories merge when the mean story score of their
  /// cross pairs reaches this. A mean of strong and weak pairs sits above a
  /// bar that every pair must clear, so it has its own threshold; 0.16 is the
  /// best of a Chinese same-story set's sweep (docs/tuning.md).
  double average_story_threshold = 0.16;
  /// Batch: rounds of refinement after agglomeration (0 = none). Each moves
  /// every copy group, in input order, to the story whose centroid is nearest
  /// when that is nearer than its own story's centroid without it and reaches
  /// online_story_threshold; it stops early when a round moves nothing. A merge
  /// is never undone by agglomeration, so a group can be stranded in a story
  /// that later grew away from it; this is the k-means pass that fixes it
  /// (docs/algorithms.md §15). With it, a story no longer guarantees that
  /// every pair reaches story_threshold.
  std::uint32_t story_refinement_rounds = 5;
  /// Online: a document joins the story whose centroid (sum of its copy
  /// groups' vectors) has the highest cosine with it, if that is ≥ this
  /// (times online_cjk_story_scale for an article in CJK text).
  double online_story_threshold = 0.22;
  /// Online: online_story_threshold for an article written in CJK characters
  /// is scaled by this (in proportion to its bigram_share()), as
  /// cjk_story_scale scales the batch thresholds. Lower than that, because
  /// the dateline factor now keeps apart what a lower bar would otherwise
  /// join: events of one template on different days. On two hand-labelled
  /// Chinese sets (with dateline_factor 0.5) 0.42 is the middle of the range
  /// that does well on both (docs/tuning.md).
  double online_cjk_story_scale = 0.42;
  /// Online, for a headline alone (no body, or fewer than 24 distinct terms):
  /// ten words share little even within a story.
  double headline_story_threshold = 0.06;
  /// The story score of two copy groups whose reports open on different
  /// days (find_dateline(), e.g. "11月8日" against "11月9日") is multiplied
  /// by this; 1 turns it off. Online, the score of a document against a story
  /// whose day (that of its first report with a dateline) differs from its own. Reports of one
  /// event mostly give one day, while events of one template (a league's rounds, the days of an
  /// exam's registration, a company's follow-up) share their vocabulary and differ in the day. A
  /// soft factor, not a rule: tributes and comment written days later still join when their words
  /// agree strongly.
  double dateline_factor = 0.5;
  /// Documents further apart in time than this never join (both times known).
  /// 0 = no limit. Online, stories idle longer than this are evicted.
  std::int64_t time_window_seconds = 0;
  /// Terms per document indexed for story candidates (its heaviest).
  std::uint32_t candidate_terms = 24;
  /// Online: hold at most this many documents, dropping the oldest (0 = no limit).
  std::size_t max_documents = 0;
  /// Online: when the document frequencies learned from the stream hold more
  /// distinct terms than this, they are halved (term_statistics::halve):
  /// the table stays under about 16 bytes × 2 × this. 0 = no limit.
  std::size_t max_learned_terms = std::size_t{1} << 21;
  /// Most LSH candidates one document's copy query may examine
  /// (query_options::max_candidates); 0 = no limit, the default. A document
  /// with more throws limit_exceeded_error naming
  /// "cluster_options::max_candidates": cluster_documents() and
  /// batch_clusterer::finish() then fail whole, online_clusterer::add()
  /// refuses that document. A flood of near-identical pages makes every copy
  /// query examine all of them (quadratic time, 40 bytes a match); off by
  /// default because a failed batch is worse than a slow one and a wire story
  /// may have thousands of genuine copies. The shingle, line and byte limits
  /// are in `pipeline` (docs/reliability.md).
  std::size_t max_candidates = 0;
  /// Online: learn each source's recurring lines (menus, share buttons,
  /// "related" lists) from the stream, by document::source, and remove them
  /// from later documents of that source as pipeline.chrome.recurring_share
  /// says. Learned after a document is assigned, so its first pages are
  /// cleaned by the line rules alone. Kept to the 1,024 most recurrent lines
  /// per source (12 bytes each) and saved with the clusterer. Batch
  /// clustering ignores it.
  bool learn_chrome = false;
  unsigned threads = 0;  ///< batch worker threads; 0 = hardware concurrency
};

/// Where one document landed.
struct assignment {
  document_id id = 0;     ///< the document
  document_id story = 0;  ///< story label: the id of its story's first document (input order)
  document_id copy = 0;   ///< copy label: the id of its copy group's first document
  copy_kind kind = copy_kind::original;  ///< how it joined its copy group
  /// Online: what it joined on — 1 for an exact copy, the Jaccard (or
  /// containment) estimate for a near copy, the story score for a new
  /// write-up of an open story, 0 when it started its story. Batch: 0 (the
  /// links of clustering::copies and clustering::stories hold the similarities).
  double similarity = 0.0;
};

/// An accepted link between two documents.
struct cluster_link {
  document_id a = 0;        ///< one end
  document_id b = 0;        ///< the other
  double similarity = 0.0;  ///< copies: estimated Jaccard (or containment); stories: story score
  bool by_containment = false;  ///< a copy link accepted on containment, not Jaccard
};

/// One cluster at either level.
struct cluster {
  document_id id = 0;                ///< its label (the first member's id)
  document_id representative = 0;    ///< copies: the longest member; stories: the medoid
  std::vector<document_id> members;  ///< in input order
  /// Copies: the links that built it (members − 1 of them). Stories: a maximum
  /// spanning tree of its copy groups over their story scores (groups − 1 links
  /// between representatives; score 0 joins a group with no scored pair left)
  std::vector<cluster_link> links;
};

/// The result of a batch run.
struct clustering {
  std::vector<assignment> assignments;  ///< one per input document, in input order
  std::vector<cluster> copies;          ///< copy groups (singletons included), by first member
  std::vector<cluster> stories;         ///< stories (singletons included), by first member
};

/// Clusters a batch. Deterministic for given documents and options (thread count included or not).
/// @throws error (invalid_argument) on a repeated id, naming both positions
/// @throws invalid_options_error for out-of-range options
/// @throws invalid_utf8_error (strict UTF-8 policy) naming the document and offset
/// @throws limit_exceeded_error for a document over a limit of options.pipeline
///         (bytes, lines, shingles) or options.max_candidates
SAMESTORY_API clustering cluster_documents(std::span<const document> documents,
                                           const cluster_options& options = {});

/// Batch clustering fed one document at a time, for input too large to hold
/// whole (a crawl dump read line by line): add() keeps what clustering needs
/// — the MinHash signature and the story terms, not the text — and
/// finish() gives what cluster_documents() would give for the same documents.
///
/// Texts wait in a buffer of up to 1,024 documents or 64 MiB, whose text side
/// then runs on `threads` threads. Pairs whose copy estimate is too close to a
/// threshold are decided on their exact shingles when finish() is given the
/// texts back (by re-reading the input); without them, on the estimates.
///
/// Thread safety: one thread at a time.
///
///   samestory::batch_clusterer batch;
///   for (const auto& page : crawl) batch.add({.id = page.id, .text = page.text});
///   samestory::clustering result = batch.finish();
class SAMESTORY_API batch_clusterer {
 public:
  /// Gives the text and title of the document added with this id, for the
  /// few pairs checked exactly. Called from one thread at a time.
  using text_source = std::function<void(document_id id, std::string& text, std::string& title)>;

  /// @throws invalid_options_error for out-of-range options
  explicit batch_clusterer(const cluster_options& options = {});
  ~batch_clusterer();
  /// Takes over the other's documents; the moved-from one may only be
  /// assigned to or destroyed.
  batch_clusterer(batch_clusterer&&) noexcept;
  /// As the move constructor. @return *this
  batch_clusterer& operator=(batch_clusterer&&) noexcept;
  batch_clusterer(const batch_clusterer&) = delete;
  batch_clusterer& operator=(const batch_clusterer&) = delete;

  /// Adds a document; its strings are copied, and dropped once prepared.
  /// A document that throws is not added, and the clusterer stays usable.
  /// @throws error (invalid_argument) on an id already added
  /// @throws invalid_utf8_error (strict UTF-8 policy) naming the document and offset
  /// @throws limit_exceeded_error for a text over a limit of options.pipeline
  ///         (text_pipeline::check_limits(): bytes, lines, shingles), found
  ///         here although the text side runs later
  void add(const document& doc);

  /// @return the documents added so far
  std::size_t size() const noexcept;

  /// Clusters every document added, in add() order, and empties the clusterer.
  /// @param text_of the texts again, for exact checks near the copy thresholds;
  ///        empty: the estimates decide
  clustering finish(const text_source& text_of = {});

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// The story score (cosine, rescaled by cjk_story_scale) of every pair of documents, as
/// cluster_documents() computes it (document frequencies over these documents, each counted as its
/// own copy group): row-major n × n, 1 on the diagonal. For explaining a grouping, such as the
/// seeds example's table; O(n²).
/// @throws as cluster_documents()
SAMESTORY_API std::vector<double> story_similarities(std::span<const document> documents,
                                                     const cluster_options& options = {});

/// Checks options once; both clusterers call it.
/// @throws invalid_options_error naming the field
SAMESTORY_API void validate(const cluster_options& options);

}  // namespace samestory
