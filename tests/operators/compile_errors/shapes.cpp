// Shapes C++ rejects at compile time, one per CASE: each must fail to compile with the
// message its CTest test expects (see tests/CMakeLists.txt).
#include <weir/weir.hpp>

int main() {
  weir::Dataflow flow("shapes");
  auto ints = weir::op::input("in", flow, weir::testing::TestingSource<int>({1, 2}));
#if CASE == 0  // compiles: a type without an encoding where nothing writes or exchanges it
  struct Reading {
    int sensor;
    double value;
  };
  auto readings = weir::op::map("r", ints, [](int x) { return Reading{x, 1.0}; });
  auto high = weir::op::filter("high", readings, [](const Reading& r) { return r.value > 0.5; });
  auto values = weir::op::map("v", high, [](const Reading& r) { return r.value; });
  weir::op::output("out", values, weir::testing::TestingSink<double>{});
#elif CASE == 1  // a predicate that does not return bool
  auto odd = weir::op::filter("odd", ints, [](int x) { return x % 2; });
#elif CASE == 2  // stateful logic on a stream that is not keyed
  auto sums = weir::op::stateful_batch("sum", ints, [](std::optional<int>) { return 0; });
#elif CASE == 3  // a window on a stream that is not keyed
  auto ts = [](int x) { return weir::Instant{} + std::chrono::seconds(x); };
  auto w = weir::window::window("w", ints, weir::window::EventClock(ts, std::chrono::seconds(0)),
                                weir::window::TumblingWindower(std::chrono::seconds(1), {}), 0);
#elif CASE == 4  // a branch predicate that does not return bool
  auto parts = weir::op::branch("b", ints, [](int x) { return x; });
#elif CASE == 5  // split stateful logic on a stream that is not keyed
  auto parts = weir::op::stateful_split("s", ints, [](std::optional<int>) { return 0; });
#elif CASE == 6  // an item type that crosses processes in an exchange but has no encoding
  struct Reading {
    int sensor;
    double value;
  };
  auto readings = weir::op::map("r", ints, [](int x) { return Reading{x, 1.0}; });
  auto keyed =
      weir::op::key_on("k", readings, [](const Reading& r) { return std::to_string(r.sensor); });
  auto last =
      weir::op::stateful_map<double>("last", keyed, [](std::optional<double>& s, Reading&& r) {
        s = r.value;
        return r.value;
      });
#elif CASE == 7  // a stateful step's state type without an encoding
  struct Stats {
    int n;
    double sum;
  };
  auto keyed = weir::op::key_on("k", ints, [](int x) { return std::to_string(x % 2); });
  auto mean = weir::op::stateful_map<Stats>("mean", keyed, [](std::optional<Stats>& s, int x) {
    if (!s) s = Stats{0, 0};
    s->sum += x;
    return s->sum / ++s->n;
  });
#endif
  return 0;
}
