#include "weir/connectors/files/file_source.hpp"

#include <fmt/format.h>

#include <stdexcept>
#include <system_error>

#include "file_checks.hpp"
#include "line_partition.hpp"

namespace weir::files {

FileSource::FileSource(std::filesystem::path path, std::size_t batch_size,
                       std::optional<Duration> follow)
    : path_(std::move(path)), batch_size_(batch_size == 0 ? 1 : batch_size), follow_(follow) {}

std::vector<std::string> FileSource::list_parts() const { return detail::one_file_parts(path_); }

std::unique_ptr<StatefulSourcePartition<std::string, std::uint64_t>> FileSource::build_part(
    const std::string& /*step_id*/, const std::string& /*for_part*/,
    std::optional<std::uint64_t> resume_state) const {
  return std::make_unique<detail::LinePartition>(path_, batch_size_, resume_state.value_or(0),
                                                 follow_);
}

}  // namespace weir::files
