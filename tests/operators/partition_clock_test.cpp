// PartitionClock on its own: the watermark every key sees is the lowest among active
// partitions (the highest when all are idle), and it follows each item, also among items that
// arrive at one instant (as a batch's do).
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <utility>

#include <weir/operators/windowing/partition_clock.hpp>

using namespace std::chrono_literals;
using weir::Instant;

namespace {
Instant at(std::chrono::seconds s) { return Instant{} + std::chrono::hours(24) + s; }
using Ev = std::pair<int, std::int64_t>;  // (partition, event second)

auto make_clock() {
  return weir::window::PartitionClock(
      [](const Ev& e) { return at(std::chrono::seconds(e.second)); },
      [](const Ev& e) { return e.first; }, 0s, 10s);
}

/// The watermark a key that has seen nothing yet sees at `now`: the clock's own.
template <class Clock>
Instant clock_watermark(const Clock& c, Instant now) {
  return c.make_state(now).watermark(now);
}
}  // namespace

TEST_CASE("a partition clock follows every item arriving at one instant") {
  const auto clock = make_clock();
  auto key = clock.make_state(at(0s));
  const Instant t0 = at(1000s);
  CHECK(key.on_item(Ev{0, 100}, t0).watermark == at(100s));
  // partition 1 is behind: the clock holds back, the key's own watermark does not go back
  CHECK(key.on_item(Ev{1, 50}, t0).watermark == at(100s));
  CHECK(clock_watermark(clock, t0) == at(50s));
  // at the same instant partition 1 moves ahead of partition 0
  CHECK(key.on_item(Ev{1, 150}, t0).watermark == at(100s));
  CHECK(clock_watermark(clock, t0) == at(100s));
  // both quiet for 20 s: both idle, the highest counts (each advanced by the 20 s)
  const Instant t1 = t0 + 20s;
  CHECK(clock_watermark(clock, t1) == at(170s));
  // partition 0 speaks again at that instant: active alone, it holds the clock at 120 s
  CHECK(key.on_item(Ev{0, 50}, t1).watermark == at(120s));
  CHECK(clock_watermark(clock, t1) == at(120s));
  // a new partition at the same instant holds it back further
  key.on_item(Ev{2, 10}, t1);
  CHECK(clock_watermark(clock, t1) == at(10s));
  // and the key keeps what it had reached
  CHECK(key.watermark(t1) == at(120s));
}

TEST_CASE("a partition clock finds each partition among many in any order") {
  const auto clock = make_clock();
  auto key = clock.make_state(at(0s));
  const Instant t0 = at(1000s);
  for (int round = 1; round <= 3; ++round) {
    for (int p = 0; p < 40; ++p) {
      const int part = (p * 7) % 40;  // every partition once per round, out of order
      key.on_item(Ev{part, 100 * round + part}, t0);
    }
    // the lowest partition (0) sets the clock: 100 x round
    CHECK(clock_watermark(clock, t0) == at(std::chrono::seconds(100 * round)));
  }
}
