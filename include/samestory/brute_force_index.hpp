/// @file brute_force_index.hpp
/// The exact, slow index: stores each document's shingle set and compares a
/// query with every stored set. It answers with the same query_options and
/// match types as lsh_index, but its Jaccard and containment are exact, so it
/// is the oracle that tests and benchmarks measure LSH recall against, and a
/// fine index for a few thousand documents.
///
/// Cost: a query merges the query set with every stored set whose size could
/// reach options.min_jaccard (|A∩B|/|A∪B| <= min/max of the sizes), so
/// O(documents × set size); memory is 8 bytes per distinct shingle.
///
/// Thread safety: as lsh_index: every method may be called from any thread;
/// queries run in parallel, writers are exclusive.
#pragma once

#include <samestory/export.hpp>
#include <samestory/query.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace samestory {

/// Exact Jaccard and containment over stored shingle sets; see the file comment.
class SAMESTORY_API brute_force_index {
 public:
  brute_force_index();
  ~brute_force_index();
  /// Takes over the other index's documents; the moved-from index may only
  /// be assigned to or destroyed.
  brute_force_index(brute_force_index&&) noexcept;
  /// Takes over the other index's documents, releasing this one's.
  /// @return *this
  brute_force_index& operator=(brute_force_index&&) noexcept;
  brute_force_index(const brute_force_index&) = delete;
  brute_force_index& operator=(const brute_force_index&) = delete;

  /// Adds a document, or replaces the one stored under the same id.
  /// @param id the caller's id
  /// @param shingle_hashes its shingle hashes in any order; duplicates are
  ///        dropped. An empty set is stored but never matches.
  /// @param time any monotone clock; evict_older_than() compares against it
  void insert(document_id id, std::span<const std::uint64_t> shingle_hashes, std::int64_t time = 0);

  /// Every stored document passing the options, best first, with exact figures.
  /// @throws limit_exceeded_error when more stored sets than options.max_candidates
  ///         pass the size filter (and so would be merged with the query)
  /// @throws invalid_options_error when options.max_candidates is 0
  std::vector<match> query(std::span<const std::uint64_t> shingle_hashes,
                           const query_options& options = {}) const;
  /// The `n` best matches.
  std::vector<match> query_top(std::span<const std::uint64_t> shingle_hashes, std::size_t n) const;
  /// Matches of a stored document, itself excluded; empty when not stored.
  /// @throws limit_exceeded_error, invalid_options_error as query()
  std::vector<match> query_id(document_id id, const query_options& options = {}) const;

  /// Removes a document. @return false when the id is not stored
  bool remove(document_id id);
  /// Removes many documents. @return how many were stored
  std::size_t remove(std::span<const document_id> ids);
  /// Removes every document whose time is before `cutoff`. @return how many
  std::size_t evict_older_than(std::int64_t cutoff);

  /// @return true when the id is stored
  bool contains(document_id id) const;
  /// @return the stored documents' ids, in no particular order
  std::vector<document_id> ids() const;
  /// @return the number of stored documents
  std::size_t size() const;
  /// @return heap bytes held by the index
  std::size_t memory_bytes() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Exact Jaccard |A∩B|/|A∪B| of two sorted, duplicate-free hash vectors;
/// 0 when either is empty.
SAMESTORY_API double exact_jaccard(std::span<const std::uint64_t> a,
                                   std::span<const std::uint64_t> b) noexcept;

}  // namespace samestory
