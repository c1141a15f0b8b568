// WebSocketSource against a local Boost.Beast WebSocket server that drops the first
// connection mid-stream: the source reconnects with back-off, asks to resume where it
// stopped, and ends at the server's close frame.
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <catch2/catch.hpp>
#include <thread>

#include <weir/connectors/websocket/websocket_source.hpp>

#include "support.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {

/// Serves messages m0..m{total-1}; each client first says "from N". The first connection is
/// dropped (no close frame) after `drop_after` messages; the last one ends with a close frame.
class Server {
 public:
  Server(int total, int drop_after) : total_(total), drop_after_(drop_after) {
    acceptor_.open(tcp::v4());
    acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { serve(); });
  }
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  ~Server() { thread_.join(); }
  [[nodiscard]] std::string port() const { return std::to_string(port_); }
  std::vector<std::string> hellos;  // what each connection asked for

 private:
  void serve() {
    for (int conn = 0;; ++conn) {
      tcp::socket socket(ioc_);
      acceptor_.accept(socket);
      beast::websocket::stream<tcp::socket> ws(std::move(socket));
      ws.accept();
      beast::flat_buffer hello;
      ws.read(hello);
      hellos.push_back(beast::buffers_to_string(hello.data()));
      int from = std::stoi(hellos.back().substr(5));
      for (int i = from; i < total_; ++i) {
        if (conn == 0 && i == drop_after_) {
          ws.next_layer().close();  // dropped: no close frame
          break;
        }
        ws.write(asio::buffer(std::string("m").append(std::to_string(i))));
        if (i + 1 == total_) {
          ws.close(beast::websocket::close_code::normal);
          return;
        }
      }
    }
  }

  asio::io_context ioc_;
  tcp::acceptor acceptor_{ioc_};
  unsigned short port_ = 0;
  int total_;
  int drop_after_;
  std::thread thread_;
};

}  // namespace

TEST_CASE("WebSocketSource reconnects after a drop, resumes where it stopped, ends on close") {
  Server server(20, 7);
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
  std::vector<std::string> expected;
  for (int i = 0; i < 20; ++i) expected.push_back(std::string("m").append(std::to_string(i)));
  CHECK(sink.items() == expected);
  CHECK(server.hellos == std::vector<std::string>{"from 0", "from 7"});
}
