// websocket: trade counts and volumes per symbol from a WebSocket feed of "SYMBOL,QTY" text
// messages, printed as "SYMBOL trades=N volume=V" when the feed ends.
//
//   websocket [-w WORKERS] [-r DIR] [-s SECS] [HOST PORT TARGET]
//
// The source is weir::websocket::WebSocketSource (a Beast client run through batch_async):
// it says "from N" after each connection, N being how many messages the dataflow received,
// and reconnects with back-off when the connection drops. Without HOST PORT TARGET the
// program serves a feed of its own on 127.0.0.1 (10,000 trades, the same every time) that
// cuts the first connection after 2,500 messages, so every run shows a reconnect and resume.

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <weir/connectors/websocket/websocket_source.hpp>
#include <weir/weir.hpp>

#include "feed_server.hpp"

namespace {

struct Trade {
  std::string symbol;
  std::uint64_t qty = 0;
};

Trade parse(const std::string& message) {
  const auto comma = message.find(',');
  if (comma == std::string::npos || comma == 0) {
    throw std::invalid_argument("not a SYMBOL,QTY trade: '" + message + "'");
  }
  return {message.substr(0, comma), std::stoull(message.substr(comma + 1))};
}

struct Totals {
  std::uint64_t trades = 0;
  std::uint64_t volume = 0;
  template <class Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar& trades& volume;
  }
};

std::vector<std::string> embedded_feed() {
  const std::vector<std::string> symbols{"AAPL", "AMZN", "GOOG", "MSFT"};
  std::vector<std::string> feed;
  for (std::uint64_t i = 0; i < 10'000; ++i) {
    feed.push_back(symbols[(i * 7) % symbols.size()] + "," + std::to_string((i * 13) % 100 + 1));
  }
  return feed;
}

}  // namespace

int main(int argc, char** argv) {
  weir::CommandLine cli(
      "Totals trades per symbol from a WebSocket feed: ws://HOST:PORT/TARGET, or an embedded "
      "feed when none is given.");
  std::optional<std::string> host;
  std::optional<std::string> port;
  std::optional<std::string> target;
  cli.positional("HOST", host, "the feed's host (default: the embedded feed)");
  cli.positional("PORT", port, "the feed's port");
  cli.positional("TARGET", target, "the feed's path");
  if (auto exit_code = cli.parse(argc, argv)) return *exit_code;
  std::unique_ptr<websocket_example::FeedServer> server;
  weir::websocket::WebSocketOptions o;
  if (target) {
    o.host = *host;
    o.port = *port;
    o.target = *target;
  } else if (host) {
    std::fputs("weir: error: give HOST PORT TARGET, or nothing for the embedded feed\n", stderr);
    return 2;
  } else {
    server = std::make_unique<websocket_example::FeedServer>(embedded_feed(), 2'500);
    o.port = server->port();
    o.target = "/trades";
  }
  o.hello = [](std::uint64_t received) {
    return std::optional<std::string>("from " + std::to_string(received));
  };

  return cli.run("websocket", [&](weir::Dataflow& flow) {
    auto messages = weir::op::input("feed", flow, weir::websocket::WebSocketSource(o));
    auto trades = weir::op::map("parse", messages, [](const std::string& m) {
      Trade t = parse(m);
      return std::pair<std::string, std::uint64_t>(std::move(t.symbol), t.qty);
    });
    auto totals = weir::op::fold_final(
        "totals", trades, [] { return Totals{}; },
        [](Totals acc, std::uint64_t qty) {
          ++acc.trades;
          acc.volume += qty;
          return acc;
        });
    auto lines = weir::op::map("format", totals, [](const std::pair<std::string, Totals>& kv) {
      return kv.first + " trades=" + std::to_string(kv.second.trades) +
             " volume=" + std::to_string(kv.second.volume);
    });
    weir::op::output("print", lines, weir::stdio::StdOutSink<std::string>{});
  });
}
