// Test-only: files that live in the repository (never in ../shared).
#pragma once

#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

namespace samestory::test {

// The whole file at `relative` under the source tree, e.g. "tests/data/html/x.html".
inline std::string read_source_file(const std::string& relative) {
  const std::string path = std::string(SAMESTORY_SOURCE_DIR) + "/" + relative;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open test data " + path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// One of the four seed articles bundled in examples/data/seeds.
inline std::string read_seed(const std::string& name) {
  return read_source_file("examples/data/seeds/" + name);
}

inline constexpr const char* seed_names[] = {"000_1429655e81e706ba.txt", "001_16c679fa5d3af775.txt",
                                             "002_a4a25052c983028c.txt",
                                             "003_1f0c60b46c01051d.txt"};

}  // namespace samestory::test
