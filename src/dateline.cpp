#include <samestory/dateline.hpp>

#include "utf8_decode.hpp"

#include <array>

namespace samestory {

namespace {

// The value of an ASCII or full-width digit, or -1.
int digit_value(char32_t c) noexcept {
  if (c >= U'0' && c <= U'9') return static_cast<int>(c - U'0');
  if (c >= U'\uFF10' && c <= U'\uFF19') return static_cast<int>(c - U'\uFF10');
  return -1;
}

bool is_space(char32_t c) noexcept {
  return c == U' ' || c == U'\u3000';
}

// Reads one or two digits at text[i], not followed by a third; advances i
// past them and any spaces. Returns the number, or -1.
int number_at(const std::array<char32_t, dateline_search_chars>& text, std::size_t n,
              std::size_t& i) noexcept {
  int value = 0, digits = 0;
  while (i < n && digit_value(text[i]) >= 0) {
    if (++digits > 2) return -1;
    value = value * 10 + digit_value(text[i++]);
  }
  if (digits == 0) return -1;
  while (i < n && is_space(text[i])) ++i;
  return value;
}

}  // namespace

std::optional<month_day> find_dateline(std::string_view text) noexcept {
  // The opening as code points; a fixed buffer, so no allocation.
  std::array<char32_t, dateline_search_chars> cps{};
  std::size_t n = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end && n < cps.size()) {
    const detail::decoded d = detail::decode_utf8(p, end);
    cps[n++] = d.reason == nullptr ? d.cp : U'\uFFFD';
    p += d.length;
  }
  for (std::size_t start = 0; start < n; ++start) {
    if (digit_value(cps[start]) < 0 || (start > 0 && digit_value(cps[start - 1]) >= 0)) continue;
    std::size_t i = start;
    const int month = number_at(cps, n, i);
    if (month < 1 || month > 12 || i >= n || (cps[i] != U'月' && cps[i] != U'월')) continue;
    const bool korean = cps[i] == U'월';
    ++i;
    while (i < n && is_space(cps[i])) ++i;
    const int day = number_at(cps, n, i);
    if (day < 1 || day > 31 || i >= n || cps[i] != (korean ? U'일' : U'日')) continue;
    return month_day{static_cast<std::uint8_t>(month), static_cast<std::uint8_t>(day)};
  }
  return std::nullopt;
}

}  // namespace samestory
