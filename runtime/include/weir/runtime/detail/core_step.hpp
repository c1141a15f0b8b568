#pragma once
// add_core_step: the one skeleton every core operator's step is added with.
//
// A core operator reserves its step id (Dataflow::add_step_id), makes its output streams, and
// adds a step whose factory, on each worker, builds the step's node, makes the worker's end of
// each output stream, and subscribes the node to its input streams. add_core_step does the
// adding; the operator says only what differs: how its node is built (a StepSite in hand).

#include <string>
#include <utility>
#include <vector>

#include "weir/runtime/dataflow.hpp"

namespace weir::detail {

/// Where one step's node is built on one worker.
class StepSite {
 public:
  StepSite(WorkerGraph& graph, const std::string& fq_id, StepRole role)
      : graph_(graph), fq_id_(fq_id), role_(role), meters_(step_meters(fq_id, graph.worker())) {}

  [[nodiscard]] const std::string& fq_id() const noexcept { return fq_id_; }
  [[nodiscard]] WorkerContext& ctx() noexcept { return graph_.ctx(); }
  /// The worker's end of output stream `s`. REQUIRES: `s` is one of this step's outputs.
  template <class T>
  Output<T>& output(const Stream<T>& s) {
    return graph_.make_output<T>(s.port(), meters_);
  }
  /// Builds the step's node (once per step and worker) from `args`.
  template <class N, class... Args>
  N& node(Args&&... args) {
    return graph_.emplace_node<N>(role_, meters_.busy_ns, std::forward<Args>(args)...);
  }
  /// Delivers input stream `s` to `r` (a node, or one of a node's inputs).
  /// REQUIRES: `s` is one of this step's inputs, made by an earlier step.
  template <class T>
  void read(const Stream<T>& s, Receiver<T>& r) {
    graph_.output<T>(s.port()).subscribe(&r, meters_);
  }

 private:
  WorkerGraph& graph_;
  const std::string& fq_id_;
  StepRole role_;
  StepMeters meters_;
};

/// Adds step `fq_id` (from flow.add_step_id) reading `inputs`; on each worker, build(site)
/// makes its node. `state` describes what it keeps in the recovery store (empty: nothing);
/// `exchange` what routes its input between workers (StepDef::exchange; empty: nothing).
template <class Build>
void add_core_step(Dataflow& flow, std::string fq_id, StepRole role, std::vector<PortId> inputs,
                   Build build, std::string state = {}, std::string exchange = {}) {
  StepFactory factory = [fq_id, role, build = std::move(build)](WorkerGraph& g) mutable {
    StepSite site(g, fq_id, role);
    build(site);
  };
  flow.add_step({std::move(fq_id), role, std::move(inputs), std::move(factory), std::move(state),
                 std::move(exchange)});
}

}  // namespace weir::detail
