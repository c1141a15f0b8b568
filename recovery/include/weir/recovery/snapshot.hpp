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

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
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

inline void put_length(std::string& out, std::size_t n) {
  if (n > 0xFFFFFFFFULL) throw std::length_error("a snapshot key or state exceeds 4 GiB");
  while (n >= 0x80) {
    out.push_back(static_cast<char>((n & 0x7F) | 0x80));
    n >>= 7;
  }
  out.push_back(static_cast<char>(n));
}

/// Appends one entry; `state` null records a discard. A small entry (the common case: numbers,
/// short strings) is assembled on the stack and appended at once.
inline void append(std::string& out, std::string_view key, const std::string_view* state) {
  constexpr std::size_t kSmall = 120;  // each length then fits one varint byte
  const std::size_t state_size = state != nullptr ? state->size() : 0;
  if (key.size() < kSmall / 2 && state_size < kSmall / 2) {
    char buf[kSmall + 3];
    std::size_t n = 0;
    buf[n++] = static_cast<char>(key.size());
    std::memcpy(buf + n, key.data(), key.size());
    n += key.size();
    buf[n++] = state != nullptr ? '\1' : '\0';
    if (state != nullptr) {
      buf[n++] = static_cast<char>(state_size);
      std::memcpy(buf + n, state->data(), state_size);
      n += state_size;
    }
    out.append(buf, n);
    return;
  }
  put_length(out, key.size());
  out.append(key);
  out.push_back(state != nullptr ? '\1' : '\0');
  if (state != nullptr) {
    put_length(out, state->size());
    out.append(*state);
  }
}

/// Calls f(key, state or null for a discard) for each entry; throws on malformed bytes.
template <class F>
void for_each(std::string_view bytes, F&& f) {
  std::size_t at = 0;
  auto take = [&](std::size_t n) {
    if (bytes.size() - at < n) throw std::runtime_error("snapshot entries are truncated");
    const std::string_view v = bytes.substr(at, n);
    at += n;
    return v;
  };
  auto length = [&] {
    std::size_t v = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      const auto c = static_cast<unsigned char>(take(1)[0]);
      v |= static_cast<std::size_t>(c & 0x7F) << shift;
      if ((c & 0x80) == 0) return v;
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

}  // namespace entries

/// What one step hands the store when one of its epochs closes: for every key whose state
/// was touched in that epoch, its state encoded with the snapshot codec, or its discard,
/// packed into one buffer (no allocation per key).
class StateChanges {
 public:
  StateChanges(std::string step_id, Epoch epoch) : step_id_(std::move(step_id)), epoch_(epoch) {}

  void put(std::string_view key, std::string_view state) {
    entries::append(bytes_, key, &state);
    ++size_;
  }
  void discard(std::string_view key) {
    entries::append(bytes_, key, nullptr);
    ++size_;
  }
  /// Room for `bytes` of entries (the previous epoch's size is a good guess).
  void reserve(std::size_t bytes) { bytes_.reserve(bytes); }

  [[nodiscard]] const std::string& step_id() const noexcept { return step_id_; }
  [[nodiscard]] Epoch epoch() const noexcept { return epoch_; }
  /// Entries (keys) held.
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  /// The entries, in the entries:: format.
  [[nodiscard]] const std::string& bytes() const noexcept { return bytes_; }
  /// f(key, state or null for a discard), in the order put.
  template <class F>
  void for_each(F&& f) const {
    entries::for_each(bytes_, std::forward<F>(f));
  }

 private:
  std::string step_id_;
  Epoch epoch_;
  std::string bytes_;
  std::size_t size_ = 0;
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
