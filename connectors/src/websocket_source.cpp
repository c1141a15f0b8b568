#include "weir/connectors/websocket/websocket_source.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "weir/core/log.hpp"
#include "weir/inputs/batch_async.hpp"

namespace weir::websocket {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

class WebSocketPartition final : public StatefulSourcePartition<std::string, std::uint64_t> {
 public:
  WebSocketPartition(const WebSocketOptions& o, std::uint64_t received)
      : options_(o),
        delivered_(received),
        read_(received),
        batches_([this](AsyncChannel<std::string>& out) { return produce(out); }, o.poll,
                 o.batch_size) {}

  NextBatch<std::string> next_batch() override {
    auto batch = batches_.next();
    if (batch) {
      delivered_ += batch->size();
    }
    return batch;
  }
  [[nodiscard]] std::uint64_t snapshot() override { return delivered_; }

 private:
  asio::awaitable<void> produce(AsyncChannel<std::string>& out) {
    auto ex = co_await asio::this_coro::executor;
    auto backoff = options_.backoff;
    while (true) {
      try {
        tcp::resolver resolver(ex);
        beast::websocket::stream<beast::tcp_stream> ws(ex);
        auto endpoints =
            co_await resolver.async_resolve(options_.host, options_.port, asio::use_awaitable);
        co_await beast::get_lowest_layer(ws).async_connect(endpoints, asio::use_awaitable);
        co_await ws.async_handshake(options_.host + ":" + options_.port, options_.target,
                                    asio::use_awaitable);
        backoff = options_.backoff;
        if (options_.hello) {
          if (auto hello = options_.hello(read_)) {
            co_await ws.async_write(asio::buffer(*hello), asio::use_awaitable);
          }
        }
        while (true) {
          beast::flat_buffer buffer;
          co_await ws.async_read(buffer, asio::use_awaitable);
          ++read_;
          co_await out.async_send({}, beast::buffers_to_string(buffer.data()), asio::use_awaitable);
        }
      } catch (const boost::system::system_error& e) {
        if (e.code() == beast::websocket::error::closed) {
          co_return;  // a close frame: the end
        }
        log::warn("websocket ws://{}:{}{}: {}; retrying in {} ms", options_.host, options_.port,
                  options_.target, e.code().message(),
                  std::chrono::duration_cast<std::chrono::milliseconds>(backoff).count());
      }
      asio::steady_timer timer(ex, backoff);
      co_await timer.async_wait(asio::use_awaitable);
      backoff = std::min(backoff * 2, options_.max_backoff);
    }
  }

  WebSocketOptions options_;
  std::uint64_t delivered_;  // handed to the dataflow
  std::uint64_t read_;       // read from the socket (some may wait in the channel)
  BatchAsync<std::string> batches_;
};

}  // namespace

WebSocketSource::WebSocketSource(WebSocketOptions options) : options_(std::move(options)) {}

std::vector<std::string> WebSocketSource::list_parts() const {
  return {"ws://" + options_.host + ":" + options_.port + options_.target};
}

std::unique_ptr<StatefulSourcePartition<std::string, std::uint64_t>> WebSocketSource::build_part(
    const std::string& /*step_id*/, const std::string& /*for_part*/,
    std::optional<std::uint64_t> resume_state) const {
  return std::make_unique<WebSocketPartition>(options_, resume_state.value_or(0));
}

}  // namespace weir::websocket
