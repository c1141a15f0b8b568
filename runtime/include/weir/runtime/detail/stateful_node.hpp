#pragma once
// The keyed stateful primitive on one worker. Items (K, V) arrive routed by
// stable_hash(K) % workers; each key's logic lives in a hash map on its owning worker.
//
// Batches of the open epoch (the input frontier) are applied at once; batches of a later
// epoch wait until the frontier reaches it, so each epoch's effects stay separate. When the
// upstream ends, on_eof runs for every key in ascending key order. Timers: the earliest
// notify_at of each key, in a min-heap with stale entries skipped.

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <queue>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "weir/runtime/detail/exchange.hpp"
#include "weir/runtime/detail/graph.hpp"
#include "weir/runtime/detail/guard.hpp"
#include "weir/runtime/stable_hash.hpp"
#include "weir/runtime/stateful_logic.hpp"

namespace weir::detail {

template <class K, class V>
struct KeySplit {
  void operator()(std::vector<std::pair<K, V>>&& items,
                  std::vector<std::vector<std::pair<K, V>>>& buckets) const {
    const std::size_t w = buckets.size();
    for (auto& it : items) buckets[stable_hash(it.first) % w].push_back(std::move(it));
  }
};

template <class K, class V, class Logic, class Builder>
class StatefulNode final : public Node, public Receiver<std::pair<K, V>> {
  using Item = std::pair<K, V>;
  using W = typename Logic::output_type;
  using OutItem = std::pair<K, W>;
  using E = Emit<K, W>;
  struct Entry {
    Logic logic;
    std::optional<Instant> notify;
  };
  struct Timer {
    Instant at;
    K key;
    bool operator>(const Timer& o) const { return at > o.at; }
  };

 public:
  StatefulNode(std::string step_id, WorkerContext& ctx, const std::string& key,
               Output<OutItem>& out, Builder builder)
      : Node(std::move(step_id)),
        ctx_(ctx),
        out_(out),
        builder_(std::move(builder)),
        input_(ctx, key, *this),
        sender_(ctx, key, input_, KeySplit<K, V>{}) {}

  Receiver<Item>& sender() { return sender_; }

  bool poll(WorkerContext& /*ctx*/) override {
    bool did = input_.poll();
    if constexpr (HasNotifyAt<Logic>) did = fire_timers() || did;
    return did;
  }

  [[nodiscard]] std::optional<Instant> wake_at() const override {
    if (timers_.empty() || frontier_ == kEpochDone) return std::nullopt;
    return timers_.top().at;
  }

  [[nodiscard]] bool finished() const override { return frontier_ == kEpochDone; }

  void on_batch(Epoch e, std::vector<Item>&& items) override {
    if (e > frontier_) {
      later_[e].push_back(std::move(items));
      return;
    }
    apply(e, items);
  }

  void on_frontier(Epoch f) override {
    const Epoch last_open = frontier_;
    while (!later_.empty() && later_.begin()->first <= f) {
      auto node = later_.extract(later_.begin());
      for (auto& b : node.mapped()) apply(node.key(), b);
    }
    frontier_ = f;
    if (f == kEpochDone) at_eof(last_open);
    out_.advance(f);
  }

 private:
  void apply(Epoch e, std::vector<Item>& items) {
    std::vector<OutItem> out;
    out.reserve(items.size());
    guarded(ctx_, step_id(), std::nullopt, "on_batch", [&] {
      const std::size_t n = items.size();
      std::size_t i = 0;
      while (i < n) {
        std::size_t j = i + 1;
        while (j < n && items[j].first == items[i].first) ++j;
        auto it = state_.find(items[i].first);
        if (it == state_.end()) {
          it =
              state_.try_emplace(items[i].first, Entry{builder_(std::nullopt), std::nullopt}).first;
        }
        E emit(out, it->first);
        StateAction a = it->second.logic.on_batch(Values<K, V>(&items[i], &items[j]), emit);
        after_call(it, a);
        i = j;
      }
    });
    out_.emit(e, std::move(out));
  }

  template <class It>
  void after_call(It it, StateAction a) {
    if (a == StateAction::discard) {
      state_.erase(it);
      return;
    }
    if constexpr (HasNotifyAt<Logic>) {
      std::optional<Instant> t = it->second.logic.notify_at();
      if (t != it->second.notify) {
        it->second.notify = t;
        if (t) timers_.push(Timer{*t, it->first});
      }
    }
  }

  bool fire_timers() {
    if constexpr (HasOnNotify<Logic, E>) {
      if (timers_.empty() || frontier_ == kEpochDone) return false;
      const Instant now = WorkerContext::now();
      if (timers_.top().at > now) return false;
      std::vector<OutItem> out;
      guarded(ctx_, step_id(), std::nullopt, "on_notify", [&] {
        while (!timers_.empty() && timers_.top().at <= now) {
          Timer t = timers_.top();
          timers_.pop();
          auto it = state_.find(t.key);
          if (it == state_.end() || it->second.notify != t.at) continue;  // stale
          it->second.notify.reset();
          E emit(out, it->first);
          after_call(it, it->second.logic.on_notify(emit));
        }
      });
      out_.emit(frontier_, std::move(out));
      return true;
    } else {
      timers_ = {};
      return false;
    }
  }

  void at_eof(Epoch epoch) {
    std::vector<OutItem> out;
    if constexpr (HasOnEof<Logic, E>) {
      std::vector<typename decltype(state_)::iterator> order;
      order.reserve(state_.size());
      for (auto it = state_.begin(); it != state_.end(); ++it) order.push_back(it);
      std::sort(order.begin(), order.end(), [](auto a, auto b) { return a->first < b->first; });
      guarded(ctx_, step_id(), std::nullopt, "on_eof", [&] {
        for (auto it : order) {
          E emit(out, it->first);
          if (it->second.logic.on_eof(emit) == StateAction::discard) state_.erase(it);
        }
      });
    }
    timers_ = {};
    out_.emit(epoch, std::move(out));
  }

  WorkerContext& ctx_;
  Output<OutItem>& out_;
  Builder builder_;
  std::unordered_map<K, Entry, StableHasher<K>> state_;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers_;
  std::map<Epoch, std::vector<std::vector<Item>>> later_;
  Epoch frontier_ = kFirstEpoch;
  ExchangeInput<Item> input_;
  ExchangeSender<Item, KeySplit<K, V>> sender_;
};

}  // namespace weir::detail
