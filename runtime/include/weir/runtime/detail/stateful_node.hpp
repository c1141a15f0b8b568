#pragma once
// The keyed stateful primitive on one worker. Items (K, V) arrive routed by
// stable_hash(K) % workers; each key's logic lives in a hash map on its owning worker.
//
// State lives in a KeyTable (dense entries, power-of-two open addressing).
//
// Batches of the open epoch (the input frontier) are applied at once, one on_batch per key
// per batch (keys in the order they first appear, values in arrival order; or, for a logic
// taking values one by one, on_batch_begin (if it has one) before a key's first item, on_value
// per item, one look-up per run of a key's adjacent items, and then on_batch_end per key);
// batches of a later epoch wait until the frontier reaches it, so each epoch's effects stay
// separate. When the upstream ends, on_eof runs for every key in ascending key order. Timers: each
// key's notify_at, in an indexed min-heap (one element per key, moved only when the time gets
// earlier; a later time is picked up when the element comes due; the key's KeyState keeps the
// time its element holds, so a batch compares without looking into the heap).
//
// Look-ups in a large table ask for a batch's keys ahead (batch_lookup.hpp).
//
// Snapshots (when the run has a SnapshotWriter): each key touched in an epoch (on_batch or
// on_batch_end, on_notify, on_eof) is written once when that epoch closes, as its encoded state or,
// if it was discarded, as a discard, in no given order (touched_keys.hpp). Untouched keys are not
// written again.
//
// Resume: the node starts with the states its step snapshotted before the run's first epoch,
// for the keys this worker owns now (so a run may resume with another worker count). A
// snapshot that does not decode stops the run naming the step and the key.

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "weir/core/stable_hash.hpp"
#include "weir/recovery/codec.hpp"
#include "weir/recovery/snapshot.hpp"
#include "weir/runtime/detail/batch_lookup.hpp"
#include "weir/runtime/detail/epoch_order.hpp"
#include "weir/runtime/detail/exchange.hpp"
#include "weir/runtime/detail/graph.hpp"
#include "weir/runtime/detail/guard.hpp"
#include "weir/runtime/detail/key_split.hpp"
#include "weir/runtime/detail/key_text.hpp"
#include "weir/runtime/detail/modulo.hpp"
#include "weir/runtime/detail/scatter_buffer.hpp"
#include "weir/runtime/detail/stateful_outputs.hpp"
#include "weir/runtime/detail/timer_heap.hpp"
#include "weir/runtime/detail/touched_keys.hpp"
#include "weir/runtime/key_table.hpp"
#include "weir/runtime/stateful_logic.hpp"

namespace weir::detail {

// Outs: where the logics' outputs go (stateful_outputs.hpp): one stream, or one per
// alternative of a variant output.
template <class K, class V, class Logic, class Builder,
          class Outs = OneOutput<K, typename Logic::output_type>>
class StatefulNode final : public Node, public Receiver<std::pair<K, V>> {
  using Item = std::pair<K, V>;
  using E = typename Outs::EmitType;
  using Buffer = typename Outs::Buffer;
  // A key's state here: the bookkeeping first, since the look-ups (group(), apply_values())
  // read it right after the key,
  // in the same cache line.
  struct KeyState {
    explicit KeyState(Logic l) : logic(std::move(l)) {}
    std::uint64_t batch = 0;   // the last batch that grouped this key (apply's stamp)
    std::uint32_t group = 0;   // its group in that batch (batches grouped by key)
    Epoch touched = 0;         // the last epoch whose snapshot must include this key
    Instant armed = kUnarmed;  // the key's element in timers_, kept here to compare at once
    Logic logic;
  };
  // A key's items in the batch being applied.
  struct Group {
    std::size_t at;       // the key's entry
    std::uint32_t start;  // where its items begin in the grouped batch
    std::uint32_t count;
    std::uint32_t fill = 0;
  };
  using Table = KeyTable<K, KeyState>;
  static constexpr Instant kUnarmed = Instant::max();  // also what notify_time says for none
  // Timers exist for a logic that asks for a time and has something to run then.
  static constexpr bool kTimers = HasNotifyAt<Logic> && HasOnNotify<Logic, E>;
  // A logic that takes values one by one gets them so, without grouping the batch by key.
  static constexpr bool kPerValue = HasOnValue<Logic, V, E>;

 public:
  StatefulNode(std::string step_id, WorkerContext& ctx, const std::string& key, Outs outs,
               Builder builder)
      : Node(std::move(step_id)),
        ctx_(ctx),
        outs_(std::move(outs)),
        builder_(std::move(builder)),
        from_exchange_(ctx, key, *this),
        to_exchange_(ctx, key, from_exchange_, KeySplit<K, V>{}) {
    restore();
  }

  /// The step's input: each item goes through the exchange to the worker that owns it.
  Receiver<Item>& input() { return to_exchange_; }

  bool poll(WorkerContext& /*ctx*/) override {
    bool did = from_exchange_.poll();
    if constexpr (kTimers) did = fire_timers() || did;
    return did;
  }

  [[nodiscard]] std::optional<Instant> wake_at() const override {
    if (timers_.empty() || order_.frontier() == kEpochDone) return std::nullopt;
    return timers_.top_time();
  }

  [[nodiscard]] bool finished() const override { return order_.frontier() == kEpochDone; }
  [[nodiscard]] Epoch completed() const override { return order_.frontier(); }

  void on_batch(Epoch e, std::vector<Item>&& items) override {
    order_.on_batch(e, std::move(items), [&](std::vector<Item>& b) { apply(order_.open(), b); });
  }

  // Epoch `order_.open()` is the one being applied; it closes when the frontier passes it. Batches
  // of later epochs were held back and are applied here in epoch order, each epoch's state
  // changes snapshotted once it is complete; at the end of input, on_eof's effects belong
  // to the last epoch applied.
  void on_frontier(Epoch f) override {
    order_.on_frontier(
        f, [&](std::vector<Item>& b) { apply(order_.open(), b); }, [&] { snapshot_epoch(); },
        [&] { at_eof(order_.open()); });
    outs_.advance(f);
  }

 private:
  void restore() {
    const auto& states = ctx_.resume().of(step_id());
    if (states.empty()) return;
    const Modulo owner(ctx_.count());
    for (const auto& [key_bytes, state_bytes] : states) {
      K key = decode_snapshot<K>(key_bytes, nullptr);
      if (owner(stable_hash(key)) != ctx_.index()) {
        continue;
      }
      auto state = decode_snapshot<logic_state_t<Logic>>(state_bytes, &key);
      Logic logic = guarded_key(
          ctx_, step_id(), "resume", [&] { return key_text(&key); },
          [&] { return builder_(std::move(state)); });
      const std::size_t at = state_.insert(key, Table::hash_of(key), KeyState{std::move(logic)});
      if constexpr (kTimers) {
        if (const Instant t = notify_time(state_[at].value.logic); t != kUnarmed) {
          arm(at, t);
        }
      }
    }
  }

  // Decodes a resumed key or state; failing names the step and (when known) the key.
  template <class T>
  T decode_snapshot(const std::string& bytes, const K* key) {
    try {
      return recovery::decode<T>(bytes);
    } catch (const std::exception& e) {
      throw step_error(ctx_, step_id(), std::nullopt, "resume",
                       fmt::format("{} does not decode: {}",
                                   key == nullptr ? "a snapshotted key" : "its snapshot", e.what()),
                       key_text(key));
    }
  }

  // Runs a logic's code on keys, naming the key it was at (at_) if it fails.
  template <class F>
  void on_keys(const char* method, F&& f) {
    at_ = nullptr;
    guarded_key(
        ctx_, step_id(), method, [&] { return key_text(at_); }, std::forward<F>(f));
  }

  // One on_batch per key per batch, as Bytewax's stateful_batch does: keys in the order they
  // first appear,
  // each key's values in arrival order. Or, for a logic taking values one by one, on_value for
  // each item in arrival order, then on_batch_end per key in the same key order. Discards are
  // applied once the batch is done, so the entry indices the groups hold stay valid meanwhile.
  void apply(Epoch e, std::vector<Item>& items) {
    Buffer out = outs_.buffer(items.size());
    const Instant now = WorkerContext::now();
    on_keys("on_batch", [&] {
      Item* values = nullptr;
      if constexpr (kPerValue) {
        apply_values(items, now, out);
      } else {
        values = group(items);
      }
      discards_.clear();
      for (const Group& gr : groups_) {
        auto& entry = state_[gr.at];
        at_ = &entry.key;
        touch(entry);
        E emit(out, entry.key, now);
        StateAction a = StateAction::retain;
        if constexpr (kPerValue) {
          a = entry.value.logic.on_batch_end(emit);
        } else {
          a = entry.value.logic.on_batch(
              Values<K, V>(values + gr.start, values + gr.start + gr.count), emit);
        }
        if (a == StateAction::discard) {
          discards_.push_back(gr.at);
        } else {
          rearm(gr.at);
        }
      }
      // from the highest index down: erasing moves only entries that stay
      std::sort(discards_.begin(), discards_.end(), std::greater<>());
      for (std::size_t at : discards_) erase_entry(at);
      grouped_.clear();
    });
    outs_.emit(e, std::move(out));
  }

  // Hands each item to its key's logic (on_value) in arrival order, finding (or creating) the
  // key's entry once per run of adjacent items of one key; groups_ gets the batch's keys in the
  // order they first appear.
  void apply_values(std::vector<Item>& items, Instant now, Buffer& out) {
    const bool ahead = begin_batch(items);
    const std::uint64_t stamp = batch_;  // (a logic's stores might alias it too)
    // the bounds read once: a logic's stores might alias the vector
    Item* const first = items.data();
    Item* const last = first + items.size();
    Item* it = first;
    while (it != last) {
      const Item* const stop = lookup_.stretch(state_, it, last, ahead);
      while (it != stop) {
        // a key's run of adjacent items: one look-up
        const std::size_t at = join_batch(*it, ahead, stamp, [&](auto& entry) {
                                 if constexpr (HasOnBatchBegin<Logic, E>) {
                                   at_ = &entry.key;
                                   E emit(out, entry.key, now);
                                   entry.value.logic.on_batch_begin(emit);
                                 }
                               }).at;
        auto& entry = state_[at];  // on_value adds and removes no key
        at_ = &entry.key;
        while (true) {
          E emit(out, entry.key, now);
          entry.value.logic.on_value(std::move(it->second), emit);
          ++it;
          if (it == stop || !(it->first == (it - 1)->first)) {
            break;
          }
        }
      }
    }
  }

  // The entry of `key` (hash h), created with a fresh logic if there is none.
  std::size_t entry_of(const K& key, std::uint64_t h) {
    const std::size_t at = state_.find(key, h);
    if (at != Table::npos) {
      return at;
    }
    at_ = &key;  // the builder's error names it
    return state_.insert(key, h, KeyState{builder_(std::nullopt)});
  }

  // Starts a batch's look-ups (group() or apply_values()): a new stamp, no groups yet; whether to
  // ask ahead.
  bool begin_batch(const std::vector<Item>& items) {
    ++batch_;  // a key's group is this batch's only if it carries this stamp
    groups_.clear();
    return lookup_.begin(state_, items);
  }
  // Finds (or creates) the entry of `item`'s key and stamps it into the batch (`stamp`, the
  // batch's, read once by the caller): the key's first item in the batch opens its group
  // (groups_, ks.group) and is handed to opened(entry).
  struct Joined {
    std::size_t at;  // the key's entry
    bool first;      // this item opened the key's group
  };
  struct NothingOnOpen {
    void operator()(typename Table::Entry& /*entry*/) const {}
  };
  template <class Opened = NothingOnOpen>
  Joined join_batch(const Item& item, bool ahead, std::uint64_t stamp, Opened&& opened = {}) {
    const std::size_t at = entry_of(item.first, lookup_.hash_of(item, ahead));
    auto& entry = state_[at];
    KeyState& ks = entry.value;
    if (ks.batch == stamp) [[likely]] {  // (a key's first item in a batch is the rarer)
      return {at, false};
    }
    ks.batch = stamp;
    if constexpr (!kPerValue) {
      ks.group = static_cast<std::uint32_t>(groups_.size());  // (group() finds it there)
    }
    groups_.push_back(Group{at, 0, 0});
    opened(entry);
    return {at, true};
  }

  // Finds (or creates) each item's key and gathers the batch into groups_; returns the items
  // in group order: `items` itself when each key's items are already adjacent, else grouped_.
  Item* group(std::vector<Item>& items) {
    const bool ahead = begin_batch(items);
    const std::size_t n = items.size();
    group_of_.resize(n);
    bool adjacent = true;
    const Item* const first = items.data();
    for (std::size_t i = 0; i < n;) {
      const auto stop =
          static_cast<std::size_t>(lookup_.stretch(state_, first + i, first + n, ahead) - first);
      for (; i < stop; ++i) {
        const K& key = items[i].first;
        std::uint32_t g = 0;
        if (i > 0 && key == items[i - 1].first) {
          g = group_of_[i - 1];
        } else {
          const Joined j = join_batch(items[i], ahead, batch_);
          if (!j.first) {
            adjacent = false;  // seen before, not just before
          }
          g = state_[j.at].value.group;
        }
        group_of_[i] = g;
        ++groups_[g].count;
      }
    }
    std::uint32_t start = 0;
    for (auto& gr : groups_) {
      gr.start = start;
      start += gr.count;
    }
    if (adjacent) return items.data();
    // a stable counting sort by group, moving each item straight to its place
    grouped_.reserve(n);
    for (auto& gr : groups_) gr.fill = gr.start;
    Item* dst = grouped_.storage();
    for (std::size_t i = 0; i < n; ++i) {
      std::construct_at(dst + groups_[group_of_[i]].fill++, std::move(items[i]));
    }
    grouped_.constructed(n);
    return dst;
  }

  void after_call(std::size_t at, StateAction a) {
    if (a == StateAction::discard) {
      erase_entry(at);
    } else {
      rearm(at);
    }
  }

  void erase_entry(std::size_t at) {
    if (snapshots_ != nullptr) touched_.discard(state_[at].key);
    timers_.erased(at, state_.size() - 1);
    state_.erase(at);
  }

  void rearm(std::size_t at) {
    if constexpr (kTimers) {
      // Only an earlier time moves the key's heap element; a later or withdrawn one is
      // found when the element comes due (see fire_timers), so a notify time that moves on
      // every batch costs no heap work. No time reads as kUnarmed, which is never earlier.
      const KeyState& ks = state_[at].value;
      const Instant t = notify_time(ks.logic);
      if (t < ks.armed) {
        arm(at, t);
      }
    }
  }
  void arm(std::size_t at, Instant t) {
    timers_.set(at, t);
    state_[at].value.armed = t;
  }
  void disarm_all() {
    timers_.clear();
    for (auto& entry : state_) entry.value.armed = kUnarmed;
  }

  // Each due key's notify fires once; a key whose logic asks again for a time already past
  // fires on the next poll, so a logic cannot keep one poll busy forever. A due element whose
  // logic now wants a later time (or none) is re-armed (or dropped) instead of firing.
  bool fire_timers() {
    if constexpr (kTimers) {
      if (timers_.empty() || order_.frontier() == kEpochDone) return false;
      const Instant now = WorkerContext::now();
      if (timers_.top_time() > now) return false;
      std::vector<K> due;
      while (!timers_.empty() && timers_.top_time() <= now) {
        auto& entry = state_[timers_.top_entry()];
        entry.value.armed = kUnarmed;
        due.push_back(entry.key);
        timers_.pop();
      }
      Buffer out = outs_.buffer(0);
      on_keys("on_notify", [&] {
        for (const K& key : due) {
          const std::size_t at = state_.find(key);
          if (at == Table::npos) continue;
          auto& entry = state_[at];
          const Instant wanted = notify_time(entry.value.logic);
          if (wanted == kUnarmed) {
            continue;
          }
          if (wanted > now) {
            arm(at, wanted);
            continue;
          }
          at_ = &entry.key;
          touch(entry);
          E emit(out, entry.key, now);
          after_call(at, entry.value.logic.on_notify(emit));
        }
      });
      outs_.emit(order_.frontier(), std::move(out));
      return true;
    } else {
      return false;  // no timers (kTimers)
    }
  }

  void touch(typename Table::Entry& entry) {
    if (snapshots_ != nullptr) touched_.touch(entry.value.touched, entry.key, order_.open());
  }

  // Writes the open epoch's state changes: each touched key's state, or its discard.
  void snapshot_epoch() {
    if (snapshots_ == nullptr || touched_.empty()) return;
    recovery::StateChanges changes(step_id(), order_.open());
    changes.reserve(snapshot_bytes_);  // the last epoch's size, if there was one
    changes.expect(touched_.size());   // else this many entries the size of the first
    auto put = [&](const K& key, const Logic* logic) {
      const std::string_view k = recovery::encoded_view(key, key_bytes_);
      if (logic == nullptr) {
        changes.discard(k);
        return;
      }
      at_ = &key;
      changes.put(k, recovery::encoded_view(logic->snapshot(), state_bytes_));
    };
    on_keys("snapshot", [&] { touched_.drain(state_, order_.open(), put); });
    snapshot_bytes_ = changes.byte_size() + changes.byte_size() / 8;
    snapshots_->write(ctx_.index(), std::move(changes));
  }

  void at_eof(Epoch epoch) {
    Buffer out = outs_.buffer(0);
    if constexpr (HasOnEof<Logic, E>) {
      std::vector<std::size_t> order(state_.size());
      for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
      std::sort(order.begin(), order.end(),
                [&](std::size_t a, std::size_t b) { return state_[a].key < state_[b].key; });
      std::vector<std::size_t> discarded;
      const Instant now = WorkerContext::now();
      on_keys("on_eof", [&] {
        for (std::size_t at : order) {
          auto& entry = state_[at];
          at_ = &entry.key;
          touch(entry);
          E emit(out, entry.key, now);
          if (entry.value.logic.on_eof(emit) == StateAction::discard) discarded.push_back(at);
        }
      });
      // Erasing from the highest index down moves only entries that stay.
      std::sort(discarded.begin(), discarded.end(), std::greater<>());
      for (std::size_t at : discarded) {
        if (snapshots_ != nullptr) touched_.discard(state_[at].key);
        state_.erase(at);
      }
    }
    disarm_all();
    outs_.emit(epoch, std::move(out));
  }

  WorkerContext& ctx_;
  Outs outs_;
  Builder builder_;
  const K* at_ = nullptr;  // the key whose logic runs (or is built), for its errors
  Table state_;
  TimerHeap timers_;
  EpochOrder<Item> order_{ctx_.start_epoch()};
  recovery::SnapshotWriter* snapshots_ = ctx_.snapshots();
  std::string key_bytes_;  // scratch for encoding snapshots
  std::string state_bytes_;
  std::size_t snapshot_bytes_ = 0;  // room to reserve for the next epoch's changes
  TouchedKeys<K> touched_;          // keys changed in epoch order_.open() (when snapshotting)
  // scratch of apply(), kept to reuse their memory
  std::uint64_t batch_ = 0;  // batches grouped so far
  std::vector<Group> groups_;
  std::vector<std::uint32_t> group_of_;  // each item's group
  BatchLookup<K, V, Table> lookup_;      // asks a large table for a batch's keys ahead
  ScatterBuffer<Item> grouped_;
  std::vector<std::size_t> discards_;  // entries to erase after the batch
  ExchangeInput<Item> from_exchange_;
  ExchangeSender<Item, KeySplit<K, V>> to_exchange_;
};

}  // namespace weir::detail
