// Fuzz target: the readers of saved indexes (docs/format.md kinds 5, 6, 7 and
// 9): lsh_index, simhash_index, term_statistics and document_index. Every
// input goes to all four (the envelope's kind lets at most one read past the
// header), with the settings the seeds in corpus/state_loaders/ were made
// with (the golden files of tests/data/golden/), so mutations reach the
// payloads. Each reader must return an object that re-saves to exactly the
// input, or throw format_error; a loaded index must answer queries.
#include <samestory/document_index.hpp>
#include <samestory/error.hpp>
#include <samestory/lsh_index.hpp>
#include <samestory/minhash.hpp>
#include <samestory/simhash.hpp>
#include <samestory/simhash_index.hpp>
#include <samestory/story_terms.hpp>
#include <samestory/text_pipeline.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"

namespace {

using samestory::fuzz::check_loader;

// The settings of saved_state_test.cpp's small objects.
const samestory::text_pipeline& pipeline() {
  static const samestory::text_pipeline p;
  return p;
}

const samestory::minhasher& hasher() {
  static const samestory::minhasher h(
      [] {
        samestory::minhash_options o;
        o.num_hashes = 16;
        return o;
      }(),
      pipeline().fingerprint());
  return h;
}

samestory::simhash_index_options simhash_options() {
  samestory::simhash_index_options o;
  o.signature_fingerprint = samestory::simhasher({}, pipeline().fingerprint()).fingerprint({});
  return o;
}

samestory::document_index_options document_options() {
  samestory::document_index_options o;
  o.threshold = 0.6;
  o.num_hashes = 32;
  return o;
}

constexpr samestory::lsh_parameters banding{8, 2};

}  // namespace

namespace {

void run(std::string_view bytes) {
  if (check_loader(
          bytes,
          [](std::string_view b) { return samestory::lsh_index::load(b, banding, hasher()); },
          [](const samestory::lsh_index& i) { return i.save(); })) {
    const auto index = samestory::lsh_index::load(bytes, banding, hasher());
    for (const samestory::document_id id : index.ids()) {
      for (const samestory::match& m : index.query_id(id)) {
        SAMESTORY_FUZZ_CHECK(m.jaccard >= 0.0 && m.jaccard <= 1.0 && m.id != id);
      }
    }
  }
  if (check_loader(
          bytes,
          [](std::string_view b) { return samestory::simhash_index::load(b, simhash_options()); },
          [](const samestory::simhash_index& i) { return i.save(); })) {
    const auto index = samestory::simhash_index::load(bytes, simhash_options());
    for (const auto& m : index.query(0x0123456789abcdefULL)) SAMESTORY_FUZZ_CHECK(m.distance <= 6);
  }
  if (check_loader(
          bytes, [](std::string_view b) { return samestory::term_statistics::load(b); },
          [](const samestory::term_statistics& s) { return s.save(); })) {
    const auto stats = samestory::term_statistics::load(bytes);
    SAMESTORY_FUZZ_CHECK(stats.idf(12345) > 0.0);
  }
  if (check_loader(
          bytes,
          [](std::string_view b) { return samestory::document_index::load(b, document_options()); },
          [](const samestory::document_index& i) { return i.save(); })) {
    const auto index = samestory::document_index::load(bytes, document_options());
    (void)index.query("kalomi rutesa pon ive dozufa gehijo");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes = samestory::fuzz::as_bytes(data, size);
  run(bytes);
  // And past the checksum, into the payload parsers.
  const std::string fixed = samestory::fuzz::with_valid_envelope(bytes);
  if (fixed != bytes) run(fixed);
  return 0;
}
