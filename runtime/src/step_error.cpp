// detail::rethrow_as_step_error: how a failure inside a step becomes a StepError.
#include "weir/core/errors.hpp"

#include <exception>

#include "weir/runtime/detail/guard.hpp"
#include "weir/runtime/detail/run_shared.hpp"

namespace weir {

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
