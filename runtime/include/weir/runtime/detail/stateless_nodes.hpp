#pragma once
// Nodes of the stateless core steps. Each transforms whole batches in one call, so the
// user's function is inlined into a tight loop over the batch.

#include <algorithm>
#include <array>
#include <cstddef>
#include <iterator>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "weir/runtime/detail/exchange.hpp"
#include "weir/runtime/detail/graph.hpp"
#include "weir/runtime/detail/guard.hpp"

namespace weir::detail {

/// Base of a node with one input that forwards frontiers to its outputs.
class PassNode : public Node {
 public:
  using Node::Node;
  [[nodiscard]] bool finished() const override { return frontier_ == kEpochDone; }
  [[nodiscard]] Epoch completed() const override { return frontier_; }

 protected:
  Epoch frontier_ = kFirstEpoch;
};

template <class T, class U, class F>
class FlatMapBatchNode final : public PassNode, public Receiver<T> {
 public:
  FlatMapBatchNode(std::string step_id, WorkerContext& ctx, Output<U>& out, F f)
      : PassNode(std::move(step_id)), ctx_(ctx), out_(out), mapper_(std::move(f)) {}
  void on_batch(Epoch e, std::vector<T>&& items) override {
    out_.emit(e, guarded(ctx_, step_id(), std::nullopt, nullptr,
                         [&]() -> std::vector<U> { return mapper_(std::move(items)); }));
  }
  void on_frontier(Epoch f) override {
    frontier_ = f;
    out_.advance(f);
  }

 private:
  WorkerContext& ctx_;
  Output<U>& out_;
  F mapper_;
};

template <class T, class P>
class BranchNode final : public PassNode, public Receiver<T> {
 public:
  BranchNode(std::string step_id, WorkerContext& ctx, Output<T>& trues, Output<T>& falses, P p)
      : PassNode(std::move(step_id)),
        ctx_(ctx),
        trues_(trues),
        falses_(falses),
        predicate_(std::move(p)) {}
  void on_batch(Epoch e, std::vector<T>&& items) override {
    std::vector<T> yes;
    guarded(ctx_, step_id(), std::nullopt, nullptr, [&] {
      std::size_t keep = 0;
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (predicate_(static_cast<const T&>(items[i]))) {
          yes.push_back(std::move(items[i]));
        } else {
          if (keep != i) items[keep] = std::move(items[i]);
          ++keep;
        }
      }
      items.erase(items.begin() + static_cast<std::ptrdiff_t>(keep), items.end());
    });
    trues_.emit(e, std::move(yes));
    falses_.emit(e, std::move(items));
  }
  void on_frontier(Epoch f) override {
    frontier_ = f;
    trues_.advance(f);
    falses_.advance(f);
  }

 private:
  WorkerContext& ctx_;
  Output<T>& trues_;
  Output<T>& falses_;
  P predicate_;
};

// Moves each (K, variant) item's alternative to the output of its index, in one pass; an
// output nobody reads (`read`, from the flow) gets nothing built, and one with no item in a
// batch gets no batch.
template <class K, class... A>
class DemuxNode final : public PassNode, public Receiver<std::pair<K, std::variant<A...>>> {
  using In = std::pair<K, std::variant<A...>>;
  static constexpr std::size_t N = sizeof...(A);

 public:
  DemuxNode(std::string step_id, std::array<bool, N> read, Output<std::pair<K, A>>&... outs)
      : PassNode(std::move(step_id)), read_(read), outs_(outs...) {}
  // One pass: an output's first item reserves room for every item left in the batch (so
  // none reallocates), rather than a counting pass over the whole batch first.
  void on_batch(Epoch e, std::vector<In>&& items) override {
    std::tuple<std::vector<std::pair<K, A>>...> parts;
    const std::size_t n = items.size();
    for (std::size_t i = 0; i < n; ++i) {
      auto& it = items[i];
      const std::size_t index = it.second.index();
      if (!read_[index]) {
        continue;
      }
      each([&]<std::size_t I>() {
        if (index == I) {
          auto& part = std::get<I>(parts);
          if (part.capacity() == 0) {
            part.reserve(n - i);
          }
          part.emplace_back(std::move(it.first), std::get<I>(std::move(it.second)));
        }
      });
    }
    each([&]<std::size_t I>() {
      if (!std::get<I>(parts).empty()) {
        std::get<I>(outs_).emit(e, std::move(std::get<I>(parts)));
      }
    });
  }
  void on_frontier(Epoch f) override {
    frontier_ = f;
    each([&]<std::size_t I>() { std::get<I>(outs_).advance(f); });
  }

 private:
  template <class F>
  static void each(F&& f) {
    [&]<std::size_t... I>(std::index_sequence<I...>) { (f.template operator()<I>(), ...); }
    (std::make_index_sequence<N>{});
  }
  std::array<bool, N> read_;
  std::tuple<Output<std::pair<K, A>>&...> outs_;
};

template <class T, class F>
class InspectDebugNode final : public PassNode, public Receiver<T> {
 public:
  InspectDebugNode(std::string step_id, WorkerContext& ctx, Output<T>& out, F f)
      : PassNode(std::move(step_id)), ctx_(ctx), out_(out), inspector_(std::move(f)) {}
  void on_batch(Epoch e, std::vector<T>&& items) override {
    guarded(ctx_, step_id(), std::nullopt, nullptr, [&] {
      for (const auto& x : items) inspector_(step_id(), x, e, ctx_.index());
    });
    out_.emit(e, std::move(items));
  }
  void on_frontier(Epoch f) override {
    frontier_ = f;
    out_.advance(f);
  }

 private:
  WorkerContext& ctx_;
  Output<T>& out_;
  F inspector_;
};

template <class T>
class MergeNode final : public PassNode {
 public:
  MergeNode(std::string step_id, Output<T>& out, std::size_t inputs)
      : PassNode(std::move(step_id)), out_(out), frontiers_(inputs) {
    for (std::size_t i = 0; i < inputs; ++i) ports_.push_back(std::make_unique<Port>(*this, i));
  }
  /// The step's i-th input.
  Receiver<T>& input(std::size_t i) { return *ports_[i]; }

 private:
  struct Port final : Receiver<T> {
    Port(MergeNode& n, std::size_t i) : node(n), index(i) {}
    void on_batch(Epoch e, std::vector<T>&& items) override { node.out_.emit(e, std::move(items)); }
    void on_frontier(Epoch f) override {
      if (auto m = node.frontiers_.advance(index, f)) {
        node.frontier_ = *m;
        node.out_.advance(*m);
      }
    }
    MergeNode& node;
    std::size_t index;
  };
  Output<T>& out_;
  FrontierSet frontiers_;
  std::vector<std::unique_ptr<Port>> ports_;
};

/// Spreads each batch evenly over the workers in contiguous slices, starting with a
/// different worker each batch; this worker's slice stays in `items`.
template <class T>
struct EvenSplit {
  std::size_t next = 0;
  void operator()(std::vector<T>& items, std::vector<std::vector<T>>& buckets, std::size_t self) {
    const std::size_t w = buckets.size();
    const std::size_t n = items.size();
    std::size_t begin = 0;
    std::size_t own_begin = 0;
    std::size_t own_len = 0;
    for (std::size_t i = 0; i < w; ++i) {
      const std::size_t len = n / w + (i < n % w ? 1 : 0);
      const std::size_t target = (next + i) % w;
      auto first = items.begin() + static_cast<std::ptrdiff_t>(begin);
      if (target == self) {
        own_begin = begin;
        own_len = len;
      } else {
        auto& b = buckets[target];
        b.insert(b.end(), std::make_move_iterator(first),
                 std::make_move_iterator(first + static_cast<std::ptrdiff_t>(len)));
      }
      begin += len;
    }
    auto own = items.begin() + static_cast<std::ptrdiff_t>(own_begin);
    std::move(own, own + static_cast<std::ptrdiff_t>(own_len), items.begin());
    items.resize(own_len);
    next = (next + 1) % w;
  }
};

/// Receives an exchanged stream and forwards it (redistribute).
template <class T, class Split>
class ExchangeNode final : public PassNode, public Receiver<T> {
 public:
  ExchangeNode(std::string step_id, WorkerContext& ctx, const std::string& key, Output<T>& out,
               Split split)
      : PassNode(std::move(step_id)),
        out_(out),
        from_exchange_(ctx, key, *this),
        to_exchange_(ctx, key, from_exchange_, std::move(split)) {}
  /// The step's input: each item goes through the exchange to the worker that owns it.
  Receiver<T>& input() { return to_exchange_; }
  bool poll(WorkerContext& /*ctx*/) override { return from_exchange_.poll(); }
  void on_batch(Epoch e, std::vector<T>&& items) override { out_.emit(e, std::move(items)); }
  void on_frontier(Epoch f) override {
    frontier_ = f;
    out_.advance(f);
  }

 private:
  Output<T>& out_;
  ExchangeInput<T> from_exchange_;
  ExchangeSender<T, Split> to_exchange_;
};

}  // namespace weir::detail
