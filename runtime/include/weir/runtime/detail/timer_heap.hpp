#pragma once
// TimerHeap: at most one pending wake-up per state entry of a KeyTable, in an indexed
// min-heap. Setting an entry's time again moves its one heap element up or down (no stale
// elements pile up when a key's notify time changes on every batch), so the heap never holds
// more elements than the table has keys.
//
// Entries are named by their KeyTable index; after KeyTable::erase(index) moved the last
// entry into `index`, call erased(index, last) so the heap follows the move.

#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

#include "weir/core/clock.hpp"

namespace weir::detail {

class TimerHeap {
 public:
  /// Sets (or moves) entry `entry`'s wake-up to `at`.
  void set(std::size_t entry, Instant at) {
    if (entry >= pos_.size()) pos_.resize(entry + 1, kNone);
    std::size_t p = pos_[entry];
    if (p == kNone) {
      p = heap_.size();
      heap_.push_back({at, entry});
      pos_[entry] = p;
      up(p);
      return;
    }
    const Instant old = heap_[p].at;
    heap_[p].at = at;
    if (at < old) {
      up(p);
    } else {
      down(p);
    }
  }

  /// Cancels entry `entry`'s wake-up, if any.
  void cancel(std::size_t entry) {
    if (entry >= pos_.size() || pos_[entry] == kNone) return;
    remove_at(pos_[entry]);
  }

  /// Entry `entry` was erased and entry `last` moved into its index.
  void erased(std::size_t entry, std::size_t last) {
    cancel(entry);
    if (last == entry || last >= pos_.size()) return;
    const std::size_t p = pos_[last];
    pos_[last] = kNone;
    if (p == kNone) return;
    if (entry >= pos_.size()) pos_.resize(entry + 1, kNone);
    pos_[entry] = p;
    heap_[p].entry = entry;
  }

  [[nodiscard]] std::optional<Instant> at(std::size_t entry) const {
    if (entry >= pos_.size() || pos_[entry] == kNone) return std::nullopt;
    return heap_[pos_[entry]].at;
  }

  [[nodiscard]] bool empty() const noexcept { return heap_.empty(); }
  [[nodiscard]] Instant top_time() const { return heap_.front().at; }
  [[nodiscard]] std::size_t top_entry() const { return heap_.front().entry; }
  void pop() { remove_at(0); }
  void clear() {
    heap_.clear();
    pos_.clear();
  }

 private:
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  struct Element {
    Instant at;
    std::size_t entry;
  };

  void place(std::size_t p, Element e) {
    heap_[p] = e;
    pos_[e.entry] = p;
  }
  void up(std::size_t p) {
    const Element e = heap_[p];
    while (p > 0) {
      const std::size_t parent = (p - 1) / 2;
      if (!(e.at < heap_[parent].at)) break;
      place(p, heap_[parent]);
      p = parent;
    }
    place(p, e);
  }
  void down(std::size_t p) {
    const Element e = heap_[p];
    const std::size_t n = heap_.size();
    for (;;) {
      std::size_t child = 2 * p + 1;
      if (child >= n) break;
      if (child + 1 < n && heap_[child + 1].at < heap_[child].at) ++child;
      if (!(heap_[child].at < e.at)) break;
      place(p, heap_[child]);
      p = child;
    }
    place(p, e);
  }
  void remove_at(std::size_t p) {
    pos_[heap_[p].entry] = kNone;
    const Element last = heap_.back();
    heap_.pop_back();
    if (p == heap_.size()) return;
    place(p, last);
    up(p);
    down(pos_[last.entry]);
  }

  std::vector<Element> heap_;
  std::vector<std::size_t> pos_;  // by entry: index into heap_, or kNone
};

}  // namespace weir::detail
