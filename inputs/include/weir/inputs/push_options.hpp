#pragma once
// How a push source is configured (PushOptions), and how its run() learns that the dataflow
// stopped it (PushStopped). The contract of push sources is in push_source.hpp.

#include <chrono>
#include <cstddef>
#include <exception>

#include "weir/core/clock.hpp"

namespace weir::push {

struct PushOptions {
  /// Items that may wait between run() and the dataflow.
  std::size_t backlog = 65536;
  /// Subject: the longest an uncommitted item waits before it is released anyway.
  Duration autocommit = std::chrono::milliseconds(1500);
  /// How long run() has to return once the partition is stopped.
  Duration shutdown_timeout = std::chrono::seconds(10);
  /// Runs each partition's run() in a child process of its own (forked when the partition is
  /// built): a crash or an abort there becomes an error naming the signal, and this process
  /// (and what it has committed) is untouched. Items cross a pipe: X needs a Wire<X>.
  bool isolate = false;
};

/// Thrown inside a push source's run() once the dataflow has stopped it (by next, produce,
/// commit or flush): let it propagate; run() unwinds and the runtime swallows it.
class PushStopped : public std::exception {
 public:
  [[nodiscard]] const char* what() const noexcept override { return "push source stopped"; }
};

}  // namespace weir::push
