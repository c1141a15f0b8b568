#include "weir/connectors/files/file_sink.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace weir::files {

namespace {
[[noreturn]] void fail(const std::string& doing, const std::filesystem::path& path) {
  throw std::runtime_error(
      fmt::format("cannot {} file '{}': {}", doing, path.string(), std::strerror(errno)));
}
}  // namespace

FileWriter::FileWriter(const std::filesystem::path& path, std::optional<std::uint64_t> length)
    : path_(path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    fail("open", path);
  }
  struct stat st {};
  if (::fstat(fd_, &st) != 0) {
    fail("stat", path);
  }
  length_ = length.value_or(0);
  if (static_cast<std::uint64_t>(st.st_size) < length_) {
    const auto size = static_cast<std::uint64_t>(st.st_size);
    ::close(fd_);
    fd_ = -1;
    throw std::runtime_error(fmt::format(
        "file '{}' holds {} bytes but its snapshot says {} were written: it was changed "
        "outside the dataflow",
        path.string(), size, length_));
  }
  if (::ftruncate(fd_, static_cast<off_t>(length_)) != 0) {
    fail("truncate", path);
  }
  if (::lseek(fd_, static_cast<off_t>(length_), SEEK_SET) < 0) {
    fail("seek in", path);
  }
}

FileWriter::~FileWriter() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

void FileWriter::write_lines(const std::vector<std::string>& lines) {
  buffer_.clear();
  for (const auto& l : lines) {
    buffer_.append(l);
    buffer_.push_back('\n');
  }
  const char* p = buffer_.data();
  std::size_t left = buffer_.size();
  while (left > 0) {
    const ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      fail("write to", path_);
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  length_ += buffer_.size();
}

std::uint64_t FileWriter::sync() {
  if (::fdatasync(fd_) != 0) {
    fail("sync", path_);
  }
  return length_;
}

void FileWriter::close() {
  if (fd_ < 0) {
    return;
  }
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) {
    fail("close", path_);
  }
}

}  // namespace weir::files
