#pragma once
// What the workers of one process share during a run: wake-up signals, the first error,
// the rendezvous used while building, exchange channels, and the probe (how far every
// output has got) that gates sources for backpressure.

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "weir/core/clock.hpp"
#include "weir/recovery/snapshot.hpp"
#include "weir/runtime/detail/graph.hpp"

namespace weir::detail {

/// Wakes one sleeping worker. notify() is cheap when the worker is already awake.
class WorkerSignal {
 public:
  void notify() {
    if (pending_.exchange(true, std::memory_order_acq_rel)) return;
    { std::lock_guard lock(mutex_); }
    cv_.notify_one();
  }
  void clear() { pending_.store(false, std::memory_order_release); }
  /// Blocks for at most `d` (forever if none) unless notified since the last clear().
  void wait_for(std::optional<Duration> d) {
    std::unique_lock lock(mutex_);
    auto ready = [&] { return pending_.load(std::memory_order_acquire); };
    if (d) {
      cv_.wait_for(lock, *d, ready);
    } else {
      cv_.wait(lock, ready);
    }
  }

 private:
  std::atomic<bool> pending_{false};
  std::mutex mutex_;
  std::condition_variable cv_;
};

class ChannelBase {
 public:
  ChannelBase() = default;
  ChannelBase(const ChannelBase&) = delete;
  ChannelBase& operator=(const ChannelBase&) = delete;
  virtual ~ChannelBase() = default;
};

/// Thrown inside a worker that was waiting when another worker failed.
class RunStopped : public std::exception {
 public:
  [[nodiscard]] const char* what() const noexcept override { return "run stopped"; }
};

/// Assigns each partition of the union of `lists` (one list per worker) to one worker that
/// listed it: fewest-listing-workers first, then the least-loaded such worker (lowest index
/// on ties). Every worker computes the same answer. Returns sorted (partition, worker).
std::vector<std::pair<std::string, std::size_t>> assign_partitions(
    const std::vector<std::vector<std::string>>& lists);

class RunShared {
 public:
  /// Mailbox batches a worker may hold before sources everywhere pause.
  static constexpr std::int64_t kBacklogLimit = 256;

  /// `start`: the run's first epoch.
  explicit RunShared(std::size_t workers, Epoch start = kFirstEpoch);

  [[nodiscard]] std::size_t worker_count() const noexcept { return signals_.size(); }
  WorkerSignal& signal(std::size_t worker) { return *signals_[worker]; }
  void wake_all();

  /// Records the first failure, stops every worker and wakes them.
  void fail(std::exception_ptr e);
  [[nodiscard]] bool stopped() const noexcept { return stopped_.load(std::memory_order_acquire); }
  [[nodiscard]] std::exception_ptr error() const;

  /// Partitions assigned to workers: (partition, owning worker), sorted by partition.
  using Assignment = std::vector<std::pair<std::string, std::size_t>>;
  /// Every worker calls this with the partitions it lists, in the same order; the last to
  /// arrive assigns the union once (assign_partitions) and every worker gets that one result.
  /// Throws RunStopped if the run fails meanwhile.
  std::shared_ptr<const Assignment> assign_all(std::size_t worker, std::vector<std::string> mine);

  /// The channel registered under `key`, made by `make` on first use (by any worker).
  ChannelBase& channel(const std::string& key,
                       const std::function<std::unique_ptr<ChannelBase>()>& make);

  /// Probe: worker w's outputs have completed every epoch below `completed` (which only
  /// rises). Wakes every worker when the lowest of all rises, since sources wait on it.
  void publish_completed(std::size_t worker, Epoch completed);
  /// Every epoch below the result is complete at every output of every worker. O(1): the
  /// lowest is kept as workers publish, not searched for.
  [[nodiscard]] Epoch probe() const noexcept { return lowest_.load(std::memory_order_acquire); }

  /// Mailbox backlog of a worker, in batches.
  void add_backlog(std::size_t worker, std::int64_t n) {
    const std::int64_t before = backlog_[worker].fetch_add(n, std::memory_order_relaxed);
    if (before < kBacklogLimit && before + n >= kBacklogLimit) {
      over_limit_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  void remove_backlog(std::size_t worker, std::int64_t n);
  /// No worker holds kBacklogLimit batches or more (O(1): workers over it are counted).
  [[nodiscard]] bool backlog_ok() const noexcept {
    return over_limit_.load(std::memory_order_relaxed) == 0;
  }

 private:
  std::vector<std::unique_ptr<WorkerSignal>> signals_;
  std::unique_ptr<std::atomic<Epoch>[]> completed_;
  std::unique_ptr<std::atomic<std::int64_t>[]> backlog_;
  std::atomic<std::size_t> over_limit_{0};  // workers whose backlog is at the limit or above
  std::atomic<bool> stopped_{false};
  // the probe: the lowest published frontier, and how many workers are at it
  std::mutex probe_mutex_;
  std::atomic<Epoch> lowest_;
  std::size_t at_lowest_;

  mutable std::mutex mutex_;
  std::exception_ptr error_;
  std::condition_variable gather_cv_;
  std::vector<std::vector<std::string>> gather_slots_;
  std::shared_ptr<const Assignment> gather_result_;
  std::size_t gather_arrived_ = 0;
  std::size_t gather_generation_ = 0;
  std::map<std::string, std::unique_ptr<ChannelBase>> channels_;
};

/// One worker's view of the run, handed to every node.
class WorkerContext {
 public:
  WorkerContext(RunShared& shared, std::size_t index, Duration epoch_interval,
                recovery::SnapshotWriter* snapshots = nullptr,
                const recovery::ResumeState* resume = nullptr)
      : shared_(shared),
        index_(index),
        epoch_interval_(epoch_interval),
        snapshots_(snapshots),
        resume_(resume != nullptr ? resume : &kFresh) {}
  [[nodiscard]] std::size_t index() const noexcept { return index_; }
  [[nodiscard]] std::size_t count() const noexcept { return shared_.worker_count(); }
  [[nodiscard]] Duration epoch_interval() const noexcept { return epoch_interval_; }
  [[nodiscard]] RunShared& shared() noexcept { return shared_; }
  [[nodiscard]] static Instant now() { return clock().now(); }
  /// Where steps write their state changes; null when snapshots are off.
  [[nodiscard]] recovery::SnapshotWriter* snapshots() const noexcept { return snapshots_; }
  /// What this run resumes from: its first epoch and the states snapshotted before it.
  [[nodiscard]] const recovery::ResumeState& resume() const noexcept { return *resume_; }
  [[nodiscard]] Epoch start_epoch() const noexcept { return resume_->epoch; }

 private:
  static inline const recovery::ResumeState kFresh{};
  RunShared& shared_;
  std::size_t index_;
  Duration epoch_interval_;
  recovery::SnapshotWriter* snapshots_;
  const recovery::ResumeState* resume_;
};

}  // namespace weir::detail
