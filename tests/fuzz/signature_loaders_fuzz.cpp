// Fuzz target: every reader of a saved signature or statistics object
// (docs/format.md). Each input goes to all four readers; the envelope's
// object kind makes at most one of them read past the header, so one target
// covers them at the cost of three early refusals. Each input is tried as it
// is and with its envelope's length and checksum made to fit
// (with_valid_envelope in fuzz_check.hpp). Each reader must either return an
// object that re-serializes to exactly the input or throw format_error
// (check_loader); a loaded object must also be usable: estimates against
// itself, b-bit packing, statistics queries.
#include <samestory/bbit_minhash.hpp>
#include <samestory/chrome.hpp>
#include <samestory/error.hpp>
#include <samestory/minhash.hpp>
#include <samestory/simhash.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"

namespace {

using samestory::bbit_signature;
using samestory::chrome_statistics;
using samestory::minhash_signature;
using samestory::simhash_signature;
using samestory::fuzz::check_loader;

void use(const minhash_signature& s) {
  SAMESTORY_FUZZ_CHECK(s.num_hashes() >= 1 && s.values().size() == s.num_hashes());
  const samestory::jaccard_estimate e = samestory::estimate_jaccard(s, s);
  SAMESTORY_FUZZ_CHECK(s.is_empty() ? e.matches == 0 : e.matches == s.num_hashes());
  (void)samestory::estimate_containment(s, s);
  const bbit_signature packed = bbit_signature::pack(s, 4);
  SAMESTORY_FUZZ_CHECK(bbit_signature::deserialize(packed.serialize()) == packed);
}

void use(const bbit_signature& s) {
  const std::uint32_t limit = (std::uint32_t{1} << s.bits()) - 1u;  // b <= 16
  for (std::size_t i = 0; i < s.num_hashes(); ++i) SAMESTORY_FUZZ_CHECK(s.value(i) <= limit);
  const samestory::jaccard_estimate e = samestory::estimate_jaccard(s, s);
  SAMESTORY_FUZZ_CHECK(e.estimate >= 0.0 && e.estimate <= 1.0);
}

void use(const chrome_statistics& s) {
  (void)s.documents("a.example");
  (void)s.line_documents("a.example", "Home | News | Sport");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string as_is(samestory::fuzz::as_bytes(data, size));
  // Also with the length and checksum made to fit, so that mutations reach
  // each payload's own checks instead of stopping at the checksum.
  const std::string fixed = samestory::fuzz::with_valid_envelope(as_is);
  for (const std::string* input : {&as_is, &fixed}) {
    if (input == &fixed && fixed == as_is) break;
    const std::string_view bytes = *input;
    if (check_loader(
            bytes, [](std::string_view b) { return minhash_signature::deserialize(b); },
            [](const minhash_signature& s) { return s.serialize(); })) {
      use(minhash_signature::deserialize(bytes));
    }
    if (check_loader(
            bytes, [](std::string_view b) { return bbit_signature::deserialize(b); },
            [](const bbit_signature& s) { return s.serialize(); })) {
      use(bbit_signature::deserialize(bytes));
    }
    check_loader(
        bytes, [](std::string_view b) { return simhash_signature::deserialize(b); },
        [](const simhash_signature& s) { return s.serialize(); });
    if (check_loader(
            bytes, [](std::string_view b) { return chrome_statistics::load(b); },
            [](const chrome_statistics& s) { return s.save(); })) {
      use(chrome_statistics::load(bytes));
    }
  }
  return 0;
}
