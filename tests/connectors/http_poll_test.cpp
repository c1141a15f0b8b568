// The http_poll example's HttpPoller against a local Beast HTTP server: aligned polls, a
// failed request retried, 410 Gone ending the input. The clock is manual, so the seconds
// between polls pass at once; the HTTP exchanges are real.
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>
#include <thread>

#include "../../examples/http_poll/poller.hpp"
#include "support.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

TEST_CASE("HttpPoller polls on the second, retries a failed request, and ends on 410 Gone") {
  asio::io_context ioc;
  tcp::acceptor acceptor(ioc, {asio::ip::make_address("127.0.0.1"), 0});
  const std::string port = std::to_string(acceptor.local_endpoint().port());
  // the answers, one per request
  const std::vector<std::pair<http::status, std::string>> answers{
      {http::status::ok, "a"},
      {http::status::service_unavailable, ""},
      {http::status::ok, "b"},
      {http::status::gone, ""}};
  std::vector<std::string> targets;
  std::thread server([&] {
    for (const auto& [status, body] : answers) {
      tcp::socket socket(ioc);
      acceptor.accept(socket);
      beast::flat_buffer buffer;
      http::request<http::string_body> req;
      http::read(socket, buffer, req);
      targets.emplace_back(req.target());
      http::response<http::string_body> res{status, 11};
      res.body() = body;
      res.prepare_payload();
      http::write(socket, res);
    }
  });

  weir::ManualClock clock(weir::Instant{} + 1000s + 300ms);
  weir::ScopedClock scoped(clock);
  std::vector<weir::Instant> polls;
  http_poll::HttpPoller::Options o;
  o.port = port;
  o.target = "/price";
  weir::Dataflow flow("poll");
  auto s = weir::op::input("in", flow, http_poll::HttpPoller(o));
  auto stamped = weir::op::inspect(
      "when", s, [&](const std::string&, const std::string&) { polls.push_back(clock.now()); });
  weir::testing::TestingSink<std::string> sink;
  weir::op::output("out", stamped, sink);
  REQUIRE(weir::run(flow) == weir::RunOutcome::completed);
  server.join();
  CHECK(sink.items() == std::vector<std::string>{"a", "b"});
  CHECK(targets == std::vector<std::string>(4, "/price"));
  // "a" at the first whole second; the 503 at the next, retried 200 ms later with "b"
  CHECK(polls ==
        std::vector<weir::Instant>{weir::Instant{} + 1001s, weir::Instant{} + 1002s + 200ms});
}
