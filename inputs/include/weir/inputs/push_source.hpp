#pragma once
// Push-style sources: for clients that own a loop and call back, the user writes run(), and
// the runtime runs it on a thread of its own and hands what it pushes to the dataflow.
//
// Three shapes, each a class to derive from and build through PushSource:
//  * Subject<X> (Pathway's ConnectorSubject): run() calls next(item), commit() and close().
//    Items reach the dataflow at commit() or, at the latest, `autocommit` after they were
//    pushed; a group committed together is never split across an epoch. close() ends the
//    partition (returning from run() does too, committing what was pushed). on_stop() is
//    called (from the worker's thread) when the partition stops: the dataflow ends or stops,
//    or run() failed; use it to make a blocking run() return.
//  * Producer<X> (Quix's Source): run() loops while running(), calling produce(item); each
//    item reaches the dataflow at once. When the dataflow stops, running() turns false and
//    run() must return within `shutdown_timeout`.
//  * StatefulProducer<X>: a Producer with a key/value state() and flush(). flush() releases
//    the items produced since the last flush together with the state as of that moment;
//    the state is snapshotted with the epoch whose items it covers, and after a restart
//    run() starts with the state of the last committed epoch (items produced after the
//    last flush are produced again by the resumed run()). Returning from run() flushes.
//
// Backpressure: at most `backlog` items wait between run() and the dataflow; next(),
// produce() and a full ring block until the worker has taken some. Once the partition is
// stopped, next(), produce(), commit() and flush() throw PushStopped: let it propagate.
//
// Partitions: PushSource takes partition names; each partition gets its own object (from
// `make(partition)`), its own run() thread and its own state, and is assigned to a worker
// like any fixed partition. An exception from run() stops the dataflow with an error naming
// the step and partition, after every item committed before it has been delivered.
//
// Isolation (PushOptions::isolate): each partition's run() runs in a child process forked
// when the partition is built, against a ring of its own; what it releases crosses a pipe
// (items through Wire<X>) and is pushed into the partition here. A crash or abort there stops
// the dataflow with an error naming the signal, leaving this process and its committed state
// untouched; items released in the child but not yet across the pipe are lost with it
// (resume replays them as for any crash); a StatefulProducer's items are released here
// together with the state that covers them, as in one process. Stopping closes a pipe; the
// child calls on_stop() and must end within the shutdown timeout, or it is killed. The
// child dies with its parent and keeps no descriptor but its pipes and the standard ones
// (child_process.hpp): open connections in run(), not in the constructor.
//
// Guarantees: Subject and Producer restart run() from scratch on resume (at-least-once if
// run() replays its input, at-most-once if it reads only new data); StatefulProducer resumes
// from its last committed state (exactly-once with an exactly-once sink, for a run() that
// produces deterministically from its state).

#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "weir/core/clock.hpp"
#include "weir/inputs/detail/push_endpoint.hpp"
#include "weir/inputs/detail/push_partition.hpp"
#include "weir/inputs/key_value_state.hpp"
#include "weir/inputs/push_options.hpp"
#include "weir/inputs/push_wire.hpp"
#include "weir/inputs/source.hpp"

namespace weir::push {

template <class X>
class Subject : public detail::PushBase<X> {
 public:
  static constexpr detail::Release kRelease = detail::Release::commit;
  virtual void on_stop() {}

 protected:
  /// Queues `item`; blocks while the backlog is full.
  void next(X item) { this->endpoint_.ring->push(std::move(item)); }
  /// Releases every item queued so far to the dataflow, as one group.
  void commit() { this->endpoint_.ring->commit(); }
  /// No more items: commits, and the partition ends once they are delivered.
  void close() {
    this->endpoint_.ring->commit();
    this->endpoint_.closed->store(true, std::memory_order_release);
    this->endpoint_.ring->wake_consumer();
  }
};

template <class X>
class Producer : public detail::PushBase<X> {
 public:
  static constexpr detail::Release kRelease = detail::Release::immediate;

 protected:
  /// False once the dataflow stops this partition: run() must return.
  [[nodiscard]] bool running() const {
    return this->endpoint_.running->load(std::memory_order_acquire);
  }
  /// Hands `item` to the dataflow; blocks while the backlog is full.
  void produce(X item) { this->endpoint_.ring->push(std::move(item)); }
};

template <class X>
class StatefulProducer : public detail::PushBase<X> {
 public:
  static constexpr detail::Release kRelease = detail::Release::commit_only;

 protected:
  [[nodiscard]] bool running() const {
    return this->endpoint_.running->load(std::memory_order_acquire);
  }
  /// Queues `item`; it reaches the dataflow at the next flush().
  void produce(X item) { this->endpoint_.ring->push(std::move(item)); }
  /// The state: at the start of run(), as of the last committed epoch (empty on a fresh run).
  KeyValueState& state() { return state_; }
  /// Releases the items produced since the last flush, with the state as of now.
  void flush() {
    this->endpoint_.on_flush(this->endpoint_.ring->pushed(), state_.encode());
    this->endpoint_.ring->commit();
  }

 private:
  template <class>
  friend struct detail::PushRun;
  KeyValueState state_;
};

/// A fixed-partitioned source whose partitions are push objects (Subject, Producer or
/// StatefulProducer subclasses) made by `make(partition name)`.
template <class Impl>
class PushSource final : public FixedPartitionedSource<typename Impl::item_type, std::string> {
 public:
  using X = typename Impl::item_type;
  using Make = std::function<std::unique_ptr<Impl>(const std::string& partition)>;

  PushSource(std::vector<std::string> partitions, Make make, PushOptions options = {})
      : partitions_(std::move(partitions)), make_(std::move(make)), options_(options) {
    if (partitions_.empty()) throw std::invalid_argument("a push source needs a partition");
    if (options_.autocommit <= Duration::zero()) {
      throw std::invalid_argument("a push source's autocommit interval must be positive");
    }
  }
  /// One partition named `name`.
  PushSource(std::string name, Make make, PushOptions options = {})
      : PushSource(std::vector<std::string>{std::move(name)}, std::move(make), options) {}

  [[nodiscard]] std::vector<std::string> list_parts() const override { return partitions_; }
  std::unique_ptr<StatefulSourcePartition<X, std::string>> build_part(
      const std::string& /*step_id*/, const std::string& for_part,
      std::optional<std::string> resume_state) const override {
    return std::make_unique<detail::PushPartition<Impl>>(make_(for_part), options_,
                                                         std::move(resume_state));
  }

 private:
  std::vector<std::string> partitions_;
  Make make_;
  PushOptions options_;
};

}  // namespace weir::push
