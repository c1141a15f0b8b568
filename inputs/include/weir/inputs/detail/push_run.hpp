#pragma once
// PushRun: one push partition's run() and what its thread shares with the worker.
//
// The push object (Impl, a Subject, Producer or StatefulProducer) is attached to the run's
// ring and flags; run_to_end() runs its run() on the partition's thread (or, isolated, in a
// child process: push_isolation.hpp) and records how it ended. A StatefulProducer's flushes
// are recorded as (items pushed up to then, state), and the worker takes the newest one whose
// items it has all drained (take_flush), so a snapshot never holds a state older than the
// items delivered before it.
//
// Thread safety: the ring is single-producer (run()'s thread) single-consumer (the worker);
// `flushes` and `error` are guarded by `mutex`; the flags are atomics. The PushRun is shared
// (std::shared_ptr) by the partition and the thread, which may outlive a partition stopped too
// late.

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "weir/inputs/detail/push_ring.hpp"
#include "weir/inputs/key_value_state.hpp"
#include "weir/inputs/push_options.hpp"

namespace weir::push {
template <class X>
class Subject;
template <class X>
class StatefulProducer;
}  // namespace weir::push

namespace weir::push::detail {

template <class Impl>
struct PushRun {
  using X = typename Impl::item_type;
  static constexpr bool kStateful = std::is_base_of_v<StatefulProducer<X>, Impl>;
  static constexpr bool kSubject = std::is_base_of_v<Subject<X>, Impl>;

  explicit PushRun(std::size_t backlog) : ring(backlog, Impl::kRelease) {}

  PushRing<X> ring;
  std::atomic<bool> running{true};
  std::atomic<bool> closed{false};
  std::atomic<bool> done{false};
  std::mutex mutex;
  std::condition_variable cv;
  std::exception_ptr error;                                    // guarded by mutex
  std::vector<std::pair<std::uint64_t, std::string>> flushes;  // (items up to, state); mutex
  std::unique_ptr<Impl> impl;
  // isolated: the child process, and the pipe whose closing tells it to stop
  pid_t child = -1;
  int stop_fd = -1;

  /// Connects `object` to this run's ring and flags. A StatefulProducer starts from
  /// `resume_state` (encoded KeyValueState) unless it is null (it carries its state already).
  void attach(std::unique_ptr<Impl> object, const std::string* resume_state) {
    impl = std::move(object);
    auto& e = impl->endpoint_;
    e.ring = &ring;
    e.running = &running;
    e.closed = &closed;
    if constexpr (kStateful) {
      if (resume_state != nullptr) {
        impl->state_ = KeyValueState::decode(*resume_state);
      }
      e.on_flush = [this](std::uint64_t upto, std::string state) {
        record_flush(upto, std::move(state));
      };
    }
  }

  /// Runs run() and releases what it left pushed (flushes, for a StatefulProducer); records
  /// its exception; marks the end.
  void run_to_end() {
    try {
      impl->run();
      if constexpr (kStateful) {
        impl->flush();
      } else {
        ring.commit();
      }
    } catch (const PushStopped&) {  // stopped: nothing to report
    } catch (...) {
      std::lock_guard lock(mutex);
      error = std::current_exception();
    }
    std::lock_guard lock(mutex);
    done.store(true, std::memory_order_release);
  }

  /// Records that the items pushed up to `upto` are released with `state`.
  void record_flush(std::uint64_t upto, std::string state) {
    std::lock_guard lock(mutex);
    flushes.emplace_back(upto, std::move(state));
  }

  /// The newest flushed state whose items all lie below `head` (drained), if any came since
  /// the last call; older ones are dropped.
  std::optional<std::string> take_flush(std::uint64_t head) {
    std::optional<std::string> newest;
    std::lock_guard lock(mutex);
    std::size_t used = 0;
    while (used < flushes.size() && flushes[used].first <= head) {
      newest = std::move(flushes[used].second);
      ++used;
    }
    flushes.erase(flushes.begin(), flushes.begin() + static_cast<std::ptrdiff_t>(used));
    return newest;
  }

  /// run()'s exception, if it failed.
  std::exception_ptr failure() {
    std::lock_guard lock(mutex);
    return error;
  }
};

}  // namespace weir::push::detail
