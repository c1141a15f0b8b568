#pragma once
// Epoch: the unit of progress and of recovery.
//
// Every input closes an epoch each epoch interval; items carry the epoch they entered in,
// a step's frontier is the lowest epoch it may still see, and the recovery store commits
// state epoch by epoch. Epochs count up from kFirstEpoch; a resumed run starts at the epoch
// after the last committed one.

#include <cstdint>
#include <limits>

namespace weir {

using Epoch = std::uint64_t;

/// The epoch a fresh run (one with nothing to resume) starts in.
inline constexpr Epoch kFirstEpoch = 1;

/// The frontier of a stream that has ended: no epoch will come.
inline constexpr Epoch kEpochDone = std::numeric_limits<Epoch>::max();

}  // namespace weir
