#pragma once
// join(id, [mode,] side0, side1, ...) -> (K, std::tuple<std::optional<V0>, std::optional<V1>, ...>)
//
// Joins keyed streams on their key. Each side keeps the values seen for a key:
//   JoinInsert::first    the first value only
//   JoinInsert::last     the latest value only (default)
//   JoinInsert::product  every value
// and rows are emitted:
//   JoinEmit::complete   once every side has a value; the key's state is then cleared (default)
//   JoinEmit::final      when the upstream ends
//   JoinEmit::running    on every new value, the key's state kept
// A row is one combination of the sides' values (the cartesian product for `product`); a
// side with no value contributes std::nullopt. Rows come in side order, values in arrival
// order.
//
// Steps: "<id>.side<i>" labels each side, "<id>.merge" merges them, "<id>.join" joins.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "weir/operators/stateless.hpp"
#include "weir/runtime/core_operators.hpp"

// GCC 12 reports moving the side-tagged variants and filling rows of optionals as
// maybe-uninitialized: known false positives of that compiler, silenced for this header only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace weir::op {

enum class JoinInsert { first, last, product };
enum class JoinEmit { complete, final, running };

struct JoinMode {
  JoinInsert insert = JoinInsert::last;
  JoinEmit emit = JoinEmit::complete;
};

namespace detail {

/// The values one key (or one window of a key) has seen on each side.
template <class... Vs>
class JoinState {
 public:
  using Tagged = std::variant<Vs...>;
  using Row = std::tuple<std::optional<Vs>...>;

  void insert(Tagged&& v, JoinInsert mode) {
    insert_at(std::move(v), mode, std::index_sequence_for<Vs...>{});
  }
  [[nodiscard]] bool complete() const {
    return std::apply([](const auto&... side) { return (!side.empty() && ...); }, sides_);
  }
  [[nodiscard]] bool empty() const {
    return std::apply([](const auto&... side) { return (side.empty() && ...); }, sides_);
  }
  void clear() {
    std::apply([](auto&... side) { (side.clear(), ...); }, sides_);
  }
  /// Takes in `other`'s values as if they had been inserted after this state's.
  void merge(JoinState&& other, JoinInsert mode) {
    merge_at(std::move(other), mode, std::index_sequence_for<Vs...>{});
  }
  /// Calls out(row) for every row, in side order.
  template <class Out>
  void rows(Out&& out) const {
    Row row;
    rows_from<0>(row, out);
  }

  template <class Ar>
  void serialize(Ar& ar, unsigned /*version*/) {
    ar& sides_;
  }
  bool operator==(const JoinState&) const = default;

 private:
  template <std::size_t... I>
  void insert_at(Tagged&& v, JoinInsert mode, std::index_sequence<I...> /*unused*/) {
    ((v.index() == I ? put(std::get<I>(sides_), std::get<I>(std::move(v)), mode) : void()), ...);
  }
  template <std::size_t... I>
  void merge_at(JoinState&& other, JoinInsert mode, std::index_sequence<I...> /*unused*/) {
    (
        [&](auto& side, auto& from) {
          for (auto& v : from) put(side, std::move(v), mode);
        }(std::get<I>(sides_), std::get<I>(other.sides_)),
        ...);
  }
  template <class V>
  static void put(std::vector<V>& side, V&& v, JoinInsert mode) {
    switch (mode) {
      case JoinInsert::first:
        if (side.empty()) side.push_back(std::move(v));
        break;
      case JoinInsert::last:
        side.clear();
        side.push_back(std::move(v));
        break;
      case JoinInsert::product:
        side.push_back(std::move(v));
        break;
    }
  }
  template <std::size_t I, class Out>
  void rows_from(Row& row, Out& out) const {
    if constexpr (I == sizeof...(Vs)) {
      out(row);
    } else {
      const auto& side = std::get<I>(sides_);
      if (side.empty()) {
        std::get<I>(row).reset();
        rows_from<I + 1>(row, out);
      } else {
        for (const auto& v : side) {
          std::get<I>(row) = v;
          rows_from<I + 1>(row, out);
        }
      }
    }
  }

  std::tuple<std::vector<Vs>...> sides_;
};

template <class K, class... Vs>
class JoinLogic {
  using State = JoinState<Vs...>;
  using E = Emit<K, typename State::Row>;

 public:
  using output_type = typename State::Row;
  JoinLogic(JoinMode mode, std::optional<State> state)
      : mode_(mode), state_(state ? std::move(*state) : State{}) {}

  StateAction on_batch(Values<K, typename State::Tagged> values, E& emit) {
    for (auto& v : values) {
      state_.insert(std::move(v), mode_.insert);
      if (mode_.emit == JoinEmit::running) {
        state_.rows(emit);
      } else if (mode_.emit == JoinEmit::complete && state_.complete()) {
        state_.rows(emit);
        state_.clear();
      }
    }
    return state_.empty() ? StateAction::discard : StateAction::retain;
  }
  StateAction on_eof(E& emit) {
    if (mode_.emit == JoinEmit::final) state_.rows(emit);
    return StateAction::discard;
  }
  const State& snapshot() const { return state_; }

 private:
  JoinMode mode_;
  State state_;
};

/// Labels each side's values with the side's index and merges the sides.
template <class K, class... Vs, std::size_t... I>
auto tag_sides(std::index_sequence<I...> /*unused*/, const Stream<std::pair<K, Vs>>&... sides) {
  using Tagged = std::variant<Vs...>;
  return merge("merge", map("side" + std::to_string(I), sides, [](std::pair<K, Vs>&& kv) {
                 return std::pair<K, Tagged>(std::move(kv.first),
                                             Tagged(std::in_place_index<I>, std::move(kv.second)));
               })...);
}

}  // namespace detail

template <class K, class V0, class... Vs>
auto join(std::string_view step_id, JoinMode mode, const Stream<std::pair<K, V0>>& first,
          const Stream<std::pair<K, Vs>>&... rest) {
  auto call = first.flow().call("op::join", step_id);
  auto scope = first.flow().scope(step_id);
  auto tagged = detail::tag_sides(std::index_sequence_for<V0, Vs...>{}, first, rest...);
  using Logic = detail::JoinLogic<K, V0, Vs...>;
  return stateful_batch("join", tagged, [mode](std::optional<detail::JoinState<V0, Vs...>> state) {
    return Logic(mode, std::move(state));
  });
}

template <class K, class V0, class... Vs>
auto join(std::string_view step_id, const Stream<std::pair<K, V0>>& first,
          const Stream<std::pair<K, Vs>>&... rest) {
  auto call = first.flow().call("op::join", step_id);
  return join(step_id, JoinMode{}, first, rest...);
}

}  // namespace weir::op

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
