#include "tag_table.hpp"

#include <cstdlib>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace samestory::detail {

namespace {
constexpr std::size_t huge_page = std::size_t{2} << 20;
}

zeroed_block::zeroed_block(std::size_t bytes) {
  if (bytes == 0) return;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (bytes >= huge_page / 4) {
    // Map one huge page more than needed and trim to a 2 MB boundary, so
    // every 2 MB of the table can be one huge page.
    const std::size_t length = (bytes + huge_page - 1) / huge_page * huge_page;
    void* p = ::mmap(nullptr, length + huge_page, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p != MAP_FAILED) {
      const auto base = reinterpret_cast<std::uintptr_t>(p);
      const std::uintptr_t aligned = (base + huge_page - 1) / huge_page * huge_page;
      if (aligned > base) ::munmap(p, aligned - base);
      const std::uintptr_t tail = aligned + length;
      const std::uintptr_t end = base + length + huge_page;
      if (end > tail) ::munmap(reinterpret_cast<void*>(tail), end - tail);
      // Advice only: without transparent huge pages this is a no-op.
      ::madvise(reinterpret_cast<void*>(aligned), length, MADV_HUGEPAGE);
      data_ = reinterpret_cast<void*>(aligned);
      bytes_ = bytes;
      mapped_ = length;
      return;
    }
  }
#endif
  data_ = std::calloc(bytes, 1);
  if (data_ == nullptr) throw std::bad_alloc();
  bytes_ = bytes;
}

void zeroed_block::release() noexcept {
#if defined(__linux__)
  if (mapped_ != 0) {
    ::munmap(data_, mapped_);
    data_ = nullptr;
    mapped_ = bytes_ = 0;
    return;
  }
#endif
  std::free(data_);
  data_ = nullptr;
  bytes_ = 0;
}

}  // namespace samestory::detail
