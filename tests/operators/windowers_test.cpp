#include <catch2/catch.hpp>

#include <weir/operators/windowing/clocks.hpp>
#include <weir/operators/windowing/windowers.hpp>

#include "support.hpp"

using namespace std::chrono_literals;
using weir::Instant;
using weir::window::Closed;
using weir::window::Merge;
using weir::window::WindowId;
using weir::window::WindowMetadata;

namespace {
Instant at(std::chrono::milliseconds ms) { return Instant{} + ms; }

template <class State>
std::vector<WindowId> insert(State& st, Instant t, std::vector<Merge>* merges = nullptr) {
  std::vector<WindowId> ids;
  std::vector<Merge> m;
  st.insert(t, ids, m);
  if (merges != nullptr) *merges = m;
  return ids;
}

template <class State>
std::vector<WindowId> close(State& st, Instant wm) {
  std::vector<Closed> closed;
  st.close_for(wm, closed);
  std::vector<WindowId> ids;
  for (auto& c : closed) ids.push_back(c.first);
  return ids;
}
}  // namespace

namespace {
std::vector<WindowId> ids_of(const weir::window::SlidingWindower& w, Instant t) {
  std::vector<WindowId> ids;
  const auto r = w.ids_of(t);
  for (WindowId id = r.first; id <= r.last; ++id) ids.push_back(id);
  return ids;
}
}  // namespace

TEST_CASE("sliding windows with an offset that does not divide the length") {
  weir::window::SlidingWindower w(10s, 4s, at(0ms));
  CHECK(ids_of(w, at(9s)) == std::vector<WindowId>{0, 1, 2});
  CHECK(ids_of(w, at(-1ms)) == std::vector<WindowId>{-2, -1});  // before align_to
  CHECK(ids_of(w, at(3s)) == std::vector<WindowId>{-1, 0});
  CHECK(ids_of(w, at(4s)) == std::vector<WindowId>{-1, 0, 1});  // open time is inclusive
  CHECK(w.metadata(-2) == WindowMetadata{at(-8s), at(2s), {}});
  CHECK(w.metadata(2) == WindowMetadata{at(8s), at(18s), {}});
  CHECK(w.close_time(0) == at(10s));
  CHECK(w.ids_of(at(9s), 2).first == 0);  // overlapping windows: the hint is no shortcut
}

TEST_CASE("the times whose only window is a given one") {
  using weir::window::Span;
  auto same = [](Span a, Span b) { return a.from == b.from && a.until == b.until; };
  // tumbling: the whole window
  const weir::window::TumblingWindower t(1s, at(500ms));
  CHECK(same(t.sole_span(1), Span{at(1500ms), at(2500ms)}));
  CHECK(t.sole_span(1).contains(at(2499ms)));
  CHECK_FALSE(t.sole_span(1).contains(at(2500ms)));
  // overlapping by less than half: after window 0 closes, before window 2 opens
  const weir::window::SlidingWindower s(3s, 2s, at(0ms));
  CHECK(same(s.sole_span(1), Span{at(3s), at(4s)}));
  CHECK(ids_of(s, at(3s)) == std::vector<WindowId>{1});
  CHECK(ids_of(s, at(4s)) == std::vector<WindowId>{1, 2});
  // overlapping by half or more: every time falls in another window too
  const weir::window::SlidingWindower h(10s, 4s, at(0ms));
  CHECK_FALSE(h.sole_span(0).contains(at(5s)));
  CHECK_FALSE(weir::window::SlidingWindower(4s, 2s, at(0ms)).sole_span(0).contains(at(2s)));
}

TEST_CASE("tumbling windows and windower arguments that make no sense") {
  weir::window::TumblingWindower w(1s, at(500ms));
  CHECK(ids_of(w, at(1499ms)) == std::vector<WindowId>{0});
  CHECK(ids_of(w, at(1500ms)) == std::vector<WindowId>{1});
  CHECK(ids_of(w, at(0ms)) == std::vector<WindowId>{-1});
  CHECK(w.close_time(1) == at(2500ms));
  // a hint is only a shortcut: the answer is the same
  CHECK(w.ids_of(at(1499ms), 0).first == 0);
  CHECK(w.ids_of(at(1500ms), 0).first == 1);
  CHECK(w.ids_of(at(-1ms), 0).last == -1);
  CHECK(w.ids_of(at(2499ms), 0).first == 1);  // the window after the hint, to its last instant
  CHECK(w.ids_of(at(2500ms), 0).first == 2);  // two windows on
  CHECK_THROWS_WITH(weir::window::SlidingWindower(1s, 2s, at(0ms)),
                    "a sliding window's offset may not exceed its length (items would fall in "
                    "no window)");
  CHECK_THROWS_WITH(weir::window::SessionWindower(-1s), "a session gap may not be negative");
}

TEST_CASE("session windows extend within the gap inclusive and merge in chains") {
  weir::window::SessionWindower w(5s);
  auto st = w.make_state();
  std::vector<Merge> merges;
  CHECK(insert(st, at(0s)) == std::vector<WindowId>{0});
  CHECK(insert(st, at(10s)) == std::vector<WindowId>{1});
  CHECK(insert(st, at(20s)) == std::vector<WindowId>{2});
  CHECK(insert(st, at(15s), &merges) == std::vector<WindowId>{1});  // bridges 1 and 2
  CHECK(merges == std::vector<Merge>{{2, 1}});
  CHECK(insert(st, at(5s), &merges) == std::vector<WindowId>{0});  // exactly gap from 0 and 10
  CHECK(merges == std::vector<Merge>{{1, 0}});
  CHECK(st.open().size() == 1);
  CHECK(st.open().at(0) == WindowMetadata{at(0s), at(20s), {1, 2}});
  CHECK(insert(st, at(26s)) == std::vector<WindowId>{3});  // 6 s after the session: new
  CHECK(close(st, at(25s)) == std::vector<WindowId>{});    // 20 < 25 - 5 is false
  CHECK(close(st, at(25001ms)) == std::vector<WindowId>{0});
  std::vector<WindowId> late;
  st.late_ids(at(1s), late);
  CHECK(late == std::vector<WindowId>{weir::window::kLateSessionId});
}

TEST_CASE(
    "the event clock watermark follows the latest item then system time and never regresses") {
  auto ts = [](const std::pair<int, Instant>& x) { return x.second; };
  weir::window::EventClock clock(ts, 10s);
  auto st = clock.make_state(at(1000s));
  CHECK(st.watermark(at(1000s)) == weir::window::kTimeMin);
  st.begin(at(1000s));
  CHECK(st.on_item(std::pair{1, at(100s)}, at(1000s)).ts == at(100s));
  CHECK(st.watermark(at(1000s)) == at(90s));
  CHECK(st.watermark(at(1005s)) == at(95s));
  st.begin(at(1005s));
  CHECK(st.watermark(at(1005s)) == at(95s));     // catching up with the time changes nothing
  st.on_item(std::pair{2, at(80s)}, at(1005s));  // older: the watermark keeps its pace
  CHECK(st.watermark(at(1005s)) == at(95s));
  CHECK(st.on_item(std::pair{3, at(110s)}, at(1005s)).watermark == at(100s));
  CHECK(st.watermark(at(1005s)) == at(100s));
  CHECK(st.watermark(at(1004s)) == at(100s));  // system time going back does not regress it
  CHECK(st.system_time_for(at(103s), at(1005s)) == at(1008s));
  CHECK(st.system_time_for(at(50s), at(1005s)) == at(1005s));
  st.at_eof();
  CHECK(st.watermark(at(1005s)) == weir::window::kTimeMax);

  weir::window::EventClock forever(ts, weir::Duration::max());
  auto st2 = forever.make_state(at(0s));
  st2.begin(at(0s));
  st2.on_item(std::pair{1, at(100s)}, at(0s));
  // 100 s - Duration::max() is just above the earliest instant: no overflow anywhere
  CHECK(st2.watermark(at(1s)) == at(101s) - weir::Duration::max());
  CHECK(st2.system_time_for(at(5s), at(1s)) == weir::Instant::max() - 95s);

  CHECK_THROWS_WITH(weir::window::EventClock(ts, -1ms),
                    "an event clock's wait_for_system_duration may not be negative");
}

TEST_CASE("a window snapshot whose order is broken is refused on resume") {
  using GetTs = weir::Instant (*)(const long&);
  using Clock = weir::window::EventClock<GetTs>;
  using Fold = weir::window::detail::FoldWindow<long, long (*)(), long (*)(long, long),
                                                long (*)(long, long)>;
  using Logic = weir::window::detail::WindowLogic<std::string, long, Clock,
                                                  weir::window::TumblingWindower, Fold>;
  Logic::Snapshot s;
  s.logics = {{2, 1}, {5, 1}};
  s.waiting = {{weir::Instant{} + 1s, 1}, {weir::Instant{} + 1s, 2}};
  CHECK_NOTHROW(Logic::check(s));
  s.logics = {{5, 1}, {2, 1}};
  CHECK_THROWS_WITH(Logic::check(s), "the snapshot's open windows are not in ascending order");
  s.logics = {{2, 1}, {2, 1}};
  CHECK_THROWS_WITH(Logic::check(s), "the snapshot's open windows are not in ascending order");
  s.logics.clear();
  s.waiting = {{weir::Instant{} + 2s, 1}, {weir::Instant{} + 1s, 2}};
  CHECK_THROWS_WITH(Logic::check(s), "the snapshot's waiting items are not in timestamp order");
}

TEST_CASE("an event clock state decoded with instants at the ends of time saturates") {
  using GetTs = weir::Instant (*)(const long&);
  using Clock = weir::window::EventClock<GetTs>;
  // last seen at the earliest instant, watermark at 0: all of time has passed since, and the
  // watermark saturates at the latest instant (the elapsed time overflowed before)
  std::string bytes = weir::recovery::encode(Clock::State());  // ..., last seen, watermark
  const std::int64_t lo = std::numeric_limits<std::int64_t>::min();
  const std::int64_t zero = 0;
  std::memcpy(bytes.data() + bytes.size() - 16, &lo, sizeof lo);
  std::memcpy(bytes.data() + bytes.size() - 8, &zero, sizeof zero);
  const auto s = weir::recovery::decode<Clock::State>(bytes);
  CHECK(s.watermark(weir::Instant::max()) == weir::Instant::max());
  CHECK(s.watermark(weir::Instant{}) == weir::Instant::max());
}
