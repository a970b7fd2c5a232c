/// @file document_index.hpp
/// A near-duplicate index keyed by the caller's strings (URLs, database
/// keys): text in, matches by key out, saved and loaded as one file.
///
/// It bundles the pieces a crawler otherwise wires together itself: the text
/// pipeline, a minhasher, an lsh_index banded for the threshold (tune_lsh),
/// and the map between the caller's keys and the index's numeric ids. It is
/// what `samestory index build|query` runs.
///
/// Example:
/// @code
///   samestory::document_index index;  // Jaccard ≥ 0.5
///   index.add("https://a.example/1", page_text);
///   for (const auto& m : index.query(other_text))
///     std::printf("%s %.2f\n", m.key.c_str(), m.jaccard);
///   index.save_file("seen.smst");  // atomic
/// @endcode
///
/// Shared: constructed with redis_options, the documents live in Redis under
/// a name that processes on many machines open together (redis_store.hpp,
/// docs/redis.md). Keys then map to ids by a 64-bit hash (XXH3), so every
/// process agrees on them without coordination; the key is stored with its
/// document and returned from there. Two keys with the same hash would share
/// one slot (the later add replaces the earlier document): about one chance
/// in 3,700 at 100 million keys.
///
/// Thread safety: every method may be called from any thread; queries run
/// in parallel, add() and remove() are exclusive.
#pragma once

#include <samestory/export.hpp>
#include <samestory/redis_store.hpp>
#include <samestory/text_pipeline.hpp>

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

/// Options of a document_index; all of them are saved, and load() refuses
/// a file made with others.
struct document_index_options {
  /// Smallest estimated Jaccard similarity a match has; the LSH banding is
  /// tuned for it (recall ≥ 0.99 at the threshold). In (0, 1).
  double threshold = 0.5;
  std::uint32_t num_hashes = 128;  ///< MinHash k
  std::uint64_t seed = 0;          ///< MinHash seed
  text_pipeline_options pipeline;  ///< normalization, chrome removal, shingles
};

/// One stored document a query found.
struct keyed_match {
  std::string key;           ///< the key it was added under
  double jaccard = 0.0;      ///< estimated Jaccard similarity with the query
  double containment = 0.0;  ///< estimated share of the smaller one found in the larger
};

/// A string-keyed near-duplicate index; see the file comment.
class SAMESTORY_API document_index {
 public:
  /// @throws invalid_options_error for out-of-range options
  explicit document_index(const document_index_options& options = {});
  /// Opens the index named store.name in Redis, creating it when absent.
  /// @param options must equal the options the index was created with
  /// @param store the server or cluster and the index's name
  /// @throws settings_mismatch_error naming the first option that differs
  /// @throws store_error when Redis cannot be reached (after store.retries)
  /// @throws invalid_options_error for out-of-range options or an invalid name
  document_index(const document_index_options& options, const redis_options& store);
  ~document_index();
  /// Takes over the other index; the moved-from one may only be assigned to or destroyed.
  document_index(document_index&&) noexcept;
  /// As the move constructor. @return *this
  document_index& operator=(document_index&&) noexcept;
  document_index(const document_index&) = delete;
  document_index& operator=(const document_index&) = delete;

  /// Adds a document, or replaces the one stored under the same key. A text
  /// without letters or digits is stored and never matches.
  /// @param key any bytes, at most 65,535 of them
  /// @param text the page or article as crawled
  /// @param time any monotone clock (e.g. Unix seconds), for evict_older_than()
  /// @throws invalid_utf8_error, limit_exceeded_error as text_pipeline::process;
  ///         error (invalid_argument) for a longer key
  void add(std::string_view key, std::string_view text, std::int64_t time = 0);

  /// add() of many documents at once: on Redis one pipelined round trip per
  /// node for the batch. A later duplicate key wins.
  /// @param keys one per document
  /// @param texts one per document
  /// @param times one per document, or empty for all 0
  /// @throws error (invalid_argument) when the counts differ; as add()
  void add_batch(std::span<const std::string_view> keys, std::span<const std::string_view> texts,
                 std::span<const std::int64_t> times = {});

  /// Stored documents whose estimated Jaccard with `text` reaches the
  /// threshold, best first (ties by key).
  /// @param text the page or article as crawled (need not be stored)
  /// @param limit at most this many
  /// @throws as add()
  std::vector<keyed_match> query(std::string_view text,
                                 std::size_t limit = std::numeric_limits<std::size_t>::max()) const;

  /// Removes a document. @return false when the key is not stored
  bool remove(std::string_view key);
  /// Removes documents added with a time before `cutoff`. @return how many
  std::size_t evict_older_than(std::int64_t cutoff);
  /// @return true when the key is stored
  bool contains(std::string_view key) const;
  /// @return documents stored
  std::size_t size() const;

  /// Serializes the index (docs/format.md, object kind 9): the options, the
  /// keys, and the lsh_index nested whole. An index on Redis is kept by Redis
  /// itself (AOF or RDB).
  /// @throws error (invalid_argument) for an index on Redis
  std::string save() const;
  /// save(), written atomically and durably (write_file_atomically()).
  /// @throws io_error when the file cannot be written
  void save_file(const std::filesystem::path& file) const;
  /// Reads bytes written by save().
  /// @param bytes exactly one saved document_index
  /// @param options must equal the ones the file was made with
  /// @throws format_error on truncated, corrupted or foreign bytes
  /// @throws settings_mismatch_error naming the first option that differs
  static document_index load(std::string_view bytes, const document_index_options& options = {});
  /// load() of a whole file. @throws io_error, and as load()
  static document_index load_file(const std::filesystem::path& file,
                                  const document_index_options& options = {});

  /// @return the options in force
  const document_index_options& options() const noexcept;
  /// @return true when the documents are kept in Redis
  bool is_shared() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace samestory
