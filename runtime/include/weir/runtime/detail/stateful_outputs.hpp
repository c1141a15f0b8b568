#pragma once
// Where a stateful node's outputs go: the policy StatefulNode is given.
//
//   OneOutput<K, W>         one stream of (K, W); logics get Emit<K, W>
//   SplitOutputs<K, A...>   one stream per alternative of std::variant<A...>; logics get
//                           SplitEmit<K, A...>, which appends to the alternative's own batch
//
// Each says what a logic call writes into (Buffer, made by buffer(n) for a call over n items or
// keys), hands a filled buffer downstream for an epoch (emit) and passes on the frontier
// (advance).

#include <algorithm>
#include <array>
#include <cstddef>
#include <tuple>
#include <utility>
#include <vector>

#include "weir/runtime/detail/graph.hpp"
#include "weir/runtime/stateful_logic.hpp"

namespace weir::detail {

template <class K, class W>
class OneOutput {
 public:
  using EmitType = Emit<K, W>;
  using Buffer = std::vector<std::pair<K, W>>;

  explicit OneOutput(Output<std::pair<K, W>>& out) : out_(&out) {}

  /// Room for n outputs: most logics emit at most one per item.
  [[nodiscard]] static Buffer buffer(std::size_t n) {
    Buffer b;
    b.reserve(n);
    return b;
  }
  void emit(Epoch e, Buffer&& b) { out_->emit(e, std::move(b)); }
  void advance(Epoch f) { out_->advance(f); }

 private:
  Output<std::pair<K, W>>* out_;
};

template <class K, class... A>
class SplitOutputs {
 public:
  using EmitType = SplitEmit<K, A...>;
  using Buffer = typename EmitType::Buffers;

  explicit SplitOutputs(Output<std::pair<K, A>>&... outs) : outs_(&outs...) {}

  /// For a call over n > 0 items: room for a quarter more outputs of each alternative than
  /// recent buffers had (how a call's outputs divide between the streams is the logic's own,
  /// so recent batches are the best guess).
  [[nodiscard]] Buffer buffer(std::size_t n) const {
    Buffer b;
    if (n > 0) {
      for_each([&]<std::size_t I>() { std::get<I>(b).reserve(recent_[I] + recent_[I] / 4); });
    }
    return b;
  }
  void emit(Epoch e, Buffer&& b) {
    for_each([&]<std::size_t I>() {
      // the largest recent size: a small batch (a timer's) lowers it only by an eighth
      recent_[I] = std::max(std::get<I>(b).size(), recent_[I] - recent_[I] / 8);
      std::get<I>(outs_)->emit(e, std::move(std::get<I>(b)));
    });
  }
  void advance(Epoch f) {
    for_each([&]<std::size_t I>() { std::get<I>(outs_)->advance(f); });
  }

 private:
  template <class F>
  static void for_each(F&& f) {
    [&]<std::size_t... I>(std::index_sequence<I...>) { (f.template operator()<I>(), ...); }
    (std::index_sequence_for<A...>{});
  }

  std::tuple<Output<std::pair<K, A>>*...> outs_;
  std::array<std::size_t, sizeof...(A)> recent_{};  // each stream's recent batch sizes
};

}  // namespace weir::detail
