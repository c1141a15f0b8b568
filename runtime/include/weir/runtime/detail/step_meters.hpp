#pragma once
// What each step counts on each worker for --metrics: items in, items out and the seconds
// its own code ran (weir_step_items_in_total, weir_step_items_out_total,
// weir_step_busy_seconds_total, labelled step and worker).
//
// Items are counted per batch where batches cross from one step to the next (graph.hpp's
// Output). Busy time is counted only while timing is on (a metrics endpoint is served): a
// worker thread knows which step runs now (BusyTimer), and every handover (the loop polling a
// node that did work, a batch pushed into the next step and back) reads the clock once and
// charges the time since the last handover to the step that ran. Nothing is read per item.
//
// Thread safety: a StepMeters' counters are added to by its worker's thread alone
// (add_single_writer) and read by the metrics endpoint.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "weir/core/metrics.hpp"

namespace weir::detail {

struct StepMeters {
  metrics::Counter* items_in = nullptr;
  metrics::Counter* items_out = nullptr;
  metrics::Counter* busy_ns = nullptr;
};

/// Registers (or finds) step `fq_id`'s series for worker `worker`.
StepMeters step_meters(std::string_view fq_id, std::size_t worker);

/// Whether busy time is counted (set while a metrics endpoint serves).
inline std::atomic<bool> g_busy_timing{false};

/// The step a worker thread runs now and when it last changed hands.
class BusyTimer {
 public:
  /// The clock the handovers read: steady_clock in nanoseconds.
  static std::int64_t now() noexcept {
    return std::chrono::steady_clock::now().time_since_epoch().count();
  }
  /// The worker loop is about to poll `step` (no clock read: a poll that does nothing is
  /// not worth one).
  static void polling(metrics::Counter* step) noexcept { state().current = step; }
  /// The polled step did work: its time since the last handover is charged to it.
  static void polled() noexcept {
    if (!g_busy_timing.load(std::memory_order_relaxed)) {
      return;
    }
    handover(state().current);
  }
  /// The worker woke from a sleep: the time slept is nobody's.
  static void woke() noexcept {
    if (g_busy_timing.load(std::memory_order_relaxed)) {
      state().since = now();
    }
  }

  /// While alive, `step` (a batch's receiver) runs inside the current step.
  class Scope {
   public:
    explicit Scope(metrics::Counter* step) noexcept {
      if (step == nullptr || !g_busy_timing.load(std::memory_order_relaxed)) {
        return;
      }
      active_ = true;
      outer_ = handover(step);
    }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;
    ~Scope() {
      if (active_) {
        handover(outer_);
      }
    }

   private:
    bool active_ = false;
    metrics::Counter* outer_ = nullptr;
  };

 private:
  struct State {
    metrics::Counter* current = nullptr;
    std::int64_t since = 0;
  };
  static State& state() noexcept {
    static thread_local State s;
    return s;
  }
  /// Charges the time since the last handover to the current step, then makes `next`
  /// current; returns the step that was current.
  static metrics::Counter* handover(metrics::Counter* next) noexcept {
    State& s = state();
    const std::int64_t t = now();
    metrics::Counter* was = s.current;
    if (was != nullptr) {
      was->add_single_writer(static_cast<std::uint64_t>(t - s.since));
    }
    s.since = t;
    s.current = next;
    return was;
  }
};

}  // namespace weir::detail
