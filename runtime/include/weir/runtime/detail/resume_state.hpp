#pragma once
// What a partition of a source or fixed sink resumes from: the state its step snapshotted
// for it, keyed by the partition name, before the run's first epoch.

#include <exception>
#include <optional>
#include <stdexcept>
#include <string>

#include "weir/recovery/codec.hpp"
#include "weir/runtime/detail/guard.hpp"
#include "weir/runtime/detail/run_shared.hpp"

namespace weir::detail {

/// The state `part` of step `fq` snapshotted before this run's first epoch, if any; a
/// snapshot that does not decode is an error naming the step and partition.
template <class S>
std::optional<S> resume_state(WorkerContext& ctx, const std::string& fq, const std::string& part) {
  const std::string key = recovery::encode(part);
  for (const auto& entry : ctx.resume().of(fq)) {
    if (entry.first != key) continue;
    return guarded(ctx, fq, part, "resume", [&] {
      try {
        return std::optional<S>(recovery::decode<S>(entry.second));
      } catch (const std::exception& e) {
        throw std::runtime_error(std::string("its snapshot does not decode: ") + e.what());
      }
    });
  }
  return std::nullopt;
}

}  // namespace weir::detail
