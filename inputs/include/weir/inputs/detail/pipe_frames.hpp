#pragma once
// Framed messages over a pipe, for push sources isolated in a child process: a kind byte, an
// 8-byte length and the payload. Writes retry on EINTR and short writes; a read returns
// nothing at the end of the pipe.

#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "weir/core/coding.hpp"

namespace weir::push::detail {

enum class Frame : std::uint8_t { batch = 1, state = 2, end = 3, error = 4 };

inline bool write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

inline bool read_all(int fd, char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t r = ::read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

inline void put_u64(std::string& out, std::uint64_t v) { coding::put_fixed64(out, v); }

inline std::uint64_t take_u64(std::string_view& in) {
  std::uint64_t v = 0;
  if (!coding::get_fixed64(in, v)) {
    throw std::runtime_error("a push source's process sent a truncated frame");
  }
  return v;
}

inline bool send_frame(int fd, Frame kind, std::string_view payload) {
  std::string head(1, static_cast<char>(kind));
  put_u64(head, payload.size());
  return write_all(fd, head.data(), head.size()) && write_all(fd, payload.data(), payload.size());
}

inline std::optional<std::pair<Frame, std::string>> receive_frame(int fd) {
  char head[9];
  if (!read_all(fd, head, sizeof head)) return std::nullopt;
  const std::uint64_t n = coding::decode_fixed64(head + 1);
  std::string payload(n, '\0');
  if (!read_all(fd, payload.data(), n)) return std::nullopt;
  return std::pair{static_cast<Frame>(head[0]), std::move(payload)};
}

}  // namespace weir::push::detail
