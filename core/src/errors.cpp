#include "weir/core/errors.hpp"

#include <utility>

namespace weir {

namespace {
std::string step_message(const std::string& step_id, std::size_t worker,
                         const std::optional<std::string>& partition, const std::string& call,
                         const std::string& what) {
  std::string m = "step '" + step_id + "' failed in " + call + " (";
  if (partition) {
    m += "partition '" + *partition + "', ";
  }
  return m + "worker " + std::to_string(worker) + "): " + what;
}
}  // namespace

StepError::StepError(std::string step_id, std::size_t worker, std::optional<std::string> partition,
                     const std::string& call, const std::string& what)
    : Error(step_message(step_id, worker, partition, call, what)),
      step_id_(std::move(step_id)),
      worker_(worker),
      partition_(std::move(partition)) {}

}  // namespace weir
