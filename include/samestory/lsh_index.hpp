/// @file lsh_index.hpp
/// An index of MinHash signatures that finds near-duplicates of a document in
/// time independent of the number of documents: locality-sensitive hashing
/// by banding (Indyk & Motwani 1998; Broder 1997; the b × r banding of
/// Rajaraman & Ullman, Mining of Massive Datasets, ch. 3).
///
/// The k signature values are cut into b bands of r rows; two documents
/// become candidates when all r values of at least one band agree, which
/// happens with probability 1 - (1 - J^r)^b for Jaccard J (lsh_tuner.hpp
/// picks b and r for a threshold and states the recall there). Each candidate
/// is then scored by the share of equal values over all k positions.
///
/// Storage is flat: per document its id, time, set size and the low 16 bits
/// of each signature value; per band one open-addressing table of 8-byte
/// (tag, slot) entries. At k = 128 and 32 bands that is about 650 bytes per
/// document (memory_bytes() reports the exact figure). Keeping 16 of the 32
/// bits changes an estimate by at most 2^-16 per position, and the chance
/// agreement is subtracted.
///
/// Storage is chosen at construction: in this process's memory (the
/// default), or in Redis under a name (redis_store.hpp), where many processes
/// on many machines share it. Both give the same answers; with Redis each
/// call is one or a few pipelined round trips per node, so batch calls
/// (insert_batch, query_batch, remove of many) are the fast path, and every
/// match is verified against the stored signature (docs/redis.md).
///
/// Thread safety: every method may be called from any thread at any time.
/// In memory, queries share a lock and run in parallel; insert, remove and
/// eviction take it exclusively, and insert_batch() fills the band tables on
/// several threads. On Redis, calls on one object are serialized over its
/// connections; open one object per thread for parallel round trips.
///
/// Example:
/// @code
///   samestory::minhasher hasher({}, pipeline.fingerprint());
///   samestory::lsh_index index(samestory::tune_lsh({.threshold = 0.5}).parameters, hasher);
///   index.insert(42, hasher.sign(shingles_of_page_42), crawl_time);
///   for (const samestory::match& m : index.query(hasher.sign(shingles), {.min_jaccard = 0.5}))
///     std::printf("%llu %.2f\n", (unsigned long long)m.id, m.jaccard);
/// @endcode
#pragma once

#include <samestory/export.hpp>
#include <samestory/lsh_tuner.hpp>
#include <samestory/minhash.hpp>
#include <samestory/query.hpp>
#include <samestory/redis_store.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace samestory {

/// Banding LSH over MinHash signatures; see the file comment.
class SAMESTORY_API lsh_index {
 public:
  /// @param parameters b bands × r rows; b·r must not exceed the signature length
  /// @param hasher the minhasher whose signatures this index accepts (its k and
  ///        fingerprint are kept; signatures of other settings are refused)
  /// @throws invalid_options_error when bands or rows is 0, b·r > k, or b > 1024
  lsh_index(lsh_parameters parameters, const minhasher& hasher);
  /// @param parameters b bands × r rows
  /// @param num_hashes k of the accepted signatures
  /// @param signature_fingerprint minhash_signature::fingerprint() of accepted signatures
  lsh_index(lsh_parameters parameters, std::uint32_t num_hashes,
            std::uint64_t signature_fingerprint);
  /// Opens the index named store.name in Redis, creating it when absent. The
  /// settings (b, r, k, fingerprint) are stored with it; every process that
  /// opens the name must use the same ones.
  /// @param parameters b bands × r rows
  /// @param hasher the minhasher whose signatures this index accepts
  /// @param store the server or cluster and the index's name
  /// @throws settings_mismatch_error when the stored index has other settings
  /// @throws store_error when Redis cannot be reached (after store.retries)
  /// @throws invalid_options_error as above, or for an invalid name
  lsh_index(lsh_parameters parameters, const minhasher& hasher, const redis_options& store);
  /// As above, with k and the signature fingerprint given directly.
  /// @param parameters b bands × r rows
  /// @param num_hashes k of the accepted signatures
  /// @param signature_fingerprint minhash_signature::fingerprint() of accepted signatures
  /// @param store the server or cluster and the index's name
  lsh_index(lsh_parameters parameters, std::uint32_t num_hashes,
            std::uint64_t signature_fingerprint, const redis_options& store);
  ~lsh_index();
  /// Takes over the other index's documents and tables; the moved-from index
  /// may only be assigned to or destroyed.
  lsh_index(lsh_index&&) noexcept;
  /// Takes over the other index's documents and tables, releasing this one's.
  /// @return *this
  lsh_index& operator=(lsh_index&&) noexcept;
  lsh_index(const lsh_index&) = delete;
  lsh_index& operator=(const lsh_index&) = delete;

  /// Adds a document, or replaces the one stored under the same id (a
  /// re-fetched page). A signature of an empty set is stored but never matches.
  /// @param id the caller's id
  /// @param signature its MinHash signature
  /// @param time any monotone clock the caller likes (e.g. Unix seconds);
  ///        evict_older_than() compares against it
  /// @throws error (invalid_argument) when the signature was made with other settings
  void insert(document_id id, const minhash_signature& signature, std::int64_t time = 0);

  /// Adds or replaces many documents at once; the band tables are filled on
  /// up to `threads` threads (0 = hardware concurrency), one band per thread
  /// at a time. Equivalent to inserting in order: a later duplicate id wins.
  /// @throws error (invalid_argument) when the spans differ in length (times
  ///         may be empty: all 0) or a signature has other settings; nothing is
  ///         inserted then
  void insert_batch(std::span<const document_id> ids, std::span<const minhash_signature> signatures,
                    std::span<const std::int64_t> times = {}, unsigned threads = 0);

  /// Near-duplicates of a document, best first.
  /// @param signature the query document's signature (need not be stored)
  /// @param options minimum Jaccard / containment, limit, ranking, max_candidates
  /// @return the matches; a stored document with the query's values matches itself
  /// @throws error (invalid_argument) when the signature was made with other settings
  /// @throws limit_exceeded_error when more documents than options.max_candidates
  ///         share a band with the query
  /// @throws invalid_options_error when options.max_candidates is 0
  std::vector<match> query(const minhash_signature& signature,
                           const query_options& options = {}) const;

  /// query() into a caller's vector, reusing its capacity (the hot path).
  void query_into(const minhash_signature& signature, const query_options& options,
                  std::vector<match>& out) const;

  /// query() of many signatures at once: on Redis two pipelined round trips
  /// per node for the whole batch, in memory a loop.
  /// @param signatures the query documents
  /// @param options as query()
  /// @return one list of matches per signature, in order
  /// @throws as query()
  std::vector<std::vector<match>> query_batch(std::span<const minhash_signature> signatures,
                                              const query_options& options = {}) const;

  /// The `n` best matches: query() with options.limit = n.
  std::vector<match> query_top(const minhash_signature& signature, std::size_t n) const;

  /// Near-duplicates of a stored document, itself excluded.
  /// @return the matches; empty when the id is not stored
  /// @throws limit_exceeded_error, invalid_options_error as query()
  std::vector<match> query_id(document_id id, const query_options& options = {}) const;

  /// Every stored document that shares at least one band with the query, with
  /// no estimate and no filter, sorted by id: the raw LSH candidates (never limited).
  std::vector<document_id> candidates(const minhash_signature& signature) const;

  /// Removes a document. @return false when the id is not stored
  bool remove(document_id id);
  /// Removes many documents. @return how many were stored
  std::size_t remove(std::span<const document_id> ids);
  /// Removes every document whose time is before `cutoff` (news ages out).
  /// In memory an O(documents) scan plus O(b) per removed document; on Redis
  /// a walk of the time index, O(log N) plus O(b) per removed document, safe
  /// to run from any process at any time (the sweep of docs/redis.md).
  /// On Redis, times compare exactly up to ±2^53.
  /// @return how many were removed
  std::size_t evict_older_than(std::int64_t cutoff);

  /// Makes room for `documents` documents, so inserts up to that count never
  /// pause to grow a table (each growth re-places every entry of a band).
  /// Nothing on Redis.
  void reserve(std::size_t documents);

  /// @return true when the id is stored
  bool contains(document_id id) const;
  /// @return the stored documents' ids, in no particular order
  std::vector<document_id> ids() const;
  /// @return the number of stored documents
  std::size_t size() const;
  /// @return heap bytes held by the index in this process (capacities, not
  ///         sizes); on Redis only the client's, the server's is in INFO memory
  std::size_t memory_bytes() const;
  /// @return true when the documents are kept in Redis
  bool is_shared() const noexcept;
  /// Serializes the index (docs/format.md, object kind 5; on Redis a
  /// snapshot of every stored document, read in pipelined batches): the settings it
  /// was made with and, per document in id order, its id, time, set size and
  /// the 16-bit values it keeps. Band tables are not saved; load() rebuilds
  /// them, so the bytes do not depend on insertion history.
  /// @return the saved bytes, about (k·2 + 21) bytes per document
  std::string save() const;
  /// save(), written atomically and durably (write_file_atomically()).
  /// @throws io_error when the file cannot be written
  void save_file(const std::filesystem::path& file) const;

  /// Reads bytes written by save(). The caller states the settings it will
  /// query with; a file made with others is refused, never mixed in.
  /// @param bytes exactly one saved index
  /// @param parameters b and r the file must have been made with
  /// @param hasher the minhasher whose k and fingerprint the file must carry
  /// @throws format_error on truncated, corrupted or foreign bytes (with the offset)
  /// @throws settings_mismatch_error naming the first setting that differs
  static lsh_index load(std::string_view bytes, lsh_parameters parameters, const minhasher& hasher);
  /// As above, with k and the signature fingerprint given directly.
  static lsh_index load(std::string_view bytes, lsh_parameters parameters, std::uint32_t num_hashes,
                        std::uint64_t signature_fingerprint);
  /// load() of a whole file (read_file()).
  /// @throws io_error when the file cannot be read, and as load()
  static lsh_index load_file(const std::filesystem::path& file, lsh_parameters parameters,
                             const minhasher& hasher);

  /// @return b and r
  lsh_parameters parameters() const noexcept;
  /// @return k
  std::uint32_t num_hashes() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace samestory
