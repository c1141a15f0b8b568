#pragma once
// The encoding side of the entry format that packed state changes (and the store's rows)
// keep, inline because StateChanges::put runs for every key a step touches in an epoch.
// Reading entries back is the store's business (recovery/src/entries.hpp).

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string_view>

#include "weir/core/coding.hpp"
#include "weir/core/hints.hpp"

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

/// A growable buffer of entries, appended to without a library call per entry and without
/// zeroing memory that is about to be written.
class Buffer {
 public:
  void reserve(std::size_t bytes) {
    if (bytes > capacity_) {
      regrow(bytes);
    }
  }
  void append(std::string_view key, const std::string_view* state) {
    const std::size_t n = size_of(key, state);
    if (capacity_ - size_ < n) {
      regrow(std::max(2 * capacity_, size_ + n));
    }
    write(data_.get() + size_, key, state);
    size_ += n;
    // the next line this buffer will write, fetched while other buffers are written: many
    // buffers filled in turn are too many streams for the hardware to foresee
    if (capacity_ - size_ > kLine) {
      WEIR_PREFETCH_WRITE(data_.get() + size_ + kLine);
    }
  }
  [[nodiscard]] std::string_view view() const noexcept { return {data_.get(), size_}; }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

 private:
  void regrow(std::size_t capacity) {
    auto grown = std::make_unique_for_overwrite<char[]>(capacity);
    if (size_ > 0) {
      std::memcpy(grown.get(), data_.get(), size_);
    }
    data_ = std::move(grown);
    capacity_ = capacity;
  }
  static constexpr std::size_t kLine = 64;
  std::unique_ptr<char[]> data_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

}  // namespace weir::recovery::entries
