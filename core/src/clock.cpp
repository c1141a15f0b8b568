#include "weir/core/clock.hpp"

#include <atomic>

namespace weir {

Duration RealClock::idle_until(Instant deadline) {
  auto left = deadline - now();
  return left > Duration::zero() ? left : Duration::zero();
}

ManualClock::ManualClock(Instant start) : now_(start) {}

Instant ManualClock::now() const {
  std::lock_guard lock(mutex_);
  return now_;
}

Duration ManualClock::idle_until(Instant deadline) {
  std::lock_guard lock(mutex_);
  if (deadline > now_) now_ = deadline;
  return Duration::zero();
}

void ManualClock::advance(Duration by) {
  std::lock_guard lock(mutex_);
  now_ += by;
}

void ManualClock::set(Instant to) {
  std::lock_guard lock(mutex_);
  now_ = to;
}

namespace {
RealClock& system_clock_instance() {
  static RealClock c;
  return c;
}
std::atomic<Clock*>& current() {
  static std::atomic<Clock*> c{&system_clock_instance()};
  return c;
}
}  // namespace

Clock& clock() { return *current().load(std::memory_order_acquire); }

ScopedClock::ScopedClock(Clock& c) : previous_(current().exchange(&c)) {}
ScopedClock::~ScopedClock() { current().store(previous_); }

}  // namespace weir
