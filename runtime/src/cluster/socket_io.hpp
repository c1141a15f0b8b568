#pragma once
// Blocking-style I/O on the mesh's non-blocking sockets, with poll() for waiting: one thread
// may write a socket while another reads it, which Asio's socket objects do not allow.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace weir::detail::socket_io {

/// A frame's header: its payload's length (4 bytes, little-endian) and its kind.
inline constexpr std::size_t kHeader = 5;

/// strerror(errno).
std::string errno_text();
/// Milliseconds left until `deadline`, at least 0.
int remaining_ms(std::chrono::steady_clock::time_point deadline);
/// Writes all of [p, p + n), waiting for room as long as it takes; false if the connection
/// broke (or `stop` was set while waiting).
bool write_all(int fd, const char* p, std::size_t n, const std::atomic<bool>& stop);
/// Writes all of `a` then all of `b` (a frame's header and payload) with as few calls as the
/// socket allows (one when it has room): as write_all.
bool write_all(int fd, std::string_view a, std::string_view b, const std::atomic<bool>& stop);
/// Reads exactly n bytes before `deadline`; false on end, error or time-out.
bool read_exact(int fd, char* p, std::size_t n, std::chrono::steady_clock::time_point deadline);
/// The header of a frame of `kind` carrying `size` bytes.
std::string frame_header(std::uint8_t kind, std::size_t size);
void set_non_blocking(int fd);

}  // namespace weir::detail::socket_io
