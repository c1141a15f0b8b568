// The async-sink pattern (examples/async_sink): a sink whose client is an Asio coroutine
// finishes writing each batch before write_batch returns.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <catch2/catch.hpp>
#include <istream>
#include <thread>

#include "../../examples/async_sink/line_sink.hpp"
#include "support.hpp"

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

TEST_CASE("an async TCP sink has written each batch when write_batch returns") {
  asio::io_context ioc;
  tcp::acceptor acceptor(ioc, {asio::ip::make_address("127.0.0.1"), 0});
  const std::string port = std::to_string(acceptor.local_endpoint().port());
  std::vector<std::string> received;
  std::thread server([&] {
    tcp::socket socket(ioc);
    acceptor.accept(socket);
    asio::streambuf buf;
    boost::system::error_code ec;
    while (asio::read_until(socket, buf, '\n', ec) > 0 || !ec) {
      if (ec) break;
      std::istream in(&buf);
      std::string line;
      std::getline(in, line);
      received.push_back(line);
    }
  });
  std::vector<std::string> lines;
  for (int i = 0; i < 500; ++i) lines.push_back(std::string("line ").append(std::to_string(i)));
  async_sink::TcpLineSink sink("127.0.0.1", port);
  {
    auto part = sink.build("s", 0, 1);
    part->write_batch(std::vector<std::string>(lines.begin(), lines.begin() + 250));
    part->write_batch(std::vector<std::string>(lines.begin() + 250, lines.end()));
    part->close();
  }  // the connection closes with the partition: the server sees the end
  server.join();
  CHECK(received == lines);

  // nobody listening: the failure comes out of write_batch
  acceptor.close();
  weir::Dataflow flow("async");
  auto s = weir::op::input("in", flow, weir::testing::TestingSource<std::string>({"x"}));
  weir::op::output("out", s, async_sink::TcpLineSink("127.0.0.1", port));
  CHECK(weir_test::error_of([&] { weir::run(flow); }) ==
        "step 'async.out' failed in write_batch of op::output(\"out\") (worker 0): cannot send to "
        "127.0.0.1:" +
            port + ": Connection refused");
}
