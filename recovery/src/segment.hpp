#pragma once
// Segments: how the store packs many keys' snapshots into one row. A segment is the changes
// of one step's keys that hash to one bucket, in one epoch (or, once compacted, the newest
// state of each of those keys as of an epoch). Each entry is
//   u32 key length, key bytes, u8 kind (1 state, 0 discard), [u32 state length, state bytes]
// with lengths little-endian. Keys are unique within a segment.

#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

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

inline void put_u32(std::string& out, std::size_t n) {
  if (n > 0xFFFFFFFFULL) {
    throw std::length_error("a snapshot key or state exceeds 4 GiB");
  }
  const auto v = static_cast<std::uint32_t>(n);
  const char b[4] = {static_cast<char>(v & 0xFF), static_cast<char>((v >> 8) & 0xFF),
                     static_cast<char>((v >> 16) & 0xFF), static_cast<char>((v >> 24) & 0xFF)};
  out.append(b, 4);
}

/// Appends one entry; `state` none records a discard.
inline void append(std::string& out, std::string_view key, const std::string* state) {
  put_u32(out, key.size());
  out.append(key);
  out.push_back(state != nullptr ? '\1' : '\0');
  if (state != nullptr) {
    put_u32(out, state->size());
    out.append(*state);
  }
}

/// Calls f(key, state or nullptr for a discard) for each entry; throws on a malformed
/// segment (naming nothing: the caller knows which row it read).
template <class F>
void for_each(std::string_view seg, F&& f) {
  std::size_t at = 0;
  auto u32 = [&]() -> std::size_t {
    if (seg.size() - at < 4) {
      throw std::runtime_error("a snapshot segment is truncated");
    }
    std::uint32_t v = 0;
    for (int i = 3; i >= 0; --i) {
      v = (v << 8) | static_cast<unsigned char>(seg[at + i]);
    }
    at += 4;
    return v;
  };
  auto bytes = [&](std::size_t n) {
    if (seg.size() - at < n) {
      throw std::runtime_error("a snapshot segment is truncated");
    }
    std::string_view s = seg.substr(at, n);
    at += n;
    return s;
  };
  while (at < seg.size()) {
    const std::string_view key = bytes(u32());
    const std::string_view kind = bytes(1);
    if (kind[0] == '\1') {
      const std::string_view state = bytes(u32());
      f(key, &state);
    } else if (kind[0] == '\0') {
      f(key, static_cast<const std::string_view*>(nullptr));
    } else {
      throw std::runtime_error("a snapshot segment holds an unknown entry kind");
    }
  }
}

}  // namespace weir::recovery::segment
