#pragma once
// join_window(id, clock, windower, [mode,] side0, side1, ...)
//     -> WindowOut<K, std::tuple<std::optional<V0>, ...>, std::variant<V0, ...>>
//
// Joins keyed streams on their key within each window (see join.hpp for the modes; the
// default here is JoinInsert::last with JoinEmit::final, i.e. one set of rows per window when
// it closes). JoinEmit::complete emits as soon as every side has a value in the window and
// clears the window's values (the window stays open); JoinEmit::running emits on every value.
// The clock's timestamp getter is applied to whichever side's value it is given, so an event
// clock's getter must accept every side's type (a generic lambda does). Late items come out
// as the side-tagged variant. Sessions merging combine their values side by side, the
// absorbed session's after the survivor's. Applied in timestamp order by default.
//
// Steps: "<id>.side<i>", "<id>.merge", then window "<id>.join".

#include <optional>
#include <string_view>
#include <tuple>
#include <utility>
#include <variant>

#include "weir/operators/join.hpp"
#include "weir/operators/windowing/window.hpp"

namespace weir::window {

namespace detail {

template <class... Vs>
struct JoinWindow {
  using state_type = op::detail::JoinState<Vs...>;
  using output_type = typename state_type::Row;
  op::JoinMode mode;

  state_type open() { return {}; }
  template <class Out>
  void on_value(state_type& s, typename state_type::Tagged&& v, Out& out) {
    s.insert(std::move(v), mode.insert);
    emit_after_change(s, out);
  }
  template <class Out>
  void on_merge(state_type& into, state_type&& from, Out& out) {
    into.merge(std::move(from), mode.insert);
    emit_after_change(into, out);
  }
  template <class Out>
  void on_close(state_type&& s, Out& out) {
    if (mode.emit == op::JoinEmit::final) s.rows(out);
  }

 private:
  template <class Out>
  void emit_after_change(state_type& s, Out& out) {
    if (mode.emit == op::JoinEmit::running) {
      s.rows(out);
    } else if (mode.emit == op::JoinEmit::complete && s.complete()) {
      s.rows(out);
      s.clear();
    }
  }
};

}  // namespace detail

template <class ClockT, class WindowerT, class K, class V0, class... Vs>
auto join_window(std::string_view step_id, ClockT clock, WindowerT windower, op::JoinMode mode,
                 const Stream<std::pair<K, V0>>& first, const Stream<std::pair<K, Vs>>&... rest) {
  auto call = first.flow().call("window::join_window", step_id);
  auto scope = first.flow().scope(step_id);
  auto tagged = op::detail::tag_sides(std::index_sequence_for<V0, Vs...>{}, first, rest...);
  return window("join", tagged, clock.for_variants(), std::move(windower),
                detail::JoinWindow<V0, Vs...>{mode}, WindowOrder::timestamp);
}

template <class ClockT, class WindowerT, class K, class V0, class... Vs>
auto join_window(std::string_view step_id, ClockT clock, WindowerT windower,
                 const Stream<std::pair<K, V0>>& first, const Stream<std::pair<K, Vs>>&... rest) {
  auto call = first.flow().call("window::join_window", step_id);
  return join_window(step_id, std::move(clock), std::move(windower),
                     op::JoinMode{op::JoinInsert::last, op::JoinEmit::final}, first, rest...);
}

}  // namespace weir::window
