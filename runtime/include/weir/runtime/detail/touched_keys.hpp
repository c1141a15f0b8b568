#pragma once
// TouchedKeys: which keys of a stateful step changed in the open epoch, so that epoch's
// snapshot writes those keys only (each once), and the keys discarded in it.
//
// A key is touched when a call of its logic may have changed its state (on_batch or
// on_batch_end, on_notify, on_eof). Each key's slot records the last epoch it was touched in,
// so touching it again in one epoch costs a comparison; a key discarded and re-created in one
// epoch is listed twice and written once. At the epoch's close, drain() hands each touched
// key that still exists to put(key, &logic), and each key discarded and not re-created to
// put(key, nullptr). When most keys were touched, one pass over the table beats a look-up per
// listed key.
//
// Not thread-safe: one per stateful step and worker.

#include <algorithm>
#include <cstddef>
#include <vector>

#include "weir/core/epoch.hpp"

namespace weir::detail {

template <class K>
class TouchedKeys {
 public:
  /// Notes that `key`, whose slot's touched-epoch is `touched`, changes in `epoch`.
  void touch(Epoch& touched, const K& key, Epoch epoch) {
    if (touched == epoch) {
      return;
    }
    touched = epoch;
    keys_.push_back(key);
  }
  /// Notes that `key` was discarded in the open epoch.
  void discard(const K& key) { discarded_.push_back(key); }

  /// Whether no key was touched (a discarded key was always touched first).
  [[nodiscard]] bool empty() const noexcept { return keys_.empty(); }
  [[nodiscard]] std::size_t size() const noexcept { return keys_.size(); }

  /// Hands `epoch`'s changes to put (see above) and forgets them. `table` is a KeyTable whose
  /// entries' values have `touched` and `logic`.
  template <class Table, class Put>
  void drain(Table& table, Epoch epoch, Put&& put) {
    if (keys_.size() * 4 >= table.size()) {
      for (std::size_t at = 0; at < table.size(); ++at) {
        const auto& entry = table[at];
        if (entry.value.touched == epoch) {
          put(entry.key, &entry.value.logic);
        }
      }
    } else {
      for (const K& key : keys_) {
        const std::size_t at = table.find(key);
        if (at == Table::npos) continue;  // discarded: below
        auto& entry = table[at];
        if (entry.value.touched != epoch) continue;  // written already
        entry.value.touched = 0;
        put(entry.key, &entry.value.logic);
      }
    }
    // keys discarded in the epoch and not re-created
    std::sort(discarded_.begin(), discarded_.end());
    discarded_.erase(std::unique(discarded_.begin(), discarded_.end()), discarded_.end());
    for (const K& key : discarded_) {
      if (table.find(key) == Table::npos) {
        put(key, nullptr);
      }
    }
    clear();
  }

  void clear() {
    keys_.clear();
    discarded_.clear();
  }

 private:
  std::vector<K> keys_;       // touched in the open epoch (a key re-created in it: twice)
  std::vector<K> discarded_;  // discarded in the open epoch
};

}  // namespace weir::detail
