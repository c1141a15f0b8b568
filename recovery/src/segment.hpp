#pragma once
// Segments: how the store packs many keys' snapshots into one row. A segment is the changes
// of one step's keys that hash to one bucket, in one epoch (or, once compacted, the newest
// state of each of those keys as of an epoch), in the entries:: format of snapshot.hpp.
// Keys are unique within a segment.

#include <cstdint>
#include <string_view>

#include "weir/recovery/snapshot.hpp"

namespace weir::recovery::segment {

/// The bucket a key of a step falls in: FNV-1a over step id and key, stable forever.
inline std::uint32_t bucket_of(std::string_view step_id, std::string_view key,
                               std::uint32_t buckets) {
  std::uint64_t h = 14695981039346656037ULL;
  auto mix = [&](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ULL;
    }
  };
  mix(step_id);
  h ^= 0xFF;
  h *= 1099511628211ULL;
  mix(key);
  return static_cast<std::uint32_t>(h % buckets);
}

}  // namespace weir::recovery::segment
