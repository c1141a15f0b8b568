#pragma once
// Checks the file sources make when the dataflow is built.

#include <fmt/format.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace weir::files::detail {

/// The partition list of a source reading the one file `path`: its path; an error if it is
/// missing or not a regular file.
inline std::vector<std::string> one_file_parts(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw std::runtime_error(
        fmt::format("file '{}' does not exist or is not a regular file", path.string()));
  }
  return {path.string()};
}

}  // namespace weir::files::detail
