#include <catch2/catch.hpp>

#include <boost/asio/steady_timer.hpp>
#include <weir/inputs/batch_async.hpp>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using V = std::vector<int>;

TEST_CASE("batch_async gathers up to max_size items per call - then ends") {
  weir::BatchAsync<int> b(
      [](weir::AsyncChannel<int>& out) -> asio::awaitable<void> {
        for (int i = 0; i < 5; ++i) co_await out.async_send({}, i, asio::use_awaitable);
      },
      1s, 2, 0);
  CHECK(b.next() == V{0, 1});
  CHECK(b.next() == V{2, 3});
  CHECK(b.next() == V{4});
  CHECK_FALSE(b.next().has_value());
  CHECK_FALSE(b.next().has_value());
}

TEST_CASE("batch_async does not run the producer between calls") {
  int steps = 0;
  weir::BatchAsync<int> b(
      [&steps](weir::AsyncChannel<int>& out) -> asio::awaitable<void> {
        for (int i = 0;; ++i) {
          ++steps;
          co_await out.async_send({}, i, asio::use_awaitable);
        }
      },
      1s, 3, 0);
  CHECK(b.next() == V{0, 1, 2});
  const int after_first = steps;
  CHECK(steps == after_first);  // nothing ran while we were away
  CHECK(b.next() == V{3, 4, 5});
}

TEST_CASE("batch_async loses nothing when the timeout cuts a slow producer short") {
  weir::BatchAsync<int> b(
      [](weir::AsyncChannel<int>& out) -> asio::awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        asio::steady_timer t(ex);
        for (int i = 0; i < 200; ++i) {
          if (i % 10 == 0) {
            t.expires_after(3ms);
            co_await t.async_wait(asio::use_awaitable);
          }
          co_await out.async_send({}, i, asio::use_awaitable);
        }
      },
      1ms, 7, 4);
  V all;
  int empty_calls = 0;
  while (auto batch = b.next()) {
    CHECK(batch->size() <= 7);
    if (batch->empty()) ++empty_calls;
    all.insert(all.end(), batch->begin(), batch->end());
  }
  V expected(200);
  for (int i = 0; i < 200; ++i) expected[i] = i;
  CHECK(all == expected);
  CHECK(empty_calls > 0);  // the timeout did cut calls short
}

TEST_CASE("batch_async delivers every item - then rethrows the producer's error") {
  weir::BatchAsync<int> b(
      [](weir::AsyncChannel<int>& out) -> asio::awaitable<void> {
        for (int i = 0; i < 3; ++i) co_await out.async_send({}, i, asio::use_awaitable);
        throw std::runtime_error("socket closed");
      },
      1s, 10, 16);
  CHECK(b.next() == V{0, 1, 2});
  CHECK_THROWS_WITH(b.next(), "socket closed");
  CHECK_FALSE(b.next().has_value());
}
