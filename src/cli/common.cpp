#include "cli.hpp"

#include <samestory/error.hpp>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <iostream>

namespace samestory::cli {

std::int64_t parse_duration(std::string_view flag, std::string_view s) {
  if (s.size() < 2)
    throw usage_error{std::string(flag) + " wants a number and a unit (s, m, h, d), e.g. 72h"};
  std::int64_t unit = 0;
  switch (s.back()) {
    case 's':
      unit = 1;
      break;
    case 'm':
      unit = 60;
      break;
    case 'h':
      unit = 3600;
      break;
    case 'd':
      unit = 86400;
      break;
    default:
      throw usage_error{std::string(flag) + " unit must be s, m, h or d, not '" +
                        std::string(1, s.back()) + "'"};
  }
  std::int64_t v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size() - 1, v);
  if (r.ec != std::errc{} || r.ptr != s.data() + s.size() - 1 || v <= 0 ||
      v > std::int64_t{1} << 40) {
    throw usage_error{std::string(flag) + " '" + std::string(s) + "' is not a positive duration"};
  }
  return v * unit;
}

redis_options parse_store(std::string_view s) {
  try {
    return parse_redis_url(s);
  } catch (const invalid_options_error& e) {
    throw usage_error{std::string("--store: ") + e.what()};
  }
}

std::string store_url(const redis_options& store) {
  return "redis://" + store.host + ":" + std::to_string(store.port) + "/" + store.name;
}

double parse_unit_interval(std::string_view flag, std::string_view s) {
  double v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc{} || r.ptr != s.data() + s.size() || !(v > 0 && v <= 1)) {
    throw usage_error{std::string(flag) + " '" + std::string(s) + "' must be a number in (0, 1]"};
  }
  return v;
}

std::size_t parse_size(std::string_view flag, std::string_view s, std::size_t max) {
  std::size_t scale = 1;
  std::string_view digits = s;
  if (!s.empty()) {
    switch (s.back()) {
      case 'K':
      case 'k':
        scale = std::size_t{1} << 10;
        break;
      case 'M':
        scale = std::size_t{1} << 20;
        break;
      case 'G':
        scale = std::size_t{1} << 30;
        break;
      default:
        break;
    }
    if (scale != 1) digits.remove_suffix(1);
  }
  std::size_t v = 0;
  const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (digits.empty() || r.ec != std::errc{} || r.ptr != digits.data() + digits.size() || v == 0 ||
      v > max / scale) {
    throw usage_error{std::string(flag) + " '" + std::string(s) +
                      "' must be a whole number in 1.." + std::to_string(max) +
                      " (K, M, G multiply by 1024, 1024^2, 1024^3)"};
  }
  return v * scale;
}

input::input(const std::string& path) : name(path == "-" ? "<stdin>" : path), in(&std::cin) {
  if (path != "-") {
    file.open(path, std::ios::binary);
    if (!file) throw error(error_code::io, "cannot open " + path + ": " + std::strerror(errno));
  }
}

// The next line of a JSONL input, which must be an object. @return false at the end
bool next_object(jsonl_reader& reader, json_value& value) {
  if (!reader.next(value)) return false;
  if (value.type() != json_value::kind::object) {
    throw parse_error(reader.line(), 0, "a line must hold a JSON object");
  }
  return true;
}

void append_tsv_field(std::string& out, std::string_view field) {
  for (const char c : field) {
    switch (c) {
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        out += c;
    }
  }
}

}  // namespace samestory::cli
