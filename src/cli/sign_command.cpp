// samestory sign: the signature the library computes for each document, so
// that a crawler in another language, a test or a person can compare with it.
// Nothing here computes a value of its own: text_pipeline::shingles, then
// minhasher::sign or simhasher::sign, with the options named on the command line.
#include "cli.hpp"
#include "documents.hpp"

#include <samestory/error.hpp>
#include <samestory/jsonl.hpp>
#include <samestory/minhash.hpp>
#include <samestory/simhash.hpp>
#include <samestory/text_pipeline.hpp>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace samestory::cli {

namespace {

const char* const sign_help =
    "usage: samestory sign [options] INPUT\n"
    "\n"
    "Prints the signature of each document, as the library computes it from the\n"
    "text pipeline's shingles (chrome removal, normalization, character and word\n"
    "3-grams hashed with XXH3). INPUT is read as by 'samestory cluster': a JSONL\n"
    "file (id and text; the title is not signed), '-' for JSONL on standard\n"
    "input, or a directory whose .txt and .html files are the documents.\n"
    "\n"
    "  --scheme S    one-permutation (default): MinHash, one hash and k bins with\n"
    "                optimal densification; classic: MinHash, k hash functions;\n"
    "                simhash: 64-bit SimHash, one vote per shingle position\n"
    "  --k N         MinHash values per signature, 1..4096 (default 128);\n"
    "                SimHash has 64 bits, so only 64 is accepted with it\n"
    "  --seed S      hash seed, 0..2^64-1 (default 0); another seed gives\n"
    "                unrelated signatures that never compare\n"
    "  --format F    hex (default): ID<TAB>HEX per line (tabs, newlines and\n"
    "                backslashes in ids escaped as \\t \\n \\\\); json: one object\n"
    "                per line, {\"id\", \"scheme\", \"k\", \"seed\", \"set_size\",\n"
    "                \"signature\": HEX}\n"
    "  --skip-bad    pass over bad records and count them on stderr\n"
    "  --max-document-bytes N, --max-shingles N\n"
    "                the text limits, as for 'samestory cluster' (defaults 64M, 4M)\n"
    "\n"
    "HEX: MinHash values in signature order, each as 8 hex digits, most\n"
    "significant first (value i is characters 8i..8i+7); SimHash as 16 hex\n"
    "digits, most significant first. An empty document (no shingles) has\n"
    "set_size 0: MinHash values all ffffffff, SimHash 0. set_size counts the\n"
    "document's distinct shingles.\n"
    "\n"
    "Exit status: 0 done, 1 bad input (the message names file and line),\n"
    "2 bad command line.\n"
    "\n"
    "examples:\n"
    "  samestory sign news.jsonl > signatures.tsv\n"
    "  samestory sign --scheme classic --k 256 --seed 7 --format json pages/\n"
    "  samestory sign --scheme simhash news.jsonl | sort -k2\n";

enum class scheme_kind { one_permutation, classic, simhash };

struct settings {
  std::string path;
  scheme_kind scheme = scheme_kind::one_permutation;
  std::string scheme_name = "one-permutation";
  std::optional<std::uint32_t> k;
  std::uint64_t seed = 0;
  bool json = false, skip_bad = false;
  text_pipeline_options pipeline;  // defaults but for the limits
};

std::uint64_t parse_u64(std::string_view flag, const std::string& s, std::uint64_t max) {
  std::uint64_t v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || r.ec != std::errc{} || r.ptr != s.data() + s.size() || v > max) {
    throw usage_error{std::string(flag) + " '" + s + "' must be a whole number in 0.." +
                      std::to_string(max)};
  }
  return v;
}

settings parse(const std::vector<std::string>& args, bool& help) {
  settings s;
  for (argument_cursor arg{args}; !arg.done(); ++arg.i) {
    const std::string& a = arg.flag();
    if (a == "--help" || a == "-h") {
      help = true;
      return s;
    } else if (a == "--scheme") {
      s.scheme_name = arg.value();
      if (s.scheme_name == "one-permutation") {
        s.scheme = scheme_kind::one_permutation;
      } else if (s.scheme_name == "classic") {
        s.scheme = scheme_kind::classic;
      } else if (s.scheme_name == "simhash") {
        s.scheme = scheme_kind::simhash;
      } else {
        throw usage_error{"--scheme must be one-permutation, classic or simhash, not '" +
                          s.scheme_name + "'"};
      }
    } else if (a == "--k") {
      const std::string& v = arg.value();
      const std::uint64_t k = parse_u64("--k", v, 4096);
      if (k == 0) throw usage_error{"--k '" + v + "' must be a whole number in 1..4096"};
      s.k = static_cast<std::uint32_t>(k);
    } else if (a == "--seed") {
      s.seed = parse_u64("--seed", arg.value(), UINT64_MAX);
    } else if (a == "--format") {
      const std::string& f = arg.value();
      if (f != "hex" && f != "json")
        throw usage_error{"--format must be hex or json, not '" + f + "'"};
      s.json = f == "json";
    } else if (a == "--skip-bad") {
      s.skip_bad = true;
    } else if (a == "--max-document-bytes") {
      s.pipeline.normalize.max_document_bytes = parse_size(a, arg.value(), std::size_t{0xFFFFFFFE});
    } else if (a == "--max-shingles") {
      s.pipeline.shingle.max_shingles =
          parse_size(a, arg.value(), std::numeric_limits<std::size_t>::max());
    } else if (!a.empty() && a[0] == '-' && a != "-") {
      throw usage_error{"unknown option " + a};
    } else if (s.path.empty()) {
      s.path = a;
    } else {
      throw usage_error{"one input only; got '" + s.path + "' and '" + a + "'"};
    }
  }
  if (s.path.empty()) {
    throw usage_error{"sign needs an input: a JSONL file, a directory, or - for standard input"};
  }
  if (s.scheme == scheme_kind::simhash && s.k && *s.k != 64) {
    throw usage_error{"--scheme simhash has 64 bits; --k must be 64 or absent, not " +
                      std::to_string(*s.k)};
  }
  return s;
}

void append_hex(std::string& out, std::uint64_t v, int digits) {
  static const char hex[] = "0123456789abcdef";
  for (int shift = 4 * (digits - 1); shift >= 0; shift -= 4) out += hex[(v >> shift) & 0xF];
}

}  // namespace

int sign_command(const std::vector<std::string>& args) {
  bool help = false;
  const settings s = parse(args, help);
  if (help) {
    std::fputs(sign_help, stdout);
    return exit_ok;
  }
  const text_pipeline pipeline(s.pipeline);
  const bool simhash = s.scheme == scheme_kind::simhash;
  minhash_options mo;
  mo.num_hashes = simhash ? 1 : s.k.value_or(128);
  mo.scheme =
      s.scheme == scheme_kind::classic ? minhash_scheme::classic : minhash_scheme::one_permutation;
  mo.seed = s.seed;
  const minhasher minhash(mo, pipeline.fingerprint());
  simhash_options so;
  so.seed = s.seed;
  const simhasher sim(so, pipeline.fingerprint());
  const std::uint32_t k = simhash ? 64 : mo.num_hashes;

  document_reader in(s.path, s.skip_bad, /*spool_stdin=*/false);
  input_document d;
  std::vector<std::uint64_t> shingles, distinct;
  std::string line;
  std::size_t signed_documents = 0;
  while (in.next(d)) {
    try {
      pipeline.shingles(d.text, shingles);
    } catch (const error& e) {  // e.g. a text over max_document_bytes
      in.reject(in.where(d) + ": " + e.what());
      continue;
    }
    line.clear();
    std::uint64_t set_size = 0;
    std::string hex;
    if (simhash) {
      const simhash_signature sig = sim.sign(std::span<const std::uint64_t>(shingles));
      distinct = shingles;
      std::sort(distinct.begin(), distinct.end());
      set_size = static_cast<std::uint64_t>(std::unique(distinct.begin(), distinct.end()) -
                                            distinct.begin());
      append_hex(hex, sig.value, 16);
    } else {
      const minhash_signature sig = minhash.sign(shingles);
      set_size = sig.set_size();
      hex.reserve(8 * sig.values().size());
      for (const std::uint32_t v : sig.values()) append_hex(hex, v, 8);
    }
    if (s.json) {
      line += "{\"id\": ";
      append_json_string(line, d.id);
      line += ", \"scheme\": \"" + s.scheme_name + "\", \"k\": " + std::to_string(k) +
              ", \"seed\": " + std::to_string(s.seed) +
              ", \"set_size\": " + std::to_string(set_size) + ", \"signature\": \"" + hex + "\"}";
    } else {
      append_tsv_field(line, d.id);
      line += '\t';
      line += hex;
    }
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stdout);
    ++signed_documents;
  }
  in.report_skipped("sign", "signed", signed_documents);
  return exit_ok;
}

}  // namespace samestory::cli
