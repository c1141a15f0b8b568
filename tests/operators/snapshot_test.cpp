// Every stateful operator's per-key state survives snapshot -> encode -> decode -> rebuild:
// the rebuilt logic has the same snapshot and produces the same outputs on the same further
// input as the original (random inputs, fixed seeds).
#include <catch2/catch.hpp>
#include <random>

#include <weir/recovery/codec.hpp>

#include "support.hpp"

using namespace std::chrono_literals;

namespace {

using K = std::string;

// What `logic` emits for `values` of key "k": its outputs in order, or for a split logic, each
// stream's (key, output) pairs in order.
template <class Logic, class V>
auto feed(Logic& logic, std::vector<V> values) {
  using W = typename Logic::output_type;
  std::vector<std::pair<K, V>> items;
  for (auto& v : values) {
    items.emplace_back("k", std::move(v));
  }
  const K key = "k";
  if constexpr (weir::StatefulBatchLogic<Logic, K, V>) {
    std::vector<std::pair<K, W>> out;
    weir::Emit<K, W> emit(out, key, weir::clock().now());
    weir_test::apply_batch(logic, items, emit);
    std::vector<W> ws;
    for (auto& [k, w] : out) {
      ws.push_back(std::move(w));
    }
    return ws;
  } else {
    using E = typename weir::detail::SplitEmitOf<K, W>::type;
    typename E::Buffers out;
    E emit(out, key, weir::clock().now());
    weir_test::apply_batch(logic, items, emit);
    return out;
  }
}

/// Feeds `first` to a fresh logic, round-trips its snapshot through the codec into a new
/// logic, then feeds `then` to both and compares.
template <class Make, class V>
void check_round_trip(Make make, std::vector<V> first, std::vector<V> then) {
  auto original = make(std::nullopt);
  feed(original, first);
  using S = weir::logic_state_t<decltype(original)>;
  const std::string bytes = weir::recovery::encode(S(original.snapshot()));
  auto restored = make(std::optional<S>(weir::recovery::decode<S>(bytes)));
  CHECK(weir::recovery::encode(S(restored.snapshot())) == bytes);
  CHECK(feed(restored, then) == feed(original, then));
  CHECK(weir::recovery::encode(S(restored.snapshot())) ==
        weir::recovery::encode(S(original.snapshot())));
}

std::vector<int> random_ints(std::mt19937& rng, std::size_t n) {
  std::vector<int> v(n);
  for (auto& x : v) {
    x = static_cast<int>(rng() % 100) - 10;
  }
  return v;
}

}  // namespace

TEST_CASE("stateful operator states equal the original after snapshot and restore") {
  weir::ManualClock mc;  // collect stamps deadlines with the clock's time
  weir::ScopedClock scoped(mc);
  std::mt19937 rng(20261125);
  for (int round = 0; round < 50; ++round) {
    const auto first = random_ints(rng, 1 + rng() % 20);
    const auto then = random_ints(rng, 1 + rng() % 20);

    auto sum = [](std::optional<long>& st, int v) {
      st = st.value_or(0) + v;
      return *st;
    };
    using MapLogic = weir::op::detail::MapShim<K, int, long, long, decltype(sum), false>;
    check_round_trip([&](std::optional<long> s) { return MapLogic(&sum, s); }, first, then);

    auto init = [] { return std::vector<int>{}; };
    auto folder = [](std::vector<int> acc, int v) {
      acc.push_back(v);
      return acc;
    };
    using Fold =
        weir::op::detail::FoldShim<K, int, std::vector<int>, decltype(init), decltype(folder)>;
    check_round_trip([&](std::optional<std::vector<int>> s) { return Fold(&init, &folder, s); },
                     first, then);

    const weir::op::detail::CollectConfig config{5s, 7};
    using Collect = weir::op::detail::CollectLogic<K, int>;
    check_round_trip([&](std::optional<Collect::State> s) { return Collect(&config, s); }, first,
                     then);

    using Tagged = std::variant<int, std::string>;
    auto tagged = [](const std::vector<int>& xs) {
      std::vector<Tagged> out;
      for (int x : xs) {
        out.push_back(x % 2 == 0 ? Tagged(x) : Tagged(std::to_string(x)));
      }
      return out;
    };
    for (auto insert :
         {weir::op::JoinInsert::first, weir::op::JoinInsert::last, weir::op::JoinInsert::product}) {
      const weir::op::JoinMode mode{insert, weir::op::JoinEmit::running};
      using Join = weir::op::detail::JoinLogic<K, int, std::string>;
      check_round_trip(
          [&](std::optional<weir::op::detail::JoinState<int, std::string>> s) {
            return Join(mode, s);
          },
          tagged(first), tagged(then));
    }

    // Window states: clock, windower, per-window states and waiting items. The values are
    // event times in seconds, so a round mixes on-time, late and waiting items.
    auto ts = [](int v) { return weir::Instant{} + std::chrono::seconds(v); };
    auto add = [](int a, int b) { return a + b; };
    using namespace weir::window;
    using Tumbling =
        weir::window::detail::WindowConfig<EventClock<decltype(ts)>, TumblingWindower,
                                           weir::window::detail::ReduceWindow<int, decltype(add)>>;
    using TumblingLogic =
        weir::window::detail::WindowLogic<K, int, EventClock<decltype(ts)>, TumblingWindower,
                                          weir::window::detail::ReduceWindow<int, decltype(add)>>;
    const Tumbling tumbling(EventClock(ts, 3s), TumblingWindower(7s, weir::Instant{}), {add},
                            WindowOrder::timestamp);
    check_round_trip(
        [&](std::optional<TumblingLogic::Snapshot> s) {
          return TumblingLogic(&tumbling, std::move(s));
        },
        first, then);

    using Sessions = weir::window::detail::WindowConfig<EventClock<decltype(ts)>, SessionWindower,
                                                        weir::window::detail::CollectWindow<int>>;
    using SessionLogic =
        weir::window::detail::WindowLogic<K, int, EventClock<decltype(ts)>, SessionWindower,
                                          weir::window::detail::CollectWindow<int>>;
    const Sessions sessions(EventClock(ts, 20s), SessionWindower(4s), {}, WindowOrder::arrival);
    check_round_trip(
        [&](std::optional<SessionLogic::Snapshot> s) {
          return SessionLogic(&sessions, std::move(s));
        },
        first, then);
  }
}
