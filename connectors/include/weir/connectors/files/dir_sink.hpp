#pragma once
// DirSink: writes the values of a keyed stream of lines to a fixed set of files in one
// directory, a line each, exactly once (each file is a FileSinkPartition: snapshot = synced
// length, truncated to it on resume).
//
// The files are the sink's partitions. `choose(key)` picks an item's file by index into
// `files` (taken modulo their count); without it, the key's stable hash does. The directory
// must exist: a missing one is an error when the dataflow is built.

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "weir/connectors/files/file_sink.hpp"
#include "weir/outputs/sink.hpp"

namespace weir::files {

template <class K = std::string>
class DirSink final : public FixedPartitionedSink<std::string, std::uint64_t, K> {
 public:
  /// Files named by `files` (plain names, no directories).
  DirSink(std::filesystem::path dir, std::vector<std::string> files,
          std::function<std::uint64_t(const K&)> choose = {})
      : dir_(std::move(dir)), files_(std::move(files)), choose_(std::move(choose)) {
    if (files_.empty()) throw std::invalid_argument("DirSink needs at least one file");
    for (const auto& f : files_) {
      if (f.empty() || f.find('/') != std::string::npos) {
        throw std::invalid_argument("DirSink file names must be plain names, not '" + f + "'");
      }
    }
    const auto s = sorted_files();
    if (std::adjacent_find(s.begin(), s.end()) != s.end()) {
      throw std::invalid_argument("DirSink file names must differ");
    }
  }
  /// `count` files named part-0, part-1, ...
  DirSink(std::filesystem::path dir, std::size_t count,
          std::function<std::uint64_t(const K&)> choose = {})
      : DirSink(std::move(dir), numbered(count), std::move(choose)) {}

  /// The file names, sorted (the runtime maps part_fn's value onto the sorted list).
  [[nodiscard]] std::vector<std::string> list_parts() const override {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir_, ec)) {
      throw std::runtime_error("directory '" + dir_.string() +
                               "' does not exist or is not a directory");
    }
    return sorted_files();
  }
  [[nodiscard]] std::optional<std::uint64_t> part_fn(const K& key) const override {
    if (!choose_) return std::nullopt;
    // choose_ indexes `files` as given; the runtime indexes the sorted list
    const std::uint64_t i = choose_(key) % files_.size();
    return static_cast<std::uint64_t>(sorted_index_[i]);
  }
  std::unique_ptr<StatefulSinkPartition<std::string, std::uint64_t>> build_part(
      const std::string& /*step_id*/, const std::string& for_part,
      std::optional<std::uint64_t> resume_state) const override {
    return std::make_unique<FileSinkPartition>(dir_ / for_part, resume_state);
  }

 private:
  static std::vector<std::string> numbered(std::size_t count) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < count; ++i) out.push_back("part-" + std::to_string(i));
    return out;
  }
  [[nodiscard]] std::vector<std::string> sorted_files() const {
    std::vector<std::string> s = files_;
    std::sort(s.begin(), s.end());
    return s;
  }
  std::vector<std::size_t> sorted_positions() const {
    const auto s = sorted_files();
    std::vector<std::size_t> at(files_.size());
    for (std::size_t i = 0; i < files_.size(); ++i) {
      at[i] = static_cast<std::size_t>(std::lower_bound(s.begin(), s.end(), files_[i]) - s.begin());
    }
    return at;
  }

  std::filesystem::path dir_;
  std::vector<std::string> files_;
  std::function<std::uint64_t(const K&)> choose_;
  std::vector<std::size_t> sorted_index_ = sorted_positions();
};

}  // namespace weir::files
