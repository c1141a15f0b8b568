#pragma once
// PushPartition: the source partition a worker polls for one push object, and its stop
// protocol.
//
// next_batch drains the ring (releasing a Subject's items first once `autocommit` has passed
// since the last release), takes the newest StatefulProducer state its items cover, and backs
// off while nothing comes (1 ms, doubling to 50 ms; the ring's waker cuts a back-off short).
// Once run() has ended and the ring is empty, the partition ends, or rethrows run()'s error.
//
// Stopping (close(), or the destructor): running() turns false, the ring stops (a blocked
// push throws PushStopped), a Subject's on_stop() is called (in the child, when isolated);
// then run() has `shutdown_timeout` to return. If it does not, an isolated child is killed,
// and an in-process thread is detached (it keeps the PushRun alive until run() returns, if
// ever); close() then reports the timeout.

#include <sys/types.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "weir/core/clock.hpp"
#include "weir/inputs/detail/push_isolation.hpp"
#include "weir/inputs/detail/push_run.hpp"
#include "weir/inputs/push_options.hpp"
#include "weir/inputs/push_wire.hpp"
#include "weir/inputs/source.hpp"

namespace weir::push::detail {

template <class Impl>
class PushPartition final : public StatefulSourcePartition<typename Impl::item_type, std::string> {
  using X = typename Impl::item_type;
  using Run = PushRun<Impl>;

 public:
  PushPartition(std::unique_ptr<Impl> impl, const PushOptions& o, std::optional<std::string> resume)
      : options_(o), run_(std::make_shared<Run>(o.backlog)), snapshot_(resume.value_or("")) {
    if (!impl) throw std::invalid_argument("the push source's factory returned nothing");
    run_->attach(std::move(impl), &snapshot_);
    last_release_ = clock().now();
    if (o.isolate) {
      if constexpr (Wire<X>::available) {
        thread_ = start_isolated(run_, options_);
        return;
      } else {
        throw std::invalid_argument(
            "an isolated push source's items must cross a pipe: specialise weir::push::Wire "
            "for its item type");
      }
    }
    thread_ = std::thread([run = run_] {
      run->run_to_end();
      run->cv.notify_all();
      run->ring.wake_consumer();
    });
  }
  PushPartition(const PushPartition&) = delete;
  PushPartition& operator=(const PushPartition&) = delete;
  ~PushPartition() override {
    try {
      stop();
    } catch (...) {  // NOLINT(bugprone-empty-catch): reported by close() when it matters
    }
  }

  NextBatch<X> next_batch() override {
    Run& s = *run_;
    const bool done = s.done.load(std::memory_order_acquire);
    const bool closed = s.closed.load(std::memory_order_acquire);
    const Instant now = clock().now();
    if constexpr (Run::kSubject) {
      if (!options_.isolate && now - last_release_ >= options_.autocommit) {
        s.ring.release_all();
        last_release_ = now;
      }
    }
    std::vector<X> out;
    const std::uint64_t head = s.ring.drain(out);
    if constexpr (Run::kStateful) {
      if (auto state = s.take_flush(head)) snapshot_ = std::move(*state);
    }
    if (!out.empty()) {
      idle_ = Duration::zero();
      return out;
    }
    if (done || closed) {
      if (const std::exception_ptr error = s.failure()) std::rethrow_exception(error);
      return end_of_partition;
    }
    idle_ = std::min<Duration>(idle_ == Duration::zero() ? kFirstIdle : idle_ * 2, kMaxIdle);
    return out;
  }

  [[nodiscard]] std::optional<Instant> next_awake() override {
    if (idle_ == Duration::zero()) return std::nullopt;
    Instant at = clock().now() + idle_;
    if constexpr (Run::kSubject) {
      if (run_->ring.has_unreleased()) at = std::min(at, last_release_ + options_.autocommit);
    }
    return at;
  }

  [[nodiscard]] std::string snapshot() override { return snapshot_; }

  void set_waker(std::function<void()> wake) override { run_->ring.set_waker(std::move(wake)); }

  void close() override { stop(); }

 private:
  static constexpr Duration kFirstIdle = std::chrono::milliseconds(1);
  static constexpr Duration kMaxIdle = std::chrono::milliseconds(50);

  void stop() {
    if (!thread_.joinable()) return;
    Run& s = *run_;
    s.running.store(false, std::memory_order_release);
    s.ring.stop();
    if (options_.isolate) {
      ::close(s.stop_fd);  // the child stops its run() (and calls on_stop there)
    } else if constexpr (Run::kSubject) {
      s.impl->on_stop();
    }
    std::unique_lock lock(s.mutex);
    const bool ended = s.cv.wait_for(lock, options_.shutdown_timeout,
                                     [&] { return s.done.load(std::memory_order_acquire); });
    lock.unlock();
    if (ended) {
      thread_.join();
      return;
    }
    if (options_.isolate) {
      ::kill(s.child, SIGKILL);  // the relay then sees the pipe end and finishes
      thread_.join();
    } else {
      thread_.detach();  // it keeps `run_` alive until run() returns, if ever
    }
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(options_.shutdown_timeout).count();
    throw std::runtime_error("run() did not return within the shutdown timeout of " +
                             std::to_string(ms) + " ms after the source was stopped");
  }

  PushOptions options_;
  std::shared_ptr<Run> run_;
  std::string snapshot_;
  std::thread thread_;
  Instant last_release_;
  Duration idle_{0};
};

}  // namespace weir::push::detail
