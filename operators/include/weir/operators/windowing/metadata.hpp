#pragma once
// What every window operator says about a window: its id and its metadata.
//
// Window ids are per key. Sliding and tumbling windows are numbered from align_to (ids
// before it are negative); session windows count from 0 per key, and a late item of a
// session windower carries kLateSessionId.

#include <algorithm>
#include <cstdint>
#include <vector>

#include "weir/core/clock.hpp"

namespace weir::window {

using WindowId = std::int64_t;

inline constexpr WindowId kLateSessionId = -1;

/// The earliest and latest representable times (the watermark before any item and at the
/// end of input).
inline constexpr Instant kTimeMin = Instant::min();
inline constexpr Instant kTimeMax = Instant::max();

struct WindowMetadata {
  Instant open_time;   // inclusive
  Instant close_time;  // exclusive for sliding windows; the last item's time for sessions
  std::vector<WindowId> merged_ids;  // session windows merged into this one, ascending

  bool operator==(const WindowMetadata&) const = default;
  template <class Ar>
  void serialize(Ar& ar, unsigned /*version*/) {
    ar& open_time& close_time& merged_ids;
  }
};

}  // namespace weir::window
