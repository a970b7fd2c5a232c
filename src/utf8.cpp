#include <samestory/error.hpp>
#include <samestory/utf8.hpp>

#include <cstring>

#include "utf8_decode.hpp"

namespace samestory {

namespace {
// Skips ASCII eight bytes at a time; most crawled markup and Latin text is ASCII.
const unsigned char* skip_ascii(const unsigned char* p, const unsigned char* end) noexcept {
  while (end - p >= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    if (w & 0x8080808080808080ull) break;
    p += 8;
  }
  while (p < end && *p < 0x80u) ++p;
  return p;
}
}  // namespace

utf8_check check_utf8(std::string_view bytes) noexcept {
  const auto* begin = reinterpret_cast<const unsigned char*>(bytes.data());
  const auto* end = begin + bytes.size();
  const unsigned char* p = begin;
  while (p < end) {
    p = skip_ascii(p, end);
    if (p == end) break;
    const detail::decoded d = detail::decode_utf8(p, end);
    if (d.reason != nullptr) {
      return {false, static_cast<std::size_t>(p - begin), d.length, d.reason};
    }
    p += d.length;
  }
  return {};
}

void validate_utf8(std::string_view bytes) {
  const utf8_check c = check_utf8(bytes);
  if (!c.ok) throw invalid_utf8_error(c.error_offset, c.reason);
}

std::size_t repair_utf8(std::string_view bytes, std::string& out) {
  out.clear();
  out.reserve(bytes.size());
  const auto* begin = reinterpret_cast<const unsigned char*>(bytes.data());
  const auto* end = begin + bytes.size();
  const unsigned char* p = begin;
  std::size_t replaced = 0;
  while (p < end) {
    const unsigned char* q = skip_ascii(p, end);
    out.append(reinterpret_cast<const char*>(p), static_cast<std::size_t>(q - p));
    p = q;
    if (p == end) break;
    const detail::decoded d = detail::decode_utf8(p, end);
    if (d.reason == nullptr) {
      out.append(reinterpret_cast<const char*>(p), d.length);
    } else {
      out.append("\xEF\xBF\xBD");
      ++replaced;
    }
    p += d.length;
  }
  return replaced;
}

}  // namespace samestory
