// Writes the seed corpus of signature_loaders_fuzz: small objects serialized
// by the library itself, so the fuzzer starts from bytes every reader accepts
// and mutates inward. Run by tests/fuzz/make_corpus.sh; the output is
// deterministic (fixed seeds and texts), so regenerating changes nothing
// unless a format changes.
#include <samestory/bbit_minhash.hpp>
#include <samestory/chrome.hpp>
#include <samestory/minhash.hpp>
#include <samestory/simhash.hpp>
#include <samestory/text_pipeline.hpp>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

bool write(const std::string& dir, const std::string& name, const std::string& bytes) {
  const std::string path = dir + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) {
    std::fprintf(stderr, "make_seeds: cannot write %s\n", path.c_str());
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT_DIRECTORY\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  bool ok = true;

  const samestory::text_pipeline pipeline;
  std::vector<std::uint64_t> english, chinese;
  pipeline.shingles("The council voted on Tuesday to close the old harbour bridge.", english);
  pipeline.shingles("特斯拉CEO埃隆·马斯克周二宣布，公司将在上海新建一座工厂。", chinese);
  const std::vector<std::uint64_t> none;

  // MinHash: both schemes, k of 1 and an odd k, and an empty document.
  const samestory::minhasher classic1({1, samestory::minhash_scheme::classic, 3},
                                      pipeline.fingerprint());
  const samestory::minhasher oph13({13, samestory::minhash_scheme::one_permutation, 0},
                                   pipeline.fingerprint());
  const samestory::minhasher oph4({4, samestory::minhash_scheme::one_permutation, 9}, 0);
  ok &= write(dir, "minhash_classic_k1", classic1.sign(english).serialize());
  ok &= write(dir, "minhash_oph_k13_zh", oph13.sign(chinese).serialize());
  ok &= write(dir, "minhash_oph_k4_empty", oph4.sign(none).serialize());

  // b-bit: every b, from k = 13 so that b < 8 leaves padding bits in the last byte.
  const samestory::minhash_signature sig13 = oph13.sign(english);
  for (const unsigned b : {1u, 2u, 4u, 8u, 16u}) {
    ok &= write(dir, "bbit_k13_b" + std::to_string(b),
                samestory::bbit_signature::pack(sig13, b).serialize());
  }
  ok &= write(dir, "bbit_k4_b2_empty",
              samestory::bbit_signature::pack(oph4.sign(none), 2).serialize());

  // SimHash: each weighting.
  const samestory::simhasher binary({samestory::simhash_weighting::binary, 1}, 5);
  const samestory::simhasher sublinear({samestory::simhash_weighting::sublinear_tf, 2}, 5);
  std::vector<samestory::counted_shingle> counted;
  for (const std::uint64_t h : chinese) counted.push_back({h, 2});
  ok &= write(dir, "simhash_positions", binary.sign(english).serialize());
  ok &= write(dir, "simhash_binary", binary.sign(counted).serialize());
  ok &= write(dir, "simhash_sublinear", sublinear.sign(counted).serialize());

  // chrome_statistics: nothing observed, and two sources sharing menu lines.
  ok &= write(dir, "chrome_statistics_empty", samestory::chrome_statistics().save());
  samestory::chrome_statistics stats;
  stats.observe("Home | News\nFirst story body.\n(c) Gazette", "gazette.example");
  stats.observe("Home | News\nSecond story body.\n(c) Gazette", "gazette.example");
  stats.observe("首页 > 新闻\n正文。", "news.example.cn");
  ok &= write(dir, "chrome_statistics_two_sources", stats.save());

  // Two refusals the fuzzer would take long to build: one byte short, and a
  // payload bit flipped under an intact checksum.
  const std::string whole = oph13.sign(chinese).serialize();
  ok &= write(dir, "minhash_truncated", whole.substr(0, whole.size() - 1));
  std::string flipped = whole;
  flipped[20] = static_cast<char>(flipped[20] ^ 0x10);
  ok &= write(dir, "minhash_bit_flipped", flipped);
  return ok ? 0 : 1;
}
