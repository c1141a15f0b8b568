#pragma once
// BatchLookup: looking up a batch's keys in a KeyTable larger than the cache without waiting
// for memory at each item.
//
// A key's look-up reads its index slot, then its entry: two cache misses each when the table
// is large. So a batch goes in stretches of kAhead / 2 items, and before each stretch the
// index slots of the items kAhead on, and the entries of those half as far (their slots are in
// by then), are asked for (KeyTable::prefetch_slot / prefetch_entry): by the time an item is
// looked up, its lines have arrived. In a small table that costs more than it saves, so a
// table below kAheadFrom keys does not ask, and a batch that does not ask is one stretch (its
// per-item loop carries no test for asking). Asking ahead needs each item's hash twice: an
// integer key's is one multiplication, computed again; any other's is kept in hashes_.
//
// Not thread-safe: one per stateful step and worker, reused batch after batch.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace weir::detail {

template <class K, class V, class Table>
class BatchLookup {
  using Item = std::pair<K, V>;

 public:
  static constexpr std::size_t kAhead = 16;
  static constexpr std::size_t kAheadFrom = std::size_t{1} << 15U;  // keys

  /// Starts a batch: whether its look-ups ask ahead (and if so its hashes are kept).
  bool begin(const Table& table, const std::vector<Item>& items) {
    if (table.size() < kAheadFrom) {
      return false;
    }
    if constexpr (!Table::kCheapHash) {
      hashed_ = items.data();
      hashes_.resize(items.size());
      for (std::size_t i = 0; i < items.size(); ++i) {
        hashes_[i] = Table::hash_of(items[i].first);
      }
    }
    return true;
  }

  /// The index hash of an item of the batch begin() started.
  [[nodiscard]] std::uint64_t hash_of(const Item& item, bool ahead) const {
    if constexpr (Table::kCheapHash) {
      return Table::hash_of(item.first);
    } else {
      return ahead ? hashes_[static_cast<std::size_t>(&item - hashed_)]
                   : Table::hash_of(item.first);
    }
  }

  /// The end of the stretch starting at `it`, of a batch ending at `last`: `last` when the
  /// batch does not ask ahead; else kAhead / 2 items on, once the entries of the next
  /// stretch's items and the index slots of the one after's are asked for.
  const Item* stretch(const Table& table, const Item* it, const Item* last, bool ahead) const {
    if (!ahead) {
      return last;
    }
    constexpr auto kStep = static_cast<std::ptrdiff_t>(kAhead / 2);
    const std::ptrdiff_t left = last - it;
    const std::ptrdiff_t n = std::min(kStep, left);
    for (std::ptrdiff_t k = kStep; k < std::min(n + kStep, left); ++k) {
      table.prefetch_entry(hash_of(it[k], true));
    }
    for (std::ptrdiff_t k = 2 * kStep; k < std::min(n + 2 * kStep, left); ++k) {
      table.prefetch_slot(hash_of(it[k], true));
    }
    return it + n;
  }

 private:
  std::vector<std::uint64_t> hashes_;  // each item's key hash (non-integer keys, asking ahead)
  const Item* hashed_ = nullptr;       // the batch whose hashes hashes_ holds
};

}  // namespace weir::detail
