// Signature throughput (step 2): MinHash and SimHash against the hashing floor
// and a naive textbook MinHash, on the same shingles in the same run.
//
// Every row times, per document, cutting the shingles from normalized text
// and signing them; the floor row does only the cutting and XXH3 hashing. So
// ratio_to_floor is what a scheme adds on top of producing its input, per
// shingle position.
#pragma once

#include <samestory/bbit_minhash.hpp>
#include <samestory/minhash.hpp>
#include <samestory/normalize.hpp>
#include <samestory/shingle.hpp>
#include <samestory/simhash.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "corpus.hpp"

namespace bench {

__extension__ typedef unsigned __int128
    u128;  // GCC/Clang extension, as datasketch's mod-prime needs

struct signature_row {
  std::string name;
  std::string corpus;
  std::uint32_t k;
  unsigned threads;
  double docs_per_s;
  double mb_per_s;
  double ns_per_shingle;
  double ratio_to_floor;
};

inline void print_signature_row(bool json, const signature_row& r) {
  if (json) {
    std::printf(
        "{\"name\": \"%s\", \"corpus\": \"%s\", \"k\": %u, \"threads\": %u, \"docs_per_s\": %.1f, "
        "\"mb_per_s\": %.1f, \"ns_per_shingle\": %.2f, \"ratio_to_floor\": %.2f}\n",
        r.name.c_str(), r.corpus.c_str(), r.k, r.threads, r.docs_per_s, r.mb_per_s,
        r.ns_per_shingle, r.ratio_to_floor);
  } else {
    std::printf(
        "  %-16s k %-4u threads %-2u %10.0f docs/s %8.1f MB/s %7.2f ns/shingle %6.2fx floor\n",
        r.name.c_str(), r.k, r.threads, r.docs_per_s, r.mb_per_s, r.ns_per_shingle,
        r.ratio_to_floor);
  }
  std::fflush(stdout);
}

// The textbook MinHash as datasketch computes it: k hash functions
// (a_i * h + b_i) mod (2^61 - 1) over 64-bit values, one min per function.
class naive_minhash {
 public:
  naive_minhash(std::uint32_t k, std::uint64_t seed) : a_(k), b_(k) {
    rng r{seed};
    for (std::uint32_t i = 0; i < k; ++i) {
      a_[i] = 1 + r.next() % (prime - 1);
      b_[i] = r.next() % prime;
    }
  }
  void sign(const std::vector<std::uint64_t>& hashes, std::vector<std::uint64_t>& out) const {
    out.assign(a_.size(), prime);
    for (std::uint64_t h : hashes) {
      const std::uint64_t x = h % prime;
      for (std::size_t i = 0; i < a_.size(); ++i) {
        const auto v = static_cast<std::uint64_t>((static_cast<u128>(a_[i]) * x + b_[i]) % prime);
        out[i] = std::min(out[i], v);
      }
    }
  }

 private:
  static constexpr std::uint64_t prime = (std::uint64_t{1} << 61) - 1;
  std::vector<std::uint64_t> a_, b_;
};

inline void run_signature_benches(bool json, int reps, const corpus& c,
                                  const std::vector<std::uint32_t>& ks) {
  using clock_type = std::chrono::steady_clock;
  // Normalize once, outside every timing: the rows differ only after it.
  samestory::normalize_options no;
  no.utf8 = samestory::utf8_policy::lenient;
  no.keep_offsets = false;
  const samestory::normalizer norm(no);
  const samestory::shingler shingler;
  std::vector<samestory::normalized_text> texts(c.docs.size());
  std::size_t positions = 0;
  {
    std::vector<std::uint64_t> h;
    for (std::size_t i = 0; i < c.docs.size(); ++i) {
      norm.normalize(c.docs[i], texts[i]);
      shingler.hash(texts[i], h);
      positions += h.size();
    }
  }
  const double mb = static_cast<double>(c.bytes) / 1e6;
  const double docs = static_cast<double>(c.docs.size());
  if (!json) {
    std::printf("signatures on %s: %zu documents, %.1f MB, %zu shingle positions\n", c.name.c_str(),
                c.docs.size(), mb, positions);
  }
  auto best = [&](const std::function<void()>& fn) {
    double t = 1e300;
    for (int r = 0; r < reps; ++r) {
      const auto t0 = clock_type::now();
      fn();
      t = std::min(t, std::chrono::duration<double>(clock_type::now() - t0).count());
    }
    return t;
  };
  std::vector<std::uint64_t> h;
  std::uint64_t sink = 0;
  const double floor_t = best([&] {
    for (const auto& t : texts) {
      shingler.hash(t, h);
      sink += h.empty() ? 0 : h[0];
    }
  });
  auto row = [&](const char* name, std::uint32_t k, unsigned threads, double t) {
    print_signature_row(json, {name, c.name, k, threads, docs / t, mb / t,
                               t * 1e9 / static_cast<double>(positions), t / floor_t});
  };
  row("floor", 0, 1, floor_t);

  for (std::uint32_t k : ks) {
    {
      const naive_minhash naive(k, 1);
      std::vector<std::uint64_t> out;
      row("minhash-naive", k, 1, best([&] {
            for (const auto& t : texts) {
              shingler.hash(t, h);
              naive.sign(h, out);
              sink += out[0];
            }
          }));
    }
    for (auto [name, scheme] :
         {std::pair{"minhash-classic", samestory::minhash_scheme::classic},
          std::pair{"minhash-fast", samestory::minhash_scheme::one_permutation}}) {
      samestory::minhash_options mo;
      mo.num_hashes = k;
      mo.scheme = scheme;
      const samestory::minhasher mh(mo);
      std::vector<std::uint32_t> out(k);
      row(name, k, 1, best([&] {
            for (const auto& t : texts) {
              shingler.hash(t, h);
              mh.sign_into(h, out);
              sink += out[0];
            }
          }));
    }
  }
  {
    // b-bit: the stored form, so sign() (which also counts distinct shingles
    // for containment) and packing to 8 bits per value.
    samestory::minhash_options mo;
    const samestory::minhasher mh(mo);
    row("minhash-bbit", mo.num_hashes, 1, best([&] {
          for (const auto& t : texts) {
            shingler.hash(t, h);
            sink += samestory::bbit_signature::pack(mh.sign(h), 8).value(0);
          }
        }));
  }
  {
    const samestory::simhasher sh;
    row("simhash64", 0, 1, best([&] {
          for (const auto& t : texts) {
            shingler.hash(t, h);
            sink += sh.hash(std::span<const std::uint64_t>(h));
          }
        }));
    samestory::simhash_options so;
    so.weighting = samestory::simhash_weighting::sublinear_tf;
    const samestory::simhasher tf(so);
    std::vector<samestory::counted_shingle> counted;
    row("simhash64-tf", 0, 1, best([&] {
          for (const auto& t : texts) {
            shingler.counted(t, counted);
            sink += tf.hash(std::span<const samestory::counted_shingle>(counted));
          }
        }));
  }
  // The batch API on 1 thread and on every core, k = 128: shingles are cut
  // beforehand here, since the batch call takes shingle spans.
  {
    std::vector<std::vector<std::uint64_t>> all(texts.size());
    for (std::size_t i = 0; i < texts.size(); ++i) shingler.hash(texts[i], all[i]);
    std::vector<std::span<const std::uint64_t>> spans(all.begin(), all.end());
    samestory::minhash_options mo;
    const samestory::minhasher mh(mo);
    std::vector<std::uint32_t> out(all.size() * mo.num_hashes);
    const unsigned hw = std::max(2u, std::thread::hardware_concurrency());
    for (unsigned threads : {1u, hw}) {
      const double t = best([&] { mh.sign_batch(spans, out, threads); });
      print_signature_row(json, {"minhash-fast-batch", c.name, mo.num_hashes, threads, docs / t,
                                 mb / t, t * 1e9 / static_cast<double>(positions), t / floor_t});
    }
  }
  if (sink == 42) std::printf(" ");  // keeps the work observable
  if (!json) std::printf("\n");
}

}  // namespace bench
