// b-bit MinHash (Li and König, "b-Bit Minwise Hashing", WWW 2010): packing,
// the corrected Jaccard estimator and serialization.
#include <samestory/bbit_minhash.hpp>
#include <samestory/error.hpp>

#include "binary_io.hpp"
#include "minhash_fields.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <string>
#include <utility>

namespace samestory {

namespace {

constexpr std::uint16_t format_version = 1;
constexpr std::uint8_t flag_empty = detail::signature_flag_empty;
// Kind 4 is not yet in detail::object_kind; the lead adds it there and in
// docs/format.md.
constexpr auto bbit_kind = detail::object_kind::bbit_signature;

bool valid_bits(unsigned bits) noexcept {
  return bits == 1 || bits == 2 || bits == 4 || bits == 8 || bits == 16;
}

std::size_t packed_bytes(std::uint64_t k, unsigned bits) noexcept {
  return static_cast<std::size_t>((k * bits + 7) / 8);
}

std::string describe(const bbit_signature& s) {
  return "scheme " + std::to_string(static_cast<unsigned>(s.scheme())) + ", k " +
         std::to_string(s.num_hashes()) + ", b " + std::to_string(s.bits()) + ", seed " +
         std::to_string(s.seed()) + ", fingerprint " + detail::hex64(s.fingerprint());
}

void check_comparable(const bbit_signature& a, const bbit_signature& b) {
  if (a.fingerprint() != b.fingerprint() || a.num_hashes() != b.num_hashes() ||
      a.bits() != b.bits() || a.scheme() != b.scheme() || a.seed() != b.seed()) {
    throw error(error_code::invalid_argument,
                "b-bit signatures made with different settings cannot be compared: first has " +
                    describe(a) + "; second has " + describe(b));
  }
}

// Equal whole bytes (b = 8): a plain counting loop the compiler vectorizes.
std::uint32_t count_equal_bytes(const std::uint8_t* a, const std::uint8_t* b,
                                std::size_t n) noexcept {
  std::uint32_t matches = 0;
  for (std::size_t i = 0; i < n; ++i) matches += a[i] == b[i] ? 1u : 0u;
  return matches;
}

// Equal 16-bit values (b = 16), compared as byte pairs so no unaligned loads
// are needed; still a branch-free, vectorizable loop.
std::uint32_t count_equal_u16(const std::uint8_t* a, const std::uint8_t* b,
                              std::size_t n) noexcept {
  std::uint32_t matches = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned diff = static_cast<unsigned>(a[2 * i] ^ b[2 * i]) |
                          static_cast<unsigned>(a[2 * i + 1] ^ b[2 * i + 1]);
    matches += diff == 0 ? 1u : 0u;
  }
  return matches;
}

// Unequal b-bit groups in one 64-bit word of XORed values (b = 1, 2, 4): fold
// each group's bits onto its lowest bit, keep that bit, count.
int count_unequal_groups(std::uint64_t x, unsigned bits) noexcept {
  switch (bits) {
    case 1:
      return std::popcount(x);
    case 2:
      return std::popcount((x | (x >> 1)) & 0x5555555555555555ull);
    default: {  // 4
      x |= x >> 1;
      x |= x >> 2;
      return std::popcount(x & 0x1111111111111111ull);
    }
  }
}

// b < 8: XOR 8 bytes at a time and count unequal groups. Padding bits are zero
// in both signatures (pack and deserialize guarantee it), so they never count.
std::uint32_t count_equal_small(const std::uint8_t* a, const std::uint8_t* b, std::size_t n_bytes,
                                std::uint32_t k, unsigned bits) noexcept {
  std::uint64_t unequal = 0;
  std::size_t i = 0;
  for (; i + 8 <= n_bytes; i += 8) {
    std::uint64_t wa = 0, wb = 0;
    std::memcpy(&wa, a + i, 8);
    std::memcpy(&wb, b + i, 8);
    // Byte order does not matter: groups never straddle bytes, and the count
    // is over all groups of the word.
    unequal += static_cast<std::uint64_t>(count_unequal_groups(wa ^ wb, bits));
  }
  if (i < n_bytes) {
    std::uint64_t wa = 0, wb = 0;
    std::memcpy(&wa, a + i, n_bytes - i);
    std::memcpy(&wb, b + i, n_bytes - i);
    unequal += static_cast<std::uint64_t>(count_unequal_groups(wa ^ wb, bits));
  }
  return k - static_cast<std::uint32_t>(unequal);
}

}  // namespace

bbit_signature::bbit_signature(minhash_scheme scheme, std::uint32_t num_hashes, unsigned bits,
                               std::uint64_t seed, std::uint64_t fingerprint,
                               std::uint64_t set_size, bool empty, std::vector<std::uint8_t> bytes)
    : scheme_(scheme),
      num_hashes_(num_hashes),
      bits_(bits),
      seed_(seed),
      fingerprint_(fingerprint),
      set_size_(set_size),
      empty_(empty),
      bytes_(std::move(bytes)) {}

bbit_signature bbit_signature::pack(const minhash_signature& source, unsigned bits) {
  if (!valid_bits(bits)) {
    throw invalid_options_error("b-bit MinHash bits must be 1, 2, 4, 8 or 16, actual " +
                                std::to_string(bits));
  }
  const auto values = source.values();
  std::vector<std::uint8_t> out(packed_bytes(values.size(), bits), 0);
  if (bits == 16) {
    for (std::size_t i = 0; i < values.size(); ++i) {
      out[2 * i] = static_cast<std::uint8_t>(values[i] & 0xFFu);
      out[2 * i + 1] = static_cast<std::uint8_t>((values[i] >> 8) & 0xFFu);
    }
  } else if (bits == 8) {
    for (std::size_t i = 0; i < values.size(); ++i)
      out[i] = static_cast<std::uint8_t>(values[i] & 0xFFu);
  } else {
    const std::uint32_t mask = (1u << bits) - 1u;
    const std::size_t per_byte = 8 / bits;
    for (std::size_t i = 0; i < values.size(); ++i) {
      const unsigned shift = static_cast<unsigned>((i % per_byte) * bits);
      out[i / per_byte] =
          static_cast<std::uint8_t>(out[i / per_byte] | ((values[i] & mask) << shift));
    }
  }
  return bbit_signature(source.scheme(), source.num_hashes(), bits, source.seed(),
                        source.fingerprint(), source.set_size(), source.is_empty(), std::move(out));
}

std::uint32_t bbit_signature::value(std::size_t i) const noexcept {
  if (bits_ == 16)
    return static_cast<std::uint32_t>(bytes_[2 * i]) |
           (static_cast<std::uint32_t>(bytes_[2 * i + 1]) << 8);
  if (bits_ == 8) return bytes_[i];
  const std::size_t per_byte = 8 / bits_;
  const unsigned shift = static_cast<unsigned>((i % per_byte) * bits_);
  return (static_cast<std::uint32_t>(bytes_[i / per_byte]) >> shift) & ((1u << bits_) - 1u);
}

std::string bbit_signature::serialize() const {
  std::string out;
  out.reserve(detail::envelope_header_bytes + 31 + bytes_.size() + detail::envelope_trailer_bytes);
  const std::size_t start = detail::begin_envelope(out, bbit_kind, format_version);
  out.push_back(static_cast<char>(scheme_));
  detail::append_u32(out, num_hashes_);
  out.push_back(static_cast<char>(bits_));
  detail::append_u64(out, seed_);
  detail::append_u64(out, fingerprint_);
  detail::append_u64(out, set_size_);
  out.push_back(static_cast<char>(empty_ ? flag_empty : 0));
  out.append(reinterpret_cast<const char*>(bytes_.data()), bytes_.size());
  detail::end_envelope(out, start);
  return out;
}

bbit_signature bbit_signature::deserialize(std::string_view bytes) {
  const detail::envelope env = detail::open_envelope(bytes, bbit_kind, format_version);
  detail::byte_reader r(env.payload, env.payload_offset);

  const minhash_scheme scheme = detail::read_minhash_scheme(r);
  const std::size_t k_at = r.offset();
  const std::uint32_t k = r.u32("number of hashes");
  if (k == 0) throw format_error(k_at, "expected number of hashes >= 1, actual 0");
  const std::size_t bits_at = r.offset();
  const auto bits = static_cast<unsigned>(static_cast<std::uint8_t>(r.bytes(1, "bits")[0]));
  if (!valid_bits(bits)) {
    throw format_error(bits_at, "expected bits 1, 2, 4, 8 or 16, actual " + std::to_string(bits));
  }
  const detail::signature_identity id = detail::read_signature_identity(r);
  const std::size_t values_at = r.offset();
  const std::size_t n = packed_bytes(k, bits);
  if (r.remaining() != n) {
    throw format_error(values_at, "expected " + std::to_string(n) + " value bytes for k " +
                                      std::to_string(k) + " and b " + std::to_string(bits) +
                                      ", actual " + std::to_string(r.remaining()));
  }
  const std::string_view raw = r.bytes(n, "values");
  std::vector<std::uint8_t> packed(raw.begin(), raw.end());
  const std::uint64_t used_bits = static_cast<std::uint64_t>(k) * bits % 8;
  if (used_bits != 0 && (packed.back() >> used_bits) != 0) {
    throw format_error(values_at + n - 1, "expected zero padding bits in the last value byte");
  }
  r.expect_end("b-bit signature");
  return bbit_signature(scheme, k, bits, id.seed, id.fingerprint, id.set_size, id.empty,
                        std::move(packed));
}

jaccard_estimate estimate_jaccard(const bbit_signature& a, const bbit_signature& b) {
  check_comparable(a, b);
  jaccard_estimate result;
  result.compared = a.num_hashes();
  // An empty set shares nothing (as for full MinHash signatures).
  if (a.is_empty() || b.is_empty()) return result;
  const std::uint8_t* pa = a.bytes().data();
  const std::uint8_t* pb = b.bytes().data();
  const std::uint32_t k = a.num_hashes();
  std::uint32_t matches = 0;
  switch (a.bits()) {
    case 8:
      matches = count_equal_bytes(pa, pb, k);
      break;
    case 16:
      matches = count_equal_u16(pa, pb, k);
      break;
    default:
      matches = count_equal_small(pa, pb, a.bytes().size(), k, a.bits());
      break;
  }
  result.matches = matches;
  // Li & König (Theorem 1): P = C1 + (1 - C2) J, with C1, C2 depending on b and
  // on r1 = |S1|/D, r2 = |S2|/D (D the size of the hash range). Our values are
  // 32-bit, D = 2^32, and document shingle sets hold at most millions of
  // elements, so r1, r2 < 10^-3; in the limit r → 0 both C1 and C2 tend to
  // 2^-b, giving P = J + (1 - J) 2^-b. The general form would change Ĵ by far
  // less than its standard error, so we use the limit and invert it:
  // Ĵ = (P̂ - 2^-b) / (1 - 2^-b), clamped because P̂ < 2^-b happens by chance.
  const double c = std::ldexp(1.0, -static_cast<int>(a.bits()));
  const double p = static_cast<double>(matches) / static_cast<double>(k);
  result.estimate = std::clamp((p - c) / (1.0 - c), 0.0, 1.0);
  return result;
}

}  // namespace samestory
