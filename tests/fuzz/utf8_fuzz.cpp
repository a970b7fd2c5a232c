// Fuzz target: UTF-8 checking and repair (utf8.hpp) against a reference
// decoder written directly from the Unicode Standard's table 3-7, a table of
// byte ranges rather than the library's branches, so the two share no code.
// check_utf8, validate_utf8 and repair_utf8 must agree with it and with each
// other on where the first ill-formed sequence starts and how long each
// maximal subpart is.
#include <samestory/error.hpp>
#include <samestory/utf8.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"

namespace {

// Table 3-7, "Well-Formed UTF-8 Byte Sequences": per range of lead bytes, the
// sequence length and the allowed range of the second byte; bytes after the
// second are always 80..BF.
struct lead_row {
  unsigned lead_lo, lead_hi, length, second_lo, second_hi;
};
constexpr lead_row table_3_7[] = {
    {0x00, 0x7F, 1, 0x00, 0x00}, {0xC2, 0xDF, 2, 0x80, 0xBF}, {0xE0, 0xE0, 3, 0xA0, 0xBF},
    {0xE1, 0xEC, 3, 0x80, 0xBF}, {0xED, 0xED, 3, 0x80, 0x9F}, {0xEE, 0xEF, 3, 0x80, 0xBF},
    {0xF0, 0xF0, 4, 0x90, 0xBF}, {0xF1, 0xF3, 4, 0x80, 0xBF}, {0xF4, 0xF4, 4, 0x80, 0x8F},
};

struct reference_step {
  bool ok;
  std::size_t length;  // the sequence, or its maximal ill-formed subpart (>= 1)
};

// The maximal subpart is the longest prefix that could still begin a
// well-formed sequence (Unicode 3.9, definition D93b); a lead byte no row
// admits is a subpart of one byte.
reference_step reference_decode(std::string_view s, std::size_t at) {
  const auto lead = static_cast<unsigned char>(s[at]);
  for (const lead_row& row : table_3_7) {
    if (lead < row.lead_lo || lead > row.lead_hi) continue;
    std::size_t n = 1;
    for (; n < row.length; ++n) {
      if (at + n >= s.size()) return {false, n};
      const auto b = static_cast<unsigned char>(s[at + n]);
      const unsigned lo = n == 1 ? row.second_lo : 0x80u;
      const unsigned hi = n == 1 ? row.second_hi : 0xBFu;
      if (b < lo || b > hi) return {false, n};
    }
    return {true, n};
  }
  return {false, 1};
}

struct reference_result {
  bool ok = true;
  std::size_t first_offset = 0;
  std::size_t first_length = 0;
  std::size_t subparts = 0;
  std::string repaired;  // each maximal subpart replaced by U+FFFD
};

reference_result reference_scan(std::string_view s) {
  reference_result r;
  for (std::size_t at = 0; at < s.size();) {
    const reference_step step = reference_decode(s, at);
    if (step.ok) {
      r.repaired.append(s.substr(at, step.length));
    } else {
      if (r.ok) {
        r.ok = false;
        r.first_offset = at;
        r.first_length = step.length;
      }
      ++r.subparts;
      r.repaired.append("\xEF\xBF\xBD");
    }
    at += step.length;
  }
  return r;
}

void check(std::string_view s) {
  const reference_result ref = reference_scan(s);

  const samestory::utf8_check c = samestory::check_utf8(s);
  SAMESTORY_FUZZ_CHECK(c.ok == ref.ok);
  SAMESTORY_FUZZ_CHECK(c.reason != nullptr);
  if (!c.ok) {
    SAMESTORY_FUZZ_CHECK(c.error_offset == ref.first_offset);
    SAMESTORY_FUZZ_CHECK(c.error_length == ref.first_length);
    SAMESTORY_FUZZ_CHECK(*c.reason != '\0');
  }

  bool threw = false;
  try {
    samestory::validate_utf8(s);
  } catch (const samestory::invalid_utf8_error& e) {
    threw = true;
    SAMESTORY_FUZZ_CHECK(e.code() == samestory::error_code::invalid_utf8);
    SAMESTORY_FUZZ_CHECK(e.byte_offset() == c.error_offset);
  } catch (...) {
    samestory::fuzz::fail_unexpected_exception(__FILE__, __LINE__, "validate_utf8");
  }
  SAMESTORY_FUZZ_CHECK(threw == !c.ok);

  // `out` is replaced, not appended to: start it with the last input's output.
  static std::string out;
  const std::size_t replaced = samestory::repair_utf8(s, out);
  SAMESTORY_FUZZ_CHECK(replaced == ref.subparts);
  SAMESTORY_FUZZ_CHECK(out == ref.repaired);
  SAMESTORY_FUZZ_CHECK(samestory::check_utf8(out).ok);
  std::string again;
  SAMESTORY_FUZZ_CHECK(samestory::repair_utf8(out, again) == 0);
  SAMESTORY_FUZZ_CHECK(again == out);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view s = samestory::fuzz::as_bytes(data, size);
  check(s);
  // Again from an odd address: the ASCII fast path reads eight bytes at a time.
  if (!s.empty()) check(s.substr(1));
  return 0;
}
