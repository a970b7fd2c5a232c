// Test-only: comparing query answers field for field, as the backend
// conformance tests require (the Redis and in-memory indexes must agree
// exactly, not approximately).
#pragma once

#include <samestory/query.hpp>

#include <algorithm>
#include <vector>

namespace samestory::test {

inline bool same_match(const match& a, const match& b) {
  return a.id == b.id && a.jaccard == b.jaccard && a.containment == b.containment &&
         a.set_size == b.set_size && a.time == b.time;
}

inline bool same(const std::vector<match>& a, const std::vector<match>& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), same_match);
}

}  // namespace samestory::test
