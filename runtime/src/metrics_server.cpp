// MetricsServer on Boost.Beast: one io_context thread accepts and serves each connection
// asynchronously (read a request, write the registry's text, close).
#include "weir/runtime/metrics_server.hpp"

#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "weir/core/metrics.hpp"
#include "weir/runtime/detail/mesh.hpp"
#include "weir/runtime/detail/step_meters.hpp"

namespace weir {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

/// One connection: reads requests and answers each until the client closes.
class Session : public std::enable_shared_from_this<Session> {
 public:
  explicit Session(tcp::socket socket) : socket_(std::move(socket)) {}
  void start() { read(); }

 private:
  void read() {
    request_ = {};
    http::async_read(socket_, buffer_, request_,
                     [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                       if (!ec) {
                         self->answer();
                       }
                     });
  }
  void answer() {
    auto response = std::make_shared<http::response<http::string_body>>();
    response->version(request_.version());
    response->keep_alive(request_.keep_alive());
    const bool get = request_.method() == http::verb::get;
    const bool head = request_.method() == http::verb::head;
    bool sized = false;  // a HEAD of /metrics: the length of what GET would send
    if (!get && !head) {
      response->result(http::status::method_not_allowed);
      response->set(http::field::allow, "GET, HEAD");
    } else if (request_.target() != "/metrics") {
      response->result(http::status::not_found);
      response->set(http::field::content_type, "text/plain");
      response->body() = "not found: the metrics are at /metrics\n";
    } else {
      response->result(http::status::ok);
      response->set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
      std::string text = metrics::registry().text();
      if (get) {
        response->body() = std::move(text);
      } else {
        response->content_length(text.size());
        sized = true;
      }
    }
    if (!sized) {
      response->prepare_payload();
    }
    http::async_write(
        socket_, *response,
        [self = shared_from_this(), response](boost::system::error_code ec, std::size_t) {
          if (ec || !response->keep_alive()) {
            boost::system::error_code ignored;
            self->socket_.shutdown(tcp::socket::shutdown_send, ignored);
            return;
          }
          self->read();
        });
  }

  tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
};

/// Reads /proc/self into the process_* series (Linux).
class ProcessMetrics {
 public:
  ProcessMetrics()
      : cpu_(metrics::registry().seconds_counter(
            "process_cpu_seconds_total", "Total user and system CPU time spent in seconds")),
        resident_(metrics::registry().gauge("process_resident_memory_bytes",
                                            "Resident memory size in bytes")),
        virtual_(metrics::registry().gauge("process_virtual_memory_bytes",
                                           "Virtual memory size in bytes")),
        open_fds_(metrics::registry().gauge("process_open_fds", "Number of open file descriptors")),
        max_fds_(metrics::registry().gauge("process_max_fds",
                                           "Maximum number of open file descriptors")),
        start_(metrics::registry().gauge("process_start_time_seconds",
                                         "Start time of the process since unix epoch in seconds")) {
  }

  void refresh() {
    const long ticks = ::sysconf(_SC_CLK_TCK);
    const long page = ::sysconf(_SC_PAGESIZE);
    std::ifstream stat("/proc/self/stat");
    std::string line;
    std::getline(stat, line);
    // fields after the command name (which may hold spaces) in parentheses
    std::istringstream rest(line.substr(line.rfind(')') + 2));
    std::vector<std::string> f{std::istream_iterator<std::string>(rest), {}};
    if (f.size() > 21 && ticks > 0) {
      // f[0] is field 3 (state): utime 14, stime 15, starttime 22, vsize 23, rss 24
      const double cpu_s = (std::stod(f[11]) + std::stod(f[12])) / static_cast<double>(ticks);
      const auto cpu_ns = static_cast<std::uint64_t>(cpu_s * 1e9);
      if (cpu_ns > cpu_ns_) {
        cpu_.add(cpu_ns - cpu_ns_);
        cpu_ns_ = cpu_ns;
      }
      virtual_.set(std::stod(f[20]));
      resident_.set(std::stod(f[21]) * static_cast<double>(page));
      start_.set(boot_time() + std::stod(f[19]) / static_cast<double>(ticks));
    }
    std::error_code ec;
    double fds = 0;
    for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
      ++fds;
    }
    open_fds_.set(fds);
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
      max_fds_.set(static_cast<double>(limit.rlim_cur));
    }
  }

 private:
  static double boot_time() {
    std::ifstream stat("/proc/stat");
    for (std::string key; stat >> key;) {
      if (key == "btime") {
        double t = 0;
        stat >> t;
        return t;
      }
    }
    return 0;
  }
  metrics::Counter& cpu_;
  metrics::Gauge& resident_;
  metrics::Gauge& virtual_;
  metrics::Gauge& open_fds_;
  metrics::Gauge& max_fds_;
  metrics::Gauge& start_;
  std::uint64_t cpu_ns_ = 0;
};

}  // namespace

struct MetricsServer::Impl {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::string address;
  ProcessMetrics process;
  std::size_t refresh = 0;
  std::thread thread;

  void accept() {
    acceptor.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
      if (ec) {
        return;  // closed: the server stops
      }
      std::make_shared<Session>(std::move(socket))->start();
      accept();
    });
  }
};

MetricsServer::MetricsServer(const std::string& address) : impl_(std::make_unique<Impl>()) {
  detail::Address at;
  try {
    at = detail::parse_address(address, true);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(fmt::format("the metrics address {}", e.what()));
  }
  try {
    tcp::resolver resolver(impl_->io);
    const auto endpoints =
        resolver.resolve(at.host, std::to_string(at.port), tcp::resolver::passive);
    const tcp::endpoint endpoint = endpoints.begin()->endpoint();
    impl_->acceptor.open(endpoint.protocol());
    impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
    impl_->acceptor.bind(endpoint);
    impl_->acceptor.listen();
  } catch (const boost::system::system_error& e) {
    throw std::runtime_error(
        fmt::format("cannot serve metrics on {}: {}", at.text(), e.code().message()));
  }
  impl_->address = fmt::format("{}:{}", at.host, impl_->acceptor.local_endpoint().port());
  impl_->refresh = metrics::registry().add_refresh([p = &impl_->process] { p->refresh(); });
  detail::g_busy_timing.store(true, std::memory_order_relaxed);
  impl_->accept();
  impl_->thread = std::thread([io = &impl_->io] { io->run(); });
}

MetricsServer::~MetricsServer() {
  detail::g_busy_timing.store(false, std::memory_order_relaxed);
  asio::post(impl_->io, [this] {
    boost::system::error_code ignored;
    impl_->acceptor.close(ignored);
    impl_->io.stop();
  });
  impl_->thread.join();
  metrics::registry().remove_refresh(impl_->refresh);
}

const std::string& MetricsServer::address() const noexcept { return impl_->address; }

}  // namespace weir
