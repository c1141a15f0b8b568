#pragma once
// Segments: how the store packs many keys' snapshots into one row. A segment is the changes
// of one step's keys that hash to one bucket, in one epoch (or, once compacted, the newest
// state of each of those keys as of an epoch), in the entries:: format of snapshot.hpp.
// Keys are unique within a segment.

#include <cstdint>
#include <stdexcept>
#include <string_view>

#include "weir/recovery/snapshot.hpp"

namespace weir::recovery::segment {

/// The buckets of one step's keys: FNV-1a over step id, a 0xFF separator and the key, modulo
/// the bucket count (a power of two: a mask, not a division), stable forever (the step's part
/// is hashed once).
class Buckets {
 public:
  Buckets(std::string_view step_id, std::uint32_t buckets) : mask_(buckets - 1) {
    if (buckets == 0 || (buckets & mask_) != 0) {
      throw std::invalid_argument("the bucket count must be a power of two");
    }
    mix(step_id);
    h_ ^= 0xFF;
    h_ *= kPrime;
  }
  [[nodiscard]] std::uint32_t of(std::string_view key) const {
    std::uint64_t h = h_;
    for (unsigned char c : key) {
      h ^= c;
      h *= kPrime;
    }
    return static_cast<std::uint32_t>(h & mask_);
  }

 private:
  static constexpr std::uint64_t kPrime = 1099511628211ULL;
  void mix(std::string_view s) {
    for (unsigned char c : s) {
      h_ ^= c;
      h_ *= kPrime;
    }
  }
  std::uint64_t h_ = 14695981039346656037ULL;
  std::uint64_t mask_;
};

}  // namespace weir::recovery::segment
