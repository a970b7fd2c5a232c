// main() for fuzz targets built without libFuzzer (any compiler, any
// sanitizer): feeds each file named on the command line, and every file under
// each directory named, to LLVMFuzzerTestOneInput once. ctest runs it over
// the committed corpus; a crashing input found by libFuzzer reproduces with
// `<target>_fuzz crash-file` under gdb or valgrind without clang.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

namespace fs = std::filesystem;

bool read_whole_file(const fs::path& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

// Regular files under `dir`, sorted so that runs are repeatable.
bool list_directory(const fs::path& dir, std::vector<fs::path>& out) {
  std::error_code ec;
  std::vector<fs::path> found;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec)) found.push_back(it->path());
  }
  if (ec) {
    std::fprintf(stderr, "replay: cannot list %s: %s\n", dir.c_str(), ec.message().c_str());
    return false;
  }
  std::sort(found.begin(), found.end());
  out.insert(out.end(), found.begin(), found.end());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: %s FILE_OR_DIRECTORY...\n"
                 "Runs each file (and each file under a directory) through the fuzz target once.\n",
                 argv[0]);
    return 2;
  }
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    // libFuzzer flags are skipped, so a libFuzzer command line replays unchanged.
    if (arg.size() > 1 && arg[0] == '-') continue;
    const fs::path path(arg);
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      if (!list_directory(path, inputs)) return 2;
    } else if (fs::is_regular_file(path, ec)) {
      inputs.push_back(path);
    } else {
      std::fprintf(stderr, "replay: %s: no such file or directory\n", argv[i]);
      return 2;
    }
  }

  std::string bytes;
  std::size_t ran = 0;
  for (const fs::path& path : inputs) {
    if (!read_whole_file(path, bytes)) {
      std::fprintf(stderr, "replay: cannot read %s\n", path.c_str());
      return 2;
    }
    // Named before it runs, so a crash's log says which input caused it.
    std::printf("replay: %s (%zu bytes)\n", path.c_str(), bytes.size());
    std::fflush(stdout);
    // An exact-size heap copy: a sanitizer then catches a read one byte past
    // the input, which a std::string's spare capacity or terminator would hide.
    const std::unique_ptr<std::uint8_t[]> copy(new std::uint8_t[bytes.size()]);
    std::copy(bytes.begin(), bytes.end(), copy.get());
    LLVMFuzzerTestOneInput(copy.get(), bytes.size());
    ++ran;
  }
  std::printf("replay: ran %zu inputs\n", ran);
  return 0;
}
