// Fuzz target: append_log replay (docs/format.md, "Append-only log"). The
// input is written as a log file and opened: open must replay whole records
// and cut the rest, or throw format_error for a bad header; nothing else.
// After open, the file must hold exactly the header and the records
// replayed, and appending then reopening must give those records plus one.
#include <samestory/error.hpp>
#include <samestory/io.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

#include "fuzz_check.hpp"

namespace {

const std::filesystem::path& log_path() {
  static const std::filesystem::path p =
      std::filesystem::temp_directory_path() /
      ("samestory-fuzz-log-" + std::to_string(::getpid()) + ".smsl");
  return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes = samestory::fuzz::as_bytes(data, size);
  {
    // A plain write: write_file_atomically's fsyncs would slow every run for nothing.
    std::ofstream out(log_path(), std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  std::vector<std::string> records;
  samestory::log_recovery found;
  try {
    auto log = samestory::append_log::open(
        log_path(), [&](std::string_view r) { records.emplace_back(r); },
        samestory::log_sync::never, &found);
    SAMESTORY_FUZZ_CHECK(found.records == records.size());
    SAMESTORY_FUZZ_CHECK(log.size_bytes() + found.dropped_bytes ==
                         (bytes.size() < 24 ? 24 + found.dropped_bytes : bytes.size()));
    log.append("one more");
  } catch (const samestory::format_error& e) {
    SAMESTORY_FUZZ_CHECK(e.byte_offset() <= bytes.size());
    return 0;
  } catch (...) {
    samestory::fuzz::fail_unexpected_exception(__FILE__, __LINE__, "append_log::open");
  }
  std::vector<std::string> again;
  samestory::log_recovery second;
  {
    auto log = samestory::append_log::open(
        log_path(), [&](std::string_view r) { again.emplace_back(r); }, samestory::log_sync::never,
        &second);
  }
  SAMESTORY_FUZZ_CHECK(second.dropped_bytes == 0);
  SAMESTORY_FUZZ_CHECK(again.size() == records.size() + 1);
  for (std::size_t i = 0; i < records.size(); ++i) SAMESTORY_FUZZ_CHECK(again[i] == records[i]);
  SAMESTORY_FUZZ_CHECK(again.back() == "one more");
  return 0;
}
