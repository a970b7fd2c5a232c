// Fuzz target: the JSONL reader (jsonl.hpp) over the input as a stream.
// Every line either parses or throws parse_error naming that line and an
// offset inside it, and the reader carries on with the next line; records
// either convert or throw parse_error; every parsed string survives
// append_json_string and a second parse unchanged; labels and timestamps
// never throw. Any other exception is a bug.
#include <samestory/error.hpp>
#include <samestory/jsonl.hpp>
#include <samestory/utf8.hpp>

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"

namespace {

using samestory::json_value;
using samestory::parse_error;

// A parsed string is valid UTF-8 (the reader checks), so its JSON literal
// must parse back to the same bytes.
void check_string_round_trip(const std::string& s) {
  SAMESTORY_FUZZ_CHECK(samestory::check_utf8(s).ok);
  std::string literal;
  samestory::append_json_string(literal, s);
  SAMESTORY_FUZZ_CHECK(json_value::parse(literal).as_string() == s);
}

void check_value(const json_value& v, int depth) {
  SAMESTORY_FUZZ_CHECK(depth <= 65);  // the reader limits nesting to 64 levels
  (void)v.to_label();
  switch (v.type()) {
    case json_value::kind::string:
      check_string_round_trip(v.as_string());
      (void)samestory::parse_timestamp(v.as_string());
      break;
    case json_value::kind::number:
      SAMESTORY_FUZZ_CHECK(!v.number_text().empty());
      (void)v.as_double();
      break;
    case json_value::kind::array:
      for (const json_value& item : v.items()) check_value(item, depth + 1);
      break;
    case json_value::kind::object:
      for (const auto& [key, member] : v.members()) {
        check_string_round_trip(key);
        SAMESTORY_FUZZ_CHECK(v.find(key) != nullptr);
        check_value(member, depth + 1);
      }
      break;
    case json_value::kind::null:
    case json_value::kind::boolean:
      break;
  }
}

void check_record(const json_value& v, std::size_t line) {
  try {
    const samestory::document_record r = samestory::to_document_record(v, line);
    SAMESTORY_FUZZ_CHECK(r.line == line);
    SAMESTORY_FUZZ_CHECK(v.find("id") != nullptr);
    const json_value* date = v.find("date");
    SAMESTORY_FUZZ_CHECK(r.time.has_value() == (date != nullptr && !date->is_null()));
  } catch (const parse_error& e) {
    SAMESTORY_FUZZ_CHECK(e.line() == line);
    SAMESTORY_FUZZ_CHECK(e.code() == samestory::error_code::parse);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = samestory::fuzz::as_bytes(data, size);
  // The lines as the file has them, to bound the reader's offsets.
  std::vector<std::string_view> lines;
  for (std::size_t begin = 0; begin < input.size();) {
    const std::size_t nl = input.find('\n', begin);
    const std::size_t end = nl == std::string_view::npos ? input.size() : nl;
    lines.push_back(input.substr(begin, end - begin));
    begin = end + 1;
  }

  std::istringstream in{std::string(input)};
  samestory::jsonl_reader reader(in);
  json_value value;
  std::size_t last_line = 0;
  for (;;) {
    try {
      if (!reader.next(value)) break;
      SAMESTORY_FUZZ_CHECK(reader.line() > last_line && reader.line() <= lines.size());
      check_value(value, 1);
      check_record(value, reader.line());
    } catch (const parse_error& e) {
      SAMESTORY_FUZZ_CHECK(e.code() == samestory::error_code::parse);
      SAMESTORY_FUZZ_CHECK(e.line() == reader.line());
      SAMESTORY_FUZZ_CHECK(reader.line() > last_line && reader.line() <= lines.size());
      SAMESTORY_FUZZ_CHECK(e.byte_offset() <= lines[reader.line() - 1].size());
    } catch (...) {
      samestory::fuzz::fail_unexpected_exception(__FILE__, __LINE__, "jsonl_reader");
    }
    last_line = reader.line();
  }
  SAMESTORY_FUZZ_CHECK(reader.line() <= lines.size());

  // The timestamp parser on raw bytes: noexcept, and a result is a plausible
  // instant (years 0000..9999 with a zone offset under a day).
  if (const auto t = samestory::parse_timestamp(input)) {
    SAMESTORY_FUZZ_CHECK(*t > -62'200'000'000LL && *t < 253'500'000'000LL);
  }
  return 0;
}
