// detail::step_error and rethrow_as_step_error: how a failure inside a step becomes a
// StepError naming the user's call.
#include "weir/core/errors.hpp"

#include <exception>

#include "weir/runtime/detail/guard.hpp"
#include "weir/runtime/detail/run_shared.hpp"

namespace weir::detail {

namespace {
// "op::map(\"parse\")", "next_batch of op::input(\"in\")", or the bare method when the step
// was added outside any operator call.
std::string call_text(const WorkerContext& ctx, const std::string& step_id, const char* method) {
  const CallSite* site = ctx.shared().call_of(step_id);
  if (site == nullptr || site->call.empty()) {
    return method != nullptr ? method : "its function";
  }
  if (site->direct && method != nullptr) {
    return std::string(method) + " of " + site->call;
  }
  return site->call;
}
}  // namespace

StepError step_error(const WorkerContext& ctx, const std::string& step_id,
                     const std::optional<std::string>& partition, const char* method,
                     const std::string& what, std::optional<std::string> key) {
  return {step_id, ctx.index(), partition, call_text(ctx, step_id, method), what, std::move(key)};
}

void rethrow_as_step_error(const WorkerContext& ctx, const std::string& step_id,
                           const std::optional<std::string>& partition, const char* method,
                           std::optional<std::string> key) {
  try {
    throw;
  } catch (const StepError&) {
    throw;
  } catch (const AbortExecution&) {
    throw;
  } catch (const RunStopped&) {
    throw;
  } catch (const std::exception& e) {
    std::throw_with_nested(step_error(ctx, step_id, partition, method, e.what(), std::move(key)));
  } catch (...) {
    throw step_error(ctx, step_id, partition, method, "unknown exception", std::move(key));
  }
}

}  // namespace weir::detail
