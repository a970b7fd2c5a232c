// Shared by the fuzz targets in tests/fuzz (docs/fuzzing.md): a check macro
// that aborts, so libFuzzer records the input as a crash and the replay
// program fails its ctest, and a round-trip check for every reader of saved bytes.
//
// A new loader target is one file, e.g. tests/fuzz/lsh_index_fuzz.cpp:
//
//   extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
//     samestory::fuzz::check_envelope_loader(
//         samestory::fuzz::as_bytes(data, size),
//         [](std::string_view b) { return samestory::lsh_index::load(b); },
//         [](const samestory::lsh_index& i) { return i.save(); });
//     return 0;
//   }
//
// plus `samestory_add_fuzz_target(lsh_index)` in tests/fuzz/CMakeLists.txt
// and a few seeds in tests/fuzz/corpus/lsh_index/.
#pragma once

#include <samestory/error.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <typeinfo>

// Inlined, as in the library: the fuzz targets need no xxHash link.
#ifndef XXH_INLINE_ALL
#define XXH_INLINE_ALL
#endif
#include <xxhash.h>

namespace samestory::fuzz {

/// Prints where a check failed and aborts: abort, not an exception, because
/// libFuzzer only records an input when the process dies.
[[noreturn]] inline void fail(const char* file, int line, const char* what) {
  std::fprintf(stderr, "%s:%d: fuzz check failed: %s\n", file, line, what);
  std::fflush(stderr);
  std::abort();
}

/// Called from a catch block: names the exception the contract did not allow, then aborts.
[[noreturn]] inline void fail_unexpected_exception(const char* file, int line, const char* call) {
  try {
    throw;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s:%d: %s threw %s: %s\n", file, line, call, typeid(e).name(), e.what());
  } catch (...) {
    std::fprintf(stderr, "%s:%d: %s threw a non-std exception\n", file, line, call);
  }
  std::fflush(stderr);
  std::abort();
}

/// @return the fuzzer's input as bytes the library reads
inline std::string_view as_bytes(const std::uint8_t* data, std::size_t size) noexcept {
  return {reinterpret_cast<const char*>(data), size};
}

/// A reader of saved bytes must either return an object whose re-serialized
/// bytes equal its input (one encoding per object: anything else it accepts
/// is a bug in the reader or the writer), or throw format_error with an offset
/// inside the input, or (stateful objects) settings_mismatch_error naming the
/// setting. Any other exception, or a crash, is a bug.
/// An older format version the reader still reads is saved as the current
/// one: then those bytes must load and re-serialize to themselves.
/// @param load e.g. `[](std::string_view b) { return minhash_signature::deserialize(b); }`
/// @param save e.g. `[](const minhash_signature& s) { return s.serialize(); }`
/// @param current_version the version save() writes (0: the input's own)
/// @return true when `bytes` loaded
template <class Load, class Save>
bool check_loader(std::string_view bytes, Load&& load, Save&& save,
                  std::uint16_t current_version = 0) {
  try {
    const auto object = load(bytes);
    const std::string again = save(object);
    // The envelope's version field: offset 4, little-endian u16.
    const auto version = static_cast<std::uint16_t>(static_cast<unsigned char>(bytes[4]) |
                                                    static_cast<unsigned char>(bytes[5]) << 8);
    if (current_version != 0 && version < current_version) {
      const std::string upgraded = save(load(again));
      if (upgraded != again)
        fail(__FILE__, __LINE__, "an upgraded object re-serializes to other bytes");
      return true;
    }
    if (again != bytes) fail(__FILE__, __LINE__, "loaded object re-serializes to other bytes");
    return true;
  } catch (const settings_mismatch_error& e) {
    // Damage inside the settings block of a stateful object reads as other
    // settings: a documented refusal, as long as it names the setting.
    if (e.setting().empty()) fail(__FILE__, __LINE__, "settings_mismatch_error without a name");
    return false;
  } catch (const format_error& e) {
    if (e.code() != error_code::format) fail(__FILE__, __LINE__, "format_error with another code");
    if (e.byte_offset() > bytes.size()) fail(__FILE__, __LINE__, "format_error offset past input");
    if (std::string_view(e.what()).empty()) fail(__FILE__, __LINE__, "format_error without text");
    return false;
  } catch (...) {
    fail_unexpected_exception(__FILE__, __LINE__, "a loader");
  }
}

/// The input with its envelope's payload length and checksum (docs/format.md:
/// 16-byte header, payload, XXH3-64 of the payload) rewritten to fit its
/// payload. Random mutations almost never keep a checksum valid, so without
/// this the fuzzer stops at the envelope and never reaches the payload's own
/// checks. Inputs too short for an envelope are returned unchanged.
inline std::string with_valid_envelope(std::string_view bytes) {
  constexpr std::size_t header = 16, trailer = 8;
  std::string fixed(bytes);
  if (fixed.size() < header + trailer) return fixed;
  const std::size_t length = fixed.size() - header - trailer;
  for (std::size_t i = 0; i < 8; ++i) {
    fixed[8 + i] = static_cast<char>((std::uint64_t{length} >> (8 * i)) & 0xFFu);
  }
  const std::uint64_t checksum = XXH3_64bits(fixed.data() + header, length);
  for (std::size_t i = 0; i < 8; ++i) {
    fixed[header + length + i] = static_cast<char>((checksum >> (8 * i)) & 0xFFu);
  }
  return fixed;
}

/// check_loader() on the input as it is, then with a valid envelope
/// (with_valid_envelope), for readers of enveloped objects.
/// @return true when either loaded
template <class Load, class Save>
bool check_envelope_loader(std::string_view bytes, Load&& load, Save&& save) {
  const bool as_is = check_loader(bytes, load, save);
  const std::string fixed = with_valid_envelope(bytes);
  return (fixed != bytes && check_loader(fixed, load, save)) || as_is;
}

}  // namespace samestory::fuzz

/// Aborts with the failed condition's text when `cond` is false.
#define SAMESTORY_FUZZ_CHECK(cond) \
  ((cond) ? static_cast<void>(0) : ::samestory::fuzz::fail(__FILE__, __LINE__, #cond))
