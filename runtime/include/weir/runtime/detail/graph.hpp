#pragma once
// The per-worker execution graph: how batches and frontiers move between steps.
//
// Every worker instantiates the whole dataflow. Within a worker, steps push to each other
// directly: an Output<T> hands each batch (moved; copied only for all but the last of
// several subscribers) to its Receivers, together with the epoch it belongs to. A frontier
// f sent on an output promises that no batch of an epoch below f follows; kDone means the
// stream ended. Between workers, Exchange (exchange.hpp) carries the same two messages
// through mailboxes.
//
// Nodes are the steps the worker loop visits: each poll() does whatever is ready (polling
// sources, draining mailboxes, firing timers) and wake_at() says when it next has work.

#include <algorithm>
#include <cstddef>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "weir/core/clock.hpp"
#include "weir/core/epoch.hpp"
#include "weir/inputs/source.hpp"
#include "weir/runtime/detail/step_meters.hpp"

namespace weir {

namespace detail {

class WorkerContext;

template <class T>
class Receiver {
 public:
  Receiver() = default;
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;
  virtual ~Receiver() = default;
  virtual void on_batch(Epoch epoch, std::vector<T>&& items) = 0;
  virtual void on_frontier(Epoch frontier) = 0;
};

class PortBase {
 public:
  PortBase() = default;
  PortBase(const PortBase&) = delete;
  PortBase& operator=(const PortBase&) = delete;
  virtual ~PortBase() = default;
};

/// One output of one step on one worker.
template <class T>
class Output final : public PortBase {
 public:
  /// `maker` counts the items this output emits (step_meters.hpp); empty: nothing counted.
  explicit Output(StepMeters maker = {}) : maker_(maker) {}

  /// Delivers to `r`; `reader` counts what reaches it and the time it runs.
  void subscribe(Receiver<T>* r, StepMeters reader = {}) { receivers_.push_back({r, reader}); }

  void emit(Epoch epoch, std::vector<T>&& items) {
    if (items.empty() || receivers_.empty()) return;
    if (maker_.items_out != nullptr) maker_.items_out->add_single_writer(items.size());
    for (std::size_t i = 0; i + 1 < receivers_.size(); ++i) {
      deliver(receivers_[i], epoch, std::vector<T>(items));
    }
    deliver(receivers_.back(), epoch, std::move(items));
  }

  void advance(Epoch frontier) {
    if (frontier <= frontier_) return;
    frontier_ = frontier;
    for (auto& r : receivers_) r.receiver->on_frontier(frontier);
  }

  [[nodiscard]] Epoch frontier() const noexcept { return frontier_; }

 private:
  struct Reader {
    Receiver<T>* receiver;
    StepMeters meters;
  };
  static void deliver(const Reader& r, Epoch epoch, std::vector<T>&& items) {
    if (r.meters.items_in != nullptr) r.meters.items_in->add_single_writer(items.size());
    const BusyTimer::Scope busy(r.meters.busy_ns);
    r.receiver->on_batch(epoch, std::move(items));
  }
  StepMeters maker_;
  std::vector<Reader> receivers_;
  Epoch frontier_ = kFirstEpoch;
};

/// The frontier of several inputs: the lowest of theirs.
class FrontierSet {
 public:
  explicit FrontierSet(std::size_t inputs) : frontiers_(inputs, kFirstEpoch), at_min_(inputs) {}
  /// Records input i's new frontier; returns the combined frontier if it moved. O(1) but once
  /// per rise of the lowest, when the inputs are searched: an exchange's W senders each moving
  /// on once cost O(W), not O(W^2).
  std::optional<Epoch> advance(std::size_t i, Epoch f) {
    if (f <= frontiers_[i]) {
      return std::nullopt;
    }
    const bool was_lowest = frontiers_[i] == min_;
    frontiers_[i] = f;
    if (!was_lowest || --at_min_ > 0) {
      return std::nullopt;
    }
    // the last input at the lowest moved on: the lowest rises to the next one
    min_ = *std::min_element(frontiers_.begin(), frontiers_.end());
    at_min_ = static_cast<std::size_t>(std::count(frontiers_.begin(), frontiers_.end(), min_));
    return min_;
  }
  [[nodiscard]] Epoch min() const noexcept { return min_; }

 private:
  std::vector<Epoch> frontiers_;
  Epoch min_ = kFirstEpoch;
  std::size_t at_min_;  // inputs whose frontier is min_
};

/// What a step is to the run: an input (polled for items), an output or an inspect step (what
/// the run waits on to complete epochs), or a transform (every other step).
enum class StepRole { input, output, inspect, transform };

class Node {
 public:
  explicit Node(std::string step_id) : step_id_(std::move(step_id)) {}
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;
  virtual ~Node() = default;

  /// Does the work that is ready; returns whether anything happened.
  virtual bool poll(WorkerContext& /*ctx*/) { return false; }
  /// When this node next has work of its own (not counting arriving data).
  [[nodiscard]] virtual std::optional<Instant> wake_at() const { return std::nullopt; }
  /// Whether this node has seen the end of all its inputs and passed it on.
  [[nodiscard]] virtual bool finished() const = 0;
  /// The epochs below this are fully written here (outputs and inspect steps) and their
  /// state changes handed to the snapshot writer (stateful steps and fixed sinks).
  [[nodiscard]] virtual Epoch completed() const { return kEpochDone; }
  /// For inputs that have finished: one past the last epoch they used (0: none, or not an
  /// input). A run that ends resumes from the highest of these.
  [[nodiscard]] virtual Epoch end_epoch() const { return 0; }
  /// Every epoch up to and including `epoch` is committed in the recovery store.
  virtual void on_committed(Epoch /*epoch*/) {}
  /// Releases user resources (closes partitions) when the run ends or stops.
  virtual void teardown(WorkerContext& /*ctx*/) {}

  [[nodiscard]] const std::string& step_id() const noexcept { return step_id_; }

 private:
  std::string step_id_;
};

}  // namespace detail
}  // namespace weir
