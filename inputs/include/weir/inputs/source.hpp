#pragma once
// The pull-style source API: what the runtime polls, and how a source is split into
// partitions spread over workers.
//
// Contract (the runtime enforces it: weir/runtime/detail/source_nodes.hpp polls partitions):
//  * next_batch() never blocks. It returns the items ready now (an empty vector means
//    "nothing now", not the end), or `end_of_partition` once the partition is exhausted.
//    An exhausted partition is closed exactly once and never polled again.
//  * next_awake() is asked right after the partition is built and after every next_batch.
//    An instant: next_batch is not called before it. None after a non-empty batch: polled
//    again at once. None after an empty batch: polled again after a 1 ms cooldown.
//  * snapshot() returns the state from which build_part resumes right after the last item
//    next_batch returned. It is never called after close().
//  * close() runs once per built partition: when it ends, or when the run is torn down.
//  * on_epoch_committed(epoch) runs once an epoch covering the partition's items is durable
//    in the recovery store (only with recovery on), before the partition is polled again:
//    the last snapshot() it gave is then the one that epoch stored. A partition that ended
//    is closed only after it hears of the epoch that stored its end.
//  * set_waker(wake) hands the partition a way to wake its worker from another thread: the
//    worker then polls the partition without waiting for next_awake.
//  * lag() is asked after every next_batch that did not end the partition: how many items
//    the partition is behind the newest its input holds (Kafka: the high watermark minus the
//    next offset), or none where the source cannot tell. It feeds the weir_source_lag metric.
//  * A source object is shared by every worker of a process: list_parts, build_part and
//    build may be called concurrently from several worker threads.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "weir/core/clock.hpp"
#include "weir/core/epoch.hpp"

namespace weir {

/// What next_batch returns: a batch (possibly empty), or end_of_partition.
template <class X>
using NextBatch = std::optional<std::vector<X>>;

inline constexpr std::nullopt_t end_of_partition = std::nullopt;

template <class X>
class StatelessSourcePartition {
 public:
  using item_type = X;
  StatelessSourcePartition() = default;
  StatelessSourcePartition(const StatelessSourcePartition&) = delete;
  StatelessSourcePartition& operator=(const StatelessSourcePartition&) = delete;
  virtual ~StatelessSourcePartition() = default;

  virtual NextBatch<X> next_batch() = 0;
  [[nodiscard]] virtual std::optional<Instant> next_awake() { return std::nullopt; }
  virtual void close() {}
  virtual void on_epoch_committed(Epoch /*epoch*/) {}
  /// Called once, right after the partition is built, with a function that makes its worker
  /// poll it soon even while it sleeps until next_awake. Safe to call from any thread until
  /// close() returns; for partitions fed by threads of their own (push sources).
  virtual void set_waker(std::function<void()> /*wake*/) {}
  /// Items behind the newest of its input, if known; cheap (no I/O): asked after each batch.
  [[nodiscard]] virtual std::optional<std::int64_t> lag() const { return std::nullopt; }
};

template <class X, class S>
class StatefulSourcePartition : public StatelessSourcePartition<X> {
 public:
  using state_type = S;
  [[nodiscard]] virtual S snapshot() = 0;
};

/// A source with a fixed set of named partitions. Each partition is built on exactly one
/// worker (chosen deterministically, least-loaded first), with the state it snapshotted
/// last time when the run resumes.
template <class X, class S>
class FixedPartitionedSource {
 public:
  using item_type = X;
  using state_type = S;
  using partition_type = StatefulSourcePartition<X, S>;
  virtual ~FixedPartitionedSource() = default;

  /// The partitions reachable from this worker. Called once on every worker; the union over
  /// all workers is the partition set. An empty union is an error.
  [[nodiscard]] virtual std::vector<std::string> list_parts() const = 0;

  virtual std::unique_ptr<partition_type> build_part(const std::string& step_id,
                                                     const std::string& for_part,
                                                     std::optional<S> resume_state) const = 0;
};

/// A source built once on every worker; each worker's partition reads its own disjoint
/// share. Nothing is snapshotted, so a resumed run starts it from scratch.
template <class X>
class DynamicSource {
 public:
  using item_type = X;
  using partition_type = StatelessSourcePartition<X>;
  virtual ~DynamicSource() = default;

  virtual std::unique_ptr<partition_type> build(const std::string& step_id,
                                                std::size_t worker_index,
                                                std::size_t worker_count) const = 0;
};

}  // namespace weir
