#pragma once
// Runs user code and turns its exceptions into a StepError naming the step, the operator call
// the user wrote (RunShared::call_of), the worker, and the partition or key where there is
// one. Exceptions that already carry that context, and deliberate aborts, pass as is.
//
// `method` is the user-implemented method being run ("next_batch" of a source, "on_batch" of
// a logic), or nullptr when the user's code is the operator's function itself (a mapper).
// The message shows the method only when the user handed their object to the core operator
// directly: inside a composite operator the method is weir's own.

#include <exception>
#include <optional>
#include <string>
#include <utility>

#include "weir/core/errors.hpp"
#include "weir/runtime/detail/run_shared.hpp"

namespace weir::detail {

/// The StepError for a failure `what` in step `step_id` on ctx's worker.
StepError step_error(const WorkerContext& ctx, const std::string& step_id,
                     const std::optional<std::string>& partition, const char* method,
                     const std::string& what, std::optional<std::string> key = std::nullopt);

/// REQUIRES: called inside a catch handler.
[[noreturn]] void rethrow_as_step_error(const WorkerContext& ctx, const std::string& step_id,
                                        const std::optional<std::string>& partition,
                                        const char* method,
                                        std::optional<std::string> key = std::nullopt);

template <class F>
decltype(auto) guarded(const WorkerContext& ctx, const std::string& step_id,
                       const std::optional<std::string>& partition, const char* method, F&& f) {
  try {
    return std::forward<F>(f)();
  } catch (...) {
    rethrow_as_step_error(ctx, step_id, partition, method);
  }
}

/// guarded for keyed user code: key_text() (optional<string>) says which key was being
/// processed when it failed; it is asked only then.
template <class KeyText, class F>
decltype(auto) guarded_key(const WorkerContext& ctx, const std::string& step_id, const char* method,
                           KeyText&& key_text, F&& f) {
  try {
    return std::forward<F>(f)();
  } catch (...) {
    rethrow_as_step_error(ctx, step_id, std::nullopt, method, key_text());
  }
}

}  // namespace weir::detail
