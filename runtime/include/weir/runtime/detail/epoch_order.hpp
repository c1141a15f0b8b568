#pragma once
// EpochOrder: how a step that snapshots per epoch (a stateful step, a fixed sink) applies a
// stream's batches in epoch order. Epoch open() is the one being applied; a batch of a later
// epoch (beyond the input frontier; other workers may be ahead) waits. When the frontier
// advances, the held batches are applied epoch by epoch, and each epoch is closed (its
// changes snapshotted) once it is complete.

#include <map>
#include <utility>
#include <vector>

#include "weir/runtime/detail/graph.hpp"

namespace weir::detail {

template <class T>
class EpochOrder {
 public:
  explicit EpochOrder(Epoch start) : frontier_(start), open_(start) {}

  /// The epoch being applied (and, inside close(), the one closing).
  [[nodiscard]] Epoch open() const noexcept { return open_; }
  [[nodiscard]] Epoch frontier() const noexcept { return frontier_; }

  /// Applies the batch now (apply(items)) if its epoch is open, or holds it.
  template <class Apply>
  void on_batch(Epoch e, std::vector<T>&& items, Apply&& apply) {
    if (e > frontier_) {
      later_[e].push_back(std::move(items));
      return;
    }
    apply(items);
  }

  /// The input frontier moved to f: applies the held batches of epochs up to f in order,
  /// calling close() as each epoch completes. At the end of input (kEpochDone) at_end() runs
  /// in the last epoch applied, before it closes.
  template <class Apply, class Close, class AtEnd>
  void on_frontier(Epoch f, Apply&& apply, Close&& close, AtEnd&& at_end) {
    const bool done = f == kEpochDone;
    while (!later_.empty() && later_.begin()->first <= f) {
      auto node = later_.extract(later_.begin());
      if (node.key() != open_) {
        close();
        open_ = node.key();
      }
      for (auto& b : node.mapped()) {
        apply(b);
      }
    }
    frontier_ = f;
    if (done) {
      at_end();
    }
    if (open_ < f) {
      close();
    }
    if (!done) {
      open_ = f;
    }
  }

 private:
  std::map<Epoch, std::vector<std::vector<T>>> later_;
  Epoch frontier_;
  Epoch open_;
};

}  // namespace weir::detail
