#pragma once
// What the workers of one process share during a run: wake-up signals, the first error,
// the rendezvous used while building, exchange channels, and the probe (how far every
// output has got) that gates sources for backpressure.
//
// In a cluster (P processes of W workers each) the workers are numbered over the whole
// cluster: process p runs global workers p*W to p*W+W-1. Routing, partition assignment and
// step errors and the recovery writer use global indices (WorkerContext::index); what is
// this process's alone, the wake-up signals, backlogs and probe slots, uses local ones
// (local_index). RunShared then also speaks for this process to the others through a Peers
// (cluster_frames.hpp): the probe and the backlog state travel as frames whenever they change
// here, and the partition rendezvous, the first error and the end are agreed with every
// process.

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
#include <string_view>
#include <vector>

#include "weir/core/clock.hpp"
#include "weir/recovery/snapshot.hpp"
#include "weir/runtime/detail/graph.hpp"
#include "weir/runtime/detail/wire_channel.hpp"

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

/// Where this process sits in its cluster (one process, one part: the defaults).
struct Topology {
  std::size_t processes = 1;
  std::size_t process_id = 0;
};

/// The other processes of a cluster, as the run sees them (cluster_frames.hpp encodes what
/// it sends; the mesh carries it).
class Peers {
 public:
  Peers() = default;
  Peers(const Peers&) = delete;
  Peers& operator=(const Peers&) = delete;
  virtual ~Peers() = default;
  /// Sends one frame to process `process`; may block while its connection is full. Throws
  /// ClusterError once that process is lost.
  virtual void send(std::size_t process, std::uint8_t kind, std::string_view payload) = 0;
};

/// The operator call a step's errors name (StepDef::call and StepDef::direct).
struct CallSite {
  std::string call;
  bool direct = false;
};

class RunShared {
 public:
  /// Mailbox batches a worker may hold before sources everywhere pause.
  static constexpr std::int64_t kBacklogLimit = 256;

  /// `workers`: this process's; `start`: the run's first epoch.
  explicit RunShared(std::size_t workers, Epoch start = kFirstEpoch, Topology topology = {});

  /// Workers in the whole cluster (P x W).
  [[nodiscard]] std::size_t worker_count() const noexcept { return total_; }
  /// Workers in this process (W).
  [[nodiscard]] std::size_t local_count() const noexcept { return signals_.size(); }
  /// This process's first global worker index.
  [[nodiscard]] std::size_t first_worker() const noexcept { return first_; }
  [[nodiscard]] bool is_local(std::size_t worker) const noexcept {
    return worker - first_ < signals_.size();  // wraps below first_
  }
  [[nodiscard]] const Topology& topology() const noexcept { return topology_; }
  /// The process running global worker `worker`.
  [[nodiscard]] std::size_t process_of(std::size_t worker) const noexcept {
    return worker / signals_.size();
  }

  /// The other processes; set once before the workers start, when P > 1.
  void connect(Peers* peers) { peers_ = peers; }
  [[nodiscard]] Peers* peers() const noexcept { return peers_; }
  /// Sends a frame to every other process (nothing with one process).
  void broadcast(std::uint8_t kind, std::string_view payload);

  /// Records each step's call (by fully qualified step id); set once before the workers start.
  void name_calls(std::map<std::string, CallSite, std::less<>> calls) { calls_ = std::move(calls); }
  /// The call that added step `step_id`; null if none was recorded.
  [[nodiscard]] const CallSite* call_of(std::string_view step_id) const {
    auto it = calls_.find(step_id);
    return it != calls_.end() ? &it->second : nullptr;
  }

  /// Local worker `worker`'s wake-up.
  WorkerSignal& signal(std::size_t worker) { return *signals_[worker]; }
  void wake_all();

  /// Records the first failure, stops every worker and wakes them. `from_peer`: another
  /// process stopped the run (so it need not be told).
  void fail(std::exception_ptr e, bool from_peer = false);
  [[nodiscard]] bool stopped() const noexcept { return stopped_.load(std::memory_order_acquire); }
  /// The run stopped because another process did (or was lost).
  [[nodiscard]] bool stopped_by_peer() const;
  [[nodiscard]] std::exception_ptr error() const;

  /// Partitions assigned to workers: (partition, owning global worker), sorted by partition.
  using Assignment = std::vector<std::pair<std::string, std::size_t>>;
  /// Every local worker calls this with the partitions it lists, in the same order; the last
  /// to arrive gathers every process's lists (in a cluster), assigns the union once
  /// (assign_partitions) and every worker gets that one result. Throws RunStopped if the run
  /// fails meanwhile.
  std::shared_ptr<const Assignment> assign_all(std::size_t local_worker,
                                               std::vector<std::string> mine);
  /// Process `process`'s lists (one per worker) for rendezvous number `round`.
  void gathered(std::size_t process, std::size_t round,
                std::vector<std::vector<std::string>> lists);

  /// The channel registered under `key`, made by `make` on first use (by any worker).
  ChannelBase& channel(const std::string& key,
                       const std::function<std::unique_ptr<ChannelBase>()>& make);
  /// The part of exchange `key` that is not typed (its frontier, the batches from other
  /// processes), made on first use by a worker or by a frame that arrives first.
  WireChannel& wire_channel(const std::string& key);

  /// Probe: local worker w's outputs have completed every epoch below `completed` (which only
  /// rises). Wakes every worker when the lowest of all rises, since sources wait on it.
  void publish_completed(std::size_t local_worker, Epoch completed);
  /// Process `process`'s outputs have completed every epoch below `completed`.
  void peer_completed(std::size_t process, Epoch completed);
  /// Every epoch below the result is complete at every output of every worker of every
  /// process. O(1): the lowest is kept as workers publish, not searched for.
  [[nodiscard]] Epoch probe() const noexcept { return global_.load(std::memory_order_acquire); }

  /// Mailbox backlog of a local worker, in batches. A worker that crosses the limit tells the
  /// other processes at once.
  void add_backlog(std::size_t local_worker, std::int64_t n) {
    if (add_backlog_quietly(local_worker, n)) {
      tell_backlog();
    }
  }
  /// The same from the mesh's reader thread, which never sends: the change is left for the
  /// next worker loop (tell_backlog_if_untold). The caller then wakes the target worker.
  void add_backlog_from_reader(std::size_t local_worker, std::int64_t n) {
    if (add_backlog_quietly(local_worker, n)) {
      untold_.store(true, std::memory_order_release);
    }
  }
  /// Tells the other processes a change the reader left. Workers call it once per loop.
  void tell_backlog_if_untold() {
    if (untold_.load(std::memory_order_relaxed) && untold_.exchange(false)) {
      tell_backlog();
    }
  }
  void remove_backlog(std::size_t local_worker, std::int64_t n);
  /// Batches waiting in local worker w's mailboxes.
  [[nodiscard]] std::int64_t backlog(std::size_t local_worker) const noexcept {
    return backlog_[local_worker].load(std::memory_order_relaxed);
  }
  /// Whether process `process` has a worker at the backlog limit.
  void peer_backlog(std::size_t process, bool over);
  /// No worker of any process holds kBacklogLimit batches or more (O(1)).
  [[nodiscard]] bool backlog_ok() const noexcept {
    return over_limit_.load(std::memory_order_relaxed) == 0 &&
           peers_over_.load(std::memory_order_relaxed) == 0;
  }

 private:
  void tell_backlog();
  // Whether this local worker crossed the limit upwards and the others must hear of it.
  bool add_backlog_quietly(std::size_t local_worker, std::int64_t n) {
    const std::int64_t before = backlog_[local_worker].fetch_add(n, std::memory_order_relaxed);
    return before < kBacklogLimit && before + n >= kBacklogLimit &&
           over_limit_.fetch_add(1, std::memory_order_relaxed) == 0 && peers_ != nullptr;
  }
  // Records a process's lowest (this one's too) and recomputes the cluster's. The reader
  // thread calls it, so it takes only global_mutex_, which no one holds while sending.
  void raise_global(std::size_t process, Epoch lowest);

  Topology topology_;
  std::size_t total_;
  std::size_t first_;
  Peers* peers_ = nullptr;
  std::vector<std::unique_ptr<WorkerSignal>> signals_;
  std::unique_ptr<std::atomic<Epoch>[]> completed_;
  std::unique_ptr<std::atomic<std::int64_t>[]> backlog_;
  std::atomic<std::size_t> over_limit_{0};  // local workers at the backlog limit or above
  std::atomic<std::size_t> peers_over_{0};  // processes that said they have such a worker
  std::mutex backlog_mutex_;                // orders what is told of the backlog
  bool told_over_ = false;
  std::atomic<bool> untold_{false};  // the reader saw a crossing that is not yet told
  std::mutex peer_mutex_;            // guards peer_over_
  std::vector<bool> peer_over_;
  std::atomic<bool> stopped_{false};
  // the probe: this process's lowest published frontier and how many workers are at it
  // (probe_mutex_, held while the lowest is told to the others, so they hear it in order);
  // every process's lowest (global_mutex_, never held while sending), and the least of them
  std::mutex probe_mutex_;
  Epoch lowest_;
  std::size_t at_lowest_;
  std::mutex global_mutex_;
  std::vector<Epoch> peer_lowest_;
  std::atomic<Epoch> global_;

  mutable std::mutex mutex_;
  std::exception_ptr error_;
  bool stopped_by_peer_ = false;
  std::condition_variable gather_cv_;
  std::vector<std::vector<std::string>> gather_slots_;  // global worker -> its list
  std::shared_ptr<const Assignment> gather_result_;
  std::size_t gather_arrived_ = 0;
  std::size_t gather_generation_ = 0;
  // rounds of other processes that arrived: round -> processes heard from
  std::map<std::size_t, std::pair<std::size_t, std::vector<std::vector<std::string>>>>
      gather_peers_;
  std::map<std::string, std::unique_ptr<ChannelBase>> channels_;
  std::mutex wire_mutex_;
  std::map<std::string, std::unique_ptr<WireChannel>> wire_channels_;
  std::map<std::string, CallSite, std::less<>> calls_;
};

/// One worker's view of the run, handed to every node.
class WorkerContext {
 public:
  /// `index`: the worker's local index.
  WorkerContext(RunShared& shared, std::size_t index, Duration epoch_interval,
                recovery::SnapshotWriter* snapshots = nullptr,
                const recovery::ResumeState* resume = nullptr)
      : shared_(shared),
        index_(index),
        epoch_interval_(epoch_interval),
        snapshots_(snapshots),
        resume_(resume != nullptr ? resume : &kFresh) {}
  /// This worker's index among all workers of the cluster (routing, partitions, errors).
  [[nodiscard]] std::size_t index() const noexcept { return shared_.first_worker() + index_; }
  /// Its index among this process's workers (signals, backlog, probe).
  [[nodiscard]] std::size_t local_index() const noexcept { return index_; }
  /// Workers in the whole cluster.
  [[nodiscard]] std::size_t count() const noexcept { return shared_.worker_count(); }
  [[nodiscard]] Duration epoch_interval() const noexcept { return epoch_interval_; }
  [[nodiscard]] RunShared& shared() noexcept { return shared_; }
  [[nodiscard]] const RunShared& shared() const noexcept { return shared_; }
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
