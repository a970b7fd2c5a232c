/// @file simhash_index.hpp
/// An index of 64-bit SimHash fingerprints that finds every stored
/// fingerprint within Hamming distance k of a query, with permuted tables
/// (Manku, Jain, Das Sarma, "Detecting near-duplicates for web crawling",
/// WWW 2007).
///
/// The 64 bits are cut into B blocks. Two fingerprints at most k bits apart
/// differ in at most k blocks, so they agree exactly on some B - k of them;
/// one table per choice of B - k blocks (C(B, k) tables) keyed by those
/// blocks therefore meets every such pair at least once. The candidates of a
/// query are then checked by their true distance, so results are exact:
/// nothing within k is missed and nothing beyond it is returned.
///
/// The default k = 6 with B = 8 (28 tables) comes from measuring planted
/// copies against unrelated pairs (docs/tuning.md): it keeps most light
/// copies and almost no chance matches, at about 310-340 bytes per document.
///
/// Thread safety: as lsh_index: every method may be called from any thread;
/// queries run in parallel, writers are exclusive.
///
/// Example:
/// @code
///   samestory::simhasher simhash;
///   samestory::simhash_index index;  // k = 6
///   index.insert(7, simhash.hash(shingles_of_7), crawl_time);
///   for (const auto& m : index.query(simhash.hash(shingles)))
///     std::printf("%llu at %u bits\n", (unsigned long long)m.id, m.distance);
/// @endcode
#pragma once

#include <samestory/export.hpp>
#include <samestory/query.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace samestory {

/// Options of a simhash_index; validated by its constructor.
struct simhash_index_options {
  /// k: the largest Hamming distance a query is guaranteed to find (0..31).
  std::uint32_t max_distance = 6;
  /// B: how many blocks the 64 bits are cut into, more than max_distance and
  /// at most 64; C(B, k) tables of (B - k)·64/B key bits each. 0 picks the
  /// smallest B whose keys have at least 16 bits (fewest tables).
  std::uint32_t blocks = 0;
  /// The fingerprint of the settings the stored SimHashes were made with
  /// (simhasher::fingerprint() of the weighting used). The index stores raw
  /// 64-bit values and cannot check them; it saves this and load() refuses a
  /// file made with another. 0 = not stated.
  std::uint64_t signature_fingerprint = 0;
};

/// One fingerprint a SimHash query found.
struct simhash_match {
  document_id id = 0;          ///< the stored document
  std::uint32_t distance = 0;  ///< Hamming distance to the query, 0..64
  std::int64_t time = 0;       ///< the time the document was inserted with
};

/// Permuted-table index of 64-bit SimHash fingerprints; see the file comment.
class SAMESTORY_API simhash_index {
 public:
  /// @throws invalid_options_error when max_distance > 31, blocks is not in
  ///         (max_distance, 64], or the choice needs more than 4096 tables
  explicit simhash_index(const simhash_index_options& options = {});
  ~simhash_index();
  /// Takes over the other index's documents and tables; the moved-from index
  /// may only be assigned to or destroyed.
  simhash_index(simhash_index&&) noexcept;
  /// Takes over the other index's documents and tables, releasing this one's.
  /// @return *this
  simhash_index& operator=(simhash_index&&) noexcept;
  simhash_index(const simhash_index&) = delete;
  simhash_index& operator=(const simhash_index&) = delete;

  /// Adds a document, or replaces the one stored under the same id.
  /// @param id the caller's id
  /// @param fingerprint its 64-bit SimHash
  /// @param time any monotone clock; evict_older_than() compares against it
  void insert(document_id id, std::uint64_t fingerprint, std::int64_t time = 0);

  /// Every stored fingerprint within `max_distance` bits, nearest first (ties by id).
  /// @param fingerprint the query document's SimHash (need not be stored)
  /// @param max_distance at most options().max_distance; the default uses it
  /// @param limit at most this many matches, the nearest
  /// @throws error (invalid_argument) when max_distance exceeds the index's k
  std::vector<simhash_match> query(
      std::uint64_t fingerprint,
      std::uint32_t max_distance = std::numeric_limits<std::uint32_t>::max(),
      std::size_t limit = std::numeric_limits<std::size_t>::max()) const;

  /// query() into a caller's vector, reusing its capacity.
  void query_into(std::uint64_t fingerprint, std::uint32_t max_distance, std::size_t limit,
                  std::vector<simhash_match>& out) const;

  /// Removes a document. @return false when the id is not stored
  bool remove(document_id id);
  /// Removes many documents. @return how many were stored
  std::size_t remove(std::span<const document_id> ids);
  /// Removes every document whose time is before `cutoff`. @return how many
  std::size_t evict_older_than(std::int64_t cutoff);

  /// @return true when the id is stored
  bool contains(document_id id) const;
  /// @return the number of stored documents
  std::size_t size() const;
  /// @return heap bytes held by the index (capacities, not sizes)
  std::size_t memory_bytes() const;
  /// Serializes the index (docs/format.md, object kind 6): its options and,
  /// per document in id order, id, time and fingerprint (24 bytes); tables
  /// are rebuilt by load().
  /// @return the saved bytes
  std::string save() const;
  /// save(), written atomically and durably (write_file_atomically()).
  /// @throws io_error when the file cannot be written
  void save_file(const std::filesystem::path& file) const;
  /// Reads bytes written by save(), refusing a file made with other options.
  /// @param bytes exactly one saved index
  /// @param options what the caller will query with (blocks 0 = resolved as usual)
  /// @throws format_error on truncated, corrupted or foreign bytes (with the offset)
  /// @throws settings_mismatch_error naming the first option that differs
  static simhash_index load(std::string_view bytes, const simhash_index_options& options = {});
  /// load() of a whole file. @throws io_error, and as load()
  static simhash_index load_file(const std::filesystem::path& file,
                                 const simhash_index_options& options = {});

  /// @return the options, with blocks resolved when it was 0
  simhash_index_options options() const noexcept;
  /// @return the number of tables, C(blocks, max_distance)
  std::size_t tables() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace samestory
