#pragma once
// Clocks: an item's timestamp and the watermark (no item older than it is still expected)
// for one key. Each clock makes one state per key (`make_state(now)`), driven by the window
// operators with the system time `now` read once per batch:
//
//   begin(now)                      the key's items of a batch are about to come, at system
//                                   time now (once per key and batch, before their on_item)
//   on_item(item, now) -> Stamp     the item's timestamp and the watermark once the item
//                                   has advanced it (what watermark(now) then returns); now
//                                   is the one the last begin was given
//   watermark(now)                  the current watermark (kTimeMax after end of input)
//   system_time_for(wm, now)        the system time at which the watermark reaches wm
//   system_time_for(wm, current, now)  the same, given watermark(now) already computed
//   at_eof()                        the watermark jumps to kTimeMax
//   disposable()                    forgetting this state loses nothing
//
// States serialize with Boost.Serialization (the end-of-input jump is not kept) and
// `clock.resume(state)` reattaches a decoded one.
//
// EventClock(ts_getter, wait): timestamp = ts_getter(item); the watermark is the latest
// timestamp minus `wait`, then advances with system time, and never goes back. An item is
// late when its timestamp is below the watermark. A negative wait is refused
// (std::invalid_argument).
// SystemClock: timestamp = watermark = the system time.

#include <algorithm>
#include <concepts>
#include <stdexcept>
#include <utility>
#include <variant>

#include "weir/core/clock.hpp"
#include "weir/core/hints.hpp"
#include "weir/operators/windowing/metadata.hpp"
#include "weir/operators/windowing/time_math.hpp"

namespace weir::window {

/// An item's timestamp and the watermark after it.
struct Stamp {
  Instant ts;
  Instant watermark;
};

template <class GetTs>
class EventClock {
 public:
  EventClock(GetTs ts_getter, Duration wait_for_system_duration)
      : get_(std::move(ts_getter)), wait_(wait_for_system_duration) {
    if (wait_ < Duration::zero()) {
      throw std::invalid_argument("an event clock's wait_for_system_duration may not be negative");
    }
  }

  // A key's watermark is kept as its value wm_ at the latest system time seen, last_now_:
  // later, it is wm_ plus the system time elapsed since. (The latest timestamp minus wait,
  // advanced by the system time since that item came, is the same line through that point.)
  class State {
   public:
    State() = default;
    State(const EventClock* c, Instant now) : clock_(c), last_now_(now) {}

    void begin(Instant now) {
      if (last_now_ < now) {  // system time never goes back here
        wm_ = watermark_at(now);
        last_now_ = now;
      }
    }
    // (begin moved the watermark on to now: on_item never looks at the time)
    template <class V>
    Stamp on_item(const V& v, Instant /*now*/) {
      const Instant ts = clock_->get_(v);
      // ts - wait; where that underflows it is the earliest instant, which moves nothing
      const Instant candidate = detail::saturating_sub(ts, clock_->wait_);
      WEIR_ASSUME(candidate <= ts);  // wait is never negative: an item that moves wm_ is on time
      if (wm_ < candidate) [[likely]] {  // (items mostly come in time order)
        wm_ = candidate;
      }
      return {ts, wm_};
    }
    [[nodiscard]] Instant watermark(Instant now) const {
      if (eof_) {
        return kTimeMax;
      }
      return now == last_now_ ? wm_ : watermark_at(now);
    }
    [[nodiscard]] Instant system_time_for(Instant wm, Instant now) const {
      return system_time_for(wm, watermark(now), now);
    }
    /// The same, given the current watermark (watermark(now)) already computed.
    [[nodiscard]] static Instant system_time_for(Instant wm, Instant current, Instant now) {
      if (wm <= current) {
        return now;
      }
      return detail::saturating_add(now, detail::saturating_diff(wm, current));
    }
    void at_eof() { eof_ = true; }
    /// Never: the watermark must not go back when the key's next item comes.
    [[nodiscard]] static bool disposable() { return false; }

    template <class Ar>
    void serialize(Ar& ar, unsigned /*version*/) {
      ar& last_now_& wm_;
    }

   private:
    friend class EventClock;
    // The watermark at `now`, no earlier than last_now_ (ignoring the end of input).
    [[nodiscard]] Instant watermark_at(Instant now) const {
      // saturating: a decoded state may hold any instant
      const Duration elapsed = std::max(Duration::zero(), detail::saturating_diff(now, last_now_));
      return detail::saturating_add(wm_, elapsed);
    }
    const EventClock* clock_ = nullptr;
    Instant last_now_{};
    Instant wm_ = kTimeMin;
    bool eof_ = false;  // the end-of-input jump, not serialized
  };
  [[nodiscard]] State make_state(Instant now) const { return State(this, now); }
  [[nodiscard]] State resume(State s) const {
    s.clock_ = this;
    return s;
  }

  /// The same clock for std::variant items: the getter is applied to the held alternative.
  [[nodiscard]] auto for_variants() const {
    auto visit = [get = get_](const auto& v) { return std::visit(get, v); };
    return EventClock<decltype(visit)>(std::move(visit), wait_);
  }

 private:
  GetTs get_;
  Duration wait_;
};

class SystemClock {
 public:
  class State {
   public:
    void begin(Instant /*now*/) {}
    template <class V>
    Stamp on_item(const V& /*v*/, Instant now) {
      return {now, watermark(now)};
    }
    [[nodiscard]] Instant watermark(Instant now) const { return eof_ ? kTimeMax : now; }
    [[nodiscard]] Instant system_time_for(Instant wm, Instant now) const {
      return std::max(wm, now);
    }
    [[nodiscard]] Instant system_time_for(Instant wm, Instant /*current*/, Instant now) const {
      return system_time_for(wm, now);
    }
    void at_eof() { eof_ = true; }
    [[nodiscard]] static bool disposable() { return true; }
    template <class Ar>
    void serialize(Ar& /*ar*/, unsigned /*version*/) {}

   private:
    bool eof_ = false;
  };
  [[nodiscard]] State make_state(Instant /*now*/) const { return {}; }
  [[nodiscard]] State resume(State s) const { return s; }
  [[nodiscard]] SystemClock for_variants() const { return *this; }
};

}  // namespace weir::window
