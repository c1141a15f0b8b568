#pragma once
// Two operators written as a user writes one (docs/operators.md): `clamp`, a stateless step
// over whole batches, and `debounce`, a keyed step with state, a timer and an end of input.
// tests/docs/operators_test.cpp runs them, fails a run part-way and resumes it.

#include <weir/core/clock.hpp>
#include <weir/runtime/core_operators.hpp>
#include <weir/runtime/dataflow.hpp>
#include <weir/runtime/stateful_logic.hpp>

#include <algorithm>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace guide {

/// Each value of a keyed stream held within [lo, hi]. One step over whole batches: the batch
/// is moved in, changed in place and moved on, nothing copied item by item.
template <class K, class V>
weir::Stream<std::pair<K, V>> clamp(std::string_view step_id,
                                    const weir::Stream<std::pair<K, V>>& up, V lo, V hi) {
  auto call = up.flow().call("guide::clamp", step_id);
  return weir::op::flat_map_batch(step_id, up, [lo, hi](std::vector<std::pair<K, V>>&& batch) {
    for (auto& [key, value] : batch) {
      value = std::clamp(value, lo, hi);
    }
    return std::move(batch);
  });
}

/// One key's debounce: holds the key's latest value and emits it once no value has come for
/// `quiet`, or when the input ends.
template <class K, class V>
class Debounce {
 public:
  using output_type = V;
  /// What the recovery store keeps per key: the latest value and when it is due.
  using State = std::pair<V, weir::Instant>;

  Debounce(weir::Duration quiet, std::optional<State> resumed) : quiet_(quiet) {
    if (resumed) {
      latest_ = std::move(resumed->first);
      due_ = resumed->second;
    }
  }

  weir::StateAction on_batch(weir::Values<K, V> values, weir::Emit<K, V>& emit) {
    latest_ = std::move(values[values.size() - 1]);  // a batch never hands over no values
    due_ = emit.now() + quiet_;                      // the batch's time, read once per batch
    return weir::StateAction::retain;
  }
  /// Asked after every call: the runtime calls on_notify once this time has passed.
  [[nodiscard]] weir::Instant notify_at() const { return due_; }
  weir::StateAction on_notify(weir::Emit<K, V>& emit) {
    emit(std::move(latest_));
    return weir::StateAction::discard;  // the key's next value starts afresh
  }
  weir::StateAction on_eof(weir::Emit<K, V>& emit) { return on_notify(emit); }
  [[nodiscard]] State snapshot() const { return {latest_, due_}; }

 private:
  weir::Duration quiet_;
  V latest_{};
  weir::Instant due_ = weir::Instant::max();
};

/// Per key, the latest value once the key has been quiet for `quiet`. A composite step: its
/// inner step is named inside its own scope ("flow.<step_id>.debounce"), and an error in it
/// names the call the user wrote (`guide::debounce("...")`).
template <class K, class V>
weir::Stream<std::pair<K, V>> debounce(std::string_view step_id,
                                       const weir::Stream<std::pair<K, V>>& up,
                                       weir::Duration quiet) {
  auto call = up.flow().call("guide::debounce", step_id);
  auto scope = up.flow().scope(step_id);
  return weir::op::stateful_batch("debounce", up,
                                  [quiet](std::optional<std::pair<V, weir::Instant>> s) {
                                    return Debounce<K, V>(quiet, std::move(s));
                                  });
}

}  // namespace guide
