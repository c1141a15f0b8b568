#pragma once
// The untyped half of an exchange channel, shared by the workers of one process and the
// mesh's reader thread: the senders' frontiers and the batches that came from other
// processes, still encoded.
//
// A frame may arrive before any worker of this process has built the step it is for (the
// processes build at their own pace), so this half is made on first use by whichever side
// comes first, and it needs no item type. Batches from another process are decoded by the
// worker that receives them, not by the reader thread: decoding then runs on every worker in
// parallel, and the reader only moves bytes.

#include <atomic>
#include <cstddef>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "weir/core/epoch.hpp"
#include "weir/runtime/detail/graph.hpp"

namespace weir::detail {

/// The senders' frontiers of one exchange, shared by its workers: the lowest kept by a
/// FrontierSet under a lock (a sender publishes once per epoch), readable without one.
/// Senders are numbered over the whole cluster.
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

/// Messages for one worker, pushed by any thread and drained all at once by the worker (one
/// lock per batch, never per item).
template <class M>
class Mailbox {
 public:
  void push(M&& m) {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(m));
  }
  void drain(std::vector<M>& out) {
    std::lock_guard lock(mutex_);
    out.swap(queue_);
  }

 private:
  std::mutex mutex_;
  std::vector<M> queue_;
};

/// A batch from a worker of another process: the frame as it came, its items starting at
/// `body` (as recovery::append_batch wrote them).
struct RemoteBatch {
  std::size_t sender;  // global worker index
  Epoch epoch;
  std::string frame;
  std::size_t body;
};

class WireChannel {
 public:
  /// `senders`: workers in the cluster; `local`: workers in this process.
  WireChannel(std::size_t senders, std::size_t local) : frontier_(senders), remote_(local) {}
  SharedFrontier& frontier() { return frontier_; }
  /// Batches from other processes for local worker `worker`.
  Mailbox<RemoteBatch>& remote(std::size_t worker) { return remote_[worker]; }

 private:
  SharedFrontier frontier_;
  std::vector<Mailbox<RemoteBatch>> remote_;
};

}  // namespace weir::detail
