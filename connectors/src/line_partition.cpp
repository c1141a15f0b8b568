#include "line_partition.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace weir::files::detail {

LinePartition::LinePartition(const std::filesystem::path& path, std::size_t batch_size,
                             std::uint64_t offset, std::optional<Duration> follow)
    : path_(path),
      in_(path, std::ios::binary),
      batch_size_(batch_size == 0 ? 1 : batch_size),
      offset_(offset),
      follow_(follow) {
  if (!in_) {
    throw std::runtime_error(fmt::format("cannot open file '{}'", path.string()));
  }
  in_.seekg(static_cast<std::streamoff>(offset));
  if (!in_) {
    throw std::runtime_error(
        fmt::format("cannot seek to byte {} of file '{}'", offset, path.string()));
  }
}

NextBatch<std::string> LinePartition::next_batch() {
  std::vector<std::string> out;
  std::string line;
  bool at_end = false;
  while (out.size() < batch_size_) {
    if (!std::getline(in_, line)) {  // nothing left
      at_end = true;
      break;
    }
    if (in_.eof()) {  // a last line without '\n'
      at_end = true;
      if (follow_) {
        break;  // its end may still be written: read it again later
      }
      offset_ += line.size();
      out.push_back(std::move(line));
      break;
    }
    offset_ += line.size() + 1;
    out.push_back(std::move(line));
  }
  if (at_end && follow_) {
    in_.clear();
    in_.seekg(static_cast<std::streamoff>(offset_));
  }
  waiting_ = out.empty() && follow_.has_value();
  if (out.empty() && at_end && !follow_) {
    return end_of_partition;
  }
  return out;
}

std::optional<Instant> LinePartition::next_awake() {
  if (!waiting_) {
    return std::nullopt;
  }
  return clock().now() + *follow_;
}

}  // namespace weir::files::detail
