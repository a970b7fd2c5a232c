// The samestory command line: a thin layer over the library, one file per
// subcommand (src/cli/*_command.cpp); docs/cli.md is its manual.
//
// Exit codes: 0 success, 1 bad input data (a malformed line, a duplicate id,
// an unreadable file), 2 bad command line.
#include "cli.hpp"

#include <samestory/error.hpp>

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

namespace {

const char* const main_help =
    "usage: samestory <command> [options]\n"
    "\n"
    "commands:\n"
    "  cluster   group documents into copy groups and stories\n"
    "  eval      score a clustering against gold labels (as tools/score.py)\n"
    "  compare   explain why two documents are or are not copies or one story\n"
    "  strip     print what chrome removal keeps of a page, and why it drops the rest\n"
    "  sign      print the MinHash or SimHash signature of each document\n"
    "  index     build a saved near-duplicate index, or query one\n"
    "  bench     measure the text pipeline and signature rates on this machine\n"
    "\n"
    "Run 'samestory <command> --help' for the options of a command.\n";

struct command {
  const char* name;
  int (*run)(const std::vector<std::string>&);
};

constexpr command commands[] = {
    {"cluster", samestory::cli::cluster_command}, {"eval", samestory::cli::eval_command},
    {"strip", samestory::cli::strip_command},     {"sign", samestory::cli::sign_command},
    {"bench", samestory::cli::bench_command},     {"compare", samestory::cli::compare_command},
    {"index", samestory::cli::index_command},
};

}  // namespace

int main(int argc, char** argv) {
  using namespace samestory::cli;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::fputs(main_help, args.empty() ? stderr : stdout);
    return args.empty() ? exit_usage : exit_ok;
  }
  const std::string name = args[0];
  args.erase(args.begin());
  try {
    for (const command& c : commands) {
      if (name == c.name) return c.run(args);
    }
    throw usage_error{"unknown command '" + name + "'"};
  } catch (const usage_error& e) {
    std::fprintf(stderr, "samestory %s: %s\n(see samestory %s --help)\n", name.c_str(),
                 e.message.c_str(), name.c_str());
    return exit_usage;
  } catch (const samestory::error& e) {
    std::fprintf(stderr, "samestory %s: %s\n", name.c_str(), e.what());
    return exit_data;
  } catch (const std::exception& e) {  // e.g. out of memory: a message, not an abort
    std::fprintf(stderr, "samestory %s: %s\n", name.c_str(), e.what());
    return exit_data;
  }
}
