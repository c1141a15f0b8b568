#include "socket_io.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "weir/core/coding.hpp"

namespace weir::detail::socket_io {

std::string errno_text() { return std::strerror(errno); }

int remaining_ms(std::chrono::steady_clock::time_point deadline) {
  const auto left = deadline - std::chrono::steady_clock::now();
  return static_cast<int>(std::max<std::int64_t>(
      0, std::chrono::duration_cast<std::chrono::milliseconds>(left).count()));
}

bool write_all(int fd, const char* p, std::size_t n, const std::atomic<bool>& stop) {
  while (n > 0) {
    const ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w > 0) {
      p += w;
      n -= static_cast<std::size_t>(w);
      continue;
    }
    if (w < 0 && errno == EINTR) {
      continue;
    }
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (stop.load(std::memory_order_acquire)) {
        return false;
      }
      pollfd pfd{fd, POLLOUT, 0};
      ::poll(&pfd, 1, 100);  // bounded: `stop` is checked again
      continue;
    }
    return false;
  }
  return true;
}

bool write_all(int fd, std::string_view a, std::string_view b, const std::atomic<bool>& stop) {
  iovec iov[2] = {{const_cast<char*>(a.data()), a.size()},   // NOLINT: sendmsg only reads
                  {const_cast<char*>(b.data()), b.size()}};  // NOLINT
  std::size_t first = 0;
  while (first < 2) {
    msghdr msg{};
    msg.msg_iov = iov + first;
    msg.msg_iovlen = 2 - first;
    const ssize_t w = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (w > 0) {
      auto left = static_cast<std::size_t>(w);
      while (first < 2 && left >= iov[first].iov_len) {
        left -= iov[first].iov_len;
        ++first;
      }
      if (first < 2) {
        iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + left;
        iov[first].iov_len -= left;
      }
      continue;
    }
    if (w < 0 && errno == EINTR) {
      continue;
    }
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (stop.load(std::memory_order_acquire)) {
        return false;
      }
      pollfd pfd{fd, POLLOUT, 0};
      ::poll(&pfd, 1, 100);  // bounded: `stop` is checked again
      continue;
    }
    return false;
  }
  return true;
}

bool read_exact(int fd, char* p, std::size_t n, std::chrono::steady_clock::time_point deadline) {
  while (n > 0) {
    const ssize_t r = ::recv(fd, p, n, 0);
    if (r > 0) {
      p += r;
      n -= static_cast<std::size_t>(r);
      continue;
    }
    if (r == 0) {
      return false;
    }
    if (errno == EINTR) {
      continue;
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      return false;
    }
    const int ms = remaining_ms(deadline);
    if (ms == 0) {
      return false;
    }
    pollfd pfd{fd, POLLIN, 0};
    ::poll(&pfd, 1, ms);
  }
  return true;
}

std::string frame_header(std::uint8_t kind, std::size_t size) {
  std::string h;
  coding::put_fixed32(h, static_cast<std::uint32_t>(size));
  h.push_back(static_cast<char>(kind));
  return h;
}

void set_non_blocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

}  // namespace weir::detail::socket_io
