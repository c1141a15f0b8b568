#pragma once
// Keyed stateful operators built on stateful_batch: state per key, on the worker that owns
// the key, snapshotted per key.
//
// clang-format off
//   stateful(id, kv, build)               per-item logic (below), built by build(std::optional<S>)
//   stateful_map<S>(id, kv, f)            W f(std::optional<S>& state, V value) -> (K, W)
//   stateful_flat_map<S>(id, kv, f)       range<W> f(std::optional<S>& state, V value) -> (K, W)...
// clang-format on
//
// In stateful_map and stateful_flat_map the state is std::nullopt for a key seen for the
// first time (or since it was discarded); setting it to std::nullopt discards the key.
//
// A per-item logic is like a stateful_batch logic with on_item instead of on_batch:
//
//   struct Logic {
//     using output_type = W;
//     weir::StateAction on_item(V value, weir::Emit<K, W>& emit);
//     S snapshot() const;
//     // optional, as in stateful_logic.hpp: on_notify, on_eof, notify_at
//   };
//
// When on_item discards the key, the key's next value (even within the same batch) gets a
// fresh logic from build(std::nullopt).
//
// The user functions are copied once per worker and called by that worker only.

#include <concepts>
#include <memory>
#include <optional>
#include <ranges>
#include <string_view>
#include <type_traits>
#include <utility>

#include "weir/runtime/core_operators.hpp"

namespace weir::op {

namespace detail {

template <class Logic, class K, class V>
concept ItemLogic = requires(Logic& l, const Logic& cl, V v,
                             Emit<K, typename Logic::output_type>& em) {
  typename Logic::output_type;
  { l.on_item(std::move(v), em) } -> std::same_as<StateAction>;
  cl.snapshot();
};

/// Drives a per-item logic from stateful_batch. `Build` lives in the worker's node for the
/// node's lifetime, so the shim keeps a plain pointer to it.
template <class K, class V, class Logic, class Build>
class ItemShim {
  using E = Emit<K, typename Logic::output_type>;

 public:
  using output_type = typename Logic::output_type;
  ItemShim(Build* build, Logic logic) : build_(build), logic_(std::move(logic)) {}

  StateAction on_batch(Values<K, V> values, E& emit) {
    for (auto& v : values) {
      if (!logic_) logic_.emplace((*build_)(std::nullopt));
      if (logic_->on_item(std::move(v), emit) == StateAction::discard) logic_.reset();
    }
    return logic_ ? StateAction::retain : StateAction::discard;
  }
  StateAction on_notify(E& emit) requires weir::HasOnNotify<Logic, E> {
    return logic_->on_notify(emit);
  }
  StateAction on_eof(E& emit) requires weir::HasOnEof<Logic, E> { return logic_->on_eof(emit); }
  [[nodiscard]] auto notify_at() const requires weir::HasNotifyAt<Logic> {
    return logic_->notify_at();
  }
  auto snapshot() const { return logic_->snapshot(); }

 private:
  Build* build_;
  std::optional<Logic> logic_;
};

/// The logic of stateful_map / stateful_flat_map: the user's state and a pointer to the
/// worker's copy of the mapper.
template <class K, class V, class S, class W, class F, bool Flat>
class MapShim {
 public:
  using output_type = W;
  MapShim(F* f, std::optional<S> state) : f_(f), state_(std::move(state)) {}
  StateAction on_batch(Values<K, V> values, Emit<K, W>& emit) {
    for (auto& v : values) {
      if constexpr (Flat) {
        for (auto&& w : (*f_)(state_, std::move(v))) emit(std::forward<decltype(w)>(w));
      } else {
        emit((*f_)(state_, std::move(v)));
      }
    }
    return state_ ? StateAction::retain : StateAction::discard;
  }
  const S& snapshot() const { return *state_; }

 private:
  F* f_;
  std::optional<S> state_;
};

template <class R, bool Flat>
struct mapped_output {
  using type = std::remove_cvref_t<R>;
};
template <class R>
struct mapped_output<R, true> {
  using type = std::remove_cvref_t<std::ranges::range_value_t<std::remove_cvref_t<R>>>;
};

template <class S, bool Flat, class K, class V, class F>
auto stateful_map_impl(std::string_view step_id, const Stream<std::pair<K, V>>& up, F mapper) {
  using R = std::invoke_result_t<F&, std::optional<S>&, V&&>;
  using W = typename mapped_output<R, Flat>::type;
  using Logic = MapShim<K, V, S, W, F, Flat>;
  return stateful_batch(step_id, up,
                        [f = std::move(mapper)](std::optional<S> state) mutable -> Logic {
                          return Logic(&f, std::move(state));
                        });
}

}  // namespace detail

template <class K, class V, class Build,
          class Logic = std::remove_cvref_t<std::invoke_result_t<Build&, std::nullopt_t>>>
requires detail::ItemLogic<Logic, K, V>
auto stateful(std::string_view step_id, const Stream<std::pair<K, V>>& up, Build build) {
  auto call = up.flow().call("op::stateful", step_id);
  using S = logic_state_t<Logic>;
  using Shim = detail::ItemShim<K, V, Logic, Build>;
  return stateful_batch(step_id, up,
                        [b = std::move(build)](std::optional<S> state) mutable -> Shim {
                          return Shim(&b, b(std::move(state)));
                        });
}

template <class S, class K, class V, class F>
requires std::invocable < F&, std::optional<S>
&, V&& > auto stateful_map(std::string_view step_id, const Stream<std::pair<K, V>>& up, F mapper) {
  auto call = up.flow().call("op::stateful_map", step_id);
  return detail::stateful_map_impl<S, false>(step_id, up, std::move(mapper));
}

template <class S, class K, class V, class F>
requires std::invocable < F&, std::optional<S>
&, V&& > &&std::ranges::range<std::invoke_result_t<F&, std::optional<S>&, V&&>> auto
         stateful_flat_map(std::string_view step_id, const Stream<std::pair<K, V>>& up, F mapper) {
  auto call = up.flow().call("op::stateful_flat_map", step_id);
  return detail::stateful_map_impl<S, true>(step_id, up, std::move(mapper));
}

}  // namespace weir::op
