// The four seed articles, grouped into stories.
//
// 000, 001 and 003 report the same January 2026 podcast remarks by Musk; 002
// is a different event on the same broad topic (China and AI). The example
// clusters the four with samestory's defaults, then prints the pairwise table
// that explains the grouping: character 3-gram overlap after chrome removal
// (the copy level: none of the four is a copy) and the story score (cosine of
// their TF-IDF vectors, rescaled for Chinese) at the story level, where
// Chinese stories join by average linkage. Last, it shows the looser
// threshold at which all four would join into one broad topic.
//
// The seeds are news pages reproduced for testing and this example; see
// examples/data/seeds/README.md.
#include <samestory/samestory.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::uint64_t> distinct(std::vector<std::uint64_t> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

struct overlap {
  double jaccard;
  double containment;  // of the smaller set
};

overlap compare(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) {
  std::vector<std::uint64_t> both;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(both));
  const double i = static_cast<double>(both.size());
  const double u = static_cast<double>(a.size() + b.size()) - i;
  const double m = static_cast<double>(std::min(a.size(), b.size()));
  return {u > 0 ? i / u : 0.0, m > 0 ? i / m : 0.0};
}

// Prints each story (or copy group) with its members' names.
void print_groups(const char* title, const std::vector<samestory::cluster>& groups,
                  const std::vector<std::string>& names) {
  std::printf("%s\n", title);
  for (const auto& g : groups) {
    std::printf("  {");
    for (std::size_t i = 0; i < g.members.size(); ++i) {
      std::printf("%s%s", i ? ", " : "", names[g.members[i]].c_str());
    }
    std::printf("}");
    for (const auto& l : g.links) {
      std::printf("  link %s-%s %.3f", names[l.a].c_str(), names[l.b].c_str(), l.similarity);
    }
    std::printf("\n");
  }
}

}  // namespace

int main(int argc, char** argv) {
  const fs::path dir = argc > 1 ? fs::path(argv[1]) : fs::path(SAMESTORY_SEEDS_DIR);
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".txt") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::fprintf(stderr, "seed_stories: no .txt articles in %s\n", dir.string().c_str());
    return 1;
  }

  try {
    std::vector<std::string> names, texts;
    for (const auto& f : files) {
      texts.push_back(read_file(f));
      names.push_back(f.filename().string().substr(0, 3));
    }
    std::vector<samestory::document> docs;
    for (std::size_t i = 0; i < texts.size(); ++i)
      docs.push_back({i, texts[i], {}, std::nullopt, {}});

    const samestory::cluster_options options;
    const samestory::clustering result = samestory::cluster_documents(docs, options);

    // What chrome removal kept, per article: the text the clusterer compares.
    const samestory::text_pipeline pipeline(options.pipeline);
    std::vector<std::vector<std::uint64_t>> sets;
    samestory::processed_text p;
    for (std::size_t i = 0; i < texts.size(); ++i) {
      pipeline.process(texts[i], p);
      std::size_t kept = 0;
      for (const auto& line : p.body.lines) kept += line.kept() ? 1 : 0;
      std::printf("%s: %zu lines, %zu kept as body after chrome removal, %zu shingles\n",
                  names[i].c_str(), p.body.lines.size(), kept, p.shingles.size());
      sets.push_back(distinct(p.shingles));
    }

    const std::vector<double> cos = samestory::story_similarities(docs, options);
    const std::size_t n = docs.size();
    std::printf(
        "\nPairs: J, C = character 3-gram Jaccard and containment (copy level: a copy needs\n"
        "J >= %.2f or C >= %.2f); story = TF-IDF cosine of the story vectors, over %.1f\n"
        "for two Chinese texts (cjk_story_scale). Chinese stories join by average linkage:\n"
        "two groups become one story when the mean story score of the pairs between them\n"
        "is >= %.2f (average_story_threshold). (Text in space-delimited scripts needs\n"
        ">= %.2f between every two members: complete linkage.)\n\n",
        options.copy_jaccard, options.copy_containment, options.cjk_story_scale,
        options.average_story_threshold, options.story_threshold);
    std::printf("  pair      J      C      story  same story?\n");
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = i + 1; j < n; ++j) {
        const overlap o = compare(sets[i], sets[j]);
        const double c = cos[i * n + j];
        const bool same = result.assignments[i].story == result.assignments[j].story;
        std::printf("  %s-%s  %.3f  %.3f  %.3f  %s\n", names[i].c_str(), names[j].c_str(),
                    o.jaccard, o.containment, c, same ? "yes" : "no");
      }
    }
    std::printf("\n");
    print_groups("Copy groups (no two seeds are copies):", result.copies, names);
    print_groups("Stories at the default thresholds (links: the strongest scores joining them):",
                 result.stories, names);

    // Lower the thresholds together and the broad topic (China and AI)
    // appears: the highest threshold, in steps of 0.001, at which all join.
    samestory::cluster_options loose = options;
    samestory::clustering topic = result;
    for (int t = static_cast<int>(options.average_story_threshold * 1000);
         t > 0 && topic.stories.size() > 1; --t) {
      loose.story_threshold = loose.average_story_threshold = t / 1000.0;
      topic = samestory::cluster_documents(docs, loose);
    }
    std::printf("\nAt a story threshold of %.3f all join, the broad topic:\n",
                loose.average_story_threshold);
    print_groups("Stories:", topic.stories, names);
  } catch (const samestory::error& e) {
    std::fprintf(stderr, "seed_stories: %s\n", e.what());
    return 1;
  }
  return 0;
}
