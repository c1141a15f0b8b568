#pragma once
// Mesh: the TCP connections between the P processes of a cluster, one per pair.
//
// Process i listens on addresses[i], accepts a connection from every process j > i and
// connects to every process j < i, retrying with back-off (5 ms, doubling to 1 s) until
// `connect_timeout`; then it fails naming the address that never answered. Each connection
// opens with a handshake: the connecting side sends its Hello, the accepting side checks it
// and answers with its own; a peer that runs another dataflow, another weir version, another
// P or W, with a recovery directory where this one has none (or the reverse), or claims
// another process id, is refused with an error naming both sides' values.
//
// After the handshake a connection carries frames: a 4-byte little-endian length, a kind
// byte and the payload (core/coding.hpp). send() writes a frame from the caller's thread,
// blocking while the peer's socket buffer is full: the bytes in flight per connection are
// bounded by TCP's own windows, so backpressure crosses processes and no queue grows here.
// Frames arriving are handed to `on_frame` on the mesh's reader thread, in the order their
// sender sent them; a connection that ends or breaks is reported once to `on_lost`, naming the
// peer's process id and address, by the reader once it has read all the peer sent (so a
// peer's last frames, such as why it stopped, arrive before its loss is reported). Neither callback
// may block for long (they hold up that peer's frames).
//
// Thread safety: send() may be called from any thread (frames to one peer are serialised);
// the callbacks run on the reader thread. The destructor closes every connection and joins
// the reader thread; it must not run inside a callback.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "weir/core/clock.hpp"

namespace weir::detail {

/// One process's listening address.
struct Address {
  std::string host;
  std::uint16_t port = 0;
  [[nodiscard]] std::string text() const { return host + ":" + std::to_string(port); }
  bool operator==(const Address&) const = default;
};

/// The addresses of a cluster, one "host:port" per line (blank lines and lines starting
/// with '#' skipped). Throws std::invalid_argument naming `source` and the line.
std::vector<Address> parse_addresses(std::string_view text, std::string_view source);
/// One "host:port" (or "[v6]:port"); `any_port` also takes port 0 (listen on a free one).
/// Throws std::invalid_argument: "'TEXT' is not host:port", "... has no port number", "...
/// has a port outside 1-65535".
Address parse_address(std::string_view text, bool any_port = false);

/// `n` distinct ports free on 127.0.0.1 now (bound all at once, then let go), for a local
/// cluster's addresses. Throws std::runtime_error if the system has none.
std::vector<std::uint16_t> free_loopback_ports(std::size_t n);

/// What a process says about itself when it connects.
struct Hello {
  std::string flow_id;
  std::string fingerprint;  // of the step graph and item types
  std::string version;      // weir's
  std::uint32_t processes = 1;
  std::uint32_t workers = 1;  // per process
  std::uint32_t process_id = 0;
  bool recovery = false;  // it keeps state in a recovery directory

  [[nodiscard]] std::string encode() const;
  /// Throws std::runtime_error on bytes that are not a Hello.
  static Hello decode(std::string_view bytes);
  /// "dataflow 'ID' (fingerprint F, weir V, P processes x W workers[, recovery on])".
  [[nodiscard]] std::string describe() const;
  bool operator==(const Hello&) const = default;
};

/// What the meshes of this process have sent since it started: frames and their bytes
/// (headers included).
struct MeshTraffic {
  std::uint64_t frames = 0;
  std::uint64_t bytes = 0;
};

struct MeshOptions {
  std::vector<Address> addresses;  // one per process, in process-id order
  std::size_t process_id = 0;
  Duration connect_timeout = std::chrono::seconds(30);
};

class Mesh {
 public:
  using OnFrame = std::function<void(std::size_t peer, std::uint8_t kind, std::string payload)>;
  using OnLost = std::function<void(std::size_t peer, const std::string& why)>;

  /// Connects to every other process and shakes hands; throws ClusterError (core/errors.hpp)
  /// naming the address that never answered or the mismatch.
  Mesh(const MeshOptions& options, const Hello& self, OnFrame on_frame, OnLost on_lost);
  Mesh(const Mesh&) = delete;
  Mesh& operator=(const Mesh&) = delete;
  ~Mesh();

  /// Sends one frame to process `peer`; blocks while its connection is full. Throws
  /// ClusterError once that connection is lost.
  void send(std::size_t peer, std::uint8_t kind, std::string_view payload);

  [[nodiscard]] std::size_t processes() const noexcept;
  /// Every mesh of this process, all peers together (one relaxed add per frame).
  [[nodiscard]] static MeshTraffic traffic() noexcept;
  [[nodiscard]] std::size_t process_id() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace weir::detail
