#pragma once
// Overflow-safe arithmetic on instants: watermarks start at the earliest representable time
// and end at the latest, so plain subtraction between them and ordinary times overflows.

#include <cstdint>
#include <limits>

#include "weir/inputs/clock.hpp"

namespace weir::window::detail {

/// a - b, clamped to the Duration range.
inline Duration saturating_diff(Instant a, Instant b) {
  const __int128 d = static_cast<__int128>(a.time_since_epoch().count()) -
                     static_cast<__int128>(b.time_since_epoch().count());
  constexpr auto lo = std::numeric_limits<Duration::rep>::min();
  constexpr auto hi = std::numeric_limits<Duration::rep>::max();
  return Duration(static_cast<Duration::rep>(d < lo ? lo : (d > hi ? hi : d)));
}

/// t + d, clamped to [Instant::min(), Instant::max()].
inline Instant saturating_add(Instant t, Duration d) {
  const __int128 s = static_cast<__int128>(t.time_since_epoch().count()) + d.count();
  constexpr auto lo = std::numeric_limits<Duration::rep>::min();
  constexpr auto hi = std::numeric_limits<Duration::rep>::max();
  return Instant(Duration(static_cast<Duration::rep>(s < lo ? lo : (s > hi ? hi : s))));
}

/// floor(a / b) for b > 0.
inline std::int64_t floor_div(Duration a, Duration b) {
  const auto q = a.count() / b.count();
  return (a.count() % b.count() != 0 && (a.count() < 0)) ? q - 1 : q;
}

}  // namespace weir::window::detail
