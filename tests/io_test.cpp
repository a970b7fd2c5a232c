// Tests for io.hpp: atomic file writes, read_file limits, and the append-only
// log (replay, a torn tail cut at every byte offset, corruption, reset, and
// one writer at a time).
#include <samestory/error.hpp>
#include <samestory/io.hpp>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

using namespace samestory;
namespace fs = std::filesystem;

namespace {

// A fresh directory per test case, removed afterwards.
struct scratch_dir {
  fs::path path;
  scratch_dir() {
    path = fs::temp_directory_path() /
           ("samestory-io-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~scratch_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  static int& counter() {
    static int n = 0;
    return n;
  }
};

std::vector<std::string> replay(const fs::path& p, log_recovery* r = nullptr) {
  std::vector<std::string> out;
  append_log::open(
      p, [&](std::string_view rec) { out.emplace_back(rec); }, log_sync::never, r);
  return out;
}

std::string record(int i) {
  return "record " + std::to_string(i) + std::string(i % 7, 'x');
}

}  // namespace

TEST_CASE("io: write_file_atomically replaces a file whole and leaves no temporary", "[io]") {
  scratch_dir d;
  const fs::path f = d.path / "state.bin";
  write_file_atomically(f, "first");
  CHECK(read_file(f) == "first");
  write_file_atomically(f, std::string(100000, 'z'));
  CHECK(read_file(f) == std::string(100000, 'z'));
  write_file_atomically(f, "");
  CHECK(read_file(f).empty());
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(d.path)) ++entries;
  CHECK(entries == 1);
}

TEST_CASE("io: errors name the operation and the path", "[io]") {
  scratch_dir d;
  try {
    read_file(d.path / "absent");
    FAIL("no error");
  } catch (const io_error& e) {
    CHECK(e.code() == error_code::io);
    CHECK(e.path() == (d.path / "absent").string());
    CHECK(std::string(e.what()).find("cannot open") != std::string::npos);
  }
  CHECK_THROWS_AS(write_file_atomically(d.path / "no" / "such" / "dir", "x"), io_error);
  CHECK_THROWS_AS(read_file(d.path), io_error);  // a directory
  write_file_atomically(d.path / "big", std::string(1000, 'b'));
  CHECK_THROWS_AS(read_file(d.path / "big", 999), limit_exceeded_error);
}

TEST_CASE("io: a log replays what was appended, across reopenings", "[io]") {
  scratch_dir d;
  const fs::path p = d.path / "log";
  {
    log_recovery r;
    auto log = append_log::open(
        p, [](std::string_view) { FAIL("a new log has no records"); }, log_sync::every_record, &r);
    CHECK(r.records == 0);
    for (int i = 0; i < 10; ++i) log.append(record(i));
    log.append("");  // an empty record is a record
    CHECK(log.records() == 11);
  }
  {
    log_recovery r;
    std::vector<std::string> seen;
    auto log = append_log::open(
        p, [&](std::string_view rec) { seen.emplace_back(rec); }, log_sync::manual, &r);
    CHECK(r.records == 11);
    CHECK(r.dropped_bytes == 0);
    REQUIRE(seen.size() == 11);
    CHECK(seen[3] == record(3));
    CHECK(seen[10].empty());
    log.append(record(11));
    log.sync();
  }
  CHECK(replay(p).size() == 12);
}

TEST_CASE("io: a torn last record is cut at every byte offset, nothing before it is lost", "[io]") {
  scratch_dir d;
  const fs::path p = d.path / "log";
  {
    auto log = append_log::open(
        p, [](std::string_view) {}, log_sync::never);
    for (int i = 0; i < 5; ++i) log.append(record(i));
  }
  const std::string whole = read_file(p);
  const std::size_t last_start = whole.size() - (12 + record(4).size());
  for (std::size_t cut = last_start; cut < whole.size(); ++cut) {
    INFO("cut at " << cut);
    write_file_atomically(p, std::string_view(whole).substr(0, cut));
    log_recovery r;
    const auto seen = replay(p, &r);
    CHECK(seen.size() == 4);
    CHECK(r.dropped_bytes == cut - last_start);
    // The tail was cut off the file: the next append lands after record 3.
    {
      auto log = append_log::open(
          p, [](std::string_view) {}, log_sync::never);
      log.append("after");
    }
    const auto again = replay(p);
    REQUIRE(again.size() == 5);
    CHECK(again[4] == "after");
  }
}

TEST_CASE("io: replay stops at a corrupt record and reports the bytes dropped", "[io]") {
  scratch_dir d;
  const fs::path p = d.path / "log";
  {
    auto log = append_log::open(
        p, [](std::string_view) {}, log_sync::never);
    for (int i = 0; i < 5; ++i) log.append(record(i));
  }
  std::string bytes = read_file(p);
  bytes[24 + 12 + record(0).size() + 12 + 2] ^= 0x10;  // inside record 1's payload
  write_file_atomically(p, bytes);
  log_recovery r;
  CHECK(replay(p, &r).size() == 1);
  CHECK(r.dropped_bytes == bytes.size() - (24 + 12 + record(0).size()));
}

TEST_CASE("io: a log refuses foreign files and a second writer", "[io]") {
  scratch_dir d;
  write_file_atomically(d.path / "foreign", "this is not a log, it is a longer text file");
  CHECK_THROWS_AS(replay(d.path / "foreign"), format_error);
  std::string header_damaged;
  {
    auto log = append_log::open(d.path / "log", [](std::string_view) {});
    log.append("x");
    CHECK_THROWS_AS(append_log::open(d.path / "log", [](std::string_view) {}), io_error);
  }
  header_damaged = read_file(d.path / "log");
  header_damaged[9] ^= 1;  // the generation, covered by the header checksum
  write_file_atomically(d.path / "log", header_damaged);
  CHECK_THROWS_AS(replay(d.path / "log"), format_error);
  // A header torn when the log was created is a new log.
  write_file_atomically(d.path / "new", "SMSL\x01");
  log_recovery r;
  CHECK(replay(d.path / "new", &r).empty());
  CHECK(r.generation == 0);
}

TEST_CASE("io: reset empties the log and records the generation", "[io]") {
  scratch_dir d;
  const fs::path p = d.path / "log";
  {
    auto log = append_log::open(p, [](std::string_view) {});
    log.append("a");
    log.reset(7);
    CHECK(log.generation() == 7);
    CHECK(log.records() == 0);
    log.append("b");
  }
  log_recovery r;
  const auto seen = replay(p, &r);
  REQUIRE(seen.size() == 1);
  CHECK(seen[0] == "b");
  CHECK(r.generation == 7);
}
