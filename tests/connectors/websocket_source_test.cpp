// WebSocketSource against a local Boost.Beast WebSocket server that drops the first
// connection mid-stream: the source reconnects with back-off, asks to resume where it
// stopped, and ends at the server's close frame.
#include <sys/wait.h>
#include <catch2/catch.hpp>
#include <cstdio>

#include <weir/connectors/websocket/websocket_source.hpp>

#include "../../examples/websocket/feed_server.hpp"
#include "support.hpp"

using websocket_example::FeedServer;

TEST_CASE("WebSocketSource reconnects after a drop, resumes where it stopped, ends on close") {
  std::vector<std::string> expected;
  for (int i = 0; i < 20; ++i) expected.push_back(std::string("m").append(std::to_string(i)));
  FeedServer server(expected, 7);
  weir::websocket::WebSocketOptions o;
  o.port = server.port();
  o.target = "/feed";
  o.backoff = std::chrono::milliseconds(20);
  o.hello = [](std::uint64_t received) {
    return std::optional<std::string>(std::string("from ").append(std::to_string(received)));
  };
  weir::websocket::WebSocketSource src(o);
  CHECK(src.list_parts() == std::vector<std::string>{"ws://127.0.0.1:" + server.port() + "/feed"});
  weir::Dataflow flow("ws");
  auto s = weir::op::input("in", flow, src);
  weir::testing::TestingSink<std::string> sink;
  weir::op::output("out", s, sink);
  REQUIRE(weir::run(flow) == weir::RunOutcome::completed);
  CHECK(sink.items() == expected);
  CHECK(server.hellos() == std::vector<std::string>{"from 0", "from 7"});
}

TEST_CASE("the websocket example totals its embedded feed across a reconnect") {
  // the feed: trade i is symbols[(i * 7) % 4] with quantity (i * 13) % 100 + 1
  const std::vector<std::string> symbols{"AAPL", "AMZN", "GOOG", "MSFT"};
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> totals;
  for (std::uint64_t i = 0; i < 10'000; ++i) {
    auto& t = totals[symbols[(i * 7) % 4]];
    ++t.first;
    t.second += (i * 13) % 100 + 1;
  }
  std::string expected;
  for (const auto& [symbol, t] : totals) {
    expected.append(symbol)
        .append(" trades=")
        .append(std::to_string(t.first))
        .append(" volume=")
        .append(std::to_string(t.second))
        .append("\n");
  }
  const std::string bin = WEIR_WEBSOCKET_BIN;
  CHECK(weir_test::sh(bin + " | sort").out == expected);
  CHECK(weir_test::sh(bin + " -w 3 | sort").out == expected);

  auto wrong = weir_test::sh(bin + " 127.0.0.1 80");
  CHECK(wrong.code == 2);
  CHECK(wrong.out == "weir: error: give HOST PORT TARGET, or nothing for the embedded feed\n");
  // nothing listens on the port a closed socket had: the source keeps trying (back-off) and
  // the run is interrupted with Ctrl-C like any other
  auto refused = weir_test::sh("timeout --preserve-status -s INT 2 " + bin +
                               " --log-level warn 127.0.0.1 1 /x");
  CHECK(refused.code == 130);
  // each attempt is a warning, the back-off doubling from 100 ms
  CHECK_THAT(refused.out,
             Catch::StartsWith("weir: warn: websocket ws://127.0.0.1:1/x: Connection refused; "
                               "retrying in 100 ms\n"
                               "weir: warn: websocket ws://127.0.0.1:1/x: Connection refused; "
                               "retrying in 200 ms\n"));
  CHECK_THAT(refused.out,
             Catch::EndsWith("weir: error: interrupt signal received, all workers have been "
                             "shut down\n"));
}
