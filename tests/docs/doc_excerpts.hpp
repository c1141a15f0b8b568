#pragma once
// The docs' code blocks are excerpts of files that are built and run: each ```cpp block
// follows a line "<!-- excerpt: PATH -->" and must be consecutive lines of PATH (indented
// alike), so a doc cannot drift from the code it shows.

#include <catch2/catch.hpp>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "support.hpp"

namespace weir_test {

using Lines = std::vector<std::string>;

inline Lines split_lines(const std::string& text) {
  Lines out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    out.push_back(line);
  }
  return out;
}

inline Lines lines_of(const std::filesystem::path& path) { return split_lines(read_file(path)); }

/// Whether `block` is a run of consecutive lines of `file`, all shifted right by one indent.
inline bool is_excerpt_of(const Lines& block, const Lines& file) {
  for (std::size_t at = 0; at + block.size() <= file.size(); ++at) {
    const auto& first = file[at];
    if (first.size() < block[0].size() ||
        first.compare(first.size() - block[0].size(), block[0].size(), block[0]) != 0) {
      continue;
    }
    const std::string indent = first.substr(0, first.size() - block[0].size());
    if (indent.find_first_not_of(' ') != std::string::npos) {
      continue;
    }
    bool all = true;
    for (std::size_t i = 0; all && i < block.size(); ++i) {
      all = block[i].empty() ? file[at + i].empty() : file[at + i] == indent + block[i];
    }
    if (all) {
      return true;
    }
  }
  return false;
}

/// Checks every ```cpp block of `doc` (relative to `root`) against the file it names;
/// returns how many blocks there were.
inline int check_excerpts(const std::filesystem::path& root, const std::string& doc) {
  const auto guide = lines_of(root / doc);
  const std::string marker = "<!-- excerpt: ";
  int excerpts = 0;
  for (std::size_t i = 0; i < guide.size(); ++i) {
    if (guide[i] != "```cpp") {
      continue;
    }
    INFO(doc << " line " << i + 1);
    REQUIRE(i > 0);
    REQUIRE(guide[i - 1].rfind(marker, 0) == 0);  // every block names its file
    const std::string file =
        guide[i - 1].substr(marker.size(), guide[i - 1].size() - marker.size() - 4);
    Lines block;
    for (++i; i < guide.size() && guide[i] != "```"; ++i) {
      block.push_back(guide[i]);
    }
    INFO("excerpt of " << file);
    REQUIRE(!block.empty());
    CHECK(is_excerpt_of(block, lines_of(root / file)));
    ++excerpts;
  }
  return excerpts;
}

}  // namespace weir_test
