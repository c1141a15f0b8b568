#pragma once
// Overflow-safe arithmetic on instants: watermarks start at the earliest representable time
// and end at the latest, so plain subtraction between them and ordinary times overflows.

#include <cstdint>

#include "weir/core/clock.hpp"

namespace weir::window::detail {

/// a - b, clamped to the Duration range.
inline Duration saturating_diff(Instant a, Instant b) {
  Duration::rep d = 0;
  if (__builtin_sub_overflow(a.time_since_epoch().count(), b.time_since_epoch().count(), &d)) {
    return a > b ? Duration::max() : Duration::min();
  }
  return Duration(d);
}

/// out = t + d; false (out unchanged) where that falls outside the Instant range.
inline bool exact_add(Instant t, Duration d, Instant& out) {
  Duration::rep s = 0;
  if (__builtin_add_overflow(t.time_since_epoch().count(), d.count(), &s)) {
    return false;
  }
  out = Instant(Duration(s));
  return true;
}

/// t + d, clamped to [Instant::min(), Instant::max()].
inline Instant saturating_add(Instant t, Duration d) {
  Instant out{};
  if (!exact_add(t, d, out)) {
    return d.count() > 0 ? Instant::max() : Instant::min();
  }
  return out;
}

/// out = t - d; false (out unchanged) where that falls outside the Instant range.
inline bool exact_sub(Instant t, Duration d, Instant& out) {
  Duration::rep s = 0;
  if (__builtin_sub_overflow(t.time_since_epoch().count(), d.count(), &s)) {
    return false;
  }
  out = Instant(Duration(s));
  return true;
}

/// t - d, clamped to [Instant::min(), Instant::max()].
inline Instant saturating_sub(Instant t, Duration d) {
  Instant out{};
  if (!exact_sub(t, d, out)) {
    return d.count() > 0 ? Instant::min() : Instant::max();
  }
  return out;
}

/// floor(a / b) for b > 0.
inline std::int64_t floor_div(Duration a, Duration b) {
  const auto q = a.count() / b.count();
  return (a.count() % b.count() != 0 && (a.count() < 0)) ? q - 1 : q;
}

}  // namespace weir::window::detail
