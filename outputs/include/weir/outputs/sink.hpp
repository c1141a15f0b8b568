#pragma once
// The sink API: where a dataflow's items leave it.
//
// Contract (enforced by the runtime's `output` step):
//  * write_batch returns only once the items are written; that is what makes delivery
//    at-least-once. A stateful partition that snapshots its write position and truncates to
//    it on resume makes delivery exactly-once.
//  * snapshot() is taken at the end of every epoch in which the partition was written.
//  * close() runs exactly once per built partition: when the upstream ends, or when the run
//    is torn down.
//  * on_epoch_committed(epoch) runs once the epoch is durable (recovery on): the place to
//    finalise what the epoch wrote. It comes before the snapshot() of any later epoch, so
//    what the epoch wrote is what was written up to the last snapshot(): a partition may
//    already hold writes of the next epoch (sources run one epoch ahead of the store), and
//    a two-phase sink finalises up to the position its last snapshot() recorded.
//  * A sink object is shared by the workers of a process: list_parts, part_fn, build_part and
//    build may be called concurrently from several worker threads.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "weir/core/epoch.hpp"

namespace weir {

template <class X>
class StatelessSinkPartition {
 public:
  using item_type = X;
  StatelessSinkPartition() = default;
  StatelessSinkPartition(const StatelessSinkPartition&) = delete;
  StatelessSinkPartition& operator=(const StatelessSinkPartition&) = delete;
  virtual ~StatelessSinkPartition() = default;

  /// Writes the batch (moved in; batching is not deterministic).
  virtual void write_batch(std::vector<X>&& items) = 0;
  virtual void close() {}
  virtual void on_epoch_committed(Epoch /*epoch*/) {}
};

template <class X, class S>
class StatefulSinkPartition : public StatelessSinkPartition<X> {
 public:
  using state_type = S;
  /// The state to resume writing from: the position after the last write.
  [[nodiscard]] virtual S snapshot() = 0;
};

/// A sink with a fixed set of named partitions, fed from a keyed stream of (K, X): each item
/// goes to partition part_fn(key) % N of the sorted global partition list, on the worker that
/// owns that partition; the partition is given the values only.
template <class X, class S, class K = std::string>
class FixedPartitionedSink {
 public:
  using item_type = X;
  using state_type = S;
  using key_type = K;
  using partition_type = StatefulSinkPartition<X, S>;
  virtual ~FixedPartitionedSink() = default;

  [[nodiscard]] virtual std::vector<std::string> list_parts() const = 0;
  /// Must give the same value for a key in every process and every run. The runtime's
  /// default is weir::stable_hash of the key.
  [[nodiscard]] virtual std::optional<std::uint64_t> part_fn(const K& /*key*/) const {
    return std::nullopt;
  }
  virtual std::unique_ptr<partition_type> build_part(const std::string& step_id,
                                                     const std::string& for_part,
                                                     std::optional<S> resume_state) const = 0;
};

/// A sink built once on every worker, writing whatever that worker holds.
template <class X>
class DynamicSink {
 public:
  using item_type = X;
  using partition_type = StatelessSinkPartition<X>;
  virtual ~DynamicSink() = default;

  virtual std::unique_ptr<partition_type> build(const std::string& step_id,
                                                std::size_t worker_index,
                                                std::size_t worker_count) const = 0;
};

}  // namespace weir
