#include "weir/connectors/files/file_source.hpp"

#include <fmt/format.h>

#include <stdexcept>
#include <system_error>

#include "file_checks.hpp"
#include "line_partition.hpp"

namespace weir::files {

FileSource::FileSource(std::filesystem::path path, std::size_t batch_size,
                       std::optional<Duration> follow, OnFileChanged on_changed)
    : path_(std::move(path)),
      batch_size_(batch_size == 0 ? 1 : batch_size),
      follow_(follow),
      on_changed_(on_changed) {}

std::vector<std::string> FileSource::list_parts() const { return detail::one_file_parts(path_); }

std::unique_ptr<StatefulSourcePartition<std::string, FilePosition>> FileSource::build_part(
    const std::string& /*step_id*/, const std::string& /*for_part*/,
    std::optional<FilePosition> resume_state) const {
  const std::uint64_t start = resume_state ? resume_offset(path_, *resume_state, on_changed_) : 0;
  return std::make_unique<detail::LinePartition>(path_, batch_size_, start, follow_);
}

}  // namespace weir::files
