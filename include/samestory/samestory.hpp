/// @file samestory.hpp
/// samestory: near-duplicate detection and story clustering for news crawlers.
///
/// The text side, in pipeline order:
/// - utf8.hpp: check_utf8(), validate_utf8(), repair_utf8()
/// - html.hpp: html_to_text() for crawled pages
/// - chrome.hpp: chrome_stripper removes navigation, related lists, widgets
/// - normalize.hpp: normalizer folds NFKC, case and Traditional→Simplified
/// - shingle.hpp: shingler cuts CJK character / word n-grams, hashes with XXH3
/// - text_pipeline.hpp: all of the above in one object
///
/// Signatures:
/// - minhash.hpp: minhasher (classic k-hash and one-permutation with optimal
///   densification), minhash_signature, estimate_jaccard, estimate_containment
/// - bbit_minhash.hpp: bbit_signature packs MinHash values to b bits (Li & König 2010)
/// - weighted_minhash.hpp: weighted_minhasher (ICWS, Ioffe 2010) for weighted Jaccard
/// - simhash.hpp: simhasher (64-bit, binary / count / sublinear-tf / caller
///   weights), hamming_distance, simhash_cosine
///
/// Indexes:
/// - lsh_tuner.hpp: tune_lsh() picks bands × rows for a threshold and states
///   the recall there; jaccard_for_containment()
/// - lsh_index.hpp: lsh_index, banded MinHash LSH with replace, remove,
///   time-window eviction, top-k and containment queries
/// - simhash_index.hpp: simhash_index, permuted tables for Hamming distance <= k
/// - brute_force_index.hpp: brute_force_index, the exact oracle
/// - query.hpp: document_id, query_options, match
///
/// Example:
/// @code
///   samestory::text_pipeline pipeline;
///   std::vector<std::uint64_t> a, b;
///   pipeline.shingles(page_a, a);
///   pipeline.shingles(page_b, b);
/// @endcode
/// Errors are exceptions derived from samestory::error (error.hpp).
#pragma once

#include <samestory/bbit_minhash.hpp>
#include <samestory/brute_force_index.hpp>
#include <samestory/chrome.hpp>
#include <samestory/cluster.hpp>
#include <samestory/compare.hpp>
#include <samestory/dateline.hpp>
#include <samestory/document_index.hpp>
#include <samestory/durable_cluster.hpp>
#include <samestory/error.hpp>
#include <samestory/evaluate.hpp>
#include <samestory/html.hpp>
#include <samestory/io.hpp>
#include <samestory/jsonl.hpp>
#include <samestory/lsh_index.hpp>
#include <samestory/lsh_tuner.hpp>
#include <samestory/minhash.hpp>
#include <samestory/normalize.hpp>
#include <samestory/online_cluster.hpp>
#include <samestory/query.hpp>
#include <samestory/shingle.hpp>
#include <samestory/simhash.hpp>
#include <samestory/simhash_index.hpp>
#include <samestory/story_terms.hpp>
#include <samestory/text_pipeline.hpp>
#include <samestory/utf8.hpp>
#include <samestory/version.hpp>
#include <samestory/weighted_minhash.hpp>
