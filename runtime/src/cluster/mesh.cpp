#include "weir/runtime/detail/mesh.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "socket_io.hpp"
#include "weir/core/coding.hpp"
#include "weir/core/errors.hpp"

namespace weir::detail {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

using namespace socket_io;

namespace {

constexpr std::uint32_t kMaxFrame = 1U << 30U;  // a longer frame is a corrupt stream
constexpr std::uint8_t kHelloKind = 0xFF;       // the handshake's frames
// every mesh's frames and bytes sent in this process (Mesh::traffic)
std::atomic<std::uint64_t> g_frames_sent{0};
std::atomic<std::uint64_t> g_bytes_sent{0};

constexpr std::size_t kReadSize = std::size_t{1} << 16U;  // bytes asked of one recv

constexpr auto kFirstBackoff = std::chrono::milliseconds(5);  // peers start within moments
constexpr auto kMaxBackoff = std::chrono::seconds(1);

}  // namespace

struct Mesh::Impl {
  struct Conn {
    int fd = -1;
    Address address;
    std::mutex write_mutex;
    std::atomic<bool> lost{false};
    bool write_broken = false;  // a send failed (write_mutex)
    std::string in;             // bytes read, not yet a whole frame
  };
  MeshOptions options;
  Hello self;
  OnFrame on_frame;
  OnLost on_lost;
  std::vector<std::unique_ptr<Conn>> conns;  // by process id; this process's is empty
  std::atomic<bool> closing{false};
  int wake[2] = {-1, -1};
  std::thread reader;

  [[nodiscard]] std::string who(std::size_t p) const {
    return "process " + std::to_string(p) + " (" + options.addresses[p].text() + ")";
  }
  [[nodiscard]] std::string me() const { return who(options.process_id); }
  [[nodiscard]] std::string timeout_ms() const {
    return std::to_string(
        std::chrono::duration_cast<std::chrono::milliseconds>(options.connect_timeout).count());
  }

  void shake_hands(std::chrono::steady_clock::time_point deadline);
  int connect_to(std::size_t peer, std::chrono::steady_clock::time_point deadline);
  void check(const Hello& h, std::optional<std::size_t> expected) const;
  Hello read_hello(int fd, std::chrono::steady_clock::time_point deadline,
                   const std::string& from) const;
  void read_loop();
  void lose(std::size_t peer, const std::string& why);
  void close_all();
};

void Mesh::Impl::check(const Hello& h, std::optional<std::size_t> expected) const {
  const bool same = h.flow_id == self.flow_id && h.fingerprint == self.fingerprint &&
                    h.version == self.version && h.processes == self.processes &&
                    h.workers == self.workers && h.recovery == self.recovery;
  if (!same) {
    throw ClusterError(who(h.process_id < options.addresses.size() ? h.process_id : 0) + " runs " +
                       h.describe() + "; " + me() + " runs " + self.describe());
  }
  if (expected && h.process_id != *expected) {
    throw ClusterError(who(*expected) + " answered as process " + std::to_string(h.process_id) +
                       ": the addresses differ between the processes");
  }
}

Hello Mesh::Impl::read_hello(int fd, std::chrono::steady_clock::time_point deadline,
                             const std::string& from) const {
  char head[kHeader];
  if (!read_exact(fd, head, kHeader, deadline)) {
    throw ClusterError(me() + " got no handshake from " + from);
  }
  const std::uint32_t n = coding::decode_fixed32(head);
  if (static_cast<std::uint8_t>(head[4]) != kHelloKind || n > 65536) {
    throw ClusterError(me() + " got something that is not a weir handshake from " + from);
  }
  std::string body(n, '\0');
  if (!read_exact(fd, body.data(), n, deadline)) {
    throw ClusterError(me() + " got no handshake from " + from);
  }
  try {
    return Hello::decode(body);
  } catch (const std::exception& e) {
    throw ClusterError(me() + " got " + e.what() + " from " + from);
  }
}

int Mesh::Impl::connect_to(std::size_t peer, std::chrono::steady_clock::time_point deadline) {
  const Address& a = options.addresses[peer];
  asio::io_context io;
  std::string last = "no answer";
  auto backoff = std::chrono::steady_clock::duration(kFirstBackoff);
  while (true) {
    tcp::socket socket(io);
    boost::system::error_code ec;
    tcp::resolver resolver(io);
    const auto endpoints = resolver.resolve(a.host, std::to_string(a.port), ec);
    if (!ec) {
      bool done = false;
      asio::async_connect(socket, endpoints, [&](const boost::system::error_code& e, const auto&) {
        ec = e;
        done = true;
      });
      io.restart();
      io.run_for(std::max(std::chrono::steady_clock::duration::zero(),
                          deadline - std::chrono::steady_clock::now()));
      if (!done) {
        socket.close();
        io.restart();
        io.run();
        ec = asio::error::timed_out;
      }
    }
    if (!ec) {
      socket.set_option(tcp::no_delay(true));
      return socket.release();
    }
    last = ec.message();
    if (std::chrono::steady_clock::now() + backoff >= deadline) {
      throw ClusterError(me() + " could not reach " + who(peer) + " within " + timeout_ms() +
                         " ms: " + last);
    }
    std::this_thread::sleep_for(backoff);
    backoff = std::min<std::chrono::steady_clock::duration>(2 * backoff, kMaxBackoff);
  }
}

void Mesh::Impl::shake_hands(std::chrono::steady_clock::time_point deadline) {
  const std::size_t me_id = options.process_id;
  const std::size_t p = options.addresses.size();
  asio::io_context io;
  tcp::acceptor acceptor(io);
  if (me_id + 1 < p) {  // someone connects to this process
    boost::system::error_code ec;
    tcp::resolver resolver(io);
    const Address& a = options.addresses[me_id];
    // a name may resolve only once the orchestrator has published it (a pod's DNS record)
    auto endpoints = resolver.resolve(a.host, std::to_string(a.port), ec);
    for (auto wait = std::chrono::steady_clock::duration(kFirstBackoff);
         ec && std::chrono::steady_clock::now() + wait < deadline;
         wait = std::min<std::chrono::steady_clock::duration>(2 * wait, kMaxBackoff)) {
      std::this_thread::sleep_for(wait);
      endpoints = resolver.resolve(a.host, std::to_string(a.port), ec);
    }
    if (!ec) {
      const tcp::endpoint at = *endpoints.begin();
      acceptor.open(at.protocol(), ec);
      if (!ec) {
        acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
      }
      if (!ec) {
        acceptor.bind(at, ec);
      }
      if (!ec) {
        acceptor.listen(asio::socket_base::max_listen_connections, ec);
      }
    }
    if (ec) {
      throw ClusterError(me() + " cannot listen on " + a.text() + ": " + ec.message());
    }
  }
  const std::string hello = self.encode();
  const std::string hello_frame = frame_header(kHelloKind, hello.size()) + hello;
  const std::atomic<bool> never{false};
  // connect to every lower process; each answers once it has accepted
  for (std::size_t j = 0; j < me_id; ++j) {
    const int fd = connect_to(j, deadline);
    conns[j]->fd = fd;
    set_non_blocking(fd);
    if (!write_all(fd, hello_frame.data(), hello_frame.size(), never)) {
      throw ClusterError(me() + " lost " + who(j) + " during the handshake");
    }
    check(read_hello(fd, deadline, who(j)), j);
  }
  // accept every higher process
  std::size_t accepted = 0;
  while (accepted < p - 1 - me_id) {
    pollfd pfd{acceptor.native_handle(), POLLIN, 0};
    const int ms = remaining_ms(deadline);
    if (ms == 0 || ::poll(&pfd, 1, ms) <= 0) {
      std::string missing;
      for (std::size_t j = me_id + 1; j < p; ++j) {
        if (conns[j]->fd < 0) {
          missing += (missing.empty() ? "" : ", ") + who(j);
        }
      }
      throw ClusterError(me() + " waited " + timeout_ms() + " ms for " + missing +
                         " to connect; it never did");
    }
    boost::system::error_code ec;
    tcp::socket socket = acceptor.accept(ec);
    if (ec) {
      continue;
    }
    socket.set_option(tcp::no_delay(true));
    const std::string from =
        "a process connecting from " + socket.remote_endpoint(ec).address().to_string();
    const int fd = socket.release();
    set_non_blocking(fd);
    Hello h;
    try {
      h = read_hello(fd, deadline, from);
      // answered even when refused, so the other side names the mismatch too
      write_all(fd, hello_frame.data(), hello_frame.size(), never);
      check(h, std::nullopt);
    } catch (...) {
      ::close(fd);
      throw;
    }
    if (h.process_id <= me_id || h.process_id >= p || conns[h.process_id]->fd >= 0) {
      ::close(fd);
      throw ClusterError(me() + " was reached by " + from + " claiming to be process " +
                         std::to_string(h.process_id) + ", which should not connect to it");
    }
    conns[h.process_id]->fd = fd;
    ++accepted;
  }
}

void Mesh::Impl::lose(std::size_t peer, const std::string& why) {
  if (conns[peer]->lost.exchange(true)) {
    return;
  }
  if (!closing.load(std::memory_order_acquire) && on_lost) {
    on_lost(peer, why);
  }
}

void Mesh::Impl::read_loop() {
  std::vector<pollfd> fds;
  std::vector<std::size_t> peers;
  while (!closing.load(std::memory_order_acquire)) {
    fds.assign(1, pollfd{wake[0], POLLIN, 0});
    peers.assign(1, 0);
    for (std::size_t j = 0; j < conns.size(); ++j) {
      if (conns[j]->fd >= 0 && !conns[j]->lost.load(std::memory_order_acquire)) {
        fds.push_back({conns[j]->fd, POLLIN, 0});
        peers.push_back(j);
      }
    }
    if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) {
      return;
    }
    for (std::size_t k = 1; k < fds.size(); ++k) {
      if (fds[k].revents == 0) {
        continue;
      }
      const std::size_t j = peers[k];
      Conn& c = *conns[j];
      // straight into the connection's buffer, after what it holds
      const std::size_t held = c.in.size();
      c.in.resize(held + kReadSize);
      const ssize_t r = ::recv(c.fd, c.in.data() + held, kReadSize, 0);
      c.in.resize(held + static_cast<std::size_t>(std::max<ssize_t>(r, 0)));
      if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        continue;
      }
      if (r <= 0) {
        lose(j, "lost " + who(j) + ": " +
                    (r == 0 ? std::string("it closed the connection") : errno_text()));
        continue;
      }
      std::size_t at = 0;
      while (c.in.size() - at >= kHeader) {
        const std::uint32_t n = coding::decode_fixed32(c.in.data() + at);
        if (n > kMaxFrame) {
          lose(j, "lost " + who(j) + ": it sent a frame of " + std::to_string(n) + " bytes");
          break;
        }
        if (c.in.size() - at < kHeader + n) {
          break;
        }
        const auto kind = static_cast<std::uint8_t>(c.in[at + 4]);
        on_frame(j, kind, c.in.substr(at + kHeader, n));
        at += kHeader + n;
      }
      c.in.erase(0, at);
    }
  }
}

void Mesh::Impl::close_all() {
  closing.store(true, std::memory_order_release);
  if (wake[1] >= 0) {
    const char byte = 0;
    (void)!::write(wake[1], &byte, 1);
  }
  if (reader.joinable()) {
    reader.join();
  }
  for (auto& c : conns) {
    if (c && c->fd >= 0) {
      ::shutdown(c->fd, SHUT_RDWR);
      ::close(c->fd);
      c->fd = -1;
    }
  }
  for (int& fd : wake) {
    if (fd >= 0) {
      ::close(fd);
    }
    fd = -1;
  }
}

Mesh::Mesh(const MeshOptions& options, const Hello& self, OnFrame on_frame, OnLost on_lost)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  if (options.addresses.empty() || options.process_id >= options.addresses.size()) {
    throw std::invalid_argument("process id " + std::to_string(options.process_id) +
                                " is not below the " + std::to_string(options.addresses.size()) +
                                " addresses");
  }
  m.options = options;
  m.self = self;
  m.self.process_id = static_cast<std::uint32_t>(options.process_id);
  m.self.processes = static_cast<std::uint32_t>(options.addresses.size());
  m.on_frame = std::move(on_frame);
  m.on_lost = std::move(on_lost);
  for (std::size_t j = 0; j < options.addresses.size(); ++j) {
    m.conns.push_back(std::make_unique<Impl::Conn>());
    m.conns.back()->address = options.addresses[j];
  }
  try {
    m.shake_hands(std::chrono::steady_clock::now() + options.connect_timeout);
    if (::pipe(m.wake) != 0) {
      throw ClusterError("cannot make a pipe: " + errno_text());
    }
  } catch (...) {
    m.close_all();
    throw;
  }
  m.reader = std::thread([&m] { m.read_loop(); });
}

Mesh::~Mesh() { impl_->close_all(); }

void Mesh::send(std::size_t peer, std::uint8_t kind, std::string_view payload) {
  Impl& m = *impl_;
  Impl::Conn& c = *m.conns.at(peer);
  if (peer == m.options.process_id) {
    throw std::invalid_argument("a process sends to itself");
  }
  const std::string head = frame_header(kind, payload.size());
  std::lock_guard lock(c.write_mutex);
  if (c.lost.load(std::memory_order_acquire) || c.write_broken ||
      !write_all(c.fd, head, payload, c.lost)) {
    // Not reported here: the reader goes on to the end of what the peer sent (a last frame
    // saying why it stopped comes before its close) and then reports the loss.
    c.write_broken = true;
    throw ClusterError("lost " + m.who(peer));
  }
  g_frames_sent.fetch_add(1, std::memory_order_relaxed);
  g_bytes_sent.fetch_add(head.size() + payload.size(), std::memory_order_relaxed);
}

MeshTraffic Mesh::traffic() noexcept {
  return {g_frames_sent.load(std::memory_order_relaxed),
          g_bytes_sent.load(std::memory_order_relaxed)};
}

std::size_t Mesh::processes() const noexcept { return impl_->options.addresses.size(); }
std::size_t Mesh::process_id() const noexcept { return impl_->options.process_id; }

}  // namespace weir::detail
