#pragma once
// Errors a run reports. Every failure inside a step names the step (its fully qualified id,
// "flow.step"), the worker, and the partition where there is one.

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>

namespace weir {

/// A dataflow that cannot be built: a malformed or duplicate step id, no input, no output.
class BuildError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// User code (a source, sink, or operator callback) failed while the dataflow ran.
class StepError : public std::runtime_error {
 public:
  StepError(std::string step_id, std::size_t worker, std::optional<std::string> partition,
            const std::string& call, const std::string& what);
  [[nodiscard]] const std::string& step_id() const noexcept { return step_id_; }
  [[nodiscard]] std::size_t worker() const noexcept { return worker_; }
  [[nodiscard]] const std::optional<std::string>& partition() const noexcept { return partition_; }

 private:
  std::string step_id_;
  std::size_t worker_;
  std::optional<std::string> partition_;
};

/// The run was stopped by an interrupt (Ctrl-C).
class Interrupted : public std::runtime_error {
 public:
  Interrupted()
      : std::runtime_error("interrupt signal received, all workers have been shut down") {}
};

}  // namespace weir
