#include "partition_files.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "weir/recovery/errors.hpp"

namespace weir::recovery::files {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kPrefix = "part-";
constexpr std::string_view kSuffix = ".sqlite3";
constexpr std::string_view kUnfinished = ".init";

// The first bytes of every SQLite database file, and where its header keeps the journal
// mode: 1 rollback journal, 2 write-ahead log (both the write and the read version byte).
constexpr std::string_view kMagic{"SQLite format 3\0", 16};
constexpr std::size_t kWriteVersionAt = 18;

void sync_path(const fs::path& p, int flags, const char* what) {
  const int fd = ::open(p.c_str(), flags | O_CLOEXEC);
  if (fd < 0) {
    throw RecoveryError(
        fmt::format("cannot open {} '{}' to sync it: {}", what, p.string(), std::strerror(errno)));
  }
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) {
    throw RecoveryError(
        fmt::format("cannot sync {} '{}': {}", what, p.string(), std::strerror(err)));
  }
}

}  // namespace

std::string part_name(std::size_t i) { return fmt::format("part-{}.sqlite3", i); }

std::string unfinished_name(std::size_t i) { return part_name(i).append(kUnfinished); }

std::optional<std::size_t> part_index_of(std::string_view name) {
  if (name.size() <= kPrefix.size() + kSuffix.size() || !name.starts_with(kPrefix) ||
      !name.ends_with(kSuffix)) {
    return std::nullopt;
  }
  const std::string_view digits =
      name.substr(kPrefix.size(), name.size() - kPrefix.size() - kSuffix.size());
  if (digits.empty() || digits.size() > 9 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return static_cast<std::size_t>(std::stoul(std::string(digits)));
}

bool is_unfinished_part(std::string_view name) {
  return name.ends_with(kUnfinished) &&
         part_index_of(name.substr(0, name.size() - kUnfinished.size())).has_value();
}

DirScan scan(const fs::path& dir) {
  DirScan out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (part_index_of(name)) {
      out.parts.push_back(entry.path());
    } else if (is_unfinished_part(name)) {
      out.unfinished.push_back(entry.path());
    }
  }
  std::sort(out.parts.begin(), out.parts.end());
  std::sort(out.unfinished.begin(), out.unfinished.end());
  return out;
}

void check_dir(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw NoPartitions(
        fmt::format("recovery directory '{}' does not exist; create it, then run `weir-recovery "
                    "init {} N`",
                    dir.string(), dir.string()));
  }
}

void check_log(const fs::path& dir, const std::string& part) {
  const fs::path log = dir / (part + "-wal");
  std::error_code ec;
  const auto log_size = fs::file_size(log, ec);
  if (ec || log_size == 0) {
    return;  // no log (or an empty one, which SQLite ignores)
  }
  std::array<char, kWriteVersionAt + 1> header{};
  std::ifstream in(dir / part, std::ios::binary);
  if (!in.read(header.data(), header.size()) ||
      std::string_view(header.data(), kMagic.size()) != kMagic) {
    return;  // not a database: opening it says so
  }
  if (header[kWriteVersionAt] == 1) {
    throw InconsistentPartitions(fmt::format(
        "'{}-wal' in recovery directory '{}' does not belong to '{}': the partition was closed "
        "cleanly, so it has no log; the log is left from another copy of the store (remove it "
        "to resume from '{}' as it is)",
        part, dir.string(), part, part));
  }
}

void sync_file(const fs::path& file) { sync_path(file, O_RDONLY, "file"); }

void sync_dir(const fs::path& dir) { sync_path(dir, O_RDONLY | O_DIRECTORY, "directory"); }

}  // namespace weir::recovery::files
