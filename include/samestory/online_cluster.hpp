/// @file online_cluster.hpp
/// Online clustering: each document gets its copy group and story the moment
/// it arrives, and keeps them for good.
///
/// add() first looks for a copy (the same normalized text, then MinHash LSH
/// candidates verified by estimated Jaccard or containment, as in
/// cluster.hpp); a copy joins its original's copy group and story. Otherwise
/// the document starts a copy group and is compared with the open stories:
/// it joins the one whose centroid has the highest cosine with its TF-IDF
/// vector if that reaches online_story_threshold (headline_story_threshold
/// for a headline alone), else it starts a story. Stories never merge: a
/// document that resembles two stories joins the better one. Document
/// frequencies are learned from the stream as it goes. A story has the day
/// of its first report that opens with one ("11月8日", find_dateline()); a
/// document of another day scores dateline_factor lower against it.
///
/// Time: a document's time (or, when unknown, the newest time seen so far)
/// stamps it; with time_window_seconds > 0, documents and stories older than
/// the newest time minus the window are evicted, which bounds memory by the
/// window. max_documents bounds it by count as well. Known limit: the
/// learned document frequencies (12 bytes per distinct term) are kept for
/// good, so memory still grows with the vocabulary of the stream.
///
/// Thread safety: every method may be called from any thread; add() and
/// evict_older_than() are serialized, the queries share a lock.
#pragma once

#include <samestory/cluster.hpp>
#include <samestory/dateline.hpp>
#include <samestory/export.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace samestory {

/// An open story of an online_clusterer.
struct story_summary {
  document_id id = 0;           ///< its label: the id of its first document
  std::size_t documents = 0;    ///< documents added to it and still held
  std::size_t copy_groups = 0;  ///< independent write-ups among them (copies not counted)
  std::int64_t first_time = 0;  ///< time of its first document
  std::int64_t last_time = 0;   ///< time of its latest document
  /// the day its first report with a dateline opens with (find_dateline()),
  /// which cluster_options::dateline_factor compares later documents with
  std::optional<month_day> dateline;
};

/// Online copy and story assignment; see the file comment.
class SAMESTORY_API online_clusterer {
 public:
  /// @throws invalid_options_error for out-of-range options
  explicit online_clusterer(const cluster_options& options = {});
  ~online_clusterer();
  /// Takes over the other clusterer's state; the moved-from one may only be
  /// assigned to or destroyed.
  online_clusterer(online_clusterer&&) noexcept;
  /// As the move constructor. @return *this
  online_clusterer& operator=(online_clusterer&&) noexcept;
  online_clusterer(const online_clusterer&) = delete;
  online_clusterer& operator=(const online_clusterer&) = delete;

  /// Assigns a document to a copy group and a story, at once and for good.
  /// Adding an id that is still held changes nothing and returns its assignment.
  /// @throws invalid_utf8_error (strict UTF-8 policy), limit_exceeded_error
  assignment add(const document& doc);

  /// @return the assignment of a held document, or nullopt
  std::optional<assignment> find(document_id id) const;
  /// @return the ids of the documents held, in order of arrival
  std::vector<document_id> documents() const;
  /// @return the open stories, by first document's arrival
  std::vector<story_summary> stories() const;
  /// @return documents held
  std::size_t size() const;
  /// @return an estimate of the heap memory held, in bytes
  std::size_t memory_bytes() const;

  /// Forgets a document (a page the crawler deleted): it no longer matches
  /// later documents, and its story closes when it held nothing else. Its
  /// terms stay in the story's centroid and the learned frequencies: stories
  /// are never rewritten, so assignments already made stay what they were.
  /// @return false when the id is not held
  bool remove(document_id id);
  /// Drops documents older than `cutoff` and stories whose latest document is
  /// older. Called by add() when time_window_seconds is set.
  /// @return how many documents were dropped
  std::size_t evict_older_than(std::int64_t cutoff);

  /// Serializes everything the clusterer holds (docs/format.md, object kind
  /// 8): the settings it was made with, the documents with their
  /// assignments and times, the stories with their centroids, the copy
  /// index, the learned term frequencies and chrome statistics. A clusterer loaded from it
  /// assigns every later document exactly as this one would.
  /// @return the saved bytes
  std::string save() const;
  /// save(), written atomically and durably (write_file_atomically()).
  /// @throws io_error when the file cannot be written
  void save_file(const std::filesystem::path& file) const;
  /// Reads bytes written by save().
  /// @param bytes exactly one saved clusterer
  /// @param options the options to run with; every one that decides an
  ///        assignment must equal the file's (threads and input limits may differ)
  /// @throws format_error on truncated, corrupted or foreign bytes (with the offset)
  /// @throws settings_mismatch_error naming the first option that differs
  /// @throws invalid_options_error for out-of-range options
  static online_clusterer load(std::string_view bytes, const cluster_options& options = {});
  /// load() of a whole file. @throws io_error, and as load()
  static online_clusterer load_file(const std::filesystem::path& file,
                                    const cluster_options& options = {});

  /// @return the options in force
  const cluster_options& options() const noexcept;

 private:
  struct state;
  std::unique_ptr<state> state_;
};

}  // namespace samestory
