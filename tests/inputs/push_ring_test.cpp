// PushRing: the hand-over between a push source's thread and the worker, run with a real
// producer thread (the threaded cases are part of the ThreadSanitizer run).
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include <weir/inputs/detail/push_ring.hpp>

using weir::push::PushStopped;
using weir::push::detail::PushRing;
using weir::push::detail::Release;

namespace {

/// Drains `ring` until `n` items came; returns them with the size of every non-empty drain.
template <class X>
std::vector<X> drain_all(PushRing<X>& ring, std::size_t n, std::vector<std::size_t>* drains) {
  std::vector<X> got;
  while (got.size() < n) {
    const std::size_t before = got.size();
    ring.drain(got);
    if (got.size() > before) {
      if (drains != nullptr) drains->push_back(got.size());
    } else {
      std::this_thread::yield();
    }
  }
  return got;
}

}  // namespace

TEST_CASE("a PushRing hands every item across threads once and in order, through backpressure") {
  constexpr std::size_t kItems = 200000;
  PushRing<std::string> ring(64, Release::immediate);  // far fewer than the items: it fills
  std::thread producer([&] {
    for (std::size_t i = 0; i < kItems; ++i) ring.push(std::to_string(i));
  });
  const auto got = drain_all(ring, kItems, nullptr);
  producer.join();
  REQUIRE(got.size() == kItems);
  for (std::size_t i = 0; i < kItems; ++i) {
    REQUIRE(got[i] == std::to_string(i));
  }
  CHECK(ring.pushed() == kItems);
}

TEST_CASE("a commit PushRing releases whole groups: every drain ends where a commit did") {
  constexpr std::uint64_t kGroups = 20000;
  PushRing<std::uint64_t> ring(256, Release::commit);
  std::vector<std::uint64_t> ends;  // where each group ends, known to both sides
  std::uint64_t at = 0;
  for (std::uint64_t g = 0; g < kGroups; ++g) {
    at += 1 + (g * 7919) % 61;  // groups of 1 to 61 items
    ends.push_back(at);
  }
  std::thread producer([&] {
    std::uint64_t next = 0;
    for (const std::uint64_t end : ends) {
      while (next < end) ring.push(std::uint64_t{next++});
      ring.commit();
    }
  });
  std::vector<std::size_t> drains;
  const auto got = drain_all(ring, at, &drains);
  producer.join();
  for (std::uint64_t i = 0; i < at; ++i) {
    REQUIRE(got[i] == i);
  }
  for (const std::size_t d : drains) {
    INFO("a drain ended after item " << d);
    CHECK(std::binary_search(ends.begin(), ends.end(), d));
  }
}

TEST_CASE("stopping a PushRing wakes a producer blocked on a full ring with PushStopped") {
  PushRing<int> ring(64, Release::immediate);
  std::atomic<bool> stopped{false};
  std::atomic<int> pushed{0};
  std::thread producer([&] {
    try {
      for (int i = 0;; ++i) {
        ring.push(int{i});
        pushed.fetch_add(1);
      }
    } catch (const PushStopped&) {
      stopped.store(true);
    }
  });
  while (pushed.load() < 64) std::this_thread::yield();  // the ring is full: it blocks
  ring.stop();
  producer.join();
  CHECK(stopped.load());
  CHECK(pushed.load() == 64);
  CHECK_THROWS_AS(ring.commit(), PushStopped);
}

TEST_CASE("a commit-only PushRing full of unflushed items says to flush") {
  PushRing<int> ring(64, Release::commit_only);
  for (int i = 0; i < 64; ++i) ring.push(int{i});
  std::vector<int> out;
  ring.drain(out);
  CHECK(out.empty());  // nothing committed
  CHECK_THROWS_WITH(ring.push(64),
                    "64 items are waiting for a flush() that would release them: flush more "
                    "often, or give the source a larger backlog");
}

TEST_CASE("a PushRing wakes a consumer that reported itself idle, once") {
  PushRing<int> ring(64, Release::immediate);
  int wakes = 0;
  ring.set_waker([&] { ++wakes; });
  ring.push(1);
  CHECK(wakes == 0);  // the consumer never said it was idle
  std::vector<int> out;
  ring.drain(out);
  ring.drain(out);  // nothing: idle
  ring.push(2);
  ring.push(3);
  CHECK(wakes == 1);
  ring.drain(out);
  CHECK(out == std::vector<int>{1, 2, 3});
}

TEST_CASE("draining a PushRing into one vector many times lets it grow geometrically") {
  PushRing<std::uint64_t> ring(64, Release::immediate);
  std::vector<std::uint64_t> got;
  int moves = 0;  // how often the vector's buffer moved
  for (std::uint64_t i = 0; i < 100 * 50; i += 50) {
    for (std::uint64_t j = i; j < i + 50; ++j) ring.push(std::uint64_t{j});  // wraps the ring
    const std::uint64_t* before = got.data();
    ring.drain(got);
    if (got.data() != before) ++moves;
  }
  REQUIRE(got.size() == 5000);
  for (std::uint64_t i = 0; i < got.size(); ++i) REQUIRE(got[i] == i);
  CHECK(moves <= 10);  // doubling from 50 to 5000 items: 8 moves; an exact reserve each time: 100
}
