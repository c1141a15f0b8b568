#include "weir/connectors/files/file_position.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <stdexcept>
#include <system_error>

#include "weir/core/stable_hash.hpp"

namespace weir::files {

namespace {

constexpr std::uint64_t kStretch = 4096;

}  // namespace

std::uint64_t file_digest(const std::filesystem::path& path, std::uint64_t offset) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error(fmt::format("cannot open file '{}'", path.string()));
  }
  std::uint64_t h = hash::kFnvOffset;
  std::array<char, kStretch> buf{};
  auto stretch = [&](std::uint64_t from, std::uint64_t to) {
    in.seekg(static_cast<std::streamoff>(from));
    const auto n = static_cast<std::streamsize>(to - from);
    if (!in.read(buf.data(), n)) {
      throw std::runtime_error(
          fmt::format("file '{}' is shorter than the {} bytes read before", path.string(), offset));
    }
    h = hash::fnv1a({buf.data(), static_cast<std::size_t>(n)}, h);
  };
  stretch(0, std::min(kStretch, offset));
  stretch(offset - std::min(kStretch, offset), offset);
  return h;
}

FilePosition position_in(const std::filesystem::path& path, std::uint64_t offset) {
  return {offset, file_digest(path, offset)};
}

std::uint64_t resume_offset(const std::filesystem::path& path, const FilePosition& at,
                            OnFileChanged on_changed) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  std::string changed;
  if (ec) {
    throw std::runtime_error(
        fmt::format("cannot read the size of file '{}': {}", path.string(), ec.message()));
  }
  if (size < at.offset) {
    changed = fmt::format("it has {} bytes, fewer than the {} read before", size, at.offset);
  } else if (file_digest(path, at.offset) != at.digest) {
    changed = fmt::format("its bytes before byte {} are not those read before", at.offset);
  } else {
    return at.offset;
  }
  if (on_changed == OnFileChanged::restart) {
    return 0;
  }
  throw std::runtime_error(fmt::format(
      "file '{}' changed since the snapshot this run resumes from: {}; to read it again from "
      "its start, build the source with OnFileChanged::restart",
      path.string(), changed));
}

}  // namespace weir::files
