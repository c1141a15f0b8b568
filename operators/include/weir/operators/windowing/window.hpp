#pragma once
// window(id, kv, clock, windower, logic[, order]) -> WindowOut<K, W, V>
//
// The generic windowing operator every other one is made of. Per key it keeps a clock state
// (the key's watermark), one `logic` state per open window (ascending ids) and, for a session
// windower, its state; it returns three keyed streams:
//
//   down  (K, (WindowId, W))               what the window logic emits
//   late  (K, (WindowId, V))               items older than the key's watermark, once for
//                                          every window they would have fallen in (sessions:
//                                          kLateSessionId); never dropped
//   meta  (K, (WindowId, WindowMetadata))  when a window closes (not for windows merged away:
//                                          the surviving window's merged_ids lists them)
//
// A window logic is a stateless policy over a per-window state:
//
//   struct Sum {
//     using state_type = long;   // one per open window; default-constructible, serializable
//     using output_type = long;
//     long open() const { return 0; }
//     template <class Out> void on_value(long& s, V&& v, Out& out) const { s += v; }
//     template <class Out> void on_merge(long& into, long&& from, Out& out) const { into += from; }
//     template <class Out> void on_close(long&& s, Out& out) const { out(s); }
//   };
//
// `out(w)` emits w for the window at hand. Each item of a batch, in arrival order: its
// timestamp advances its key's watermark; a late item goes to `late`; otherwise
// (WindowOrder::arrival) it is applied at once: merges the windower reports are applied first
// (on_merge into the surviving window), then on_value for every window the item falls in.
// With WindowOrder::timestamp items wait until the watermark reaches them and are applied in
// timestamp order (stable for equal times). Then, once per key that had items in the batch
// (keys in the order they first appeared), every window the watermark has passed closes
// (on_close, then meta).
//
// Wake-ups: the key asks to be woken when the clock says the watermark reaches its next close
// (or its earliest waiting item), so windows close with no further input. At end of input
// the watermark becomes maximal: everything waiting is applied and every window closes.
//
// A key's state is dropped when it has no open window and no waiting item and neither the
// clock nor the windower would lose anything (an event clock keeps each key's watermark, a
// session windower its numbering, so those keys are kept).
//
// Step: "<id>.window" (stateful_split: each output goes straight to its stream). Late items and
// metadata nothing reads are not made at all.

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "weir/operators/stateless.hpp"
#include "weir/operators/windowing/clocks.hpp"
#include "weir/operators/windowing/metadata.hpp"
#include "weir/operators/windowing/window_emit.hpp"
#include "weir/operators/windowing/windowers.hpp"
#include "weir/runtime/core_operators.hpp"

namespace weir::window {

enum class WindowOrder { arrival, timestamp };

template <class K, class W, class V>
struct WindowOut {
  Stream<std::pair<K, std::pair<WindowId, W>>> down;
  Stream<std::pair<K, std::pair<WindowId, V>>> late;
  Stream<std::pair<K, std::pair<WindowId, WindowMetadata>>> meta;
};

namespace detail {

template <class ClockT, class WindowerT, class L>
struct WindowConfig {
  WindowConfig(ClockT c, WindowerT w, L l, WindowOrder o)
      : clock(std::move(c)), windower(std::move(w)), logic(std::move(l)), order(o) {}
  ClockT clock;
  WindowerT windower;
  mutable L logic;  // a policy whose callables may keep their own state
  WindowOrder order;
  // Whether anything reads the late and meta streams (an unread one is not built).
  bool emit_late = true;
  bool emit_meta = true;
  // Scratch a session windower fills, reused by every key of the worker that owns this config.
  mutable std::vector<WindowId> ids;
  mutable std::vector<Merge> merges;
  mutable std::vector<Closed> closed;
};

template <class K, class V, class ClockT, class WindowerT, class L>
class WindowLogic {
  using S = typename L::state_type;
  using W = typename L::output_type;
  using Event = WindowEvent<W, V>;
  using E = WindowEmitter<K, W, V>;
  using Out = WindowEmit<K, W, V>;
  using Config = WindowConfig<ClockT, WindowerT, L>;
  static constexpr bool kAligned = AlignedWindower<WindowerT>;

 public:
  using output_type = Event;

  struct Snapshot {
    typename ClockT::State clock;
    // aligned windowers keep none, which then takes no room in a key's entry
    [[no_unique_address]] typename WindowerStateOf<WindowerT>::type windows;
    std::vector<std::pair<WindowId, S>> logics;  // open windows' states, ascending id
    std::vector<std::pair<Instant, V>> waiting;  // timestamp order: not yet applied, by time
    template <class Ar>
    void serialize(Ar& ar, unsigned /*version*/) {
      ar& clock& windows& logics& waiting;
    }
  };

  WindowLogic(const Config* config, std::optional<Snapshot> resume) : config_(config) {
    if (resume) {
      check(*resume);
      state_ = std::move(*resume);
      state_.clock = config_->clock.resume(std::move(state_.clock));
      if constexpr (!kAligned) state_.windows = config_->windower.resume(std::move(state_.windows));
      track_newest();
    } else {
      state_.clock = config_->clock.make_state(weir::clock().now());
      if constexpr (!kAligned) state_.windows = config_->windower.make_state();
    }
  }

  /// Refuses a snapshot whose order the logic relies on is broken (a corrupt store).
  static void check(const Snapshot& s) {
    const auto& l = s.logics;
    if (std::adjacent_find(l.begin(), l.end(), [](const auto& a, const auto& b) {
          return a.first >= b.first;
        }) != l.end()) {
      throw std::runtime_error("the snapshot's open windows are not in ascending order");
    }
    const auto& w = s.waiting;
    if (std::adjacent_find(w.begin(), w.end(), [](const auto& a, const auto& b) {
          return a.first > b.first;
        }) != w.end()) {
      throw std::runtime_error("the snapshot's waiting items are not in timestamp order");
    }
  }

  // Before the key's first item of a batch: the clock catches up with the batch's time.
  void on_batch_begin(E& emit) { state_.clock.begin(emit.now()); }
  // Each item of a batch, in arrival order; then on_batch_end once per key.
  void on_value(V&& v, E& emit) {
    const Stamp st = state_.clock.on_item(v, emit.now());
    if (st.ts < st.watermark) {
      late(st.ts, std::move(v), emit);
    } else if (sole_.contains(st.ts)) {
      auto& newest = state_.logics.back();  // the item's only window (arrival order)
      Out out(emit, newest.first);
      config_->logic.on_value(newest.second, std::move(v), out);
    } else if (opened_next(st.ts, v, emit)) {
      // (arrival order only: sole_ is empty in timestamp order)
    } else if (config_->order == WindowOrder::timestamp) {
      wait(st.ts, std::move(v));
    } else {
      apply(st.ts, std::move(v), emit);
    }
  }
  StateAction on_batch_end(E& emit) { return advance(emit.now(), emit); }
  StateAction on_notify(E& emit) { return advance(emit.now(), emit); }
  StateAction on_eof(E& emit) {
    state_.clock.at_eof();
    return advance(emit.now(), emit);
  }
  [[nodiscard]] Instant notify_at() const { return notify_; }
  const Snapshot& snapshot() const { return state_; }

 private:
  void late(Instant ts, V&& v, E& emit) {
    if (!config_->emit_late) return;
    auto send = [&](WindowId id, V&& x) {
      emit.emplace(std::in_place_index<kLate>, id, std::move(x));
    };
    if constexpr (kAligned) {
      hand_out(config_->windower.ids_of(ts), std::move(v), send);
    } else {
      auto& ids = config_->ids;
      ids.clear();
      state_.windows.late_ids(ts, ids);
      hand_out(ids, std::move(v), send);
    }
  }

  void wait(Instant ts, V&& v) {
    auto& q = state_.waiting;
    if (q.empty() || !(ts < q.back().first)) {
      q.emplace_back(ts, std::move(v));
    } else {
      auto it = std::upper_bound(q.begin(), q.end(), ts,
                                 [](Instant t, const auto& item) { return t < item.first; });
      q.emplace(it, ts, std::move(v));
    }
  }

  void apply(Instant ts, V&& v, E& emit) {
    if constexpr (kAligned) {
      const auto& ls = state_.logics;
      const IdRange r =
          ls.empty() ? config_->windower.ids_of(ts) : config_->windower.ids_of(ts, ls.back().first);
      hand_out(r, std::move(v), [&](WindowId id, V&& x) { value(id, std::move(x), emit); });
    } else {
      auto& ids = config_->ids;
      auto& merges = config_->merges;
      ids.clear();
      merges.clear();
      state_.windows.insert(ts, ids, merges);
      for (const auto& [from, into] : merges) {
        auto f = find(from);
        S consumed = std::move(f->second);
        state_.logics.erase(f);
        Out out(emit, into);
        config_->logic.on_merge(find(into)->second, std::move(consumed), out);
      }
      hand_out(ids, std::move(v), [&](WindowId id, V&& x) { value(id, std::move(x), emit); });
    }
  }

  // An on-time item (arrival order) whose only window is the one after the newest open one,
  // as when event time moves on: opens that window at the back and applies the item. False
  // (nothing done) for any other item.
  bool opened_next(Instant ts, V& v, E& emit) {
    if constexpr (kAligned) {
      // sole_span(newest + 1) is the newest's moved on by one offset (never containing ts
      // when sole_ is empty, as with no open window or in timestamp order, so ls is then not
      // read)
      const Duration step = config_->windower.offset();
      Span next{};
      if (!detail::exact_add(sole_.from, step, next.from)) {
        return false;
      }
      next.until = detail::saturating_add(sole_.until, step);
      if (!next.contains(ts)) {
        return false;
      }
      auto& ls = state_.logics;
      WindowId id = 0;
      if (__builtin_add_overflow(ls.back().first, 1, &id)) {
        return false;
      }
      ls.emplace_back(id, config_->logic.open());
      sole_ = next;
      Out out(emit, id);
      config_->logic.on_value(ls.back().second, std::move(v), out);
      return true;
    } else {
      return false;
    }
  }

  // f(id, value) for each of the windows: a copy of v for each but the last, which gets v.
  template <class F>
  static void hand_out(IdRange r, V&& v, F&& f) {
    for (WindowId id = r.first; id < r.last; ++id) f(id, V(v));
    f(r.last, std::move(v));
  }
  template <class F>
  static void hand_out(const std::vector<WindowId>& ids, V&& v, F&& f) {
    if (ids.empty()) return;
    for (std::size_t i = 0; i + 1 < ids.size(); ++i) f(ids[i], V(v));
    f(ids.back(), std::move(v));
  }

  void value(WindowId id, V&& v, E& emit) {
    Out out(emit, id);
    config_->logic.on_value(find_or_open(id), std::move(v), out);
  }

  // meta() makes the window's metadata, asked only when the meta stream is read. out: emit's,
  // at any window (a caller closing several makes it once).
  template <class Meta>
  void close(WindowId id, S&& state, Meta&& meta, Out& out, E& emit) {
    close(id, std::move(state), std::forward<Meta>(meta), out, emit, config_->emit_meta);
  }
  // The same, told whether the meta stream is read (a constant, in a loop closing several).
  template <class Meta, class WithMeta>
  void close(WindowId id, S&& state, Meta&& meta, Out& out, E& emit, WithMeta with_meta) {
    out.at(id);
    config_->logic.on_close(std::move(state), out);
    if (with_meta) {
      emit.emplace(std::in_place_index<kMeta>, id, meta());
    }
  }

  StateAction advance(Instant now, E& emit) {
    return advance(now, state_.clock.watermark(now), emit);
  }

  // wm: the clock's watermark(now), computed once by the caller. Once per key and batch, kept
  // out of line so as not to crowd the node's per-item loop.
  [[gnu::noinline]] StateAction advance(Instant now, Instant wm, E& emit) {
    if (!state_.waiting.empty() && !(wm < state_.waiting.front().first)) {
      apply_waiting(wm, emit);
    }
    std::optional<Instant> next;
    auto& ls = state_.logics;
    if constexpr (kAligned) {
      // ascending ids close in ascending order: the closed windows are a prefix
      const WindowerT& w = config_->windower;
      // The bounds held in locals: closing stores a vector's end, which might be this one's, so
      // the loop would load them again for every window.
      auto* const first = ls.data();
      auto* const end = first + ls.size();
      auto* open = first;
      Out out(emit, 0);
      // (one loop with metadata, one without: no test of the flag per window)
      auto close_due = [&](auto with_meta) {
        for (; open != end && !(wm < w.close_time(open->first)); ++open) {
          const WindowId id = open->first;
          close(
              id, std::move(open->second), [&] { return w.metadata(id); }, out, emit, with_meta);
        }
      };
      if (config_->emit_meta) {
        close_due(std::true_type{});
      } else {
        close_due(std::false_type{});
      }
      const auto n = static_cast<std::size_t>(open - first);
      if (n > 0) {
        if (end - open == 1) {
          // the common case, the newest window left open: one move, no loop
          *first = std::move(*open);
          ls.erase(ls.begin() + 1, ls.end());
        } else {
          ls.erase(ls.begin(), ls.begin() + static_cast<std::ptrdiff_t>(n));
        }
        if (ls.empty()) {
          sole_ = kNoSpan;
        }
      }
      if (!ls.empty()) next = w.close_time(ls.front().first);
    } else {
      next = state_.windows.next_close();
      if (next && !(wm < *next)) {
        auto& closed = config_->closed;
        closed.clear();
        state_.windows.close_for(wm, closed);
        Out out(emit, 0);
        for (Closed& c : closed) {
          auto it = find(c.first);
          S state = std::move(it->second);
          ls.erase(it);
          close(
              c.first, std::move(state), [&] { return std::move(c.second); }, out, emit);
        }
        next = state_.windows.next_close();
      }
    }
    if (!state_.waiting.empty() && (!next || state_.waiting.front().first < *next)) {
      next = state_.waiting.front().first;
    }
    notify_ = next ? state_.clock.system_time_for(*next, wm, now) : kNever;
    if (!state_.waiting.empty() || !ls.empty() || !state_.clock.disposable())
      return StateAction::retain;
    if constexpr (kAligned) {
      return StateAction::discard;
    } else {
      return state_.windows.disposable() ? StateAction::discard : StateAction::retain;
    }
  }

  // Applies the waiting items (timestamp order) the watermark wm has reached. Out of line:
  // advance's registers go to closing windows.
  [[gnu::noinline]] void apply_waiting(Instant wm, E& emit) {
    // apply the prefix the watermark has reached; apply() never touches the queue
    auto& q = state_.waiting;
    std::size_t n = 0;
    while (n < q.size() && !(wm < q[n].first)) {
      ++n;
    }
    for (std::size_t i = 0; i < n; ++i) {
      apply(q[i].first, std::move(q[i].second), emit);
    }
    q.erase(q.begin(), q.begin() + static_cast<std::ptrdiff_t>(n));
  }

  typename std::vector<std::pair<WindowId, S>>::iterator find(WindowId id) {
    auto& ls = state_.logics;
    return std::lower_bound(ls.begin(), ls.end(), id,
                            [](const auto& e, WindowId i) { return e.first < i; });
  }
  S& find_or_open(WindowId id) {
    auto& ls = state_.logics;
    // items mostly fall in the newest window, or open the next one
    if (!ls.empty() && ls.back().first == id) return ls.back().second;
    if (ls.empty() || ls.back().first < id) {
      ls.emplace_back(id, config_->logic.open());
      track_newest();
      return ls.back().second;
    }
    auto it = find(id);
    if (it == ls.end() || it->first != id) it = ls.emplace(it, id, config_->logic.open());
    return it->second;
  }

  // The times whose only window is the newest open one (aligned windowers, arrival order): an
  // on-time item there goes straight to that window's state, with no window arithmetic. Empty
  // when there is no open window (or its times all fall in other windows too), and always in
  // timestamp order.
  static constexpr Span kNoSpan{Instant::max(), Instant::min()};
  void track_newest() {
    if constexpr (kAligned) {
      const auto& ls = state_.logics;
      sole_ = ls.empty() || config_->order != WindowOrder::arrival
                  ? kNoSpan
                  : config_->windower.sole_span(ls.back().first);
    }
  }

  const Config* config_;
  Span sole_ = kNoSpan;  // (beside the clock: what every item reads is close together)
  Snapshot state_;
  // When to be woken (kNever: no need). A plain time, not an optional: the node reads it
  // right after advance() wrote it, and a 16-byte optional went through the stack as two
  // stores read back as one load, which cannot be forwarded (a stall per key and batch).
  static constexpr Instant kNever = Instant::max();
  Instant notify_ = kNever;
};

}  // namespace detail

template <class K, class V, class ClockT, class WindowerT, class L>
auto window(std::string_view step_id, const Stream<std::pair<K, V>>& up, ClockT clock,
            WindowerT windower, L logic, WindowOrder order = WindowOrder::arrival) {
  auto call = up.flow().call("window::window", step_id);
  using Logic = detail::WindowLogic<K, V, ClockT, WindowerT, L>;
  using Config = detail::WindowConfig<ClockT, WindowerT, L>;
  using W = typename L::output_type;
  auto scope = up.flow().scope(step_id);
  // whether the late and meta streams have readers: known once the flow is complete, so asked
  // when the first logic is built
  struct Readers {
    std::function<bool()> late, meta;
  };
  auto readers = std::make_shared<Readers>();
  auto [down, late, meta] = op::stateful_split(
      "window", up,
      [config = Config(std::move(clock), std::move(windower), std::move(logic), order), readers,
       asked = false](std::optional<typename Logic::Snapshot> s) mutable {
        if (!asked) {
          config.emit_late = readers->late();
          config.emit_meta = readers->meta();
          asked = true;
        }
        return Logic(&config, std::move(s));
      });
  readers->late = [s = late] { return s.has_readers(); };
  readers->meta = [s = meta] { return s.has_readers(); };
  return WindowOut<K, W, V>{down, late, meta};
}

/// A stream that is not keyed: a clear compile-time error instead of a failed overload.
template <class T, class... Args>
requires(!is_keyed_v<T>) void window(std::string_view /*step_id*/, const Stream<T>& /*up*/,
                                     Args&&... /*args*/) {
  static_assert(is_keyed_v<T>,
                "window operators need a keyed stream, Stream<std::pair<K, V>>: key it with "
                "key_on first");
}

}  // namespace weir::window
