#pragma once
// StateChanges: what one step hands the recovery store when one of its epochs closes, packed
// by the store's bucket of each key as it is put (no allocation per key); and Buckets, the
// stable spread of a step's keys over the store's buckets.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "weir/core/epoch.hpp"
#include "weir/core/stable_hash.hpp"

namespace weir::recovery {

namespace detail {

/// A growable buffer of one bucket's entries (their format is the store's:
/// recovery/src/entries.hpp), appended to without zeroing memory that is about to be written.
class EntryBuffer {
 public:
  void reserve(std::size_t bytes) {
    if (bytes > capacity_) {
      regrow(bytes);
    }
  }
  /// Appends the entry of `key`: its state, or a discard if `state` is null. Throws past
  /// 4 GiB.
  void append(std::string_view key, const std::string_view* state);
  [[nodiscard]] std::string_view view() const noexcept { return {data_.get(), size_}; }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

 private:
  void regrow(std::size_t capacity);
  std::unique_ptr<char[]> data_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

/// The bytes of the entry of `key` and `state` (null: a discard).
std::size_t entry_size(std::string_view key, const std::string_view* state);

}  // namespace detail

/// The store keeps a step's keys in this many buckets, one row per bucket and epoch.
inline constexpr std::uint32_t kSnapshotBuckets = 256;

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
    seed_ = hash::fnv1a(step_id);
  }
  [[nodiscard]] std::uint32_t of(std::string_view key) const {
    std::uint64_t h = seed_ ^ key.size();
    std::size_t at = 0;
    for (; at + 8 <= key.size(); at += 8) {
      std::uint64_t word = 0;
      std::memcpy(&word, key.data() + at, 8);
      h = hash::mix64(h ^ word);
    }
    std::uint64_t tail = 0;
    std::memcpy(&tail, key.data() + at, key.size() - at);
    return static_cast<std::uint32_t>(hash::mix64(h ^ tail) & mask_);
  }

 private:
  std::uint64_t seed_;
  std::uint64_t mask_;
};

/// What one step hands the store when one of its epochs closes: for every key whose state
/// was touched in that epoch, its state encoded with the snapshot codec, or its discard.
/// Entries are packed by the store's bucket of their key as they are put (no allocation per
/// key), so each bucket's entries are the row the store writes as they stand.
class StateChanges {
 public:
  StateChanges(std::string step_id, Epoch epoch)
      : step_id_(std::move(step_id)), epoch_(epoch), buckets_(step_id_, kSnapshotBuckets) {}

  void put(std::string_view key, std::string_view state) { append(key, &state); }
  void discard(std::string_view key) { append(key, nullptr); }
  /// Room for about `bytes` of entries in all (the previous epoch's size is a good guess).
  void reserve(std::size_t bytes) {
    per_bucket_ = bytes / kSnapshotBuckets + bytes / kSnapshotBuckets / 4;
  }
  /// Room for about `entries` entries the size of the first one put, unless reserve() gave a
  /// size.
  void expect(std::size_t entries) { expected_ = entries; }

  [[nodiscard]] const std::string& step_id() const noexcept { return step_id_; }
  [[nodiscard]] Epoch epoch() const noexcept { return epoch_; }
  /// Entries (keys) held.
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  /// Bytes of entries held.
  [[nodiscard]] std::size_t byte_size() const noexcept {
    std::size_t n = 0;
    for (const auto& b : by_bucket_) {
      n += b.view().size();
    }
    return n;
  }
  /// f(bucket, its entries in the store's entry format) for each bucket holding any, in order.
  template <class F>
  void for_each_bucket(F&& f) const {
    for (std::uint32_t b = 0; b < by_bucket_.size(); ++b) {
      if (!by_bucket_[b].view().empty()) {
        f(b, by_bucket_[b].view());
      }
    }
  }
  /// f(key, state or null for a discard): bucket by bucket, in the order put within one.
  void for_each(const std::function<void(std::string_view, const std::string_view*)>& f) const;

  /// Appends these changes to `out` as bytes another process reads back with parse(): the
  /// step id, the epoch and each bucket's entries as they stand (no entry is re-encoded).
  void append_to(std::string& out) const;
  /// The changes append_to wrote; throws std::runtime_error on bytes that are not such
  /// changes (every entry is checked).
  static StateChanges parse(std::string_view bytes);

 private:
  void append(std::string_view key, const std::string_view* state) {
    if (by_bucket_.empty()) {
      by_bucket_.resize(kSnapshotBuckets);
      if (per_bucket_ == 0) {
        reserve(expected_ * detail::entry_size(key, state));
      }
    }
    detail::EntryBuffer& b = by_bucket_[buckets_.of(key)];
    if (b.capacity() == 0) {
      b.reserve(std::max<std::size_t>(per_bucket_, 64));
    }
    b.append(key, state);
    ++size_;
  }

  std::string step_id_;
  Epoch epoch_;
  Buckets buckets_;
  std::vector<detail::EntryBuffer> by_bucket_;  // kSnapshotBuckets once anything is put
  std::size_t size_ = 0;
  std::size_t per_bucket_ = 0;
  std::size_t expected_ = 0;
};

}  // namespace weir::recovery
