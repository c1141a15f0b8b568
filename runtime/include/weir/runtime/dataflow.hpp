#pragma once
// Dataflow and Stream<T>: the description of a dataflow that every worker instantiates.
//
// A Dataflow is a list of steps in the order they were added (which is a topological order,
// since a step can only consume streams that exist). Operators are free functions that take
// a step id first and add one step; user operators are written the same way.
//
// Step ids: non-empty, no '.', no whitespace, unique within the flow; a step's fully
// qualified id is "flow_id.step_id" and names it in every error message. A flow needs at
// least one input step and at least one output (or inspect) step; run() checks.
//
// A composite operator (one made of several steps) opens a scope with its own step id;
// the steps it adds inside are named "flow_id.step_id.inner_id", so they never clash with
// the user's ids.
//
// Every operator also opens a Call (Dataflow::call) first thing: the steps added while calls
// are open belong to the outermost one, the call the user wrote, and a step's error names it
// (`op::fold_window("sums")`), not the core step inside it.

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

#include "weir/core/errors.hpp"
#include "weir/runtime/detail/graph.hpp"

namespace weir {

class Dataflow;

namespace detail {

using PortId = std::size_t;
class WorkerGraph;

/// Builds one step on one worker: creates its node, its output ports, and subscribes to
/// its input ports.
using StepFactory = std::function<void(WorkerGraph&)>;

struct StepDef {
  std::string fq_id;
  StepRole role;
  std::vector<PortId> inputs;  // the ports it reads
  StepFactory factory;
  /// What state the step keeps in the recovery store (state_description); empty: none.
  std::string state{};
  /// How its input reaches it from other workers: empty when it stays on the worker that
  /// made it, else what routes it ("key", "partition", "round robin").
  std::string exchange{};
  /// The operator call the user wrote that added it, as `op::map("parse")` (Dataflow::call);
  /// empty when no call was open.
  std::string call{};
  /// Whether that call is the core operator that added this step itself (the user handed it
  /// their source, sink or logic directly), so the method that failed is the user's too.
  bool direct = false;
};

/// "KIND TYPE": how a stateful step's state shows in the store's record of its dataflow.
std::string state_description(std::string_view kind, const std::type_info& type);

/// What a step factory sees while one worker builds its graph.
class WorkerGraph {
 public:
  /// The graph of worker `worker` (its index in the cluster) running in `ctx`.
  WorkerGraph(WorkerContext& ctx, std::size_t worker) : ctx_(ctx), worker_(worker) {}
  [[nodiscard]] WorkerContext& ctx() noexcept { return ctx_; }
  [[nodiscard]] std::size_t worker() const noexcept { return worker_; }

  template <class T>
  Output<T>& output(PortId id) {
    return static_cast<Output<T>&>(*ports_.at(id));
  }
  void add_port(PortId id, std::unique_ptr<PortBase> port) {
    if (ports_.size() <= id) ports_.resize(id + 1);
    ports_[id] = std::move(port);
  }
  /// Port `id`'s end on this worker; `maker` counts what it emits.
  template <class T>
  Output<T>& make_output(PortId id, StepMeters maker = {}) {
    auto p = std::make_unique<Output<T>>(maker);
    auto& ref = *p;
    add_port(id, std::move(p));
    return ref;
  }
  /// Adds a node; `busy` counts the time its polls run (step_meters.hpp).
  Node& add_node(std::unique_ptr<Node> n, StepRole role, metrics::Counter* busy = nullptr) {
    nodes_.push_back(std::move(n));
    roles_.push_back(role);
    busy_.push_back(busy);
    return *nodes_.back();
  }
  template <class N, class... Args>
  N& emplace_node(StepRole role, metrics::Counter* busy, Args&&... args) {
    auto n = std::make_unique<N>(std::forward<Args>(args)...);
    auto& ref = *n;
    add_node(std::move(n), role, busy);
    return ref;
  }
  [[nodiscard]] std::vector<std::unique_ptr<Node>>& nodes() noexcept { return nodes_; }
  [[nodiscard]] const std::vector<StepRole>& roles() const noexcept { return roles_; }
  /// Each node's busy-time counter, in the order of nodes() (null: not counted).
  [[nodiscard]] const std::vector<metrics::Counter*>& busy() const noexcept { return busy_; }

 private:
  WorkerContext& ctx_;
  std::size_t worker_;
  std::vector<std::unique_ptr<PortBase>> ports_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<StepRole> roles_;
  std::vector<metrics::Counter*> busy_;
};

}  // namespace detail

template <class T>
class Stream {
 public:
  using value_type = T;
  [[nodiscard]] Dataflow& flow() const noexcept { return *flow_; }
  [[nodiscard]] detail::PortId port() const noexcept { return port_; }
  /// Whether any step reads this stream. Only final once the flow is complete: a step asks at
  /// run time (when its logic is built) whether an output it could skip has readers.
  [[nodiscard]] bool has_readers() const;

 private:
  friend class Dataflow;
  Stream(Dataflow& flow, detail::PortId port) : flow_(&flow), port_(port) {}
  Dataflow* flow_;
  detail::PortId port_;
};

class Dataflow {
 public:
  /// `flow_id` follows the step id rules.
  explicit Dataflow(std::string flow_id);
  Dataflow(const Dataflow&) = delete;
  Dataflow& operator=(const Dataflow&) = delete;
  Dataflow(Dataflow&&) = delete;
  Dataflow& operator=(Dataflow&&) = delete;
  ~Dataflow();

  [[nodiscard]] const std::string& id() const noexcept { return id_; }

  // ---- for operator implementations ----

  /// Checks `step_id` and reserves it within the current scope ("flow.step_id" at top
  /// level, "flow.outer.step_id" inside outer's scope); returns the fully qualified id.
  std::string add_step_id(std::string_view step_id);

  /// While alive, step ids are reserved inside the scope of a composite step.
  class Scope {
   public:
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;
    Scope(Scope&&) = delete;
    Scope& operator=(Scope&&) = delete;
    ~Scope() { flow_->prefixes_.pop_back(); }
    /// The composite step's fully qualified id.
    [[nodiscard]] const std::string& fq_id() const { return flow_->prefixes_.back(); }

   private:
    friend class Dataflow;
    explicit Scope(Dataflow& flow) : flow_(&flow) {}
    Dataflow* flow_;
  };
  /// Reserves `step_id` like add_step_id and opens its scope.
  [[nodiscard]] Scope scope(std::string_view step_id);

  /// While alive, the steps added belong to the operator call `name("step_id")`, unless a
  /// call is already open: the outermost is the one the user wrote. An operator opens one
  /// before anything else, with its own qualified name (`op::fold_window`).
  class Call {
   public:
    Call(const Call&) = delete;
    Call& operator=(const Call&) = delete;
    Call(Call&&) = delete;
    Call& operator=(Call&&) = delete;
    ~Call() {
      if (--flow_->call_depth_ == 0) {
        flow_->call_.clear();
      }
    }

   private:
    friend class Dataflow;
    explicit Call(Dataflow& flow) : flow_(&flow) {}
    Dataflow* flow_;
  };
  [[nodiscard]] Call call(std::string_view name, std::string_view step_id);

  /// Adds a step whose fq id came from add_step_id, recording the open call (StepDef::call).
  void add_step(detail::StepDef def);
  /// Allocates a new output port carrying T, made by the step whose id was reserved last.
  template <class T>
  Stream<T> new_stream() {
    port_types_.push_back(&typeid(T));
    port_producers_.push_back(ids_.empty() ? id_ : ids_.back());
    return Stream<T>(*this, port_types_.size() - 1);
  }
  /// Checks that `s` belongs to this flow.
  template <class T>
  void check_owns(const Stream<T>& s, std::string_view fq_id) const {
    if (&s.flow() != this) throw_foreign_stream(fq_id);
  }

  [[nodiscard]] const std::vector<detail::StepDef>& steps() const noexcept { return steps_; }
  /// The fully qualified id of the step that makes `port`.
  [[nodiscard]] const std::string& port_producer(detail::PortId port) const {
    return port_producers_.at(port);
  }
  /// The item type `port` carries.
  [[nodiscard]] const std::type_info& port_type(detail::PortId port) const {
    return *port_types_.at(port);
  }
  /// Whether any step reads `port`. Only final once the flow is complete: a step may ask at
  /// run time whether an output it could skip has readers.
  [[nodiscard]] bool has_readers(detail::PortId port) const;
  /// Throws BuildError unless the flow has an input and an output (or inspect) step.
  void validate() const;
  /// A digest (16 hex digits) of the flow's shape: its id, every step (fully qualified id,
  /// role, the streams it reads) and every stream's item type. The same program builds the
  /// same fingerprint in every process; another step, wiring or item type changes it. The
  /// processes of a cluster compare it before they exchange anything.
  [[nodiscard]] std::string fingerprint() const;

 private:
  [[noreturn]] void throw_foreign_stream(std::string_view fq_id) const;
  std::string id_;
  std::vector<detail::StepDef> steps_;
  std::vector<std::string> ids_;
  std::vector<std::string> prefixes_;
  std::string call_;            // the outermost open call, as StepDef::call shows it
  std::size_t call_depth_ = 0;  // calls open
  std::vector<const std::type_info*> port_types_;  // each stream's item type, by port
  std::vector<std::string> port_producers_;        // each stream's step, by port
};

template <class T>
bool Stream<T>::has_readers() const {
  return flow_->has_readers(port_);
}

}  // namespace weir
