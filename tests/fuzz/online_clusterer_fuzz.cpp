// Fuzz target: online_clusterer::load (docs/format.md kind 8), with the
// options of the seed in corpus/online_clusterer/ (saved_state_test.cpp's
// windowed clusterer). A loaded clusterer must re-save to exactly the input
// (a version 1 input: to version 2 bytes that load and re-save to
// themselves) and then take documents: a file that passes the reader's
// checks but makes add() look up a document or story that is not there is a
// reader bug.
#include <samestory/error.hpp>
#include <samestory/online_cluster.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"

namespace {

samestory::cluster_options options() {
  samestory::cluster_options o;
  o.time_window_seconds = 3 * 86400;
  return o;
}

void run(std::string_view bytes) {
  if (!samestory::fuzz::check_loader(
          bytes, [](std::string_view b) { return samestory::online_clusterer::load(b, options()); },
          [](const samestory::online_clusterer& c) { return c.save(); }, 2)) {
    return;
  }
  auto oc = samestory::online_clusterer::load(bytes, options());
  // Documents that are copies of held ones, new ones, and a headline.
  std::string text;
  for (const samestory::document_id id : oc.documents()) {
    SAMESTORY_FUZZ_CHECK(oc.find(id).has_value());
  }
  for (int i = 0; i < 3; ++i) {
    samestory::document d;
    d.id = 0xF00D0000u + static_cast<unsigned>(i);
    text += "kalomi rutesa ponive dozufa gehijo bukaso ";
    d.text = text;
    d.time = 1'700'000'000 + i * 3600;
    try {
      (void)oc.add(d);
    } catch (const samestory::error&) {
      // a limit or policy refusal is a documented outcome
    } catch (...) {
      samestory::fuzz::fail_unexpected_exception(__FILE__, __LINE__, "online_clusterer::add");
    }
  }
  (void)oc.stories();
  (void)oc.evict_older_than(1'700'000'000 + 7200);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes = samestory::fuzz::as_bytes(data, size);
  run(bytes);
  // And past the checksum, into the payload parser.
  const std::string fixed = samestory::fuzz::with_valid_envelope(bytes);
  if (fixed != bytes) run(fixed);
  return 0;
}
