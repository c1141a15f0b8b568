#include <catch2/catch.hpp>

#include <weir/core/clock.hpp>

using namespace std::chrono_literals;

TEST_CASE("a manual clock moves only when told - or to an idle deadline") {
  weir::ManualClock c;
  auto t0 = c.now();
  CHECK(c.now() == t0);
  c.advance(5s);
  CHECK(c.now() == t0 + 5s);
  CHECK(c.idle_until(t0 + 7s) == weir::Duration::zero());
  CHECK(c.now() == t0 + 7s);
  c.idle_until(t0 + 1s);  // never backwards
  CHECK(c.now() == t0 + 7s);
}

TEST_CASE("ScopedClock installs a clock for its lifetime") {
  weir::ManualClock c;
  {
    weir::ScopedClock scoped(c);
    CHECK(weir::clock().now() == c.now());
  }
  CHECK(&weir::clock() != &c);
}
