// TimerHeap keeps one wake-up per entry, pops in time order, and follows KeyTable's
// erase-moves-last rule.
#include <catch2/catch.hpp>
#include <random>
#include <vector>

#include <weir/runtime/detail/timer_heap.hpp>

using weir::Instant;
using weir::detail::TimerHeap;
using namespace std::chrono_literals;

namespace {
Instant at(int s) { return Instant{} + std::chrono::seconds(s); }

std::vector<std::size_t> drain(TimerHeap& h) {
  std::vector<std::size_t> entries;
  while (!h.empty()) {
    entries.push_back(h.top_entry());
    h.pop();
  }
  return entries;
}
}  // namespace

TEST_CASE("timer heap pops entries in time order and moves an entry when its time changes") {
  TimerHeap h;
  h.set(0, at(5));
  h.set(1, at(3));
  h.set(2, at(9));
  h.set(0, at(1));   // earlier
  h.set(1, at(10));  // later
  CHECK(h.at(0) == at(1));
  CHECK(h.top_time() == at(1));
  CHECK(drain(h) == std::vector<std::size_t>{0, 2, 1});
  CHECK_FALSE(h.at(0).has_value());
}

TEST_CASE("timer heap cancel removes only that entry") {
  TimerHeap h;
  for (std::size_t i = 0; i < 6; ++i) {
    h.set(i, at(static_cast<int>(10 - i)));
  }
  h.cancel(3);
  h.cancel(3);  // twice is harmless
  h.cancel(42);
  CHECK(drain(h) == std::vector<std::size_t>{5, 4, 2, 1, 0});
}

TEST_CASE("timer heap follows an erase that moved the last entry into the hole") {
  TimerHeap h;
  h.set(0, at(4));
  h.set(1, at(2));
  h.set(2, at(3));
  h.erased(0, 2);  // entry 0 gone, entry 2 now lives at index 0
  CHECK(h.at(0) == at(3));
  CHECK_FALSE(h.at(2).has_value());
  CHECK(drain(h) == std::vector<std::size_t>{1, 0});

  TimerHeap g;
  g.set(1, at(7));
  g.erased(0, 1);  // entry 0 had no timer; entry 1 moved to 0
  CHECK(g.at(0) == at(7));
  CHECK(drain(g) == std::vector<std::size_t>{0});
}

TEST_CASE("timer heap agrees with a sorted reference under random updates") {
  std::mt19937 rng(7);
  TimerHeap h;
  std::vector<std::optional<int>> ref(50);
  for (int step = 0; step < 5000; ++step) {
    const std::size_t slot = rng() % ref.size();
    if (rng() % 4 == 0) {
      h.cancel(slot);
      ref[slot].reset();
    } else {
      const int t = static_cast<int>(rng() % 1000);
      h.set(slot, at(t));
      ref[slot] = t;
    }
    if (step % 97 == 0 && !h.empty()) {
      int best = 1 << 30;
      for (auto& r : ref) {
        if (r) {
          best = std::min(best, *r);
        }
      }
      REQUIRE(h.top_time() == at(best));
    }
  }
  std::vector<int> popped;
  while (!h.empty()) {
    popped.push_back(static_cast<int>((h.top_time() - Instant{}) / 1s));
    h.pop();
  }
  std::vector<int> expect;
  for (auto& r : ref) {
    if (r) {
      expect.push_back(*r);
    }
  }
  std::sort(expect.begin(), expect.end());
  CHECK(popped == expect);
}
