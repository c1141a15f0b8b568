// The window operators end to end: exact results, late items, metadata, ordering, session
// merges, wake-ups without input, and discarded keys.
#include <catch2/catch.hpp>

#include "support.hpp"

using weir::testing::Pause;
using weir::testing::TestingSink;
using weir::testing::TestingSource;
using weir::window::WindowId;
using weir::window::WindowMetadata;
using namespace std::chrono_literals;

namespace {

// A value with its event time in seconds.
using Ev = std::pair<int, int>;  // (seconds, value)
using KE = std::pair<std::string, Ev>;
template <class W>
using Down = std::pair<std::string, std::pair<WindowId, W>>;
using Meta = std::pair<std::string, std::pair<WindowId, WindowMetadata>>;

weir::Instant at(std::chrono::seconds s) { return weir::Instant{} + s; }
auto event_time = [](const Ev& e) { return at(std::chrono::seconds(e.first)); };
auto sum = [](Ev a, Ev b) { return Ev{std::max(a.first, b.first), a.second + b.second}; };

/// Runs `make(flow, stream)` over `input` and returns the three streams' items.
template <class W, class V, class Make>
auto run_window(std::vector<typename TestingSource<std::pair<std::string, V>>::Entry> input,
                std::size_t batch, Make make, std::size_t workers = 1) {
  weir::Dataflow flow("w");
  auto s = weir::op::input("in", flow, TestingSource<std::pair<std::string, V>>(input, batch));
  auto out = make(s);
  TestingSink<Down<W>> down;
  TestingSink<Down<V>> late;
  TestingSink<Meta> meta;
  weir::op::output("down", out.down, down);
  weir::op::output("late", out.late, late);
  weir::op::output("meta", out.meta, meta);
  weir::run(flow, {.workers = workers});
  return std::tuple(down.items(), late.items(), meta.items());
}

}  // namespace

namespace Catch {
template <>
struct StringMaker<WindowMetadata> {
  static std::string convert(const WindowMetadata& m) {
    std::string out = "{open ";
    out.append(std::to_string((m.open_time - weir::Instant{}) / 1s));
    out.append(" close ");
    out.append(std::to_string((m.close_time - weir::Instant{}) / 1s));
    out.append(" merged ");
    out.append(std::to_string(m.merged_ids.size()));
    out.push_back('}');
    return out;
  }
};
}  // namespace Catch

TEST_CASE("tumbling windows sum per key - late items go to the late stream - meta on close") {
  weir::ManualClock mc;
  weir::ScopedClock scoped(mc);
  const std::vector<TestingSource<KE>::Entry> input{
      KE{"a", {1, 1}}, KE{"a", {5, 2}}, KE{"a", {12, 3}}, KE{"a", {3, 4}}, KE{"b", {25, 7}}};
  auto [down, late, meta] = run_window<Ev, Ev>(input, 10, [](auto& s) {
    return weir::window::reduce_window("sum", s, weir::window::EventClock(event_time, 0s),
                                       weir::window::TumblingWindower(10s, at(0s)), sum);
  });
  CHECK(down ==
        std::vector<Down<Ev>>{{"a", {0, {5, 3}}}, {"a", {1, {12, 3}}}, {"b", {2, {25, 7}}}});
  CHECK(late == std::vector<Down<Ev>>{{"a", {0, {3, 4}}}});  // 3 s < watermark 12 s
  CHECK(meta == std::vector<Meta>{{"a", {0, {at(0s), at(10s), {}}}},
                                  {"a", {1, {at(10s), at(20s), {}}}},
                                  {"b", {2, {at(20s), at(30s), {}}}}});
}

TEST_CASE("sliding windows with an offset not dividing the length collect in timestamp order") {
  weir::ManualClock mc;
  weir::ScopedClock scoped(mc);
  using KS = std::pair<std::string, std::pair<int, char>>;
  auto ts = [](const std::pair<int, char>& e) { return at(std::chrono::seconds(e.first)); };
  // 9 s arrives first, 5 s second: waiting for the watermark (wait 5 s), both are applied in
  // timestamp order once the input ends.
  const std::vector<TestingSource<KS>::Entry> input{KS{"k", {9, 'a'}}, KS{"k", {5, 'b'}},
                                                    KS{"k", {-3, 'c'}}};
  using V = std::pair<int, char>;
  auto [down, late, meta] = run_window<std::vector<V>, V>(input, 10, [&](auto& s) {
    return weir::window::collect_window("c", s, weir::window::EventClock(ts, 5s),
                                        weir::window::SlidingWindower(10s, 4s, at(0s)));
  });
  CHECK(down == std::vector<Down<std::vector<V>>>{{"k", {-1, {{5, 'b'}}}},
                                                  {"k", {0, {{5, 'b'}, {9, 'a'}}}},
                                                  {"k", {1, {{5, 'b'}, {9, 'a'}}}},
                                                  {"k", {2, {{9, 'a'}}}}});
  // -3 s is before the watermark (9 - 5 = 4 s): late for every window it falls in,
  // [-12, -2), [-8, 2) and [-4, 6)
  CHECK(late == std::vector<Down<V>>{
                    {"k", {-3, {-3, 'c'}}}, {"k", {-2, {-3, 'c'}}}, {"k", {-1, {-3, 'c'}}}});
  CHECK(meta.size() == 4);
  CHECK(meta[0] == Meta{"k", {-1, {at(-4s), at(6s), {}}}});
}

TEST_CASE("sliding windows overlapping by less than half their length") {
  weir::ManualClock mc;
  weir::ScopedClock scoped(mc);
  // windows [2i, 2i + 3): times in [2i + 1, 2i + 2) fall in window i alone, the others in two
  const std::vector<TestingSource<KE>::Entry> input{KE{"k", {0, 1}},  KE{"k", {1, 2}},
                                                    KE{"k", {2, 4}},  KE{"k", {3, 8}},
                                                    KE{"k", {5, 16}}, KE{"k", {9, 32}}};
  auto [down, late, meta] = run_window<Ev, Ev>(input, 10, [](auto& s) {
    return weir::window::reduce_window("sum", s, weir::window::EventClock(event_time, 0s),
                                       weir::window::SlidingWindower(3s, 2s, at(0s)), sum);
  });
  // window 3, [6, 9), gets no item
  CHECK(down == std::vector<Down<Ev>>{{"k", {-1, {0, 1}}},
                                      {"k", {0, {2, 7}}},
                                      {"k", {1, {3, 12}}},
                                      {"k", {2, {5, 16}}},
                                      {"k", {4, {9, 32}}}});
  CHECK(late.empty());
  CHECK(meta.size() == 5);
}

TEST_CASE("session windows merge in a chain and a late item gets the late session id") {
  weir::ManualClock mc;
  weir::ScopedClock scoped(mc);
  const std::vector<TestingSource<KE>::Entry> input{
      KE{"k", {0, 0}}, KE{"k", {10, 10}}, KE{"k", {20, 20}}, KE{"k", {15, 15}},
      KE{"k", {5, 5}}, KE{"l", {10, 1}},  KE{"l", {40, 2}},  KE{"l", {2, 3}}};
  auto [down, late, meta] = run_window<std::vector<Ev>, Ev>(input, 10, [](auto& s) {
    // k never falls behind its watermark (wait 1 h); l does (wait 0).
    auto ts_wait = [](const Ev& e) { return at(std::chrono::seconds(e.first)); };
    auto clock = weir::window::EventClock(ts_wait, 3600s);
    auto by_key = weir::op::branch("split", s, [](const KE& e) { return e.first == "k"; });
    auto k =
        weir::window::collect_window("k", by_key.trues, clock, weir::window::SessionWindower(5s),
                                     weir::window::WindowOrder::arrival);
    auto l = weir::window::collect_window("l", by_key.falses, weir::window::EventClock(ts_wait, 0s),
                                          weir::window::SessionWindower(5s));
    return weir::window::WindowOut<std::string, std::vector<Ev>, Ev>{
        weir::op::merge("downs", k.down, l.down), weir::op::merge("lates", k.late, l.late),
        weir::op::merge("metas", k.meta, l.meta)};
  });
  // 15 bridges sessions 1 and 2 (2 merges into 1), then 5 bridges 0 and 1 (1 into 0); the
  // survivor's values come first, the absorbed session's next, the bridging value last.
  CHECK(down == std::vector<Down<std::vector<Ev>>>{
                    {"l", {0, {{10, 1}}}},  // closed by l's 40 s (10 < 40 - 5)
                    {"k", {0, {{0, 0}, {10, 10}, {20, 20}, {15, 15}, {5, 5}}}},
                    {"l", {1, {{40, 2}}}}});
  CHECK(late == std::vector<Down<Ev>>{{"l", {weir::window::kLateSessionId, {2, 3}}}});
  CHECK(meta == std::vector<Meta>{{"l", {0, {at(10s), at(10s), {}}}},
                                  {"k", {0, {at(0s), at(20s), {1, 2}}}},
                                  {"l", {1, {at(40s), at(40s), {}}}}});
}

TEST_CASE("a window closes when system time carries the watermark past it with no input") {
  weir::ManualClock mc;
  weir::ScopedClock scoped(mc);
  const weir::Instant start = mc.now();
  const std::vector<TestingSource<KE>::Entry> input{KE{"a", {1, 1}}, Pause{60s}, KE{"b", {100, 1}}};
  weir::Dataflow flow("w");
  auto s = weir::op::input("in", flow, TestingSource<KE>(input, 10));
  auto out = weir::window::reduce_window("sum", s, weir::window::EventClock(event_time, 0s),
                                         weir::window::TumblingWindower(10s, at(0s)), sum);
  // stamp each result with the system time it was emitted at
  auto stamped = weir::op::map("stamp", out.down, [start](Down<Ev>&& d) {
    return std::pair(std::move(d), (weir::clock().now() - start) / 1s);
  });
  TestingSink<std::pair<Down<Ev>, long>> sink;
  weir::op::output("out", stamped, sink);
  weir::run(flow);
  // a's window [0, 10) closes when its watermark (1 s, advancing with system time) reaches
  // 10 s: 9 s after the item, in the middle of the pause
  CHECK(sink.items() == std::vector<std::pair<Down<Ev>, long>>{{{"a", {0, {1, 1}}}, 9},
                                                               {{"b", {10, {100, 1}}}, 60}});
}

TEST_CASE("fold - count - max and min windows") {
  weir::ManualClock mc;
  weir::ScopedClock scoped(mc);
  const std::vector<TestingSource<KE>::Entry> input{
      KE{"a", {1, 5}}, KE{"a", {2, 9}}, KE{"a", {3, 9}}, KE{"a", {4, 1}}, KE{"a", {11, 2}}};
  weir::Dataflow flow("w");
  auto s = weir::op::input("in", flow, TestingSource<KE>(input, 10));
  auto clock = weir::window::EventClock(event_time, 0s);
  const weir::window::TumblingWindower tumbling(10s, at(0s));
  auto folded = weir::window::fold_window(
      "fold", s, clock, tumbling, [] { return std::string(); },
      [](std::string acc, const Ev& e) { return acc.append(std::to_string(e.second)); },
      [](std::string a, const std::string& b) { return a.append(b); });
  auto counted = weir::window::count_window(
      "count", weir::op::map("value", s, [](KE&& e) { return e.second; }), clock, tumbling,
      [](const Ev& e) { return std::string(e.second % 2 == 0 ? "even" : "odd"); });
  auto by_value = [](const Ev& e) { return e.second; };
  auto maxed = weir::window::max_window("max", s, clock, tumbling, by_value);
  auto mined = weir::window::min_window("min", s, clock, tumbling, by_value);
  TestingSink<Down<std::string>> fold_out;
  TestingSink<Down<std::uint64_t>> count_out;
  TestingSink<Down<Ev>> max_out;
  TestingSink<Down<Ev>> min_out;
  weir::op::output("fold_out", folded.down, fold_out);
  weir::op::output("count_out", counted.down, count_out);
  weir::op::output("max_out", maxed.down, max_out);
  weir::op::output("min_out", mined.down, min_out);
  weir::run(flow);
  CHECK(fold_out.items() == std::vector<Down<std::string>>{{"a", {0, "5991"}}, {"a", {1, "2"}}});
  CHECK(weir_test::sorted(count_out.items()) ==
        std::vector<Down<std::uint64_t>>{{"even", {1, 1}}, {"odd", {0, 4}}});
  CHECK(max_out.items() == std::vector<Down<Ev>>{{"a", {0, {2, 9}}}, {"a", {1, {11, 2}}}});
  CHECK(min_out.items() == std::vector<Down<Ev>>{{"a", {0, {4, 1}}}, {"a", {1, {11, 2}}}});
}

TEST_CASE("join_window modes within windows and a missing side") {
  weir::ManualClock mc;
  weir::ScopedClock scoped(mc);
  using KS = std::pair<std::string, std::pair<int, std::string>>;
  using Row = std::tuple<std::optional<Ev>, std::optional<std::pair<int, std::string>>>;
  using Out = Down<Row>;
  auto run_join = [](std::optional<weir::op::JoinMode> mode) {
    weir::Dataflow flow("jw");
    std::vector<TestingSource<KE>::Entry> left{KE{"a", {1, 1}}, KE{"a", {2, 2}}, KE{"b", {3, 3}},
                                               KE{"a", {12, 4}}};
    std::vector<TestingSource<KS>::Entry> right{Pause{1s}, KS{"a", {5, "x"}}};
    auto l = weir::op::input("l", flow, TestingSource<KE>(left, 5));
    auto r = weir::op::input("r", flow, TestingSource<KS>(right, 5));
    // a generic getter: every side's value starts with its time in seconds
    auto ts = [](const auto& v) { return at(std::chrono::seconds(v.first)); };
    auto clock = weir::window::EventClock(ts, 100s);  // nothing is late
    const weir::window::TumblingWindower tumbling(10s, at(0s));
    auto j = mode ? weir::window::join_window("j", clock, tumbling, *mode, l, r)
                  : weir::window::join_window("j", clock, tumbling, l, r);
    TestingSink<Out> sink;
    weir::op::output("out", j.down, sink);
    weir::run(flow);
    return sink.items();
  };
  using weir::op::JoinEmit;
  using weir::op::JoinInsert;
  const std::pair<int, std::string> x{5, "x"};
  // default: last value per side, rows when each window closes
  CHECK(run_join(std::nullopt) == std::vector<Out>{{"a", {0, Row{Ev{2, 2}, x}}},
                                                   {"a", {1, Row{Ev{12, 4}, std::nullopt}}},
                                                   {"b", {0, Row{Ev{3, 3}, std::nullopt}}}});
  CHECK(run_join(weir::op::JoinMode{JoinInsert::product, JoinEmit::final}) ==
        std::vector<Out>{{"a", {0, Row{Ev{1, 1}, x}}},
                         {"a", {0, Row{Ev{2, 2}, x}}},
                         {"a", {1, Row{Ev{12, 4}, std::nullopt}}},
                         {"b", {0, Row{Ev{3, 3}, std::nullopt}}}});
  CHECK(run_join(weir::op::JoinMode{JoinInsert::first, JoinEmit::complete}) ==
        std::vector<Out>{{"a", {0, Row{Ev{1, 1}, x}}}});
}

TEST_CASE("a system-clock window key is discarded when its windows close and comes back") {
  weir::ManualClock mc;
  weir::ScopedClock scoped(mc);
  const std::vector<TestingSource<KE>::Entry> input{KE{"a", {0, 1}}, KE{"a", {0, 2}}, Pause{15s},
                                                    KE{"a", {0, 3}}};
  auto [down, late, meta] = run_window<Ev, Ev>(input, 10, [&](auto& s) {
    return weir::window::reduce_window("sum", s, weir::window::SystemClock(),
                                       weir::window::TumblingWindower(10s, mc.now()), sum);
  });
  // window 0 closes at 10 s by its wake-up; the key is dropped and a fresh state takes 3
  CHECK(down == std::vector<Down<Ev>>{{"a", {0, {0, 3}}}, {"a", {1, {0, 3}}}});
  CHECK(late.empty());
  CHECK(meta.size() == 2);
}

namespace {
// (source partition, event seconds, value)
using PEv = std::tuple<int, int, int>;
using KP = std::pair<std::string, PEv>;

/// Sums 100-second tumbling windows; returns each result with the system second it came at.
template <class ClockT>
std::vector<std::pair<Down<int>, long>> stamped_sums(
    const std::vector<TestingSource<KP>::Entry>& input, ClockT clock,
    std::vector<Down<PEv>>* late) {
  weir::ManualClock mc;
  weir::ScopedClock scoped(mc);
  const weir::Instant start = mc.now();
  weir::Dataflow flow("pw");
  auto s = weir::op::input("in", flow, TestingSource<KP>(input, 10));
  auto values = weir::op::map_value("value", s, [](PEv&& e) { return e; });
  auto out = weir::window::fold_window(
      "sum", values, clock, weir::window::TumblingWindower(100s, at(0s)), [] { return 0; },
      [](int acc, const PEv& e) { return acc + std::get<2>(e); },
      [](int a, int b) { return a + b; }, weir::window::WindowOrder::arrival);
  auto stamped = weir::op::map("stamp", out.down, [start](Down<int>&& d) {
    return std::pair(std::move(d), static_cast<long>((weir::clock().now() - start) / 1s));
  });
  TestingSink<std::pair<Down<int>, long>> sink;
  TestingSink<Down<PEv>> late_sink;
  weir::op::output("out", stamped, sink);
  weir::op::output("late", out.late, late_sink);
  weir::run(flow);
  if (late != nullptr) {
    *late = late_sink.items();
  }
  return sink.items();
}

auto pev_time = [](const PEv& e) { return at(std::chrono::seconds(std::get<1>(e))); };
auto pev_partition = [](const PEv& e) { return std::get<0>(e); };
}  // namespace

TEST_CASE("a partition watermark closes a quiet key's window that a key watermark holds open") {
  // c speaks once in partition 1; b then (in the next batch) carries partition 1's time far
  // past c's window
  const std::vector<TestingSource<KP>::Entry> input{KP{"c", {1, 20, 1}}, Pause{0s},
                                                    KP{"b", {1, 500, 2}}, Pause{60s}};
  auto per_key = stamped_sums(input, weir::window::EventClock(pev_time, 0s), nullptr);
  // per key: c's watermark is 20 s plus system time, so [0, 100) waits for the end (60 s)
  CHECK(per_key ==
        std::vector<std::pair<Down<int>, long>>{{{"b", {5, 2}}, 60}, {{"c", {0, 1}}, 60}});
  auto per_partition =
      stamped_sums(input, weir::window::PartitionClock(pev_time, pev_partition, 0s, 10s), nullptr);
  // per partition: partition 1 is at 500 s; c is woken within the idle timeout and closes
  CHECK(per_partition ==
        std::vector<std::pair<Down<int>, long>>{{{"c", {0, 1}}, 10}, {{"b", {5, 2}}, 60}});
  // in one batch: windows close once the whole batch has moved the clocks, so c's closes at once
  const std::vector<TestingSource<KP>::Entry> one_batch{KP{"c", {1, 20, 1}}, KP{"b", {1, 500, 2}},
                                                        Pause{60s}};
  CHECK(stamped_sums(one_batch, weir::window::PartitionClock(pev_time, pev_partition, 0s, 10s),
                     nullptr) ==
        std::vector<std::pair<Down<int>, long>>{{{"c", {0, 1}}, 0}, {{"b", {5, 2}}, 60}});
}

TEST_CASE("an idle partition stops holding the watermark back and its late items go late") {
  const std::vector<TestingSource<KP>::Entry> input{
      KP{"a", {0, 5, 1}}, KP{"b", {1, 500, 2}},  // partition 0 is far behind partition 1
      Pause{60s}, KP{"a", {0, 6, 4}}};           // partition 0 speaks again, too late
  std::vector<Down<PEv>> late;
  auto sums =
      stamped_sums(input, weir::window::PartitionClock(pev_time, pev_partition, 0s, 10s), &late);
  // a's window closes once partition 0 has been quiet for longer than 10 s
  CHECK(sums == std::vector<std::pair<Down<int>, long>>{{{"a", {0, 1}}, 10}, {{"b", {5, 2}}, 60}});
  CHECK(late == std::vector<Down<PEv>>{{"a", {0, {0, 6, 4}}}});
}

TEST_CASE("a window step builds no late item or metadata when nothing reads them") {
  auto ts = [](int v) { return weir::Instant{} + std::chrono::seconds(v); };
  auto add = [](int a, int b) { return a + b; };
  using namespace weir::window;
  using L = detail::ReduceWindow<int, decltype(add)>;
  using Clock = EventClock<decltype(ts)>;
  using Logic = detail::WindowLogic<std::string, int, Clock, TumblingWindower, L>;
  using E = detail::WindowEmitter<std::string, int, int>;
  for (const bool read : {true, false}) {
    detail::WindowConfig<Clock, TumblingWindower, L> config(
        Clock(ts, 0s), TumblingWindower(10s, weir::Instant{}), L{add}, WindowOrder::arrival);
    config.emit_late = read;
    config.emit_meta = read;
    Logic logic(&config, std::nullopt);
    const std::string key = "k";
    std::vector<std::pair<std::string, int>> items{{key, 1}, {key, 2}, {key, 15}, {key, 3}};
    E::Buffers out;
    E emit(out, key, weir::clock().now());
    weir_test::apply_batch(logic, items, emit);
    const auto& [down, late, meta] = out;
    // 3 is late once 15 came; window 0 (sum 3) closes after the batch
    CHECK(down == std::vector<std::pair<std::string, std::pair<WindowId, int>>>{{"k", {0, 3}}});
    CHECK(late.size() == (read ? 1U : 0U));
    CHECK(meta.size() == (read ? 1U : 0U));
  }
}
