#pragma once
// PushRing: the hand-over between a push source's own thread (one producer) and the worker
// that polls its partition (one consumer): a bounded single-producer single-consumer ring.
// Pushing an item is a placement and a release store of the tail, with no lock; the consumer
// moves out, in one go, every item below its bound: all pushed items (`immediate` rings), or
// those released by the producer's commit() or by the consumer's release_all() (autocommit).
//
// A full ring blocks the producer until the consumer has drained (backpressure); stop()
// wakes it and makes later pushes and commits throw PushStopped. A producer that publishes
// items while the consumer reported itself idle calls the waker, so the worker polls again
// at once; a wake-up lost to a race costs at most the consumer's idle back-off.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <memory>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "weir/inputs/push_options.hpp"

namespace weir::push::detail {

/// When pushed items reach the consumer.
enum class Release {
  immediate,    // at once
  commit,       // at commit() or when the consumer calls release_all() (autocommit)
  commit_only,  // at commit() only: a ring full of uncommitted items is an error
};

template <class X>
class PushRing {
 public:
  /// Room for at least `backlog` items.
  PushRing(std::size_t backlog, Release release)
      : mask_(capacity_for(backlog) - 1),
        immediate_(release == Release::immediate),
        commit_only_(release == Release::commit_only) {
    cells_ = std::allocator<Cell>().allocate(mask_ + 1);
  }
  PushRing(const PushRing&) = delete;
  PushRing& operator=(const PushRing&) = delete;
  ~PushRing() {
    const std::uint64_t tail = tail_.load(std::memory_order_acquire);
    for (std::uint64_t i = head_.load(std::memory_order_acquire); i < tail; ++i) item(i).~X();
    std::allocator<Cell>().deallocate(cells_, mask_ + 1);
  }

  // ---- producer side (one thread) ----

  /// Appends `x`; blocks while the ring is full; throws PushStopped once stopped.
  void push(X&& x) {
    // The published tail is the producer's cursor too (one store per push fewer: a push's
    // stores wait in the store buffer behind its slot's cache miss, and fewer per item keep
    // more items in flight; bench_push: 0.75 x the wall time of a separate cursor). It is
    // read once, before the item is placed, which may alias it if X is an integer.
    const std::uint64_t t = tail_.load(std::memory_order_relaxed);
    if (t - head_cache_ > mask_) wait_for_room();
    ::new (static_cast<void*>(&cells_[t & mask_])) X(std::move(x));
    tail_.store(t + 1, std::memory_order_release);
    if (immediate_ && idle_.load(std::memory_order_relaxed)) wake();
  }
  /// Releases everything pushed so far.
  void commit() {
    if (stopped_.load(std::memory_order_acquire)) throw PushStopped();
    raise_released(tail_.load(std::memory_order_relaxed));
    if (idle_.load(std::memory_order_relaxed)) wake();
  }
  /// Wakes the consumer if it reported itself idle (for news other than items).
  void wake_consumer() {
    if (idle_.load(std::memory_order_seq_cst)) wake();
  }
  /// How many items were pushed in all.
  [[nodiscard]] std::uint64_t pushed() const noexcept {
    return tail_.load(std::memory_order_relaxed);
  }

  // ---- consumer side (one thread at a time) ----

  /// Releases whatever has been pushed (autocommit).
  void release_all() { raise_released(tail_.load(std::memory_order_acquire)); }
  /// Moves every released item into `out`; returns the index past the last one moved. When
  /// there was nothing, marks the consumer idle (the producer wakes it on new items).
  std::uint64_t drain(std::vector<X>& out) {
    std::uint64_t head = head_.load(std::memory_order_relaxed);
    std::uint64_t end = bound();
    if (end == head) {
      idle_.store(true, std::memory_order_seq_cst);
      end = bound();  // a publication racing with the flag
      if (end == head) return head;
      idle_.store(false, std::memory_order_relaxed);
    }
    while (head < end) head += move_run(head, end, out);
    head_.store(head, std::memory_order_release);
    if (producer_waiting_.load(std::memory_order_acquire)) {
      std::lock_guard lock(mutex_);
      cv_.notify_one();
    }
    return head;
  }
  /// Items pushed but not yet released.
  [[nodiscard]] bool has_unreleased() const {
    return !immediate_ &&
           tail_.load(std::memory_order_acquire) != released_.load(std::memory_order_acquire);
  }
  void set_waker(std::function<void()> wake) {
    std::lock_guard lock(mutex_);
    wake_ = std::move(wake);
  }
  /// Wakes a producer blocked on a full ring; later pushes and commits throw PushStopped.
  /// The waker is dropped (the worker it wakes may be gone).
  void stop() {
    stopped_.store(true, std::memory_order_release);
    std::lock_guard lock(mutex_);
    wake_ = nullptr;
    cv_.notify_all();
  }
  [[nodiscard]] bool stopped() const { return stopped_.load(std::memory_order_acquire); }

 private:
  union Cell {
    Cell() {}
    ~Cell() {}
    X x;
  };
  static std::size_t capacity_for(std::size_t n) {
    std::size_t c = 64;
    while (c < n) c <<= 1U;
    return c;
  }
  X& item(std::uint64_t i) { return cells_[i & mask_].x; }
  /// Moves the items from `head` up to `end` or the ring's wrap-around, whichever comes first,
  /// to the back of `out` in one range insert (a memmove for trivially copyable items, where
  /// an item-by-item loop reloads the ring's fields after each store into `out`; `out` grows
  /// geometrically, where reserving exactly what each drain adds made a consumer appending
  /// to one vector copy it whole each time); returns how many it moved.
  std::size_t move_run(std::uint64_t head, std::uint64_t end, std::vector<X>& out) {
    X* first = &item(head);
    const std::size_t n = std::min<std::uint64_t>(end - head, mask_ + 1 - (head & mask_));
    out.insert(out.end(), std::make_move_iterator(first), std::make_move_iterator(first + n));
    std::destroy_n(first, n);
    return n;
  }
  [[nodiscard]] std::uint64_t bound() const {
    return immediate_ ? tail_.load(std::memory_order_acquire)
                      : released_.load(std::memory_order_acquire);
  }
  void raise_released(std::uint64_t to) {
    std::uint64_t cur = released_.load(std::memory_order_relaxed);
    while (cur < to && !released_.compare_exchange_weak(cur, to, std::memory_order_acq_rel,
                                                        std::memory_order_relaxed)) {
    }
  }
  void wake() {
    if (!idle_.exchange(false, std::memory_order_acq_rel)) return;
    std::lock_guard lock(mutex_);
    if (wake_) wake_();
  }
  void wait_for_room() {
    using namespace std::chrono_literals;
    head_cache_ = head_.load(std::memory_order_acquire);
    if (tail_.load(std::memory_order_relaxed) - head_cache_ <= mask_) return;
    if (commit_only_ && released_.load(std::memory_order_acquire) == head_cache_) {
      throw std::runtime_error(std::to_string(mask_ + 1) +
                               " items are waiting for a flush() that would release them: "
                               "flush more often, or give the source a larger backlog");
    }
    std::unique_lock lock(mutex_);
    producer_waiting_.store(true, std::memory_order_seq_cst);
    while (true) {
      head_cache_ = head_.load(std::memory_order_acquire);
      if (tail_.load(std::memory_order_relaxed) - head_cache_ <= mask_) break;
      if (stopped_.load(std::memory_order_acquire)) {
        producer_waiting_.store(false, std::memory_order_relaxed);
        throw PushStopped();
      }
      cv_.wait_for(lock, 1ms);  // bounded: a notification may race with the flag
    }
    producer_waiting_.store(false, std::memory_order_relaxed);
  }

  const std::uint64_t mask_;
  const bool immediate_;
  const bool commit_only_;
  Cell* cells_ = nullptr;
  // written by the producer only (tail_ read by the consumer too)
  alignas(64) std::atomic<std::uint64_t> tail_{0};
  std::uint64_t head_cache_ = 0;
  // shared
  alignas(64) std::atomic<std::uint64_t> released_{0};
  alignas(64) std::atomic<std::uint64_t> head_{0};
  std::atomic<bool> idle_{false};
  std::atomic<bool> producer_waiting_{false};
  std::atomic<bool> stopped_{false};
  std::mutex mutex_;
  std::condition_variable cv_;
  std::function<void()> wake_;
};

}  // namespace weir::push::detail
