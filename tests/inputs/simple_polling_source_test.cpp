#include <catch2/catch.hpp>

#include "support.hpp"

using namespace std::chrono_literals;

namespace {

// Returns the poll count as an item, asks to retry on every third poll, ends after `stop`.
class Counter final : public weir::SimplePollingSource<int> {
 public:
  Counter(weir::Duration interval, std::optional<weir::Instant> align,
          std::vector<weir::Instant>& at, int stop)
      : SimplePollingSource(interval, align), at_(&at), stop_(stop) {}
  std::optional<int> next_item() override {
    at_->push_back(weir::clock().now());
    int n = calls_++;
    if (n == stop_) throw weir::EndOfInput();
    if (n % 3 == 2) throw Retry{100ms};
    return n;
  }

 private:
  std::vector<weir::Instant>* at_;
  int stop_;
  int calls_ = 0;
};

}  // namespace

TEST_CASE("SimplePollingSource aligns its first poll to the next boundary") {
  std::vector<weir::Instant> at;
  weir::Instant align{std::chrono::seconds(1000)};
  Counter c(10s, align, at, 5);
  CHECK(c.first_awake(align) == align);
  CHECK(c.first_awake(align + 1s) == align + 10s);
  CHECK(c.first_awake(align + 10s) == align + 10s);
  CHECK(c.first_awake(align - 15s) == align - 10s);
  Counter plain(10s, std::nullopt, at, 5);
  CHECK(plain.first_awake(align + 3s) == align + 3s);
}

TEST_CASE("SimplePollingSource polls on a drift-free schedule and retries sooner") {
  weir::ManualClock mc;
  weir::ScopedClock scoped(mc);
  const weir::Instant start = mc.now();
  std::vector<weir::Instant> at;
  weir::Dataflow flow("poll");
  auto s = weir::op::input("in", flow, std::make_shared<Counter>(1s, std::nullopt, at, 5));
  weir::testing::TestingSink<int> sink;
  weir::op::output("out", s, sink);
  weir::run(flow);
  CHECK(sink.items() == std::vector<int>{0, 1, 3, 4});
  // polls 0,1 at 0s,1s; poll 2 retries 100 ms later; then the 1 s schedule resumes from there
  REQUIRE(at.size() == 6);
  CHECK(at[0] - start == 0s);
  CHECK(at[1] - start == 1s);
  CHECK(at[2] - start == 2s);
  CHECK(at[3] - start == 2100ms);
  CHECK(at[4] - start == 3100ms);
  CHECK(at[5] - start == 4100ms);
}
