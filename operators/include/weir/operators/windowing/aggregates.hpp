#pragma once
// Window aggregations, each emitting one value per window when it closes (see window.hpp for
// the streams, lateness, ordering and wake-ups they share).
//
// clang-format off
//   fold_window(id, kv, clock, windower, init, folder, merger[, order])
//       A init(); A folder(A acc, V v); A merger(A into, A from) (sessions merging)  -> (K, (id, A))
//   reduce_window(id, kv, clock, windower, reducer[, order])  V reducer(V acc, V v)  -> (K, (id, V))
//   collect_window(id, kv, clock, windower[, order])  the values in order applied    -> (K, (id, vector<V>))
//   count_window(id, s, clock, windower, key[, order])  K key(const T&); items per key and window
//                                                                                    -> (K, (id, uint64))
//   max_window / min_window(id, kv, clock, windower[, by][, order])  the largest / smallest value by
//       by(v) (default: v); ties keep the first                                      -> (K, (id, V))
// clang-format on
//
// Default order: WindowOrder::timestamp for fold_window and collect_window (their results
// depend on the order values are applied), WindowOrder::arrival for the others.

#include <concepts>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "weir/operators/aggregate.hpp"
#include "weir/operators/windowing/window.hpp"

namespace weir::window {

namespace detail {

template <class A, class Init, class Folder, class Merger>
struct FoldWindow {
  using state_type = A;
  using output_type = A;
  Init init;
  Folder folder;
  Merger merger;

  A open() { return init(); }
  template <class V, class Out>
  void on_value(A& s, V&& v, Out& /*out*/) {
    s = folder(std::move(s), std::forward<V>(v));
  }
  template <class Out>
  void on_merge(A& into, A&& from, Out& /*out*/) {
    into = merger(std::move(into), std::move(from));
  }
  template <class Out>
  void on_close(A&& s, Out& out) {
    out(std::move(s));
  }
};

template <class V, class R>
struct ReduceWindow {
  using state_type = std::optional<V>;
  using output_type = V;
  R reducer;

  state_type open() { return std::nullopt; }
  template <class Out>
  void on_value(state_type& s, V&& v, Out& /*out*/) {
    if (s) {
      s.emplace(reducer(std::move(*s), std::move(v)));
    } else {
      s.emplace(std::move(v));
    }
  }
  template <class Out>
  void on_merge(state_type& into, state_type&& from, Out& out) {
    if (from) on_value(into, std::move(*from), out);
  }
  template <class Out>
  void on_close(state_type&& s, Out& out) {
    if (s) out(std::move(*s));
  }
};

template <class V>
struct CollectWindow {
  using state_type = std::vector<V>;
  using output_type = std::vector<V>;

  state_type open() { return {}; }
  template <class Out>
  void on_value(state_type& s, V&& v, Out& /*out*/) {
    s.push_back(std::move(v));
  }
  template <class Out>
  void on_merge(state_type& into, state_type&& from, Out& /*out*/) {
    into.insert(into.end(), std::make_move_iterator(from.begin()),
                std::make_move_iterator(from.end()));
  }
  template <class Out>
  void on_close(state_type&& s, Out& out) {
    out(std::move(s));
  }
};

}  // namespace detail

template <class K, class V, class ClockT, class WindowerT, class Init, class Folder, class Merger,
          class A = std::remove_cvref_t<std::invoke_result_t<Init&>>>
requires std::invocable<Folder&, A&&, V&&> && std::invocable<Merger&, A&&, A&&>
auto fold_window(std::string_view step_id, const Stream<std::pair<K, V>>& up, ClockT clock,
                 WindowerT windower, Init init, Folder folder, Merger merger,
                 WindowOrder order = WindowOrder::timestamp) {
  auto call = up.flow().call("window::fold_window", step_id);
  static_assert(std::convertible_to<std::invoke_result_t<Folder&, A&&, V&&>, A>,
                "fold_window: the folder must return the accumulator type");
  static_assert(std::convertible_to<std::invoke_result_t<Merger&, A&&, A&&>, A>,
                "fold_window: the merger must return the accumulator type");
  return window(step_id, up, std::move(clock), std::move(windower),
                detail::FoldWindow<A, Init, Folder, Merger>{std::move(init), std::move(folder),
                                                            std::move(merger)},
                order);
}

template <class K, class V, class ClockT, class WindowerT, class R>
requires std::invocable<R&, V&&, V&&> && std::convertible_to<std::invoke_result_t<R&, V&&, V&&>, V>
auto reduce_window(std::string_view step_id, const Stream<std::pair<K, V>>& up, ClockT clock,
                   WindowerT windower, R reducer, WindowOrder order = WindowOrder::arrival) {
  auto call = up.flow().call("window::reduce_window", step_id);
  return window(step_id, up, std::move(clock), std::move(windower),
                detail::ReduceWindow<V, R>{std::move(reducer)}, order);
}

template <class K, class V, class ClockT, class WindowerT>
auto collect_window(std::string_view step_id, const Stream<std::pair<K, V>>& up, ClockT clock,
                    WindowerT windower, WindowOrder order = WindowOrder::timestamp) {
  auto call = up.flow().call("window::collect_window", step_id);
  return window(step_id, up, std::move(clock), std::move(windower), detail::CollectWindow<V>{},
                order);
}

template <class T, class ClockT, class WindowerT, class F>
requires std::invocable<F&, const T&>
auto count_window(std::string_view step_id, const Stream<T>& up, ClockT clock, WindowerT windower,
                  F key, WindowOrder order = WindowOrder::arrival) {
  auto call = up.flow().call("window::count_window", step_id);
  auto scope = up.flow().scope(step_id);
  auto keyed = op::key_on("key", up, std::move(key));
  auto count = [](std::uint64_t n, const T& /*item*/) { return n + 1; };
  auto add = [](std::uint64_t a, std::uint64_t b) { return a + b; };
  auto zero = [] { return std::uint64_t{0}; };
  return window("count", keyed, std::move(clock), std::move(windower),
                detail::FoldWindow<std::uint64_t, decltype(zero), decltype(count), decltype(add)>{
                    zero, count, add},
                order);
}

template <class K, class V, class ClockT, class WindowerT, class By = std::identity>
requires std::invocable<By&, const V&>
auto max_window(std::string_view step_id, const Stream<std::pair<K, V>>& up, ClockT clock,
                WindowerT windower, By by = {}, WindowOrder order = WindowOrder::arrival) {
  auto call = up.flow().call("window::max_window", step_id);
  return reduce_window(step_id, up, std::move(clock), std::move(windower),
                       op::detail::PickBy<V, By, std::greater<>>{std::move(by)}, order);
}

template <class K, class V, class ClockT, class WindowerT, class By = std::identity>
requires std::invocable<By&, const V&>
auto min_window(std::string_view step_id, const Stream<std::pair<K, V>>& up, ClockT clock,
                WindowerT windower, By by = {}, WindowOrder order = WindowOrder::arrival) {
  auto call = up.flow().call("window::min_window", step_id);
  return reduce_window(step_id, up, std::move(clock), std::move(windower),
                       op::detail::PickBy<V, By, std::less<>>{std::move(by)}, order);
}

}  // namespace weir::window
