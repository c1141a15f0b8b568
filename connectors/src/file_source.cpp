#include "weir/connectors/files/file_source.hpp"

#include <fmt/format.h>

#include <stdexcept>
#include <system_error>

namespace weir::files {

namespace {

class FilePartition final : public StatefulSourcePartition<std::string, std::uint64_t> {
 public:
  FilePartition(const std::filesystem::path& path, std::size_t batch_size, std::uint64_t offset)
      : in_(path, std::ios::binary), batch_size_(batch_size), offset_(offset) {
    if (!in_) throw std::runtime_error(fmt::format("cannot open file '{}'", path.string()));
    in_.seekg(static_cast<std::streamoff>(offset));
    if (!in_) {
      throw std::runtime_error(
          fmt::format("cannot seek to byte {} of file '{}'", offset, path.string()));
    }
  }

  NextBatch<std::string> next_batch() override {
    std::vector<std::string> out;
    std::string line;
    while (out.size() < batch_size_ && std::getline(in_, line)) {
      offset_ += line.size() + (in_.eof() ? 0 : 1);
      out.push_back(std::move(line));
    }
    if (out.empty() && !in_) return end_of_partition;
    return out;
  }

  [[nodiscard]] std::uint64_t snapshot() override { return offset_; }

 private:
  std::ifstream in_;
  std::size_t batch_size_;
  std::uint64_t offset_;
};

}  // namespace

FileSource::FileSource(std::filesystem::path path, std::size_t batch_size)
    : path_(std::move(path)), batch_size_(batch_size == 0 ? 1 : batch_size) {}

std::vector<std::string> FileSource::list_parts() const {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path_, ec)) {
    throw std::runtime_error(
        fmt::format("file '{}' does not exist or is not a regular file", path_.string()));
  }
  return {path_.string()};
}

std::unique_ptr<StatefulSourcePartition<std::string, std::uint64_t>> FileSource::build_part(
    const std::string& /*step_id*/, const std::string& /*for_part*/,
    std::optional<std::uint64_t> resume_state) const {
  return std::make_unique<FilePartition>(path_, batch_size_, resume_state.value_or(0));
}

}  // namespace weir::files
