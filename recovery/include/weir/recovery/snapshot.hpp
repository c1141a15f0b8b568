#pragma once
// What the runtime hands the recovery store while it runs, and what it reads back from it.
//
// State changes: when one of a step's epochs closes, for every key whose state was touched in
// that epoch (a value arrived, a timer fired, the input ended), the key's state encoded with
// the snapshot codec, or the fact that it was discarded (StateChanges, one per step and
// epoch). Keys not touched in the epoch are not written again. Source partitions and fixed
// sink partitions write theirs the same way, keyed by their partition name.
//
// Progress: each worker reports the epoch below which it has handed over every change
// (progress); an epoch is committed once every worker's report has passed it and everything
// reported is durable (committed()).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace weir::recovery {

using Epoch = std::uint64_t;

/// The entry format of packed state changes (and of the store's segments): per key
///   key length, key bytes, kind (1 state, 0 discard), [state length, state bytes]
/// with lengths as LEB128 varints (one byte below 128) and the kind one byte.
namespace entries {

/// The bytes of one entry; `state` null is a discard. Throws past 4 GiB.
inline std::size_t size_of(std::string_view key, const std::string_view* state) {
  auto length_size = [](std::size_t n) {
    if (n > 0xFFFFFFFFULL) {
      throw std::length_error("a snapshot key or state exceeds 4 GiB");
    }
    std::size_t b = 1;
    for (; n >= 0x80; n >>= 7U) {
      ++b;
    }
    return b;
  };
  return length_size(key.size()) + key.size() + 1 +
         (state != nullptr ? length_size(state->size()) + state->size() : 0);
}

/// Writes one entry at `out`, which has room for size_of(key, state) bytes.
inline void write(char* out, std::string_view key, const std::string_view* state) {
  auto put_length = [&](std::size_t n) {
    for (; n >= 0x80; n >>= 7U) {
      *out++ = static_cast<char>((n & 0x7FU) | 0x80U);
    }
    *out++ = static_cast<char>(n);
  };
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
    std::size_t v = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      const auto c = static_cast<unsigned char>(take(1)[0]);
      v |= static_cast<std::size_t>(c & 0x7F) << shift;
      if ((c & 0x80) == 0) {
        return v;
      }
    }
    throw std::runtime_error("snapshot entries hold a malformed length");
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
      __builtin_prefetch(data_.get() + size_ + kLine, 1);
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

}  // namespace entries

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
  /// f(bucket, its entries in the entries:: format) for each bucket holding any, in order.
  template <class F>
  void for_each_bucket(F&& f) const {
    for (std::uint32_t b = 0; b < by_bucket_.size(); ++b) {
      if (!by_bucket_[b].view().empty()) {
        f(b, by_bucket_[b].view());
      }
    }
  }
  /// f(key, state or null for a discard): bucket by bucket, in the order put within one.
  template <class F>
  void for_each(F&& f) const {
    for_each_bucket([&](std::uint32_t, std::string_view bytes) { entries::for_each(bytes, f); });
  }

 private:
  void append(std::string_view key, const std::string_view* state) {
    if (by_bucket_.empty()) {
      by_bucket_.resize(kSnapshotBuckets);
      if (per_bucket_ == 0) {
        reserve(expected_ * entries::size_of(key, state));
      }
    }
    entries::Buffer& b = by_bucket_[buckets_.of(key)];
    if (b.capacity() == 0) {
      b.reserve(std::max<std::size_t>(per_bucket_, 64));
    }
    b.append(key, state);
    ++size_;
  }

  std::string step_id_;
  Epoch epoch_;
  Buckets buckets_;
  std::vector<entries::Buffer> by_bucket_;  // kSnapshotBuckets once anything is put
  std::size_t size_ = 0;
  std::size_t per_bucket_ = 0;
  std::size_t expected_ = 0;
};

/// Receives every worker's state changes and progress. Called from each worker's own thread,
/// so concurrently: an implementation synchronises what it shares.
class SnapshotWriter {
 public:
  SnapshotWriter() = default;
  SnapshotWriter(const SnapshotWriter&) = delete;
  SnapshotWriter& operator=(const SnapshotWriter&) = delete;
  virtual ~SnapshotWriter() = default;

  virtual void write(std::size_t worker, StateChanges&& changes) = 0;

  /// Every change `worker` makes for an epoch below `frontier` has been written. `ended`:
  /// the worker has finished, `frontier` being one past the last epoch it used.
  virtual void progress(std::size_t /*worker*/, Epoch /*frontier*/, bool /*ended*/) {}

  /// Every epoch below this is committed (durable for every worker). A writer that keeps
  /// nothing durable never holds the run back.
  [[nodiscard]] virtual Epoch committed() const { return std::numeric_limits<Epoch>::max(); }

  /// `wake` runs (on any thread) whenever committed() advances.
  // NOLINTNEXTLINE(performance-unnecessary-value-param): an override keeps it
  virtual void on_commit(std::function<void()> /*wake*/) {}
};

/// Where a run starts and what it starts from.
struct ResumeState {
  /// The first epoch of this run; everything before it is restored from the store.
  Epoch epoch = 1;
  /// Per fully qualified step id: each key's newest state before `epoch` (keys discarded
  /// then are absent), as (encoded key, encoded state), each key once, in no given order.
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> states;

  /// The states of `step_id` (empty if it has none).
  [[nodiscard]] const std::vector<std::pair<std::string, std::string>>& of(
      const std::string& step_id) const {
    static const std::vector<std::pair<std::string, std::string>> kNone;
    auto it = states.find(step_id);
    return it == states.end() ? kNone : it->second;
  }
};

}  // namespace weir::recovery
