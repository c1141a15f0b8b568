#pragma once
// TcpLineSink: the async-sink pattern. Each worker's partition owns an Asio io_context and a
// TCP connection; write_batch starts an Asio coroutine writing the batch's lines and runs the
// io_context until it has finished, so the batch is written (to the socket) when write_batch
// returns, as the sink contract requires. A failed connect or write throws from
// write_batch, which stops the run naming the step.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include <weir/outputs/sink.hpp>

namespace async_sink {

class TcpLineSink final : public weir::DynamicSink<std::string> {
 public:
  TcpLineSink(std::string host, std::string port)
      : host_(std::move(host)), port_(std::move(port)) {}

  std::unique_ptr<partition_type> build(const std::string& /*step_id*/, std::size_t /*worker*/,
                                        std::size_t /*workers*/) const override {
    return std::make_unique<Partition>(host_, port_);
  }

 private:
  class Partition final : public weir::StatelessSinkPartition<std::string> {
   public:
    Partition(std::string host, std::string port)
        : host_(std::move(host)), port_(std::move(port)) {}

    void write_batch(std::vector<std::string>&& items) override {
      auto done = boost::asio::co_spawn(ioc_, send(std::move(items)), boost::asio::use_future);
      ioc_.restart();
      ioc_.run();  // until the coroutine has written everything (or failed)
      try {
        done.get();  // rethrows its failure
      } catch (const boost::system::system_error& e) {
        socket_.close();  // the next batch connects again
        throw std::runtime_error("cannot send to " + host_ + ":" + port_ + ": " +
                                 e.code().message());
      }
    }

   private:
    boost::asio::awaitable<void> send(std::vector<std::string> lines) {
      if (!socket_.is_open()) {
        boost::asio::ip::tcp::resolver resolver(ioc_);
        auto endpoints = co_await resolver.async_resolve(host_, port_, boost::asio::use_awaitable);
        co_await boost::asio::async_connect(socket_, endpoints, boost::asio::use_awaitable);
      }
      std::string buffer;
      for (const auto& l : lines) buffer.append(l).push_back('\n');
      co_await boost::asio::async_write(socket_, boost::asio::buffer(buffer),
                                        boost::asio::use_awaitable);
    }

    std::string host_;
    std::string port_;
    boost::asio::io_context ioc_;
    boost::asio::ip::tcp::socket socket_{ioc_};
  };

  std::string host_;
  std::string port_;
};

}  // namespace async_sink
