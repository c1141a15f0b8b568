#pragma once
// FeedServer: a WebSocket server (Boost.Beast, on 127.0.0.1, a thread of its own) serving a
// fixed list of messages, one connection at a time. Each client first sends "from N" and gets
// messages N.. in order; after the last one the server sends a close frame and stops. With
// `drop_first_after`, the first connection is cut (no close frame) once that many messages
// were sent, so a client has to reconnect and resume.

#include <sys/socket.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace websocket_example {

class FeedServer {
 public:
  explicit FeedServer(std::vector<std::string> messages,
                      std::optional<std::size_t> drop_first_after = std::nullopt)
      : messages_(std::move(messages)), drop_first_after_(drop_first_after) {
    namespace asio = boost::asio;
    acceptor_.open(asio::ip::tcp::v4());
    acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { serve(); });
  }
  FeedServer(const FeedServer&) = delete;
  FeedServer& operator=(const FeedServer&) = delete;
  /// Stops serving (a client still connected sees the connection drop).
  ~FeedServer() {
    stopping_ = true;
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);  // ends a blocked accept
    {
      std::lock_guard lock(m_);
      if (connection_ >= 0) {
        ::shutdown(connection_, SHUT_RDWR);  // ends a blocked read or write
      }
    }
    thread_.join();
  }

  [[nodiscard]] std::string port() const { return std::to_string(port_); }
  /// What each connection asked for, in order.
  [[nodiscard]] std::vector<std::string> hellos() const {
    std::lock_guard lock(m_);
    return hellos_;
  }

 private:
  // Publishes the socket being served while it is open.
  struct Connection {
    Connection(FeedServer& s, int fd) : server(s) {
      std::lock_guard lock(server.m_);
      server.connection_ = fd;
    }
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    ~Connection() {
      std::lock_guard lock(server.m_);
      server.connection_ = -1;
    }
    FeedServer& server;
  };

  void serve() {
    namespace beast = boost::beast;
    for (bool first = true; !stopping_; first = false) {
      try {
        boost::asio::ip::tcp::socket socket(ioc_);
        acceptor_.accept(socket);
        beast::websocket::stream<boost::asio::ip::tcp::socket> ws(std::move(socket));
        Connection current(*this, ws.next_layer().native_handle());
        if (stopping_) {
          return;
        }
        ws.accept();
        beast::flat_buffer hello;
        ws.read(hello);
        std::string asked = beast::buffers_to_string(hello.data());
        {
          std::lock_guard lock(m_);
          hellos_.push_back(asked);
        }
        std::size_t from = asked.rfind("from ", 0) == 0 ? std::stoull(asked.substr(5)) : 0;
        for (std::size_t i = from; i < messages_.size(); ++i) {
          if (first && drop_first_after_ && i == *drop_first_after_) {
            break;  // cut: the socket closes without a close frame
          }
          ws.write(boost::asio::buffer(messages_[i]));
        }
        if (!(first && drop_first_after_ && *drop_first_after_ < messages_.size())) {
          ws.close(beast::websocket::close_code::normal);
          return;
        }
      } catch (const boost::system::system_error&) {
        // the client went away (or the server is stopping): wait for the next one
      }
    }
  }

  std::vector<std::string> messages_;
  std::optional<std::size_t> drop_first_after_;
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor acceptor_{ioc_};
  unsigned short port_ = 0;
  std::atomic<bool> stopping_{false};
  int connection_ = -1;  // the socket being served, under m_
  mutable std::mutex m_;
  std::vector<std::string> hellos_;
  std::thread thread_;
};

}  // namespace websocket_example
