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
//
// In a cluster the buckets are over every worker of every process. A bucket for a worker of
// another process is encoded with the snapshot codec (append_batch: items of numbers copied
// field by field, others through the codec's archive) into one data frame (cluster_frames.hpp)
// and sent on the mesh from the sending worker's thread; a sender's frontier goes to every
// other process as a frontier frame after its batches, on the same connection, so the order
// that makes the frontier safe holds across processes too. The receiving process's reader
// thread files each frame, still encoded, in the channel's WireChannel; the worker it is for
// decodes it when it polls. Only items bound for another process are encoded: the rest take
// the zero-copy path above.

#include <atomic>
#include <cstddef>
#include <iterator>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "weir/core/errors.hpp"
#include "weir/recovery/codec.hpp"
#include "weir/runtime/detail/cluster_frames.hpp"
#include "weir/runtime/detail/graph.hpp"
#include "weir/runtime/detail/run_shared.hpp"

namespace weir::detail {

template <class T>
struct ExchangeMessage {
  std::size_t sender;  // local worker index
  Epoch epoch;         // the batch's epoch
  std::vector<T> items;
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
  ExchangeChannel(RunShared& shared, const std::string& key)
      : boxes_(shared.local_count()),
        returns_(shared.local_count()),
        wire_(shared.wire_channel(key)) {}
  Mailbox<ExchangeMessage<T>>& box(std::size_t local_worker) { return boxes_[local_worker]; }
  BufferReturns<T>& returns(std::size_t local_sender) { return returns_[local_sender]; }
  SharedFrontier& frontier() { return wire_.frontier(); }
  WireChannel& wire() { return wire_; }

 private:
  std::vector<Mailbox<ExchangeMessage<T>>> boxes_;
  std::vector<BufferReturns<T>> returns_;
  WireChannel& wire_;
};

template <class T>
ExchangeChannel<T>& exchange_channel(WorkerContext& ctx, const std::string& key) {
  auto& base = ctx.shared().channel(
      key, [&] { return std::make_unique<ExchangeChannel<T>>(ctx.shared(), key); });
  return static_cast<ExchangeChannel<T>&>(base);
}

/// Names T in the compiler's message when an exchanged type has no encoding.
template <class T>
struct ExchangedType {
  static_assert(recovery::Encodable<T>,
                "weir: items of this type go through an exchange (key_on, a stateful step, "
                "redistribute or a partitioned sink), so they may cross to another process and "
                "need the snapshot codec's encoding; give the type a member "
                "`template <class Ar> void serialize(Ar& ar, unsigned) { ar & field1 & field2; }` "
                "(see weir/recovery/codec.hpp)");
  using type = T;
};

/// The receiving end on one worker: merges the senders' streams into `target`.
template <class T>
class ExchangeInput {
 public:
  ExchangeInput(WorkerContext& ctx, const std::string& key, Receiver<T>& target)
      : ctx_(ctx),
        key_(key),
        channel_(ctx.count() > 1 ? &exchange_channel<T>(ctx, key) : nullptr),
        box_(channel_ != nullptr ? &channel_->box(ctx.local_index()) : nullptr),
        remote_(channel_ != nullptr && ctx.count() != ctx.shared().local_count()
                    ? &channel_->wire().remote(ctx.local_index())
                    : nullptr),
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
    std::int64_t batches = remote_ != nullptr ? deliver_remote() : 0;
    const bool any = batches > 0 || !scratch_.empty() || lowest > frontier_;
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
      ctx_.shared().remove_backlog(ctx_.local_index(), batches);
    }
    deliver_frontier(lowest);
    return any;
  }

  [[nodiscard]] Epoch frontier() const noexcept { return frontier_; }

 private:
  /// Decodes and delivers the batches other processes sent; returns how many.
  std::int64_t deliver_remote() {
    remote_->drain(remote_scratch_);
    for (auto& b : remote_scratch_) {
      decoded_.clear();
      if constexpr (recovery::Encodable<T>) {  // else ExchangedType has said why not
        try {
          recovery::decode_batch(std::string_view(b.frame).substr(b.body), decoded_);
        } catch (const std::exception& e) {
          throw ClusterError("step '" + key_ + "': a batch from worker " +
                             std::to_string(b.sender) + " does not decode: " + e.what());
        }
      }
      deliver(b.epoch, std::move(decoded_));
    }
    const auto n = static_cast<std::int64_t>(remote_scratch_.size());
    remote_scratch_.clear();
    return n;
  }

  WorkerContext& ctx_;
  std::string key_;
  ExchangeChannel<T>* channel_;
  Mailbox<ExchangeMessage<T>>* box_;
  Mailbox<RemoteBatch>* remote_;  // null unless the cluster has other processes
  Epoch frontier_ = kFirstEpoch;  // the lowest delivered to the target
  Receiver<T>& target_;
  std::vector<ExchangeMessage<T>> scratch_;
  std::vector<RemoteBatch> remote_scratch_;
  std::vector<typename ExchangedType<T>::type> decoded_;
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
        key_(key),
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
    RunShared& shared = ctx_.shared();
    const std::size_t first = shared.first_worker();
    for (std::size_t w = 0; w < buckets_.size(); ++w) {
      auto& b = buckets_[w];
      if (w == self || b.empty()) continue;
      if (!shared.is_local(w)) {
        send_remote(w, epoch, b);
        continue;
      }
      shared.add_backlog(w - first, 1);
      channel_->box(w - first).push({ctx_.local_index(), epoch, std::move(b)});
      shared.signal(w - first).notify();
      b = channel_->returns(ctx_.local_index()).take();
    }
    if (!items.empty()) local_.deliver(epoch, std::move(items));
  }

  void on_frontier(Epoch f) override {
    if (channel_ == nullptr) {
      local_.deliver_frontier(f);
      return;
    }
    // the other processes first: their copy of this frontier follows this worker's batches
    // to them on each connection
    ctx_.shared().broadcast(static_cast<std::uint8_t>(Frame::frontier),
                            put_frontier(key_, ctx_.index(), f));
    if (channel_->frontier().publish(ctx_.index(), f)) {
      ctx_.shared().wake_all();  // every worker's input (this one's too) reads it when polled
    }
  }

 private:
  /// Encodes the bucket for worker `w` of another process into one frame and sends it.
  void send_remote(std::size_t w, Epoch epoch, std::vector<T>& bucket) {
    frame_.clear();
    put_data_header(frame_, key_, w, ctx_.index(), epoch);
    if constexpr (recovery::Encodable<T>) recovery::append_batch(frame_, bucket);
    bucket.clear();  // kept, with its capacity, for the next batch
    ctx_.shared().peers()->send(ctx_.shared().process_of(w), static_cast<std::uint8_t>(Frame::data),
                                frame_);
  }

  WorkerContext& ctx_;
  std::string key_;
  std::string frame_;
  ExchangeChannel<T>* channel_;
  ExchangeInput<T>& local_;
  Split split_;
  std::vector<std::vector<T>> buckets_;
};

}  // namespace weir::detail
