/// @file story_terms.hpp
/// Term vectors for the story level: which words an article is about.
///
/// Copies share long passages, so shingle overlap finds them. Independent
/// reports of one event share far less (the seeds' same-story pairs have
/// 3-gram Jaccard 0.04–0.09), but they share *rare* terms: names, places,
/// numbers. A story vector is a TF-IDF vector (Salton & Buckley 1988) over
/// terms — character bigrams for CJK text (most Chinese words are two
/// characters), words elsewhere — with three choices measured in
/// docs/tuning.md:
///  - sublinear term frequency, 1 + ln(tf);
///  - IDF raised to a power above 1, so shared rare terms dominate the score;
///  - an entity boost for words written with a capital or containing a digit
///    in the original text (names, places, dates, counts), where the script
///    has case.
/// English function words ("the", "of", ...) are not terms: a small batch
/// cannot learn from its own frequencies that they are common.
/// Cosine similarity of two unit vectors is their story similarity.
#pragma once

#include <samestory/export.hpp>
#include <samestory/text_pipeline.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace samestory {

/// One term of a document: its hash and a weight.
struct term_weight {
  std::uint64_t term =
      0;             ///< hash of the term (the shingle hash of a 1-word or 2-character window)
  float weight = 0;  ///< raw frequency (term_counts) or TF-IDF (story vector)
  /// @return whether term and weight are both equal
  friend bool operator==(const term_weight&, const term_weight&) = default;
};

/// Options for story term extraction and weighting.
struct story_terms_options {
  std::uint32_t cjk_n = 2;    ///< CJK characters per term (1..4)
  float idf_power = 1.5f;     ///< IDF exponent; 1 is plain TF-IDF
  float entity_boost = 2.0f;  ///< weight factor for capitalized or numeric words (1 = off)
  /// Longest vector kept: the heaviest terms (bounded memory per document and story).
  std::uint32_t max_terms = 256;
};

/// Document frequencies learned from a stream or a batch.
/// Thread safety: const methods from many threads; add() needs one writer.
class SAMESTORY_API term_statistics {
 public:
  /// @param background_documents weight, in documents, of the built-in
  ///        background frequencies of Chinese character bigrams (from Debian's
  ///        python3-jieba dictionary; scripts/make-background-idf); 0 = off.
  ///        Without it a batch of four articles cannot tell a name from a
  ///        common word: its own frequencies are all it has.
  explicit term_statistics(double background_documents = 1000.0)
      : background_documents_(background_documents) {}

  /// Counts each distinct term of one document once.
  /// @param terms distinct terms sorted by hash (as term_extractor gives them)
  void add(std::span<const term_weight> terms);
  /// Forgets half of what was learned: halves the document count and every
  /// frequency (rounding down) and drops the terms left at zero. IDF ratios
  /// keep; terms seen once are forgotten. How an endless stream bounds the
  /// table (online_clusterer does it at cluster_options::max_learned_terms),
  /// and a decay that lets recent documents weigh more.
  void halve();
  /// @return documents seen
  std::uint64_t documents() const noexcept { return documents_; }
  /// @return documents that contained `term`
  std::uint32_t frequency(std::uint64_t term) const noexcept;
  /// @return smoothed inverse document frequency ln((N + 1) / (df + 1)) + 1;
  /// for a Chinese bigram N and df include the background's documents
  double idf(std::uint64_t term) const noexcept;
  /// @return distinct terms held
  std::size_t size() const noexcept { return used_ + (zero_df_ > 0 ? 1 : 0); }
  /// @return bytes of the frequency table
  std::size_t memory_bytes() const noexcept { return slots_.capacity() * sizeof(slot); }

  /// Serializes the learned frequencies (docs/format.md, object kind 7):
  /// the background weight, the document count and (term, frequency) pairs
  /// in term order, 12 bytes a term.
  std::string save() const;
  /// Reads bytes written by save().
  /// @param bytes exactly one saved term_statistics
  /// @param background_documents the weight the caller uses; the file's must match
  /// @throws format_error on truncated, corrupted or foreign bytes
  /// @throws settings_mismatch_error when the background weight differs
  static term_statistics load(std::string_view bytes, double background_documents = 1000.0);

 private:
  // A flat open-addressing table (linear probing, term 0 marks an empty
  // slot and is counted apart): a node-based map spent most of the online
  // clusterer's time in allocation and cache misses.
  struct slot {
    std::uint64_t term = 0;
    std::uint32_t df = 0;
  };
  std::uint32_t* find_or_insert(std::uint64_t term);
  void rehash(std::size_t size);  // re-places every term into `size` slots (a power of 2, or 0)
  std::vector<slot> slots_;
  std::size_t used_ = 0;
  std::uint32_t zero_df_ = 0;
  std::uint64_t documents_ = 0;
  double background_documents_ = 1000.0;
};

/// Cuts text into story terms.
/// Thread safety: immutable; may be shared by many threads.
class SAMESTORY_API term_extractor {
 public:
  /// @param pipeline normalization and chrome removal settings (its shingle
  ///        settings are replaced: terms are 1 word or cjk_n characters)
  /// @param options term size, IDF power, entity boost, vector length
  /// @throws invalid_options_error for out-of-range options
  explicit term_extractor(const text_pipeline_options& pipeline = {},
                          const story_terms_options& options = {});

  /// Distinct terms of title and text with their boosted counts, sorted by hash.
  /// Chrome is stripped from `text` (as the pipeline options say), not from `title`.
  /// @throws as text_pipeline::process
  std::vector<term_weight> counts(std::string_view title, std::string_view text) const;

  /// As counts(), for a body the caller has already normalized with offsets
  /// into `original` (text_pipeline::process gives both): no second pass.
  std::vector<term_weight> counts(std::string_view title, const normalized_text& body,
                                  std::string_view original) const;

  /// A unit TF-IDF vector from counts, the heaviest max_terms terms, sorted by hash.
  /// @param counts the document's terms, as counts() gives them
  /// @param stats document frequencies to take the IDF from
  /// @param skip_singletons drop terms that only this document has (df ≤ 1):
  ///        they cannot match and only dilute the norm (batch use)
  std::vector<term_weight> weigh(std::span<const term_weight> counts, const term_statistics& stats,
                                 bool skip_singletons) const;

  /// @return the options in force
  const story_terms_options& options() const noexcept { return options_; }

 private:
  story_terms_options options_;
  text_pipeline pipeline_;
  std::vector<std::uint64_t> stop_terms_;  // English function words, sorted
};

/// Dot product of two vectors sorted by term (cosine for unit vectors).
SAMESTORY_API double dot(std::span<const term_weight> a, std::span<const term_weight> b) noexcept;

/// The share of a unit story vector's squared weight held by CJK character
/// bigrams: about 1 for a Chinese or Japanese article, 0 for an English one.
/// The batch clusterer uses it to put both kinds of text on one scale
/// (cluster_options::cjk_story_scale).
SAMESTORY_API double bigram_share(std::span<const term_weight> vector) noexcept;

}  // namespace samestory
