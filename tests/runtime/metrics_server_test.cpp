// --metrics: a dataflow's series scraped over HTTP while it runs (counters rise, gauges move)
// and after it ends (exact counts), accepted by promtool; the server's other answers.
#include <catch2/catch.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstdio>
#include <regex>
#include <thread>

#include "support.hpp"
#include "weir/operators/stateful.hpp"
#include "weir/operators/stateless.hpp"
#include "weir/recovery/store.hpp"
#include "weir/runtime/metrics_server.hpp"

namespace {

/// The whole HTTP/1.1 answer (status line, headers and body) to `method target`.
std::string http(const std::string& address, const std::string& method,
                 const std::string& target = "/metrics") {
  namespace asio = boost::asio;
  asio::io_context io;
  asio::ip::tcp::resolver resolver(io);
  asio::ip::tcp::socket socket(io);
  const auto colon = address.rfind(':');
  asio::connect(socket, resolver.resolve(address.substr(0, colon), address.substr(colon + 1)));
  asio::write(socket, asio::buffer(method + " " + target +
                                   " HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"));
  std::string out;
  boost::system::error_code ec;
  asio::read(socket, asio::dynamic_buffer(out), ec);  // to the end: the server closes
  return out;
}

/// The body of a GET /metrics.
std::string scrape(const std::string& address) {
  const std::string answer = http(address, "GET");
  return answer.substr(answer.find("\r\n\r\n") + 4);
}

/// The value of the series `series` (name and labels, exactly as printed), or -1.
double value_of(const std::string& text, const std::string& series) {
  const auto at = text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + series.size() + 2));
}

}  // namespace

TEST_CASE("a scrape during a run shows counters rising, and after it the exact counts") {
  weir::MetricsServer server("127.0.0.1:0");
  weir_test::TempDir store;
  weir::recovery::init_store(store.path(), 2);
  // 2,000 items in batches of 10, 2 ms apart: about 0.4 s
  std::vector<weir::testing::TestingSource<int>::Entry> entries;
  for (int i = 0; i < 2000; ++i) {
    entries.emplace_back(i);
    if (i % 10 == 9) entries.emplace_back(weir::testing::Pause{std::chrono::milliseconds(2)});
  }
  weir::Dataflow flow("scraped");
  auto in = weir::op::input("in", flow, weir::testing::TestingSource<int>(entries, 10));
  auto keyed = weir::op::key_on("key", in, [](int x) { return std::to_string(x % 7); });
  auto sums = weir::op::stateful_map<long>("sum", keyed, [](std::optional<long>& s, int v) {
    s = s.value_or(0) + v;
    return *s;
  });
  weir::testing::TestingSink<std::pair<std::string, long>> sink;
  weir::op::output("out", sums, sink);
  // a program's own series, from a step on every worker
  weir::op::inspect("odd", in, [](const std::string&, const int& x) {
    static auto& odd = weir::metrics::registry().counter(
        "scraped_odd_items_total", "Odd items seen by the test's inspect step",
        {{"flow", "scraped"}});
    if (x % 2 == 1) odd.add();
  });
  std::thread run([&] {
    weir::run(flow, {.workers = 2,
                     .epoch_interval = std::chrono::milliseconds(20),
                     .recovery_directory = store.path().string()});
  });
  const std::string in_out = "weir_step_items_out_total{step=\"scraped.in\",worker=\"0\"}";
  auto seen = [&](double above) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < until) {
      const std::string t = scrape(server.address());
      if (value_of(t, in_out) > above) return t;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return std::string();
  };
  const std::string first = seen(0);
  REQUIRE(!first.empty());
  const std::string second = seen(value_of(first, in_out));
  REQUIRE(!second.empty());
  run.join();
  CHECK(value_of(second, in_out) < 2000);

  const std::string last = scrape(server.address());
  const std::string source = "{step=\"scraped.in\",partition=\"iterable\"}";
  CHECK(value_of(last, "weir_source_items_total" + source) == 2000);
  CHECK(value_of(last, in_out) == 2000);
  const double sum_in =
      value_of(last, "weir_step_items_in_total{step=\"scraped.sum\",worker=\"0\"}") +
      value_of(last, "weir_step_items_in_total{step=\"scraped.sum\",worker=\"1\"}");
  CHECK(sum_in == 2000);  // before the exchange: every item on the worker that read it
  const double out_in =
      value_of(last, "weir_step_items_in_total{step=\"scraped.out\",worker=\"0\"}") +
      value_of(last, "weir_step_items_in_total{step=\"scraped.out\",worker=\"1\"}");
  CHECK(out_in == 2000);
  CHECK(sink.items().size() == 2000);
  CHECK(value_of(last, "scraped_odd_items_total{flow=\"scraped\"}") == 1000);
  CHECK(value_of(last, "weir_step_busy_seconds_total{step=\"scraped.in\",worker=\"0\"}") > 0);
  CHECK(value_of(last, "weir_worker_epoch{worker=\"0\"}") > 1);
  CHECK(value_of(last, "weir_worker_committed_epoch{worker=\"0\"}") >= 1);
  CHECK(value_of(last, "weir_store_committed_epoch") >= 1);
  CHECK(value_of(last, "weir_store_bytes_written_total") > 0);
  CHECK(value_of(last, "weir_store_write_seconds_count") > 0);
  CHECK(value_of(last, "process_resident_memory_bytes") > 0);
  CHECK(value_of(last, "process_open_fds") > 0);
  CHECK(value_of(last, "process_cpu_seconds_total") > 0);

  // promtool, Prometheus's own checker, accepts the text
  weir_test::TempDir dir;
  const auto file = dir.path() / "metrics.txt";
  {
    std::FILE* f = std::fopen(file.c_str(), "w");
    std::fputs(last.c_str(), f);
    std::fclose(f);
  }
  const auto check = weir_test::sh("promtool check metrics < " + file.string());
  INFO(check.out);
  CHECK(check.code == 0);
}

TEST_CASE(
    "the metrics server answers 404 off /metrics, 405 to other methods, HEAD without a body") {
  weir::MetricsServer server("127.0.0.1:0");
  CHECK(http(server.address(), "GET", "/").starts_with("HTTP/1.1 404 Not Found\r\n"));
  const std::string post = http(server.address(), "POST");
  CHECK(post.starts_with("HTTP/1.1 405 Method Not Allowed\r\n"));
  CHECK(post.find("Allow: GET, HEAD\r\n") != std::string::npos);
  const std::string head = http(server.address(), "HEAD");
  CHECK(head.starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(head.ends_with("\r\n\r\n"));
  CHECK(std::regex_search(head, std::regex("Content-Length: [1-9][0-9]*\r\n")));
  CHECK(http(server.address(), "GET").find("Content-Type: text/plain; version=0.0.4") !=
        std::string::npos);
}

TEST_CASE("a metrics address that cannot be served is refused with a message") {
  weir::MetricsServer first("127.0.0.1:0");
  const std::string taken = first.address();
  CHECK_THROWS_WITH(weir::MetricsServer(taken),
                    "cannot serve metrics on " + taken + ": Address already in use");
  CHECK_THROWS_WITH(weir::MetricsServer("nocolon"),
                    "the metrics address 'nocolon' is not host:port");
}
