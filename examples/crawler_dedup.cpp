// Online deduplication as a crawler does it: documents arrive one at a time,
// and each gets its answer at once from online_clusterer::add(): a new story,
// a new write-up of a story already open, or a copy of a document held.
//
// The input is JSONL (id, title, text, date, source), read with the library's
// own reader; by default the bundled stream in examples/data/crawl, which
// reposts, translates, spins and excerpts the seed articles among a few other
// events over a week (examples/data/crawl/README.md lists what each line is).
//
// A 48-hour time window bounds memory: once the newest date has moved more
// than 48 hours past a document it is dropped, and so is a story whose latest
// document is that old. The price is that a repost arriving after its original
// has left the window is not recognized: nothing is held to match it, so it
// starts a new story. The program prints each time the window drops something.
//
// Usage: crawler_dedup [STREAM.jsonl]
#include <samestory/samestory.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

using samestory::document_id;

std::string utc(std::int64_t seconds) {
  const std::time_t t = static_cast<std::time_t>(seconds);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", std::gmtime(&t));
  return buf;
}

std::vector<document_id> story_ids(const samestory::online_clusterer& c) {
  std::vector<document_id> ids;
  for (const samestory::story_summary& s : c.stories()) ids.push_back(s.id);
  return ids;
}

// The ids in `before` but not in `after`, as names. Both lists are sorted,
// because our ids count up in arrival order.
std::string gone(const std::vector<document_id>& before, const std::vector<document_id>& after,
                 const std::vector<std::string>& names) {
  std::vector<document_id> ids;
  std::set_difference(before.begin(), before.end(), after.begin(), after.end(),
                      std::back_inserter(ids));
  std::string out;
  for (document_id id : ids) out += (out.empty() ? "" : ", ") + names[id];
  return out.empty() ? "none" : out;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : SAMESTORY_CRAWL_STREAM;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "crawler_dedup: cannot open %s\n", path.c_str());
    return 1;
  }

  samestory::cluster_options options;
  options.time_window_seconds = 48 * 3600;
  samestory::online_clusterer clusterer(options);

  // The library wants 64-bit ids of the caller's choosing (a crawler might hash
  // the URL); here a document's id is its position, and names maps it back.
  std::vector<std::string> names;
  std::size_t copy_groups = 0, stories = 0;
  std::int64_t newest = 0;  // the clusterer's clock: the newest date seen
  bool closed_any = false;
  std::printf("Times are UTC; window %lld h.\n\n",
              static_cast<long long>(options.time_window_seconds / 3600));
  try {
    samestory::jsonl_reader reader(in);
    samestory::json_value line;
    while (reader.next(line)) {
      const samestory::document_record r = samestory::to_document_record(line, reader.line());
      const document_id id = names.size();
      names.push_back(r.id);
      if (r.time) newest = std::max(newest, *r.time);
      // Only to show what the window drops: a crawler needs none of this.
      const std::vector<document_id> held_before = clusterer.documents();
      const std::vector<document_id> open_before = story_ids(clusterer);

      const samestory::assignment a = clusterer.add({id, r.text, r.title, r.time, r.source});

      std::printf("%s  %-20s ", r.time ? utc(*r.time).c_str() : "(no date)       ", r.id.c_str());
      if (a.kind == samestory::copy_kind::exact) {
        std::printf("copy of %s (exact: the same text once normalized)\n", names[a.copy].c_str());
      } else if (a.kind == samestory::copy_kind::near) {
        std::printf("copy of %s (near: most of its character 3-grams are shared)\n",
                    names[a.copy].c_str());
      } else if (a.story != id) {
        std::printf("same story as %s (a new write-up: not a copy, but its terms match)\n",
                    names[a.story].c_str());
      } else {
        std::printf("new story (no copy held, no open story close enough)\n");
      }
      copy_groups += a.kind == samestory::copy_kind::original;
      stories += a.story == id;

      // add() moved the clock to this document's date and dropped what fell
      // out of the window before looking for copies and stories.
      if (clusterer.size() <= held_before.size()) {
        closed_any = true;
        std::printf("    window now starts %s; dropped %s\n",
                    utc(newest - options.time_window_seconds).c_str(),
                    gone(held_before, clusterer.documents(), names).c_str());
        std::printf("    closed stories: %s; holding %zu documents in %zu stories\n",
                    gone(open_before, story_ids(clusterer), names).c_str(), clusterer.size(),
                    clusterer.stories().size());
      }
    }
  } catch (const samestory::error& e) {
    std::fprintf(stderr, "crawler_dedup: %s: %s\n", path.c_str(), e.what());
    return 1;
  }

  std::printf("\n%zu documents: %zu copy groups in %zu stories.\n", names.size(), copy_groups,
              stories);
  // The copy index allocates signature rows in large chunks, so for a stream
  // this small the figure is mostly its first chunk, not a cost per document.
  std::printf("Held now: %zu documents, %zu open stories, about %zu KiB:\n", clusterer.size(),
              clusterer.stories().size(), clusterer.memory_bytes() / 1024);
  for (const samestory::story_summary& s : clusterer.stories()) {
    std::printf("  %-20s documents %zu, write-ups %zu, %s to %s\n", names[s.id].c_str(),
                s.documents, s.copy_groups, utc(s.first_time).c_str(), utc(s.last_time).c_str());
  }
  if (closed_any) {
    std::printf(
        "\nA repost that arrives after its original and the original's copies have left\n"
        "the window is not seen as a copy: nothing older is kept to match it with. If\n"
        "their story has closed too, it starts a new one. A longer window finds later\n"
        "reposts, and holds more.\n");
  }
  return 0;
}
