// Normalizes and shingles two spellings of one sentence; they must collide.
#include <samestory/samestory.hpp>

#include <cstdio>
#include <vector>

int main() {
  samestory::text_pipeline pipeline;
  std::vector<std::uint64_t> a, b;
  pipeline.shingles("馬斯克：中國電力供應是美國的3倍", a);
  pipeline.shingles("马斯克:中国电力供应是美国的3倍", b);
  std::printf("%s %s\n", a == b && !a.empty() ? "ok" : "FAIL", samestory::version_string);
  return a == b && !a.empty() ? 0 : 1;
}
