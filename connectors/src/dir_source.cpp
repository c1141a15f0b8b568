#include "weir/connectors/files/dir_source.hpp"

#include <fmt/format.h>
#include <fnmatch.h>

#include <algorithm>
#include <stdexcept>
#include <system_error>

#include "line_partition.hpp"

namespace weir::files {

DirSource::DirSource(std::filesystem::path dir, std::string glob, std::size_t batch_size,
                     std::optional<Duration> follow, OnFileChanged on_changed)
    : dir_(std::move(dir)),
      glob_(std::move(glob)),
      batch_size_(batch_size == 0 ? 1 : batch_size),
      follow_(follow),
      on_changed_(on_changed) {}

std::vector<std::string> DirSource::list_parts() const {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir_, ec)) {
    throw std::runtime_error(
        fmt::format("directory '{}' does not exist or is not a directory", dir_.string()));
  }
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && ::fnmatch(glob_.c_str(), name.c_str(), FNM_PERIOD) == 0) {
      names.push_back(name);
    }
  }
  if (names.empty()) {
    throw std::runtime_error(
        fmt::format("directory '{}' has no file matching '{}'", dir_.string(), glob_));
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::unique_ptr<StatefulSourcePartition<std::string, FilePosition>> DirSource::build_part(
    const std::string& /*step_id*/, const std::string& for_part,
    std::optional<FilePosition> resume_state) const {
  const std::filesystem::path file = dir_ / for_part;
  const std::uint64_t start = resume_state ? resume_offset(file, *resume_state, on_changed_) : 0;
  return std::make_unique<detail::LinePartition>(file, batch_size_, start, follow_);
}

}  // namespace weir::files
