#pragma once
// DirSource: the lines of every file in a directory whose name matches a glob (fnmatch
// syntax: *, ?, [...]), a partition per file, named by the file's name. Each partition reads
// like FileSource (blank lines kept, resumes at its byte offset, optional `follow`, a file
// changed since the snapshot refused or read again: `on_changed`). Only the
// directory's own regular files count (no recursion). A missing directory, or one without a
// matching file, is an error when the dataflow is built.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "weir/connectors/files/file_position.hpp"
#include "weir/inputs/source.hpp"

namespace weir::files {

class DirSource final : public FixedPartitionedSource<std::string, FilePosition> {
 public:
  explicit DirSource(std::filesystem::path dir, std::string glob = "*",
                     std::size_t batch_size = 1000, std::optional<Duration> follow = std::nullopt,
                     OnFileChanged on_changed = OnFileChanged::raise);

  [[nodiscard]] std::vector<std::string> list_parts() const override;
  std::unique_ptr<StatefulSourcePartition<std::string, FilePosition>> build_part(
      const std::string& step_id, const std::string& for_part,
      std::optional<FilePosition> resume_state) const override;

 private:
  std::filesystem::path dir_;
  std::string glob_;
  std::size_t batch_size_;
  std::optional<Duration> follow_;
  OnFileChanged on_changed_;
};

}  // namespace weir::files
