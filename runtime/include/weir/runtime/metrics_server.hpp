#pragma once
// MetricsServer: serves the process's metrics (weir/core/metrics.hpp) in the Prometheus text
// format on http://ADDRESS/metrics, as `--metrics ADDR:PORT` does for a weir program.
//
//   weir::MetricsServer server("0.0.0.0:9100");   // serves until destroyed
//   weir::run(flow, config);
//
// The server runs on a thread of its own (Boost.Beast on one Asio io_context): a scrape reads
// the counters the workers add to without stopping them, and a slow or stuck client holds
// only its own connection. While a server lives, steps' busy time is counted too
// (weir_step_busy_seconds_total), and each scrape refreshes the process metrics:
// process_cpu_seconds_total, process_resident_memory_bytes, process_virtual_memory_bytes,
// process_open_fds, process_max_fds, process_start_time_seconds.
//
// Paths other than /metrics answer 404; methods other than GET and HEAD answer 405.
// Thread safety: construct and destroy from one thread; address() from any.

#include <memory>
#include <string>

namespace weir {

class MetricsServer {
 public:
  /// Listens on `address` ("host:port"; port 0: any free port). Throws std::invalid_argument
  /// for a malformed address and std::runtime_error naming it when it cannot listen there.
  explicit MetricsServer(const std::string& address);
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;
  /// Stops listening and serving, and stops counting busy time.
  ~MetricsServer();

  /// Where it listens, "host:port", with the port it got.
  [[nodiscard]] const std::string& address() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace weir
