#pragma once
// The partition FileSource and DirSource build: the lines of one file from a byte offset.

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "weir/connectors/files/file_position.hpp"
#include "weir/inputs/source.hpp"

namespace weir::files::detail {

/// Lines keep blank lines and lose their '\n'. Without `follow`, the partition ends at the
/// end of the file (a last line without '\n' included); with it, the partition never ends:
/// at the end it looks again every `*follow`, and a last line without '\n' waits for it.
class LinePartition final : public StatefulSourcePartition<std::string, FilePosition> {
 public:
  LinePartition(const std::filesystem::path& path, std::size_t batch_size, std::uint64_t offset,
                std::optional<Duration> follow);

  NextBatch<std::string> next_batch() override;
  [[nodiscard]] std::optional<Instant> next_awake() override;
  [[nodiscard]] FilePosition snapshot() override { return position_in(path_, offset_); }

 private:
  std::filesystem::path path_;
  std::ifstream in_;
  std::size_t batch_size_;
  std::uint64_t offset_;
  std::optional<Duration> follow_;
  bool waiting_ = false;
};

}  // namespace weir::files::detail
