// Internal: the fields minhash_signature and bbit_signature share in their
// saved payloads (docs/format.md), read in one place so both formats refuse
// the same bad values with the same messages.
#pragma once

#include <samestory/error.hpp>
#include <samestory/minhash.hpp>

#include <cstdint>
#include <string>

#include "binary_io.hpp"

namespace samestory::detail {

inline constexpr std::uint8_t signature_flag_empty = 1;

// The scheme byte: 1 classic, 2 one-permutation.
inline minhash_scheme read_minhash_scheme(byte_reader& r) {
  const std::size_t at = r.offset();
  const auto b = static_cast<std::uint8_t>(r.bytes(1, "scheme")[0]);
  if (b != static_cast<std::uint8_t>(minhash_scheme::classic) &&
      b != static_cast<std::uint8_t>(minhash_scheme::one_permutation)) {
    throw format_error(
        at, "expected MinHash scheme 1 or 2, actual " + std::to_string(static_cast<unsigned>(b)));
  }
  return static_cast<minhash_scheme>(b);
}

// seed, settings fingerprint, set size and flags, in that order.
struct signature_identity {
  std::uint64_t seed = 0;
  std::uint64_t fingerprint = 0;
  std::uint64_t set_size = 0;
  bool empty = false;
};

inline signature_identity read_signature_identity(byte_reader& r) {
  signature_identity id;
  id.seed = r.u64("seed");
  id.fingerprint = r.u64("fingerprint");
  id.set_size = r.u64("set size");
  const std::size_t flags_at = r.offset();
  const auto flags = static_cast<std::uint8_t>(r.bytes(1, "flags")[0]);
  if ((flags & ~signature_flag_empty) != 0) {
    throw format_error(
        flags_at, "expected flags 0 or 1, actual " + std::to_string(static_cast<unsigned>(flags)));
  }
  id.empty = (flags & signature_flag_empty) != 0;
  if (id.empty && id.set_size != 0) {
    throw format_error(flags_at, "expected set size 0 for an empty signature, actual " +
                                     std::to_string(id.set_size));
  }
  return id;
}

}  // namespace samestory::detail
