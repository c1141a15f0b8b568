#pragma once
// collect(id, kv, timeout, max_size) -> (K, std::vector<V>)
//
// Gathers each key's values, in arrival order, and emits them as one vector when the key
// has max_size values, when `timeout` has passed since its latest value (each value restarts
// the wait), or when the upstream ends; the key's state is then discarded. max_size 0 means
// no size limit.

#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "weir/core/clock.hpp"
#include "weir/runtime/core_operators.hpp"

namespace weir::op {

namespace detail {

struct CollectConfig {
  Duration timeout;
  std::size_t max_size;
};

template <class K, class V>
class CollectLogic {
  using E = Emit<K, std::vector<V>>;

 public:
  using output_type = std::vector<V>;
  struct State {
    std::vector<V> values;
    Instant deadline;
    template <class Ar>
    void serialize(Ar& ar, unsigned /*version*/) {
      ar& values& deadline;
    }
  };

  CollectLogic(const CollectConfig* config, std::optional<State> state)
      : config_(config), state_(state ? std::move(*state) : State{}) {}

  StateAction on_batch(Values<K, V> values, E& emit) {
    for (auto& v : values) {
      state_.values.push_back(std::move(v));
      if (config_->max_size != 0 && state_.values.size() >= config_->max_size) {
        emit(std::move(state_.values));
        state_.values.clear();
      }
    }
    if (state_.values.empty()) return StateAction::discard;
    state_.deadline = emit.now() + config_->timeout;
    return StateAction::retain;
  }
  StateAction on_notify(E& emit) { return flush(emit); }
  StateAction on_eof(E& emit) { return flush(emit); }
  [[nodiscard]] std::optional<Instant> notify_at() const { return state_.deadline; }
  const State& snapshot() const { return state_; }

 private:
  StateAction flush(E& emit) {
    if (!state_.values.empty()) emit(std::move(state_.values));
    return StateAction::discard;
  }

  const CollectConfig* config_;
  State state_;
};

}  // namespace detail

template <class K, class V>
auto collect(std::string_view step_id, const Stream<std::pair<K, V>>& up, Duration timeout,
             std::size_t max_size) {
  auto call = up.flow().call("op::collect", step_id);
  using Logic = detail::CollectLogic<K, V>;
  return stateful_batch(
      step_id, up,
      [config = detail::CollectConfig{timeout, max_size}](std::optional<typename Logic::State> s) {
        return Logic(&config, std::move(s));
      });
}

}  // namespace weir::op
