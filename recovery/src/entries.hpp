#pragma once
// The entry format of packed state changes and of the store's rows: writing and reading it,
// and the one merge of rows into each key's newest state that loading and compaction share.
// Private to the store: steps hand over entries through StateChanges (state_changes.hpp).

#include <cstddef>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

#include "weir/core/coding.hpp"

namespace weir::recovery::entries {

/// The entry format of packed state changes (and of the store's segments): per key
///   key length, key bytes, kind (1 state, 0 discard), [state length, state bytes]
/// with lengths as LEB128 varints (one byte below 128) and the kind one byte.
/// The bytes of one entry; `state` null is a discard. Throws past 4 GiB.
inline std::size_t size_of(std::string_view key, const std::string_view* state) {
  auto length_size = [](std::size_t n) {
    if (n > 0xFFFFFFFFULL) {
      throw std::length_error("a snapshot key or state exceeds 4 GiB");
    }
    return coding::varint_length(n);
  };
  return length_size(key.size()) + key.size() + 1 +
         (state != nullptr ? length_size(state->size()) + state->size() : 0);
}

/// Writes one entry at `out`, which has room for size_of(key, state) bytes.
inline void write(char* out, std::string_view key, const std::string_view* state) {
  auto put_length = [&](std::size_t n) { out = coding::encode_varint64(out, n); };
  put_length(key.size());
  std::memcpy(out, key.data(), key.size());
  out += key.size();
  *out++ = state != nullptr ? '\1' : '\0';
  if (state != nullptr) {
    put_length(state->size());
    std::memcpy(out, state->data(), state->size());
  }
}

/// Appends one entry to `out`.
inline void append(std::string& out, std::string_view key, const std::string_view* state) {
  const std::size_t at = out.size();
  out.resize(at + size_of(key, state));
  write(out.data() + at, key, state);
}

/// Calls f(key, state or null for a discard) for each entry; throws on malformed bytes.
template <class F>
void for_each(std::string_view bytes, F&& f) {
  std::size_t at = 0;
  auto take = [&](std::size_t n) {
    if (bytes.size() - at < n) {
      throw std::runtime_error("snapshot entries are truncated");
    }
    const std::string_view v = bytes.substr(at, n);
    at += n;
    return v;
  };
  auto length = [&] {
    std::string_view rest = bytes.substr(at);
    std::uint64_t v = 0;
    if (!coding::get_varint32(rest, v)) {
      if (rest.size() < coding::kMaxVarint32Bytes) {  // the bytes ended inside it
        throw std::runtime_error("snapshot entries are truncated");
      }
      throw std::runtime_error("snapshot entries hold a malformed length");
    }
    at = bytes.size() - rest.size();
    return static_cast<std::size_t>(v);
  };
  while (at < bytes.size()) {
    const std::string_view key = take(length());
    const char kind = take(1)[0];
    if (kind == '\1') {
      const std::string_view state = take(length());
      f(key, &state);
    } else if (kind == '\0') {
      f(key, static_cast<const std::string_view*>(nullptr));
    } else {
      throw std::runtime_error("snapshot entries hold an unknown entry kind");
    }
  }
}

/// Calls f(key, state) with each key's newest state across `segments` (rows of one bucket,
/// oldest first: a later entry of a key replaces an earlier one); keys whose newest entry is a
/// discard are left out. Keys come in no given order. Throws on malformed bytes.
template <class Segments, class F>
void for_each_newest(const Segments& segments, F&& f) {
  if (segments.size() == 1) {  // one row (a compacted bucket, or one epoch's): every key once
    for_each(segments[0], [&](std::string_view k, const std::string_view* st) {
      if (st != nullptr) {
        f(k, *st);
      }
    });
    return;
  }
  std::unordered_map<std::string_view, std::optional<std::string_view>> newest;
  for (const auto& seg : segments) {
    for_each(seg, [&](std::string_view k, const std::string_view* st) {
      newest[k] = st != nullptr ? std::optional(*st) : std::nullopt;
    });
  }
  for (const auto& [k, st] : newest) {
    if (st) {
      f(k, *st);
    }
  }
}

}  // namespace weir::recovery::entries
