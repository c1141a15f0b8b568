#pragma once
// batch_async: turn an Asio C++20 coroutine that produces items into non-blocking batches.
//
//   asio::awaitable<void> ticks(weir::AsyncChannel<int>& out) {
//     for (int i = 0;; ++i) co_await out.async_send({}, i, asio::use_awaitable);
//   }
//   weir::BatchAsync<int> b(ticks, 100ms, 500);   // in a partition
//   return b.next();                                // in next_batch
//
// next() runs the producer on a private io_context for at most `timeout`, or until
// `max_size` items arrived, and returns them (possibly none). Between calls the producer does
// not run at all: it is suspended wherever it awaits. A receive still pending at the deadline
// stays pending across calls and its item lands in the next batch, so nothing is lost and
// order is kept. When the producer returns, the remaining items are delivered and then
// next() returns end_of_partition; if it threw, the exception is rethrown from next() after
// every item it produced was delivered.
//
// Because the producer is paused between polls, its socket keep-alives stall while the
// worker is busy elsewhere (Bytewax's batch_async, which runs its asyncio loop only inside a
// poll, behaves the same).
//
// This header pulls in Boost.Asio: include it only where a source uses it.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <vector>

#include "weir/inputs/source.hpp"

namespace weir {

template <class X>
using AsyncChannel = boost::asio::experimental::channel<void(boost::system::error_code, X)>;

template <class X>
class BatchAsync {
 public:
  using Producer = std::function<boost::asio::awaitable<void>(AsyncChannel<X>&)>;

  BatchAsync(Producer producer, std::chrono::steady_clock::duration timeout, std::size_t max_size,
             std::size_t channel_capacity = 1024)
      : channel_(std::make_shared<AsyncChannel<X>>(ioc_, channel_capacity)),
        timeout_(timeout),
        max_size_(max_size) {
    if (max_size_ == 0) throw std::invalid_argument("batch_async: max_size must be at least 1");
    // The coroutine co-owns the channel, so a producer suspended inside it when this object
    // is destroyed (its frame is destroyed with the io_context) never sees a dead channel.
    auto run = [](std::shared_ptr<AsyncChannel<X>> ch, Producer p) -> boost::asio::awaitable<void> {
      co_await p(*ch);
    };
    boost::asio::co_spawn(ioc_, run(channel_, std::move(producer)),
                          [this](const std::exception_ptr& e) {
                            error_ = e;
                            channel_->close();  // buffered items stay receivable
                          });
  }
  BatchAsync(const BatchAsync&) = delete;
  BatchAsync& operator=(const BatchAsync&) = delete;
  ~BatchAsync() = default;

  NextBatch<X> next() {
    const auto deadline = std::chrono::steady_clock::now() + timeout_;
    std::vector<X> out;
    move_pending(out);
    while (out.size() < max_size_ && !closed_) {
      if (!receive_outstanding_) {
        // Only when no receive is pending, so no buffered item overtakes one already taken.
        while (out.size() < max_size_ &&
               channel_->try_receive([&](boost::system::error_code ec, X v) {
                 if (!ec) out.push_back(std::move(v));
               })) {
        }
        if (out.size() >= max_size_) break;
        receive_outstanding_ = true;
        channel_->async_receive([this](boost::system::error_code ec, X v) {
          receive_outstanding_ = false;
          if (ec) {
            closed_ = true;
          } else {
            pending_.push_back(std::move(v));
          }
        });
      }
      if (ioc_.stopped()) ioc_.restart();
      std::size_t ran = ioc_.run_one_until(deadline);
      move_pending(out);
      if (ran == 0 && ioc_.stopped() && std::chrono::steady_clock::now() < deadline) {
        closed_ = true;  // nothing left to run: the producer is gone
      }
      if (std::chrono::steady_clock::now() >= deadline) break;
    }
    if (out.empty() && closed_ && pending_.empty()) {
      if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
      return end_of_partition;
    }
    return out;
  }

 private:
  void move_pending(std::vector<X>& out) {
    while (!pending_.empty() && out.size() < max_size_) {
      out.push_back(std::move(pending_.front()));
      pending_.pop_front();
    }
  }

  boost::asio::io_context ioc_;
  std::shared_ptr<AsyncChannel<X>> channel_;
  std::chrono::steady_clock::duration timeout_;
  std::size_t max_size_;
  std::deque<X> pending_;
  bool receive_outstanding_ = false;
  bool closed_ = false;
  std::exception_ptr error_;
};

}  // namespace weir
