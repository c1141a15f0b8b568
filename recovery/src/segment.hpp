#pragma once
// Segments: how the store packs many keys' snapshots into one row. A segment is the changes
// of one step's keys that hash to one bucket, in one epoch (or, once compacted, the newest
// state of each of those keys as of an epoch), in the entries:: format of snapshot.hpp.
// Keys are unique within a segment.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string_view>

#include "weir/recovery/snapshot.hpp"

namespace weir::recovery::segment {

/// The buckets of one step's keys, stable forever: the key's bytes are read eight at a time
/// (in memory order: the store's format records the byte order), each word is mixed into a
/// hash seeded by the step id (FNV-1a, hashed once), and the bucket is the hash modulo the
/// bucket count (a power of two: a mask, not a division).
class Buckets {
 public:
  Buckets(std::string_view step_id, std::uint32_t buckets) : mask_(buckets - 1) {
    if (buckets == 0 || (buckets & mask_) != 0) {
      throw std::invalid_argument("the bucket count must be a power of two");
    }
    for (unsigned char c : step_id) {
      seed_ ^= c;
      seed_ *= kPrime;
    }
  }
  [[nodiscard]] std::uint32_t of(std::string_view key) const {
    std::uint64_t h = seed_ ^ key.size();
    std::size_t at = 0;
    for (; at + 8 <= key.size(); at += 8) {
      std::uint64_t word = 0;
      std::memcpy(&word, key.data() + at, 8);
      h = mix(h ^ word);
    }
    std::uint64_t tail = 0;
    std::memcpy(&tail, key.data() + at, key.size() - at);
    return static_cast<std::uint32_t>(mix(h ^ tail) & mask_);
  }

 private:
  static constexpr std::uint64_t kPrime = 1099511628211ULL;
  // splitmix64's finaliser, as runtime's stable_hash mixes (recovery sits below runtime)
  static std::uint64_t mix(std::uint64_t x) {
    x ^= x >> 30U;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27U;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31U);
  }
  std::uint64_t seed_ = 14695981039346656037ULL;
  std::uint64_t mask_;
};

}  // namespace weir::recovery::segment
