#include "weir/core/errors.hpp"

#include <utility>

namespace weir {

namespace {
std::string step_message(const std::string& step_id, std::size_t worker,
                         const std::optional<std::string>& partition, const std::string& call,
                         const std::string& what, const std::optional<std::string>& key) {
  std::string m = "step '" + step_id + "' failed in " + call + " (";
  if (partition) {
    m += "partition '" + *partition + "', ";
  }
  m += "worker " + std::to_string(worker);
  if (key) {
    m += ", key " + *key;
  }
  return m + "): " + what;
}
}  // namespace

StepError::StepError(std::string step_id, std::size_t worker, std::optional<std::string> partition,
                     const std::string& call, const std::string& what,
                     std::optional<std::string> key)
    : Error(step_message(step_id, worker, partition, call, what, key)),
      step_id_(std::move(step_id)),
      worker_(worker),
      partition_(std::move(partition)),
      key_(std::move(key)) {}

}  // namespace weir
