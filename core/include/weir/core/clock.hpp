#pragma once
// The one seam through which weir reads time.
//
// Every part of weir that needs "now" (the scheduler, epoch intervals, next_awake, polling
// sources, windows) reads it from weir::clock(). Production uses RealClock; tests install a
// ManualClock with ScopedClock and then prove timing behaviour exactly, with no sleeps: when
// a worker has nothing to do until some instant, a manual clock jumps there.
//
// Instants are wall-clock (system_clock) time points, since sources align to wall-clock
// boundaries and report next_awake as absolute times.
//
// Thread safety: clock() may be read from any thread; ScopedClock is installed before a run
// starts and removed after it ends.

#include <chrono>
#include <mutex>

namespace weir {

using Instant = std::chrono::system_clock::time_point;
using Duration = std::chrono::system_clock::duration;

class Clock {
 public:
  Clock() = default;
  Clock(const Clock&) = delete;
  Clock& operator=(const Clock&) = delete;
  virtual ~Clock() = default;

  [[nodiscard]] virtual Instant now() const = 0;

  /// Called by an idle worker that has nothing to do before `deadline`. Returns how long it
  /// should block in real time (it is woken earlier if data arrives). The real clock
  /// returns the real distance; a manual clock moves itself to `deadline` and returns zero.
  virtual Duration idle_until(Instant deadline) = 0;
};

/// Real (wall-clock) time: std::chrono::system_clock. Not to be confused with
/// weir::window::SystemClock, the windowing clock that stamps items with this time.
class RealClock final : public Clock {
 public:
  [[nodiscard]] Instant now() const override { return std::chrono::system_clock::now(); }
  Duration idle_until(Instant deadline) override;
};

/// A clock that only moves when told to, or when every use of it is waiting for a later
/// instant (idle_until jumps to the deadline). Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Instant start = Instant{} + std::chrono::hours(24 * 365 * 50));
  [[nodiscard]] Instant now() const override;
  Duration idle_until(Instant deadline) override;
  void advance(Duration by);
  void set(Instant to);

 private:
  mutable std::mutex mutex_;
  Instant now_;
};

/// The process-wide clock (a RealClock unless a ScopedClock is active).
Clock& clock();

/// Installs `c` as the process-wide clock for its lifetime. Install before a run starts.
class ScopedClock {
 public:
  explicit ScopedClock(Clock& c);
  ScopedClock(const ScopedClock&) = delete;
  ScopedClock& operator=(const ScopedClock&) = delete;
  ~ScopedClock();

 private:
  Clock* previous_;
};

}  // namespace weir
