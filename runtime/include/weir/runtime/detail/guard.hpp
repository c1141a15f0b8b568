#pragma once
// Runs user code and turns its exceptions into a StepError naming the step, worker and
// partition. Exceptions that already carry that context, and deliberate aborts, pass as is.

#include <exception>
#include <optional>
#include <string>
#include <utility>

#include "weir/core/errors.hpp"
#include "weir/runtime/detail/run_shared.hpp"

namespace weir::detail {

[[noreturn]] void rethrow_as_step_error(const std::string& step_id, std::size_t worker,
                                        const std::optional<std::string>& partition,
                                        const char* call);

template <class F>
decltype(auto) guarded(const WorkerContext& ctx, const std::string& step_id,
                       const std::optional<std::string>& partition, const char* call, F&& f) {
  try {
    return std::forward<F>(f)();
  } catch (...) {
    rethrow_as_step_error(step_id, ctx.index(), partition, call);
  }
}

}  // namespace weir::detail
