#pragma once
// Exchange: moving a stream's items to the worker that owns them.
//
// The sending side (ExchangeSender) splits each batch into one bucket per worker and moves
// every non-empty bucket into that worker's mailbox (one lock per batch, never per item);
// the bucket for its own worker is handed over directly. A sender's frontier is published
// once, in the channel's SharedFrontier, not sent to every worker: W senders moving on cost
// O(W) per epoch (a message to each of W mailboxes, and a wake-up each, was O(W^2)); the
// workers are woken once, when the lowest rises.
// The receiving side (ExchangeInput) reads the channel's lowest frontier, then drains its
// mailbox and delivers what it holds, then the frontier if it rose: a sender pushes its
// batches before it publishes the frontier that follows them, so every batch below the
// frontier read is in the mailbox by the time it is drained.
//
// Buffers travel back: a receiver that did not keep a batch's vector (it consumed the items
// in place) clears it and returns it to the sending worker, which refills it. So a steady
// exchange allocates nothing, and no worker frees memory another worker's allocator owns
// (cross-thread frees contend on the allocator's locks and make it hand pages back to the
// system, one TLB shoot-down each).
//
// With a single worker no exchange is built at all: the sender delivers straight through.

#include <atomic>
#include <cstddef>
#include <iterator>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "weir/runtime/detail/graph.hpp"
#include "weir/runtime/detail/run_shared.hpp"

namespace weir::detail {

template <class T>
struct ExchangeMessage {
  std::size_t sender;
  Epoch epoch;  // the batch's epoch
  std::vector<T> items;
};

/// The senders' frontiers of one exchange, shared by its workers: the lowest kept by a
/// FrontierSet under a lock (a sender publishes once per epoch), readable without one.
class SharedFrontier {
 public:
  explicit SharedFrontier(std::size_t senders) : senders_(senders) {}
  /// Sender `s` has sent every batch below `f`; true if the lowest rose (wake the workers).
  bool publish(std::size_t s, Epoch f) {
    std::lock_guard lock(mutex_);
    if (auto m = senders_.advance(s, f)) {
      lowest_.store(*m, std::memory_order_release);
      return true;
    }
    return false;
  }
  /// Every sender has sent every batch below this (and pushed it before publishing).
  [[nodiscard]] Epoch lowest() const noexcept { return lowest_.load(std::memory_order_acquire); }

 private:
  std::mutex mutex_;
  FrontierSet senders_;
  std::atomic<Epoch> lowest_{kFirstEpoch};
};

template <class T>
class Mailbox {
 public:
  void push(ExchangeMessage<T>&& m) {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(m));
  }
  void drain(std::vector<ExchangeMessage<T>>& out) {
    std::lock_guard lock(mutex_);
    out.swap(queue_);
  }

 private:
  std::mutex mutex_;
  std::vector<ExchangeMessage<T>> queue_;
};

/// Emptied vectors on their way back to the worker that allocated them; bounded, so a
/// burst does not pin memory for good.
template <class T>
class BufferReturns {
 public:
  static constexpr std::size_t kMaxKept = 64;
  void give(std::vector<T>&& v) {
    std::lock_guard lock(mutex_);
    if (kept_.size() < kMaxKept) kept_.push_back(std::move(v));
  }
  /// A returned buffer, or an empty vector when none is back yet.
  std::vector<T> take() {
    std::lock_guard lock(mutex_);
    if (kept_.empty()) return {};
    std::vector<T> v = std::move(kept_.back());
    kept_.pop_back();
    return v;
  }

 private:
  std::mutex mutex_;
  std::vector<std::vector<T>> kept_;
};

template <class T>
class ExchangeChannel final : public ChannelBase {
 public:
  explicit ExchangeChannel(std::size_t workers)
      : boxes_(workers), returns_(workers), frontier_(workers) {}
  Mailbox<T>& box(std::size_t worker) { return boxes_[worker]; }
  BufferReturns<T>& returns(std::size_t sender) { return returns_[sender]; }
  SharedFrontier& frontier() { return frontier_; }

 private:
  std::vector<Mailbox<T>> boxes_;
  std::vector<BufferReturns<T>> returns_;
  SharedFrontier frontier_;
};

template <class T>
ExchangeChannel<T>& exchange_channel(WorkerContext& ctx, const std::string& key) {
  auto& base =
      ctx.shared().channel(key, [&] { return std::make_unique<ExchangeChannel<T>>(ctx.count()); });
  return static_cast<ExchangeChannel<T>&>(base);
}

/// The receiving end on one worker: merges the senders' streams into `target`.
template <class T>
class ExchangeInput {
 public:
  ExchangeInput(WorkerContext& ctx, const std::string& key, Receiver<T>& target)
      : ctx_(ctx),
        channel_(ctx.count() > 1 ? &exchange_channel<T>(ctx, key) : nullptr),
        box_(channel_ != nullptr ? &channel_->box(ctx.index()) : nullptr),
        target_(target) {}

  void deliver(Epoch epoch, std::vector<T>&& items) { target_.on_batch(epoch, std::move(items)); }
  /// The only sender (one worker, no channel) moved on.
  void deliver_frontier(Epoch f) {
    if (f > frontier_) {
      frontier_ = f;
      target_.on_frontier(f);
    }
  }

  /// Dispatches whatever other workers sent, then the senders' frontier if it rose; returns
  /// whether there was anything.
  bool poll() {
    if (box_ == nullptr) {
      return false;
    }
    // read before draining: every batch below it is in the mailbox by now
    const Epoch lowest = channel_->frontier().lowest();
    box_->drain(scratch_);
    const bool any = !scratch_.empty() || lowest > frontier_;
    std::int64_t batches = 0;
    for (auto& m : scratch_) {
      ++batches;
      deliver(m.epoch, std::move(m.items));
      if (m.items.capacity() != 0) {  // the target consumed the items in place
        m.items.clear();
        channel_->returns(m.sender).give(std::move(m.items));
      }
    }
    scratch_.clear();
    if (batches > 0) {
      ctx_.shared().remove_backlog(ctx_.index(), batches);
    }
    deliver_frontier(lowest);
    return any;
  }

  [[nodiscard]] Epoch frontier() const noexcept { return frontier_; }

 private:
  WorkerContext& ctx_;
  ExchangeChannel<T>* channel_;
  Mailbox<T>* box_;
  Epoch frontier_ = kFirstEpoch;  // the lowest delivered to the target
  Receiver<T>& target_;
  std::vector<ExchangeMessage<T>> scratch_;
};

/// Moves each item into buckets[dest(item)], then swaps this worker's bucket with `items`,
/// so `items` holds the ones for `self`, in order, and buckets[self] the emptied input.
/// Every item takes the same path whatever its destination: a destination that changes at
/// random from item to item costs no mispredicted branch.
template <class T, class Dest>
void split_by(std::vector<T>& items, std::vector<std::vector<T>>& buckets, std::size_t self,
              Dest&& dest) {
  auto& own = buckets[self];
  own.clear();
  own.reserve(items.size());
  for (auto& it : items) buckets[dest(static_cast<const T&>(it))].push_back(std::move(it));
  items.swap(own);
  own.clear();
}

/// The sending end on one worker. split(items, buckets, self) moves each item bound for
/// another worker w into buckets[w] and leaves those for `self` in `items` (see split_by);
/// the other workers' buckets arrive empty, and buckets[self] is scratch the split may use.
template <class T, class Split>
class ExchangeSender final : public Receiver<T> {
 public:
  ExchangeSender(WorkerContext& ctx, const std::string& key, ExchangeInput<T>& local, Split split)
      : ctx_(ctx),
        channel_(ctx.count() > 1 ? &exchange_channel<T>(ctx, key) : nullptr),
        local_(local),
        split_(std::move(split)),
        buckets_(ctx.count()) {}

  void on_batch(Epoch epoch, std::vector<T>&& items) override {
    if (channel_ == nullptr) {
      local_.deliver(epoch, std::move(items));
      return;
    }
    const std::size_t self = ctx_.index();
    // An even share plus half again: random keys rarely overflow it, skewed ones grow it.
    const std::size_t share = items.size() / buckets_.size();
    const std::size_t guess = share + share / 2 + 16;
    for (std::size_t w = 0; w < buckets_.size(); ++w) {
      if (w != self && buckets_[w].capacity() < guess) buckets_[w].reserve(guess);
    }
    split_(items, buckets_, self);
    for (std::size_t w = 0; w < buckets_.size(); ++w) {
      auto& b = buckets_[w];
      if (w == self || b.empty()) continue;
      ctx_.shared().add_backlog(w, 1);
      channel_->box(w).push({self, epoch, std::move(b)});
      ctx_.shared().signal(w).notify();
      b = channel_->returns(self).take();
    }
    if (!items.empty()) local_.deliver(epoch, std::move(items));
  }

  void on_frontier(Epoch f) override {
    if (channel_ == nullptr) {
      local_.deliver_frontier(f);
    } else if (channel_->frontier().publish(ctx_.index(), f)) {
      ctx_.shared().wake_all();  // every worker's input (this one's too) reads it when polled
    }
  }

 private:
  WorkerContext& ctx_;
  ExchangeChannel<T>* channel_;
  ExchangeInput<T>& local_;
  Split split_;
  std::vector<std::vector<T>> buckets_;
};

}  // namespace weir::detail
