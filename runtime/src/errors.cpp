#include "weir/runtime/errors.hpp"

#include <fmt/format.h>

#include <exception>

#include "weir/inputs/errors.hpp"
#include "weir/runtime/detail/guard.hpp"
#include "weir/runtime/detail/run_shared.hpp"

namespace weir {

namespace {
std::string step_message(const std::string& step_id, std::size_t worker,
                         const std::optional<std::string>& partition, const std::string& call,
                         const std::string& what) {
  if (partition) {
    return fmt::format("step '{}' failed in {} (partition '{}', worker {}): {}", step_id, call,
                       *partition, worker, what);
  }
  return fmt::format("step '{}' failed in {} (worker {}): {}", step_id, call, worker, what);
}
}  // namespace

StepError::StepError(std::string step_id, std::size_t worker, std::optional<std::string> partition,
                     const std::string& call, const std::string& what)
    : std::runtime_error(step_message(step_id, worker, partition, call, what)),
      step_id_(std::move(step_id)),
      worker_(worker),
      partition_(std::move(partition)) {}

namespace detail {

void rethrow_as_step_error(const std::string& step_id, std::size_t worker,
                           const std::optional<std::string>& partition, const char* call) {
  try {
    throw;
  } catch (const StepError&) {
    throw;
  } catch (const AbortExecution&) {
    throw;
  } catch (const RunStopped&) {
    throw;
  } catch (const std::exception& e) {
    std::throw_with_nested(StepError(step_id, worker, partition, call, e.what()));
  } catch (...) {
    throw StepError(step_id, worker, partition, call, "unknown exception");
  }
}

}  // namespace detail
}  // namespace weir
