// Internal: little-endian writers, a bounds-checked reader and the envelope
// every saved samestory object shares (docs/format.md):
//
//   offset 0   4 bytes  magic "SMST"
//   offset 4   u16      format version of the object kind
//   offset 6   u16      object kind (object_kind below)
//   offset 8   u64      payload length in bytes
//   offset 16  payload
//   then       u64      XXH3-64 (seed 0) of the payload bytes
//
// Fields are written one by one, never as raw structs, so the bytes do not
// depend on the compiler's padding or on the host's byte order. Every read
// failure becomes a format_error carrying the absolute byte offset, and no
// length read from the input is trusted before it has been checked against the
// bytes that remain, so a hostile length cannot make a reader allocate more
// than the input could hold.
#pragma once

#include <samestory/error.hpp>

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// XXH_INLINE_ALL keeps xxHash out of the link: every function becomes a static
// inline in the including translation unit.
#ifndef XXH_INLINE_ALL
#define XXH_INLINE_ALL
#endif
#include <xxhash.h>

namespace samestory::detail {

/// Object kinds in the envelope; a reader refuses bytes of another kind.
enum class object_kind : std::uint16_t {
  minhash_signature = 1,
  simhash_signature = 2,
  chrome_statistics = 3,
  bbit_signature = 4,
  lsh_index = 5,
  simhash_index = 6,
  term_statistics = 7,
  online_clusterer = 8,
  document_index = 9,
};

inline constexpr char envelope_magic[4] = {'S', 'M', 'S', 'T'};
inline constexpr std::size_t envelope_header_bytes = 16;  // magic, version, kind, length
inline constexpr std::size_t envelope_trailer_bytes = 8;  // checksum

inline void append_u16(std::string& out, std::uint16_t v) {
  const char b[2] = {static_cast<char>(v & 0xFFu), static_cast<char>(v >> 8)};
  out.append(b, 2);
}

inline void append_u32(std::string& out, std::uint32_t v) {
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xFFu);
  out.append(b, 4);
}

inline void append_u64(std::string& out, std::uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xFFu);
  out.append(b, 8);
}

// Overwrites 8 bytes at `at` (used to patch the payload length once known).
inline void store_u64(std::string& out, std::size_t at, std::uint64_t v) {
  for (int i = 0; i < 8; ++i)
    out[at + static_cast<std::size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xFFu);
}

// "0x" and 16 hex digits: checksums and hashes read best at fixed width.
inline std::string hex64(std::uint64_t v) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s = "0x";
  for (int shift = 60; shift >= 0; shift -= 4) s.push_back(digits[(v >> shift) & 0xFu]);
  return s;
}

/// Reads little-endian fields from untrusted bytes. Offsets in errors are
/// absolute: `base` is where `bytes` starts in the caller's whole input.
class byte_reader {
 public:
  explicit byte_reader(std::string_view bytes, std::size_t base = 0) noexcept
      : bytes_(bytes), base_(base) {}

  /// @return the absolute offset of the next byte to read
  std::size_t offset() const noexcept { return base_ + pos_; }
  /// @return bytes left to read
  std::size_t remaining() const noexcept { return bytes_.size() - pos_; }

  /// @throws format_error at the current offset
  [[noreturn]] void fail(const std::string& message) const {
    throw format_error(offset(), message);
  }

  /// @throws format_error unless `n` more bytes are available for `what`
  void require(std::size_t n, const char* what) const {
    if (remaining() < n) {
      fail("expected " + std::to_string(n) + " bytes for " + what + ", actual " +
           std::to_string(remaining()) + " remaining");
    }
  }

  /// Checks a count read from the input before anything is sized by it: `count`
  /// elements of at least `element_bytes` each must fit in what remains.
  /// @throws format_error at `count_offset` (where the count itself was read)
  void check_count(std::uint64_t count, std::size_t element_bytes, std::size_t count_offset,
                   const char* what) const {
    const std::uint64_t fit = remaining() / element_bytes;
    if (count > fit) {
      throw format_error(count_offset, std::string("expected ") + what + " of at most " +
                                           std::to_string(fit) + " (" +
                                           std::to_string(remaining()) + " bytes remain), actual " +
                                           std::to_string(count));
    }
  }

  std::uint16_t u16(const char* what) {
    require(2, what);
    const auto* p = reinterpret_cast<const unsigned char*>(bytes_.data() + pos_);
    pos_ += 2;
    return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
  }

  std::uint32_t u32(const char* what) {
    require(4, what);
    const auto* p = reinterpret_cast<const unsigned char*>(bytes_.data() + pos_);
    pos_ += 4;
    std::uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | p[i];
    return v;
  }

  std::uint64_t u64(const char* what) {
    require(8, what);
    const auto* p = reinterpret_cast<const unsigned char*>(bytes_.data() + pos_);
    pos_ += 8;
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
    return v;
  }

  std::string_view bytes(std::size_t n, const char* what) {
    require(n, what);
    const std::string_view s = bytes_.substr(pos_, n);
    pos_ += n;
    return s;
  }

  /// @throws format_error when bytes are left over after `what`
  void expect_end(const char* what) const {
    if (remaining() != 0) {
      fail(std::string("expected end of ") + what + ", actual " + std::to_string(remaining()) +
           " trailing bytes");
    }
  }

 private:
  std::string_view bytes_;
  std::size_t base_;
  std::size_t pos_ = 0;
};

/// Starts an envelope in `out` (which may already hold other bytes); returns
/// the envelope's start, to be passed to end_envelope() after the payload.
inline std::size_t begin_envelope(std::string& out, object_kind kind, std::uint16_t version) {
  const std::size_t start = out.size();
  out.append(envelope_magic, 4);
  append_u16(out, version);
  append_u16(out, static_cast<std::uint16_t>(kind));
  append_u64(out, 0);  // payload length, patched by end_envelope
  return start;
}

/// Patches the payload length and appends the checksum.
inline void end_envelope(std::string& out, std::size_t start) {
  const std::size_t payload_at = start + envelope_header_bytes;
  const std::size_t length = out.size() - payload_at;
  store_u64(out, start + 8, length);
  append_u64(out, XXH3_64bits(out.data() + payload_at, length));
}

/// A verified payload and where it starts in the input.
struct envelope {
  std::string_view payload;
  std::size_t payload_offset;
  std::uint16_t version;
};

/// Checks magic, kind, version (1..max_version), payload length and checksum,
/// in that order, so that foreign bytes are refused before anything else.
/// @throws format_error with the offset of the first field that is wrong
inline envelope open_envelope(std::string_view bytes, object_kind kind, std::uint16_t max_version) {
  byte_reader r(bytes);
  const std::string_view magic = r.bytes(4, "magic");
  if (magic != std::string_view(envelope_magic, 4)) {
    std::string actual;
    for (const char c : magic) actual += hex64(static_cast<unsigned char>(c)).substr(16) + " ";
    throw format_error(0, "expected magic \"SMST\" (53 4d 53 54), actual " + actual.substr(0, 11));
  }
  const std::size_t version_at = r.offset();
  const std::uint16_t version = r.u16("format version");
  const std::size_t kind_at = r.offset();
  const std::uint16_t actual_kind = r.u16("object kind");
  if (actual_kind != static_cast<std::uint16_t>(kind)) {
    throw format_error(kind_at, "expected object kind " +
                                    std::to_string(static_cast<unsigned>(kind)) + ", actual " +
                                    std::to_string(actual_kind));
  }
  if (version == 0 || version > max_version) {
    throw format_error(version_at, "expected format version 1.." + std::to_string(max_version) +
                                       ", actual " + std::to_string(version));
  }
  const std::size_t length_at = r.offset();
  const std::uint64_t length = r.u64("payload length");
  const std::size_t available =
      r.remaining() >= envelope_trailer_bytes ? r.remaining() - envelope_trailer_bytes : 0;
  if (r.remaining() < envelope_trailer_bytes || length != available) {
    throw format_error(length_at, "expected payload length " + std::to_string(available) +
                                      " (input size minus header and checksum), actual " +
                                      std::to_string(length));
  }
  const std::size_t payload_at = r.offset();
  const std::string_view payload = r.bytes(static_cast<std::size_t>(length), "payload");
  const std::size_t checksum_at = r.offset();
  const std::uint64_t stored = r.u64("checksum");
  const std::uint64_t computed = XXH3_64bits(payload.data(), payload.size());
  if (stored != computed) {
    throw format_error(
        checksum_at, "expected payload checksum " + hex64(stored) + ", actual " + hex64(computed));
  }
  return {payload, payload_at, version};
}

/// The settings that made a saved object, as (name, value) text pairs: the
/// file says what it was made with, and a loader with other settings can
/// name the first one that differs (settings_mismatch_error) instead of
/// reporting an opaque fingerprint. Values are decimal integers, doubles in
/// their shortest exact form (std::to_chars) or hex64 hashes.
class settings_list {
 public:
  settings_list& add(const char* name, std::uint64_t v) { return put(name, std::to_string(v)); }
  settings_list& add_signed(const char* name, std::int64_t v) {
    return put(name, std::to_string(v));
  }
  settings_list& add_hash(const char* name, std::uint64_t v) { return put(name, hex64(v)); }
  settings_list& add_real(const char* name, double v) {
    char buf[40];
    // The shortest text that reads back as exactly v: "0.7", not "0.69999999999999996".
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    return put(name, std::string(buf, r.ptr));
  }

  const std::vector<std::pair<std::string, std::string>>& items() const noexcept { return items_; }

  /// u16 count, then per setting u8 name length, name, u8 value length, value.
  void write(std::string& out) const {
    append_u16(out, static_cast<std::uint16_t>(items_.size()));
    for (const auto& [name, value] : items_) {
      out.push_back(static_cast<char>(name.size()));
      out += name;
      out.push_back(static_cast<char>(value.size()));
      out += value;
    }
  }

  static settings_list read(byte_reader& r) {
    settings_list list;
    list.offset_ = r.offset();
    const std::size_t count_at = r.offset();
    const std::uint16_t count = r.u16("settings count");
    r.check_count(count, 2, count_at, "settings");
    for (std::uint16_t i = 0; i < count; ++i) {
      const std::size_t name_at = r.offset();
      const std::size_t name_length = static_cast<unsigned char>(r.bytes(1, "setting name")[0]);
      std::string name(r.bytes(name_length, "setting name"));
      const std::size_t value_at = r.offset();
      const std::size_t value_length = static_cast<unsigned char>(r.bytes(1, "setting value")[0]);
      std::string value(r.bytes(value_length, "setting value"));
      // Names are identifiers and values numbers or hashes: anything else is
      // damage, and must not reach an error message as a setting's name.
      if (!is_token(name, "abcdefghijklmnopqrstuvwxyz0123456789_.")) {
        throw format_error(name_at, "expected a setting name of [a-z0-9_.], actual " +
                                        std::to_string(name_length) + " other bytes");
      }
      if (!is_token(value, "0123456789abcdefxin+-.")) {
        throw format_error(value_at, "expected a number as the value of " + name);
      }
      list.items_.emplace_back(std::move(name), std::move(value));
    }
    return list;
  }

  /// @throws settings_mismatch_error naming the first setting that differs
  void expect_same_as(const settings_list& expected, const char* object) const {
    for (const auto& [name, value] : expected.items_) {
      const std::string* saved = find(name);
      if (saved == nullptr) throw settings_mismatch_error(object, name, "(absent)", value);
      if (*saved != value) throw settings_mismatch_error(object, name, *saved, value);
    }
    for (const auto& [name, value] : items_) {
      if (expected.find(name) == nullptr) {
        throw settings_mismatch_error(object, name, value, "(absent)");
      }
    }
    // Same names and values, so only the order or a repeat can differ: the
    // writer never does that, so the bytes are damaged, not other settings.
    if (items_ != expected.items_) {
      throw format_error(offset_, std::string("expected the settings of ") + object +
                                      " once each, in the writer's order");
    }
  }

 private:
  settings_list& put(const char* name, std::string value) {
    items_.emplace_back(name, std::move(value));
    return *this;
  }
  static bool is_token(const std::string& s, std::string_view allowed) {
    return !s.empty() && s.find_first_not_of(allowed) == std::string::npos;
  }
  const std::string* find(const std::string& name) const {
    for (const auto& [n, v] : items_) {
      if (n == name) return &v;
    }
    return nullptr;
  }
  std::vector<std::pair<std::string, std::string>> items_;
  std::size_t offset_ = 0;  // where read() found the block, for errors
};

/// Reads the `index`-th of a list of u64 keys (document ids, hashes) that a
/// writer emits in strictly increasing order, so that one object has one
/// encoding; `previous` carries the last key from call to call.
/// @throws format_error at the key when it does not increase
inline std::uint64_t read_increasing(byte_reader& r, const char* what, std::uint64_t index,
                                     std::uint64_t& previous) {
  const std::size_t at = r.offset();
  const std::uint64_t v = r.u64(what);
  if (index > 0 && v <= previous) {
    throw format_error(at, std::string("expected each ") + what + " above the one before, " +
                               std::to_string(previous) + ", actual " + std::to_string(v));
  }
  previous = v;
  return v;
}

/// Reads a saved object nested in another (u64 length, then its own whole
/// envelope) with `load`; its format errors report offsets in the whole input.
template <typename Load>
auto read_nested(byte_reader& r, const char* what, Load load) {
  const std::size_t length_at = r.offset();
  const std::uint64_t length = r.u64(what);
  r.check_count(length, 1, length_at, what);
  const std::size_t at = r.offset();
  const std::string_view bytes = r.bytes(static_cast<std::size_t>(length), what);
  try {
    return load(bytes);
  } catch (const format_error& e) {
    throw format_error(at + e.byte_offset(),
                       std::string("in the nested ") + what + ": " + e.what());
  }
}

inline void append_i64(std::string& out, std::int64_t v) {
  append_u64(out, static_cast<std::uint64_t>(v));
}

inline void append_f64(std::string& out, double v) {
  std::uint64_t bits;
  static_assert(sizeof bits == sizeof v);
  std::memcpy(&bits, &v, sizeof bits);
  append_u64(out, bits);
}

inline double read_f64(byte_reader& r, const char* what) {
  const std::uint64_t bits = r.u64(what);
  double v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

}  // namespace samestory::detail
