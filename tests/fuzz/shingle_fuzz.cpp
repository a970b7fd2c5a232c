// Fuzz target: the text pipeline (text_pipeline.hpp) into shingles
// (shingle.hpp), MinHash and b-bit signatures (minhash.hpp, bbit_minhash.hpp)
// and SimHash (simhash.hpp).
//
// The first input byte picks the options, the rest is the document:
//   bits 0-1  cjk_n  1, 2, 3 or 16       bit 4  cross_breaks
//   bits 2-3  word_n 1, 2, 3 or 16       bit 5  strip_chrome
//   bits 6-7  MinHash k 1, 7, 64 or 128 (both schemes are always run)
// Checked: process() and the shingles() hot path agree; the shingler's
// count, hash, spans and counted views agree; offsets lead back into the
// input; the strict pipeline refuses exactly the ill-formed inputs, at
// check_utf8's offset; signatures ignore order and duplicates, pack, estimate
// and serialize consistently; SimHash's three ways of voting agree.
#include <samestory/bbit_minhash.hpp>
#include <samestory/error.hpp>
#include <samestory/minhash.hpp>
#include <samestory/shingle.hpp>
#include <samestory/simhash.hpp>
#include <samestory/text_pipeline.hpp>
#include <samestory/utf8.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"

namespace {

using samestory::minhash_scheme;
using samestory::minhash_signature;
using samestory::minhasher;
using samestory::processed_text;
using samestory::text_pipeline;
using samestory::utf8_policy;

constexpr std::uint32_t n_choices[] = {1, 2, 3, 16};
constexpr std::uint32_t k_choices[] = {1, 7, 64, 128};

const text_pipeline& pipeline_for(std::uint8_t selector) {
  // Built lazily and kept: a pipeline owns normalizers, which are cheap to
  // copy but whose table lookup takes a lock.
  static std::array<std::unique_ptr<text_pipeline>, 64> cache;
  std::unique_ptr<text_pipeline>& slot = cache[selector & 63u];
  if (!slot) {
    samestory::text_pipeline_options o;
    o.normalize.utf8 = utf8_policy::lenient;
    o.shingle.cjk_n = n_choices[selector & 3u];
    o.shingle.word_n = n_choices[(selector >> 2) & 3u];
    o.shingle.cross_breaks = (selector & 16u) != 0;
    o.strip_chrome = (selector & 32u) != 0;
    slot = std::make_unique<text_pipeline>(o);
  }
  return *slot;
}

const minhasher& minhasher_for(std::uint8_t selector, minhash_scheme scheme) {
  static std::array<std::unique_ptr<minhasher>, 8> cache;
  const std::size_t k_index = (selector >> 6) & 3u;
  const std::size_t index = k_index * 2 + (scheme == minhash_scheme::classic ? 0 : 1);
  if (!cache[index]) {
    samestory::minhash_options o;
    o.num_hashes = k_choices[k_index];
    o.scheme = scheme;
    o.seed = 0x5eed;
    cache[index] = std::make_unique<minhasher>(o, 42);
  }
  return *cache[index];
}

void check_shingles(const text_pipeline& pipeline, std::string_view doc, const processed_text& p) {
  const samestory::shingler& sh = pipeline.text_shingler();
  const std::vector<std::uint64_t>& hashes = p.shingles;
  const std::size_t n = hashes.size();
  const samestory::normalized_text& text = p.normalized;

  // Offsets were led back from the body into the input.
  SAMESTORY_FUZZ_CHECK(text.offsets.size() == text.text.size() + 1);
  for (std::size_t i = 0; i < text.offsets.size(); ++i) {
    SAMESTORY_FUZZ_CHECK(text.offsets[i] <= doc.size());
    if (i > 0) SAMESTORY_FUZZ_CHECK(text.offsets[i - 1] <= text.offsets[i]);
  }

  std::vector<std::uint64_t> fast;
  pipeline.shingles(doc, fast);
  SAMESTORY_FUZZ_CHECK(fast == hashes);

  SAMESTORY_FUZZ_CHECK(sh.count(text) == n);
  SAMESTORY_FUZZ_CHECK(n <= text.text.size());
  SAMESTORY_FUZZ_CHECK((n == 0) == text.text.empty());
  std::vector<std::uint64_t> exact(n);
  SAMESTORY_FUZZ_CHECK(sh.hash(text, std::span<std::uint64_t>(exact)) == n);
  SAMESTORY_FUZZ_CHECK(exact == hashes);
  if (n > 0) {
    bool refused = false;
    try {
      (void)sh.hash(text, std::span<std::uint64_t>(exact.data(), n - 1));
    } catch (const samestory::error& e) {
      refused = e.code() == samestory::error_code::invalid_argument;
    }
    SAMESTORY_FUZZ_CHECK(refused);
  }

  std::vector<samestory::shingle_span> spans;
  sh.spans(text, spans);
  SAMESTORY_FUZZ_CHECK(spans.size() == n);
  for (const samestory::shingle_span& s : spans) {
    SAMESTORY_FUZZ_CHECK(s.begin < s.end && s.end <= text.text.size());
  }

  std::vector<samestory::counted_shingle> counted;
  sh.counted(text, counted);
  std::size_t total = 0;
  for (std::size_t i = 0; i < counted.size(); ++i) {
    SAMESTORY_FUZZ_CHECK(counted[i].count >= 1);
    if (i > 0) SAMESTORY_FUZZ_CHECK(counted[i - 1].hash < counted[i].hash);
    total += counted[i].count;
  }
  SAMESTORY_FUZZ_CHECK(total == n);
}

void check_minhash(const minhasher& hasher, const std::vector<std::uint64_t>& hashes,
                   std::size_t distinct) {
  const minhash_signature sig = hasher.sign(hashes);
  const std::uint32_t k = hasher.num_hashes();
  SAMESTORY_FUZZ_CHECK(sig.num_hashes() == k);
  SAMESTORY_FUZZ_CHECK(sig.fingerprint() == hasher.fingerprint());
  SAMESTORY_FUZZ_CHECK(sig.is_empty() == hashes.empty());
  SAMESTORY_FUZZ_CHECK(sig.set_size() == distinct);
  if (sig.is_empty()) {
    for (const std::uint32_t v : sig.values()) SAMESTORY_FUZZ_CHECK(v == 0xFFFFFFFFu);
  }

  // Order and duplicates do not matter: the sorted distinct set signs the same.
  std::vector<std::uint64_t> set = hashes;
  std::sort(set.begin(), set.end());
  set.erase(std::unique(set.begin(), set.end()), set.end());
  SAMESTORY_FUZZ_CHECK(hasher.sign(set) == sig);

  std::vector<std::uint32_t> into(k);
  hasher.sign_into(hashes, into);
  SAMESTORY_FUZZ_CHECK(std::equal(into.begin(), into.end(), sig.values().begin()));
  const std::span<const std::uint64_t> docs[] = {hashes, {}};
  std::vector<std::uint32_t> batch(2 * std::size_t{k});
  hasher.sign_batch(docs, batch, 1);
  SAMESTORY_FUZZ_CHECK(std::equal(into.begin(), into.end(), batch.begin()));
  for (std::size_t i = k; i < batch.size(); ++i) SAMESTORY_FUZZ_CHECK(batch[i] == 0xFFFFFFFFu);

  const samestory::jaccard_estimate self = samestory::estimate_jaccard(sig, sig);
  SAMESTORY_FUZZ_CHECK(self.compared == k || sig.is_empty());
  SAMESTORY_FUZZ_CHECK(sig.is_empty() ? self.matches == 0 && self.estimate == 0.0
                                      : self.matches == k && self.estimate == 1.0);

  const std::string bytes = sig.serialize();
  SAMESTORY_FUZZ_CHECK(minhash_signature::deserialize(bytes) == sig);

  for (const unsigned b : {1u, 2u, 4u, 8u, 16u}) {
    const samestory::bbit_signature packed = samestory::bbit_signature::pack(sig, b);
    SAMESTORY_FUZZ_CHECK(packed.num_hashes() == k && packed.bits() == b);
    SAMESTORY_FUZZ_CHECK(packed.bytes().size() == (std::size_t{k} * b + 7) / 8);
    const std::uint32_t mask = (1u << b) - 1u;
    for (std::size_t i = 0; i < k; ++i) {
      SAMESTORY_FUZZ_CHECK(packed.value(i) == (sig.values()[i] & mask));
    }
    SAMESTORY_FUZZ_CHECK(samestory::bbit_signature::deserialize(packed.serialize()) == packed);
    const samestory::jaccard_estimate e = samestory::estimate_jaccard(packed, packed);
    SAMESTORY_FUZZ_CHECK(sig.is_empty() ? e.matches == 0 : e.matches == k && e.estimate == 1.0);
  }
}

void check_simhash(const std::vector<std::uint64_t>& hashes,
                   const std::vector<samestory::counted_shingle>& counted) {
  static const samestory::simhasher binary({samestory::simhash_weighting::binary, 7}, 42);
  static const samestory::simhasher raw({samestory::simhash_weighting::raw_count, 7}, 42);
  static const samestory::simhasher sublinear({samestory::simhash_weighting::sublinear_tf, 7}, 42);

  const std::uint64_t positions = binary.hash(hashes);
  // Unweighted votes over positions are count-weighted votes over distinct
  // features, and weight-1 votes from hash_weighted.
  SAMESTORY_FUZZ_CHECK(raw.hash(std::span<const samestory::counted_shingle>(counted)) == positions);
  const std::vector<float> ones(hashes.size(), 1.0f);
  SAMESTORY_FUZZ_CHECK(binary.hash_weighted(hashes, ones) == positions);
  if (hashes.empty()) SAMESTORY_FUZZ_CHECK(positions == 0);

  for (const samestory::simhasher* h : {&binary, &raw, &sublinear}) {
    const samestory::simhash_signature by_position = h->sign(hashes);
    SAMESTORY_FUZZ_CHECK(by_position.value == positions);
    SAMESTORY_FUZZ_CHECK(by_position.weighting == samestory::simhash_weighting::raw_count);
    const samestory::simhash_signature by_count =
        h->sign(std::span<const samestory::counted_shingle>(counted));
    SAMESTORY_FUZZ_CHECK(by_count.weighting == h->options().weighting);
    SAMESTORY_FUZZ_CHECK(by_count.fingerprint == h->fingerprint(h->options().weighting));
    for (const samestory::simhash_signature& s : {by_position, by_count}) {
      SAMESTORY_FUZZ_CHECK(samestory::simhash_signature::deserialize(s.serialize()) == s);
      SAMESTORY_FUZZ_CHECK(samestory::compare_distance(s, s) == 0);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::uint8_t selector = size > 0 ? data[0] : 0;
  const std::string_view doc = samestory::fuzz::as_bytes(data, size).substr(size > 0 ? 1 : 0);

  const text_pipeline& pipeline = pipeline_for(selector);
  static processed_text p;  // reused: process() must not leak the previous document
  pipeline.process(doc, p);
  check_shingles(pipeline, doc, p);

  // A strict pipeline refuses exactly the ill-formed documents, at the offset
  // in the document (not in the body chrome removal extracted).
  static const text_pipeline strict;
  const samestory::utf8_check utf8 = samestory::check_utf8(doc);
  std::vector<std::uint64_t> strict_hashes;
  bool refused = false;
  try {
    strict.shingles(doc, strict_hashes);
  } catch (const samestory::invalid_utf8_error& e) {
    refused = true;
    SAMESTORY_FUZZ_CHECK(e.byte_offset() == utf8.error_offset);
  }
  SAMESTORY_FUZZ_CHECK(refused == !utf8.ok);

  std::vector<samestory::counted_shingle> counted;
  pipeline.text_shingler().counted(p.normalized, counted);
  check_minhash(minhasher_for(selector, minhash_scheme::classic), p.shingles, counted.size());
  check_minhash(minhasher_for(selector, minhash_scheme::one_permutation), p.shingles,
                counted.size());
  check_simhash(p.shingles, counted);
  return 0;
}
