#pragma once
// KeyTable<K, T>: a map from keys to values, built for per-key state on one worker. The
// runtime keeps every stateful step's keys in one; an operator may use one too (aggregate's
// per-batch pre-reduction does). Not thread-safe: one table belongs to one worker.
//
// Entries live in one dense vector (iteration and sorting touch contiguous memory); an
// open-addressing index of power-of-two size maps a key's index hash (`KeyTable::hash_of`) to
// its entry, so a look-up is a shift and a short linear probe, never a division (the index
// has 16 slots at least, even empty, so a look-up never tests for its absence). An index slot
// is 8 bytes (the hash's lower half, made odd, as a tag, and the entry's index), so the index
// of a few thousand keys stays in the first-level cache; the entry keeps the whole hash.
//
// The index hash is local to the table (never routed, never persisted): for integer keys a
// multiplication by 2^64 / golden ratio whose upper bits pick the slot (keys in an arithmetic
// progression, the common case of dense ids, land spread out with next to no collisions, in
// one multiply); for any other key its stable_hash. Erasing moves the last
// entry into the hole, so indices (not keys) change on erase: callers hold an index only
// until the next insert or erase.

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>
#include <vector>

#include "weir/core/hints.hpp"
#include "weir/core/stable_hash.hpp"

namespace weir {

template <class K, class T>
class KeyTable {
 public:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  // An entry larger than a cache line starts on a pair of lines, the unit the second-level
  // cache fetches together: its first two lines, where a logic keeps what every item reads,
  // come in at once (entries at any offset cost the window bench ~5 %); smaller entries stay
  // packed.
  static constexpr std::size_t kCacheLine = 64;
  static constexpr std::size_t entry_align() {
    const std::size_t packed = sizeof(K) + sizeof(T) + sizeof(std::uint64_t);
    return packed > kCacheLine ? 2 * kCacheLine
                               : std::max({alignof(K), alignof(T), alignof(std::uint64_t)});
  }
  struct alignas(entry_align()) Entry {
    K key;
    T value;
    std::uint64_t hash;
  };

  /// The hash the index places `key` by (what find, insert and the prefetches take as h).
  [[nodiscard]] static std::uint64_t hash_of(const K& key) noexcept {
    if constexpr (std::is_integral_v<K>) {
      return static_cast<std::uint64_t>(key) * 0x9e3779b97f4a7c15ULL;
    } else {
      return stable_hash(key);
    }
  }

  /// Whether hash_of is a single multiplication (integer keys): cheaper to compute again than
  /// to keep.
  static constexpr bool kCheapHash = std::is_integral_v<K>;

  /// The index of `key`'s entry, or npos.
  [[nodiscard]] std::size_t find(const K& key) const { return find(key, hash_of(key)); }

  /// The same, given h = hash_of(key).
  [[nodiscard]] std::size_t find(const K& key, std::uint64_t h) const {
    const std::uint32_t tag = tag_of(h);
    for (std::size_t i = home(h);; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      // (an empty slot's tag, 0, matches no key's)
      if (s.tag == tag) [[likely]] {
        if (entries_[s.index].key == key) [[likely]] {
          return s.index;
        }
      } else if (s.index == kEmpty) {
        return npos;
      }
    }
  }

  /// Starts loading the index slot a look-up of hash `h` reads first (a batch asks ahead).
  void prefetch_slot(std::uint64_t h) const { prefetch(&slots_[home(h)]); }
  /// Starts loading the entry a look-up of `h` most likely ends at (best once its slot is in).
  void prefetch_entry(std::uint64_t h) const {
    const Slot& s = slots_[home(h)];
    if (s.index != kEmpty) {
      prefetch(&entries_[s.index]);
    }
  }

  /// Adds an entry for a key that is not present (h = hash_of(key)); returns its index.
  template <class... Args>
  std::size_t insert(const K& key, std::uint64_t h, Args&&... args) {
    if ((entries_.size() + 1) * 4 > slots_.size() * 3) grow();
    const auto index = static_cast<std::uint32_t>(entries_.size());
    entries_.push_back(Entry{key, T(std::forward<Args>(args)...), h});
    place(h, index);
    return index;
  }

  /// Removes the entry at `index`; the last entry moves into its place.
  void erase(std::size_t index) {
    remove_slot(entries_[index].hash, index);
    const std::size_t last = entries_.size() - 1;
    if (index != last) {
      slot_of(entries_[last].hash, last).index = static_cast<std::uint32_t>(index);
      entries_[index] = std::move(entries_[last]);
    }
    entries_.pop_back();
  }

  void clear() {
    entries_.clear();
    slots_.assign(kMinSlots, Slot{});
    mask_ = kMinSlots - 1;
    shift_ = shift_for(kMinSlots);
  }

  [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }
  [[nodiscard]] bool empty() const noexcept { return entries_.empty(); }
  Entry& operator[](std::size_t index) { return entries_[index]; }
  const Entry& operator[](std::size_t index) const { return entries_[index]; }
  [[nodiscard]] auto begin() { return entries_.begin(); }
  [[nodiscard]] auto end() { return entries_.end(); }
  [[nodiscard]] auto begin() const { return entries_.begin(); }
  [[nodiscard]] auto end() const { return entries_.end(); }

 private:
  static constexpr std::uint32_t kEmpty = 0xffffffffU;
  static void prefetch(const void* p) { WEIR_PREFETCH(p); }
  // The index starts (and after clear() starts again) at this many slots, so a look-up never
  // tests for an index that is not there.
  static constexpr std::size_t kMinSlots = 16;
  // The shift that takes a hash's upper bits to a slot of an index of n (a power of two) slots.
  static constexpr unsigned shift_for(std::size_t n) {
    return 64 - static_cast<unsigned>(std::countr_zero(n));
  }
  struct Slot {
    std::uint32_t tag = 0;
    std::uint32_t index = kEmpty;
  };
  // Odd, so that no tag is an empty slot's.
  static std::uint32_t tag_of(std::uint64_t h) { return static_cast<std::uint32_t>(h) | 1U; }
  // The slot a probe for h starts at: the hash's upper bits (a multiplicative hash mixes
  // upwards, so those are its best).
  [[nodiscard]] std::size_t home(std::uint64_t h) const { return h >> shift_; }

  void place(std::uint64_t h, std::uint32_t index) {
    std::size_t i = home(h);
    while (slots_[i].index != kEmpty) i = (i + 1) & mask_;
    slots_[i] = Slot{tag_of(h), index};
  }

  Slot& slot_of(std::uint64_t h, std::size_t index) {
    std::size_t i = home(h);
    while (slots_[i].index != index) i = (i + 1) & mask_;
    return slots_[i];
  }

  // Linear probing with backward-shift deletion: no tombstones, probes stay short.
  void remove_slot(std::uint64_t h, std::size_t index) {
    std::size_t hole = &slot_of(h, index) - slots_.data();
    for (std::size_t i = (hole + 1) & mask_; slots_[i].index != kEmpty; i = (i + 1) & mask_) {
      const std::size_t h = home(entries_[slots_[i].index].hash);
      // Move slot i back into the hole unless its home lies cyclically in (hole, i].
      const bool stays = hole <= i ? (hole < h && h <= i) : (hole < h || h <= i);
      if (!stays) {
        slots_[hole] = slots_[i];
        hole = i;
      }
    }
    slots_[hole] = Slot{};
  }

  void grow() {
    const std::size_t n = slots_.size() * 2;
    slots_.assign(n, Slot{});
    mask_ = n - 1;
    shift_ = shift_for(n);
    for (std::size_t i = 0; i < entries_.size(); ++i) {
      place(entries_[i].hash, static_cast<std::uint32_t>(i));
    }
  }

  std::vector<Entry> entries_;
  std::vector<Slot> slots_ = std::vector<Slot>(kMinSlots);  // never empty
  std::size_t mask_ = kMinSlots - 1;
  unsigned shift_ = shift_for(kMinSlots);  // 64 - log2(slots)
};

}  // namespace weir
