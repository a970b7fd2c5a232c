// Tests for the saved state of the stateful objects (lsh_index,
// simhash_index, term_statistics, online_clusterer): round trips that keep
// behaviour, refusal of other settings, hostile bytes (truncation at every
// offset, every single-bit flip, absurd lengths behind a valid checksum), and
// the golden files in tests/data/golden/ that every later version must read.
#include <samestory/bbit_minhash.hpp>
#include <samestory/chrome.hpp>
#include <samestory/document_index.hpp>
#include <samestory/error.hpp>
#include <samestory/io.hpp>
#include <samestory/lsh_index.hpp>
#include <samestory/minhash.hpp>
#include <samestory/online_cluster.hpp>
#include <samestory/simhash.hpp>
#include <samestory/simhash_index.hpp>
#include <samestory/story_terms.hpp>
#include <samestory/text_pipeline.hpp>

#include "../src/binary_io.hpp"
#include "support/documents.hpp"
#include "support/files.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <vector>

using namespace samestory;
using samestory::test::word;

namespace {

// `n` made-up words from [first, first + count), seeded: texts that share
// words share shingles, so variants of one text are near-duplicates.
std::string words(unsigned seed, unsigned first, unsigned count, std::size_t n) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<unsigned> pick(first, first + count - 1);
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0) s += (i % 10 == 0) ? ". " : " ";
    s += word(pick(rng));
  }
  return s + ".";
}

// A text and its light edit (the last few words changed).
std::string variant(const std::string& text, unsigned seed) {
  return text.substr(0, text.size() * 9 / 10) + " " + words(seed, 3000, 50, 6);
}

const text_pipeline& pipeline() {
  static const text_pipeline p;
  return p;
}

minhash_signature sign(const minhasher& h, const std::string& text) {
  std::vector<std::uint64_t> sh;
  pipeline().shingles(text, sh);
  return h.sign(sh);
}

std::uint64_t simhash_of(const std::string& text) {
  static const simhasher h({}, pipeline().fingerprint());
  std::vector<std::uint64_t> sh;
  pipeline().shingles(text, sh);
  return h.hash(sh);
}

// Small, fully determined objects: the golden files are these, saved.
constexpr lsh_parameters small_lsh{8, 2};

minhasher small_hasher() {
  minhash_options o;
  o.num_hashes = 16;
  return minhasher(o, pipeline().fingerprint());
}

std::vector<std::string> small_texts() {
  std::vector<std::string> t;
  for (unsigned i = 0; i < 4; ++i) {
    t.push_back(words(10 + i, 200 * i, 120, 40));
    t.push_back(variant(t.back(), 20 + i));
  }
  t.push_back("");  // an empty document is stored and matches nothing
  return t;
}

lsh_index make_small_lsh() {
  const minhasher h = small_hasher();
  lsh_index index(small_lsh, h);
  const auto texts = small_texts();
  for (std::size_t i = 0; i < texts.size(); ++i) {
    index.insert(100 + i, sign(h, texts[i]), 1'700'000'000 + static_cast<std::int64_t>(i));
  }
  return index;
}

simhash_index_options small_simhash_options() {
  simhash_index_options o;
  o.signature_fingerprint = simhasher({}, pipeline().fingerprint()).fingerprint({});
  return o;
}

simhash_index make_small_simhash() {
  simhash_index index(small_simhash_options());
  const auto texts = small_texts();
  for (std::size_t i = 0; i < texts.size(); ++i) {
    index.insert(200 + i, simhash_of(texts[i]), static_cast<std::int64_t>(i));
  }
  return index;
}

term_statistics make_small_stats() {
  const term_extractor terms;
  term_statistics stats;
  for (const std::string& t : small_texts()) stats.add(terms.counts({}, t));
  return stats;
}

cluster_options windowed_options() {
  cluster_options o;
  o.time_window_seconds = 3 * 86400;
  return o;
}

online_clusterer make_small_online() {
  online_clusterer oc(windowed_options());
  const auto texts = small_texts();
  for (std::size_t i = 0; i < texts.size(); ++i) {
    oc.add(samestory::test::doc(300 + i, texts[i], 1'700'000'000 + 3600 * std::int64_t(i)));
  }
  return oc;
}

// make_small_online() and then two Chinese reports that open on 8 and 9
// November: version 2 saves the days of their stories.
online_clusterer make_dated_online() {
  online_clusterer oc = make_small_online();
  oc.add(samestory::test::doc(320,
                              "新华社北京11月8日电 国家公务员考试报名进入第二天，"
                              "已有十二万人提交报名申请，海关基层职位最受欢迎。",
                              1'700'000'000 + 3600 * 9));
  oc.add(samestory::test::doc(321,
                              "本报讯 11月9日，公务员考试报名人数突破二十万，"
                              "专家提醒考生理性选择职位，不要扎堆报考热门岗位。",
                              1'700'000'000 + 3600 * 10));
  return oc;
}

document_index_options small_document_index_options() {
  document_index_options o;
  o.threshold = 0.6;
  o.num_hashes = 32;
  return o;
}

document_index make_small_document_index() {
  document_index index(small_document_index_options());
  const auto texts = small_texts();
  for (std::size_t i = 0; i < texts.size(); ++i) {
    index.add("https://news.example/" + std::to_string(i), texts[i], static_cast<std::int64_t>(i));
  }
  return index;
}

chrome_statistics make_small_chrome() {
  chrome_statistics stats;
  const auto texts = small_texts();
  for (std::size_t i = 0; i < texts.size(); ++i) {
    stats.observe("Home | World | Sport\n" + texts[i] + "\nShare this story", "news.example");
  }
  return stats;
}

// Each loader under one name, with the settings the small objects were made with.
struct loader {
  const char* name;
  std::function<std::string()> make;
  std::function<void(std::string_view)> load;
};

std::vector<loader> loaders() {
  return {
      {"lsh_index", [] { return make_small_lsh().save(); },
       [](std::string_view b) { lsh_index::load(b, small_lsh, small_hasher()); }},
      {"simhash_index", [] { return make_small_simhash().save(); },
       [](std::string_view b) { simhash_index::load(b, small_simhash_options()); }},
      {"term_statistics", [] { return make_small_stats().save(); },
       [](std::string_view b) { term_statistics::load(b); }},
      {"online_clusterer", [] { return make_small_online().save(); },
       [](std::string_view b) { online_clusterer::load(b, windowed_options()); }},
      {"document_index", [] { return make_small_document_index().save(); },
       [](std::string_view b) { document_index::load(b, small_document_index_options()); }},
  };
}

// Wraps `payload` in a valid envelope of `kind`: bad fields behind a good checksum.
std::string enveloped(detail::object_kind kind, const std::string& payload,
                      std::uint16_t version = 1) {
  std::string out;
  const std::size_t start = detail::begin_envelope(out, kind, version);
  out += payload;
  detail::end_envelope(out, start);
  return out;
}

std::uint16_t version_of(const std::string& saved) {
  detail::byte_reader r(saved);
  r.bytes(4, "magic");
  return r.u16("format version");
}

std::string payload_of(const std::string& saved) {
  return saved.substr(detail::envelope_header_bytes, saved.size() - detail::envelope_header_bytes -
                                                         detail::envelope_trailer_bytes);
}

std::string golden_path(const char* name) {
  return std::string(SAMESTORY_SOURCE_DIR) + "/tests/data/golden/" + name;
}

}  // namespace

TEST_CASE("saved state: lsh_index round trip keeps every answer", "[saved_state]") {
  const minhasher h = small_hasher();
  const lsh_index a = make_small_lsh();
  const std::string bytes = a.save();
  const lsh_index b = lsh_index::load(bytes, small_lsh, h);
  CHECK(b.size() == a.size());
  CHECK(b.save() == bytes);
  for (const std::string& t : small_texts()) {
    const auto qa = a.query(sign(h, t));
    const auto qb = b.query(sign(h, t));
    REQUIRE(qa.size() == qb.size());
    for (std::size_t i = 0; i < qa.size(); ++i) {
      CHECK(qa[i].id == qb[i].id);
      CHECK(qa[i].jaccard == qb[i].jaccard);
      CHECK(qa[i].containment == qb[i].containment);
      CHECK(qa[i].time == qb[i].time);
    }
  }
  // The loaded index is a full one: it takes inserts and removals.
  lsh_index c = lsh_index::load(bytes, small_lsh, h);
  CHECK(c.remove(100));
  c.insert(999, sign(h, small_texts()[0]), 5);
  CHECK(c.query(sign(h, small_texts()[0]))[0].id == 999);
}

TEST_CASE("saved state: simhash_index and term_statistics round trips", "[saved_state]") {
  const simhash_index a = make_small_simhash();
  const std::string bytes = a.save();
  const simhash_index b = simhash_index::load(bytes, small_simhash_options());
  CHECK(b.save() == bytes);
  for (const std::string& t : small_texts()) {
    const auto qa = a.query(simhash_of(t));
    const auto qb = b.query(simhash_of(t));
    REQUIRE(qa.size() == qb.size());
    for (std::size_t i = 0; i < qa.size(); ++i) {
      CHECK(qa[i].id == qb[i].id);
      CHECK(qa[i].distance == qb[i].distance);
    }
  }

  const term_statistics s = make_small_stats();
  const term_statistics t = term_statistics::load(s.save());
  CHECK(t.documents() == s.documents());
  CHECK(t.size() == s.size());
  const term_extractor terms;
  for (const term_weight& w : terms.counts({}, small_texts()[2])) {
    CHECK(t.frequency(w.term) == s.frequency(w.term));
    CHECK(t.idf(w.term) == s.idf(w.term));
  }
  CHECK(t.save() == s.save());
}

TEST_CASE("saved state: a loaded online clusterer assigns the rest of a stream identically",
          "[saved_state]") {
  // A stream with copies, spins and several stories over two weeks, so the
  // window evicts; half of it goes in before the save.
  std::vector<std::string> texts;
  std::vector<std::int64_t> times;
  for (unsigned i = 0; i < 40; ++i) {
    const unsigned topic = i % 7;
    std::string t = words(1000 + i, 400 * topic, 150, 120);
    if (i % 5 == 3) t = variant(texts[i - 3], 500 + i);  // a copy of an earlier one
    texts.push_back(t);
    times.push_back(1'700'000'000 + 9 * 3600 * std::int64_t(i));
  }
  cluster_options o = windowed_options();
  online_clusterer live(o);
  for (std::size_t i = 0; i < 20; ++i) live.add(samestory::test::doc(i, texts[i], times[i]));
  live.remove(4);
  const std::string bytes = live.save();
  o.threads = 3;  // not an assignment setting: may differ
  online_clusterer loaded = online_clusterer::load(bytes, o);
  CHECK(loaded.save() == bytes);
  CHECK(loaded.documents() == live.documents());
  for (std::size_t i = 20; i < texts.size(); ++i) {
    const assignment a = live.add(samestory::test::doc(i, texts[i], times[i]));
    const assignment b = loaded.add(samestory::test::doc(i, texts[i], times[i]));
    CHECK(a.story == b.story);
    CHECK(a.copy == b.copy);
    CHECK(a.kind == b.kind);
    CHECK(a.similarity == b.similarity);
  }
  const auto sa = live.stories();
  const auto sb = loaded.stories();
  REQUIRE(sa.size() == sb.size());
  for (std::size_t i = 0; i < sa.size(); ++i) {
    CHECK(sa[i].id == sb[i].id);
    CHECK(sa[i].documents == sb[i].documents);
    CHECK(sa[i].last_time == sb[i].last_time);
  }
  CHECK(live.save() == loaded.save());
}

TEST_CASE("saved state: learned chrome statistics are saved with the clusterer", "[saved_state]") {
  cluster_options o;
  o.learn_chrome = true;
  online_clusterer live(o);
  const std::string menu = "Home | World | Business | Sport | Culture | Opinion | Video\n";
  const std::string promo =
      "Subscribe to our newsletter for the best stories of the week, delivered every Sunday "
      "morning, with puzzles, letters and the tide tables for the whole coast, free of charge.\n";
  const auto page = [&](unsigned i) { return menu + promo + words(700 + i, 300 * i, 200, 60); };
  std::vector<std::string> pages;
  for (unsigned i = 0; i < 12; ++i) pages.push_back(page(i));
  const auto add = [&](online_clusterer& oc, unsigned i) {
    document d = samestory::test::doc(i, pages[i], 1'700'000'000 + i);
    d.source = "gazette.example";
    return oc.add(d);
  };
  for (unsigned i = 0; i < 6; ++i) add(live, i);
  online_clusterer loaded = online_clusterer::load(live.save(), o);
  for (unsigned i = 6; i < 12; ++i) {
    const assignment a = add(live, i);
    const assignment b = add(loaded, i);
    CHECK(a.copy == b.copy);
    CHECK(a.story == b.story);
  }
  CHECK(live.save() == loaded.save());
  o.learn_chrome = false;
  CHECK_THROWS_AS(online_clusterer::load(live.save(), o), settings_mismatch_error);
}

TEST_CASE("saved state: other settings are refused, naming the setting", "[saved_state]") {
  const std::string lsh = make_small_lsh().save();
  const auto setting_of = [](auto&& f) {
    try {
      f();
    } catch (const settings_mismatch_error& e) {
      CHECK(e.code() == error_code::settings_mismatch);
      return e.setting();
    }
    return std::string("(loaded)");
  };
  CHECK(setting_of([&] { lsh_index::load(lsh, {4, 4}, small_hasher()); }) == "bands");
  minhash_options other;
  other.num_hashes = 16;
  other.seed = 7;
  CHECK(setting_of([&] {
          lsh_index::load(lsh, small_lsh, minhasher(other, pipeline().fingerprint()));
        }) == "signature_fingerprint");
  other.seed = 0;
  other.num_hashes = 32;
  CHECK(setting_of([&] {
          lsh_index::load(lsh, small_lsh, minhasher(other, pipeline().fingerprint()));
        }) == "num_hashes");

  const std::string sim = make_small_simhash().save();
  CHECK(setting_of([&] { simhash_index::load(sim); }) == "signature_fingerprint");
  simhash_index_options k3 = small_simhash_options();
  k3.max_distance = 3;
  CHECK(setting_of([&] { simhash_index::load(sim, k3); }) == "max_distance");

  CHECK(setting_of([&] { term_statistics::load(make_small_stats().save(), 0.0); }) ==
        "background_documents");

  const std::string online = make_small_online().save();
  cluster_options o = windowed_options();
  o.copy_jaccard = 0.6;
  CHECK(setting_of([&] { online_clusterer::load(online, o); }) == "copy_jaccard");
  o = windowed_options();
  o.pipeline.shingle.word_n = 4;
  CHECK(setting_of([&] { online_clusterer::load(online, o); }) == "text_fingerprint");
  CHECK(setting_of([&] { online_clusterer::load(online); }) == "time_window_seconds");
  o = windowed_options();
  o.dateline_factor = 0.7;
  CHECK(setting_of([&] { online_clusterer::load(online, o); }) == "dateline_factor");
  // A version 1 state has no dateline settings: it loads under any, so an
  // upgraded crawler keeps its stories.
  const std::string v1 = read_file(golden_path("online_clusterer_window3d_fmt1.bin"));
  CHECK(online_clusterer::load(v1, o).size() == 9);
  o.copy_jaccard = 0.6;
  CHECK(setting_of([&] { online_clusterer::load(v1, o); }) == "copy_jaccard");
  // The message says both values.
  try {
    online_clusterer::load(online);
  } catch (const settings_mismatch_error& e) {
    CHECK(std::string(e.what()).find("time_window_seconds = 259200") != std::string::npos);
  }
}

TEST_CASE("saved state: truncation at every byte offset is a format_error", "[saved_state]") {
  for (const loader& l : loaders()) {
    INFO(l.name);
    const std::string bytes = l.make();
    REQUIRE_NOTHROW(l.load(bytes));
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      INFO("cut at " << n);
      CHECK_THROWS_AS(l.load(std::string_view(bytes).substr(0, n)), format_error);
    }
    CHECK_THROWS_AS(l.load(bytes + '\0'), format_error);  // trailing bytes
  }
}

TEST_CASE("saved state: every single-bit flip is a format_error", "[saved_state]") {
  for (const loader& l : loaders()) {
    INFO(l.name);
    std::string bytes = l.make();
    std::size_t refused = 0;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      for (int bit = 0; bit < 8; ++bit) {
        bytes[i] = static_cast<char>(bytes[i] ^ (1 << bit));
        try {
          l.load(bytes);
        } catch (const format_error&) {
          ++refused;
        }
        bytes[i] = static_cast<char>(bytes[i] ^ (1 << bit));
      }
    }
    // The magic, kind, version and length are checked before the checksum,
    // which covers the payload; a flip in the checksum itself mismatches.
    CHECK(refused == bytes.size() * 8);
  }
}

TEST_CASE("saved state: absurd counts behind a valid checksum allocate nothing", "[saved_state]") {
  // Replace each count with 2^62 and re-seal the envelope: the reader must
  // refuse it by the bytes that remain, before sizing anything by it (ASan
  // would abort on a multi-exabyte allocation).
  const auto absurd_at = [](detail::object_kind kind, const std::string& saved,
                            std::size_t payload_offset, auto&& load) {
    std::string p = payload_of(saved);
    for (int i = 0; i < 8; ++i) p[payload_offset + i] = i == 7 ? '\x40' : '\0';
    CHECK_THROWS_AS(load(enveloped(kind, p, version_of(saved))), format_error);
  };
  const std::string lsh = make_small_lsh().save();
  // After the settings block: find it by reading it.
  const auto after_settings = [](const std::string& saved) {
    const std::string p = payload_of(saved);
    detail::byte_reader r(p);
    detail::settings_list::read(r);
    return r.offset();
  };
  absurd_at(detail::object_kind::lsh_index, lsh, after_settings(lsh),
            [](const std::string& b) { lsh_index::load(b, small_lsh, small_hasher()); });
  const std::string sim = make_small_simhash().save();
  absurd_at(detail::object_kind::simhash_index, sim, after_settings(sim),
            [](const std::string& b) { simhash_index::load(b, small_simhash_options()); });
  const std::string stats = make_small_stats().save();
  absurd_at(detail::object_kind::term_statistics, stats, after_settings(stats) + 12,
            [](const std::string& b) { term_statistics::load(b); });
  const std::string online = make_small_online().save();
  // clock, order and chrome documents (24 bytes), then the nested term statistics' length.
  absurd_at(detail::object_kind::online_clusterer, online, after_settings(online) + 24,
            [](const std::string& b) { online_clusterer::load(b, windowed_options()); });
  // An envelope whose payload length is absurd is refused before the checksum.
  std::string huge = lsh;
  for (int i = 0; i < 8; ++i) huge[8 + i] = '\x7f';
  CHECK_THROWS_AS(lsh_index::load(huge, small_lsh, small_hasher()), format_error);
}

TEST_CASE("saved state: inconsistent fields behind a valid checksum are refused", "[saved_state]") {
  // Document ids out of order in an index.
  const minhasher h = small_hasher();
  lsh_index two(small_lsh, h);
  two.insert(1, sign(h, small_texts()[0]));
  two.insert(2, sign(h, small_texts()[2]));
  std::string p = payload_of(two.save());
  const std::size_t record = 21 + 2 * 16;
  const std::size_t first = p.size() - 2 * record;
  std::string swapped =
      p.substr(0, first) + p.substr(first + record, record) + p.substr(first, record);
  CHECK_THROWS_AS(lsh_index::load(enveloped(detail::object_kind::lsh_index, swapped), small_lsh, h),
                  format_error);
  // An unknown flag value on a document.
  std::string flagged = p;
  flagged[first + 20] = '\x05';
  CHECK_THROWS_AS(lsh_index::load(enveloped(detail::object_kind::lsh_index, flagged), small_lsh, h),
                  format_error);
  // Another kind's bytes.
  CHECK_THROWS_AS(lsh_index::load(make_small_simhash().save(), small_lsh, h), format_error);
  CHECK_THROWS_AS(online_clusterer::load(two.save()), format_error);
  // A story day that is no date (the last story's day ends the payload).
  const std::string dated = make_dated_online().save();
  for (const auto& [month, day] : {std::pair{13, 8}, std::pair{11, 0}, std::pair{0, 8}}) {
    std::string q = payload_of(dated);
    q[q.size() - 2] = static_cast<char>(month);
    q[q.size() - 1] = static_cast<char>(day);
    INFO(month << "-" << day);
    CHECK_THROWS_AS(online_clusterer::load(
                        enveloped(detail::object_kind::online_clusterer, q, version_of(dated)),
                        windowed_options()),
                    format_error);
  }
}

// Golden files: the bytes this version writes for the small objects. They are
// never edited by hand; SAMESTORY_WRITE_GOLDEN=1 rewrites them (only when a
// new format version is added: the old files stay, and stay tested).
TEST_CASE("saved state: golden files load and keep their answers", "[saved_state][golden]") {
  struct golden {
    const char* file;
    std::function<std::string()> make;
  };
  const golden files[] = {
      {"lsh_index_b8r2_k16_fmt1.bin", [] { return make_small_lsh().save(); }},
      {"simhash_index_k6_fmt1.bin", [] { return make_small_simhash().save(); }},
      {"term_statistics_fmt1.bin", [] { return make_small_stats().save(); }},
      {"online_clusterer_window3d_fmt2.bin", [] { return make_dated_online().save(); }},
      {"document_index_t06_k32_fmt1.bin", [] { return make_small_document_index().save(); }},
      {"minhash_char3_word3_h128_fmt1.bin",
       [] { return sign(minhasher({}, pipeline().fingerprint()), small_texts()[0]).serialize(); }},
      {"bbit_b8_h128_fmt1.bin",
       [] {
         return bbit_signature::pack(
                    sign(minhasher({}, pipeline().fingerprint()), small_texts()[0]), 8)
             .serialize();
       }},
      {"simhash_char3_word3_fmt1.bin",
       [] {
         std::vector<std::uint64_t> sh;
         pipeline().shingles(small_texts()[0], sh);
         return simhasher({}, pipeline().fingerprint()).sign(sh).serialize();
       }},
      {"chrome_statistics_fmt1.bin", [] { return make_small_chrome().save(); }},
  };
  if (const char* w = std::getenv("SAMESTORY_WRITE_GOLDEN"); w != nullptr && w[0] == '1') {
    for (const golden& g : files) write_file_atomically(golden_path(g.file), g.make());
  }
  for (const golden& g : files) {
    INFO(g.file);
    const std::string bytes = read_file(golden_path(g.file));
    // Until the format changes, this version writes exactly these bytes.
    CHECK(bytes == g.make());
  }

  const lsh_index lsh =
      lsh_index::load(read_file(golden_path(files[0].file)), small_lsh, small_hasher());
  CHECK(lsh.size() == 9);
  const auto m = lsh.query_id(100);
  REQUIRE_FALSE(m.empty());
  CHECK(m[0].id == 101);             // its light edit
  CHECK(lsh.query_id(108).empty());  // the empty document

  const simhash_index sim =
      simhash_index::load(read_file(golden_path(files[1].file)), small_simhash_options());
  CHECK(sim.size() == 9);
  CHECK(sim.contains(204));

  const term_statistics stats = term_statistics::load(read_file(golden_path(files[2].file)));
  CHECK(stats.documents() == 9);

  const document_index di =
      document_index::load(read_file(golden_path(files[4].file)), small_document_index_options());
  CHECK(di.size() == 9);
  const auto found = di.query(small_texts()[2]);
  REQUIRE(found.size() >= 2);
  CHECK(found[0].key == "https://news.example/2");
  CHECK(found[1].key == "https://news.example/3");

  const minhash_signature golden_sig =
      minhash_signature::deserialize(read_file(golden_path(files[5].file)));
  CHECK(golden_sig == sign(minhasher({}, pipeline().fingerprint()), small_texts()[0]));
  CHECK(chrome_statistics::load(read_file(golden_path(files[8].file)))
            .line_documents("news.example", "Share this story") == 9);

  // Version 1 of the online clusterer (before stories had days) still loads,
  // and version 2 keeps the days.
  const online_clusterer v1 = online_clusterer::load(
      read_file(golden_path("online_clusterer_window3d_fmt1.bin")), windowed_options());
  const online_clusterer v2 =
      online_clusterer::load(read_file(golden_path(files[3].file)), windowed_options());
  CHECK(v1.size() == 9);
  CHECK(v2.size() == 11);
  for (const online_clusterer* oc : {&v1, &v2}) {
    for (unsigned i = 0; i < 4; ++i) {
      const auto orig = oc->find(300 + 2 * i);
      const auto copy = oc->find(301 + 2 * i);
      REQUIRE(orig.has_value());
      REQUIRE(copy.has_value());
      CHECK(copy->copy == orig->copy);
      CHECK(copy->kind == copy_kind::near);
    }
  }
  for (const story_summary& st : v1.stories()) CHECK_FALSE(st.dateline.has_value());
  std::vector<std::string> days;
  for (const story_summary& st : v2.stories()) {
    if (st.dateline) {
      days.push_back(std::to_string(st.dateline->month) + "-" + std::to_string(st.dateline->day));
    }
  }
  CHECK(days == std::vector<std::string>{"11-8", "11-9"});
}
