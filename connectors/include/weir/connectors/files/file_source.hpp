#pragma once
// FileSource: the lines of one text file, as a one-partition source named by the path.
// Lines keep blank lines and lose their trailing '\n'. With `follow`, the partition does not
// end at the end of the file: it looks for appended lines every `*follow` (a last line
// without '\n' waits for its end). The snapshot is the byte offset after the last line
// delivered, with a digest of what the file held (file_position.hpp), so a resumed run
// continues at the next line of the same file; a file replaced or rewritten since is refused,
// or read again from its start (OnFileChanged::restart). A missing file is an error when the
// dataflow is built.

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "weir/connectors/files/file_position.hpp"
#include "weir/inputs/source.hpp"

namespace weir::files {

class FileSource final : public FixedPartitionedSource<std::string, FilePosition> {
 public:
  explicit FileSource(std::filesystem::path path, std::size_t batch_size = 1000,
                      std::optional<Duration> follow = std::nullopt,
                      OnFileChanged on_changed = OnFileChanged::raise);

  [[nodiscard]] std::vector<std::string> list_parts() const override;
  std::unique_ptr<StatefulSourcePartition<std::string, FilePosition>> build_part(
      const std::string& step_id, const std::string& for_part,
      std::optional<FilePosition> resume_state) const override;

 private:
  std::filesystem::path path_;
  std::size_t batch_size_;
  std::optional<Duration> follow_;
  OnFileChanged on_changed_;
};

}  // namespace weir::files
