#pragma once
// HttpPoller: a SimplePollingSource that GETs http://host:port/target every `interval`
// (aligned to `align_to`), with Boost.Beast. Each 200 answer's body is one item; any other
// status, a refused connection or a timeout polls again after `retry`; 410 Gone ends the
// input. The request blocks the worker for at most `timeout`.

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <string>

#include <weir/core/clock.hpp>
#include <weir/core/errors.hpp>
#include <weir/inputs/simple_polling_source.hpp>

namespace http_poll {

class HttpPoller final : public weir::SimplePollingSource<std::string> {
 public:
  struct Options {
    std::string host = "127.0.0.1";
    std::string port = "80";
    std::string target = "/";
    weir::Duration interval = std::chrono::seconds(1);
    std::optional<weir::Instant> align_to = weir::Instant{};  // whole intervals
    weir::Duration retry = std::chrono::milliseconds(200);
    std::chrono::milliseconds timeout{2000};
  };

  explicit HttpPoller(Options o) : SimplePollingSource(o.interval, o.align_to), o_(std::move(o)) {}

  std::optional<std::string> next_item() override {
    namespace beast = boost::beast;
    namespace http = beast::http;
    boost::asio::io_context ioc;
    beast::tcp_stream stream(ioc);
    http::response<http::string_body> res;
    try {
      boost::asio::ip::tcp::resolver resolver(ioc);
      stream.expires_after(o_.timeout);
      stream.connect(resolver.resolve(o_.host, o_.port));
      http::request<http::empty_body> req{http::verb::get, o_.target, 11};
      req.set(http::field::host, o_.host);
      http::write(stream, req);
      beast::flat_buffer buffer;
      http::read(stream, buffer, res);
    } catch (const boost::system::system_error&) {
      throw Retry{o_.retry};  // unreachable or too slow: try again soon
    }
    if (res.result() == http::status::gone) throw weir::EndOfInput();
    if (res.result() != http::status::ok) throw Retry{o_.retry};
    return std::move(res.body());
  }

 private:
  Options o_;
};

}  // namespace http_poll
