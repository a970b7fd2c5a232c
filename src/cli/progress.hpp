// Internal to the samestory command line: a progress line on standard error
// for long runs — documents, rate and, when the input size is known, percent
// and ETA. Shown only when standard error is a terminal and --quiet is not
// given, so logs and pipes stay clean.
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>

namespace samestory::cli {

class progress {
 public:
  explicit progress(bool quiet) : on_(!quiet && ::isatty(STDERR_FILENO) != 0) {}
  ~progress() { done(); }
  progress(const progress&) = delete;
  progress& operator=(const progress&) = delete;

  /// Called per document; redraws at most five times a second.
  void update(std::uint64_t documents, std::uint64_t bytes, std::uint64_t total_bytes) {
    if (!on_) return;
    const auto now = clock::now();
    if (now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    const double secs = std::chrono::duration<double>(now - start_).count();
    const double rate = secs > 0 ? static_cast<double>(documents) / secs : 0.0;
    const double mbps = secs > 0 ? static_cast<double>(bytes) / 1e6 / secs : 0.0;
    if (total_bytes > 0 && bytes > 0) {
      const double share = static_cast<double>(bytes) / static_cast<double>(total_bytes);
      const double eta = share > 0 ? secs * (1.0 - share) / share : 0.0;
      std::fprintf(stderr, "\r%llu documents  %.0f docs/s  %.1f MB/s  %3.0f%%  ETA %d:%02d   ",
                   static_cast<unsigned long long>(documents), rate, mbps, 100.0 * share,
                   static_cast<int>(eta) / 60, static_cast<int>(eta) % 60);
    } else {
      std::fprintf(stderr, "\r%llu documents  %.0f docs/s  %.1f MB/s   ",
                   static_cast<unsigned long long>(documents), rate, mbps);
    }
    drawn_ = true;
  }

  /// A phase without a count, e.g. "clustering".
  void phase(const char* what) {
    if (!on_) return;
    std::fprintf(stderr, "\r%s ...%40s", what, "");
    drawn_ = true;
  }

  /// Clears the line.
  void done() {
    if (on_ && drawn_) std::fprintf(stderr, "\r%70s\r", "");
    drawn_ = false;
  }

 private:
  using clock = std::chrono::steady_clock;
  bool on_;
  bool drawn_ = false;
  clock::time_point start_ = clock::now();
  clock::time_point last_{};
};

}  // namespace samestory::cli
