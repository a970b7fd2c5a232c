/// @file query.hpp
/// What the indexes share: document ids, query options and the matches a
/// query returns. lsh_index (estimated similarity from MinHash signatures)
/// and brute_force_index (exact similarity from shingle sets) answer with the
/// same types, so one can stand in for the other and serve as its oracle.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>

namespace samestory {

/// A caller's document identifier, e.g. a database key or a hash of the URL.
using document_id = std::uint64_t;

/// The order in which a query returns its matches, best first.
enum class rank_by : std::uint8_t {
  jaccard = 1,      ///< by Jaccard similarity, then by id
  containment = 2,  ///< by containment, then by Jaccard, then by id
};

/// Filters and limits of a query. A match passes when both of its figures
/// reach their minimum.
struct query_options {
  /// Smallest Jaccard similarity |A∩B|/|A∪B| to return, in [0, 1].
  double min_jaccard = 0.0;
  /// Smallest containment |A∩B|/min(|A|,|B|) to return, in [0, 1]: the share
  /// of the smaller document found in the larger one, whichever of the two
  /// the query is (a short article quoted whole inside a long page scores 1).
  double min_containment = 0.0;
  /// At most this many matches, the best ones (top-k).
  std::size_t limit = std::numeric_limits<std::size_t>::max();
  /// What "best" means.
  rank_by order = rank_by::jaccard;
  /// Most candidates one query may examine, at least 1: stored documents
  /// sharing an LSH band with the query (lsh_index), or whose set size lets
  /// them reach min_jaccard (brute_force_index); query_id() does not count the
  /// document itself. More throw limit_exceeded_error naming
  /// "query_options::max_candidates", with no partial answer; lsh_index stops
  /// gathering early, so actual() may be below the full count. It bounds a
  /// query's time and scratch memory (4 bytes per band entry, 40 per match)
  /// when a flood of near-identical documents has been stored. Default: no
  /// limit, since a sane bound depends on the collection (an index of
  /// syndicated news may hold thousands of copies of one wire story).
  std::size_t max_candidates = std::numeric_limits<std::size_t>::max();
};

/// One document a query found.
struct match {
  document_id id = 0;          ///< the stored document
  double jaccard = 0.0;        ///< estimated (lsh_index) or exact (brute_force_index)
  double containment = 0.0;    ///< |A∩B|/min(|A|,|B|); 0 when a set size is unknown
  std::uint64_t set_size = 0;  ///< the stored document's distinct shingles (0 = unknown)
  std::int64_t time = 0;       ///< the time the document was inserted with
};

}  // namespace samestory
