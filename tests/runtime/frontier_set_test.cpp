// FrontierSet: the combined frontier of several inputs rises exactly when its lowest input
// moves on, however the inputs advance.
#include <catch2/catch.hpp>
#include <optional>
#include <random>
#include <vector>

#include <weir/runtime/detail/graph.hpp>

using weir::detail::FrontierSet;

TEST_CASE("FrontierSet reports the lowest frontier each time it rises, and only then") {
  FrontierSet f(3);
  CHECK(f.min() == weir::kFirstEpoch);
  CHECK(f.advance(0, 5) == std::nullopt);
  CHECK(f.advance(1, 3) == std::nullopt);
  CHECK(f.advance(1, 2) == std::nullopt);  // going back is ignored
  CHECK(f.advance(2, 4) == std::optional<weir::Epoch>(3));
  CHECK(f.advance(1, 4) == std::optional<weir::Epoch>(4));
  CHECK(f.advance(2, 9) == std::nullopt);  // input 1 still at 4
  CHECK(f.advance(1, 9) == std::optional<weir::Epoch>(5));
  CHECK(f.min() == 5);
}

TEST_CASE("FrontierSet agrees with the lowest of its inputs over random advances") {
  std::mt19937 rng(21);
  for (int round = 0; round < 50; ++round) {
    const std::size_t n = 1 + rng() % 40;
    FrontierSet f(n);
    std::vector<weir::Epoch> inputs(n, weir::kFirstEpoch);
    weir::Epoch reported = weir::kFirstEpoch;
    for (int step = 0; step < 400; ++step) {
      const std::size_t i = rng() % n;
      const weir::Epoch to = inputs[i] + rng() % 3;
      const auto moved = f.advance(i, to);
      inputs[i] = std::max(inputs[i], to);
      const weir::Epoch lowest = *std::min_element(inputs.begin(), inputs.end());
      CHECK(f.min() == lowest);
      CHECK(moved.has_value() == (lowest > reported));
      reported = lowest;
    }
  }
}
