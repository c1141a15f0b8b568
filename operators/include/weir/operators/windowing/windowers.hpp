#pragma once
// Windowers: which windows an item's timestamp belongs to, and when windows close. Two kinds:
//
// Aligned windowers (SlidingWindower, TumblingWindower; the AlignedWindower concept): the
// windows follow from time alone, so the windower keeps nothing per key and the window
// operator keeps each key's open windows (ascending ids close in ascending order):
//
//   ids_of(t) -> IdRange    the windows containing t: ids first..last, ascending
//   ids_of(t, hint)         the same; cheaper when t falls in window `hint` alone
//   close_time(id)          a window closes once the watermark reaches this (exclusive end)
//   sole_span(id) -> Span   the times whose only window is id (empty when windows overlap
//                           by half their length or more)
//   offset()                the distance between consecutive windows' opens (sole_span(id + 1)
//                           is sole_span(id) moved on by it)
//   metadata(id)            its open and close times
//
// SlidingWindower(length, offset, align_to): window i is [align_to + i*offset, +length);
// an item may fall in several (ids before align_to are negative). offset must be positive
// and at most length. TumblingWindower(length, align_to) is sliding with offset == length.
//
// SessionWindower(gap) keeps one state per key (`make_state()`), which the window
// operators drive:
//
//   insert(t, ids, merges)  an on-time item at t: appends the id of the session it joins
//                           (opening one), and (from, into) for each session merged away
//   late_ids(t, ids)        the windows a late item at t would have fallen in
//   close_for(wm, closed)   removes the sessions the watermark wm has passed; appends
//                           (id, metadata) in ascending close order
//   next_close()            the watermark at which the next open session closes
//   empty()                 no open session
//   disposable()            forgetting this state loses nothing (never: ids continue per key)
//
// An item within gap (inclusive) of a session joins it, extending it and merging sessions it
// bridges into the earliest-opening one; otherwise it opens a new session with the next id.
// A session closes once close_time < watermark - gap. Its states are plain data once
// detached from the windower: they serialize with Boost.Serialization, and
// `windower.resume(state)` reattaches a decoded one.

#include <algorithm>
#include <boost/serialization/map.hpp>
#include <concepts>
#include <cstddef>
#include <map>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "weir/core/clock.hpp"
#include "weir/operators/windowing/metadata.hpp"
#include "weir/operators/windowing/time_math.hpp"

namespace weir::window {

using Merge = std::pair<WindowId, WindowId>;  // (merged away, merged into)
using Closed = std::pair<WindowId, WindowMetadata>;

/// Window ids first..last (inclusive), ascending.
struct IdRange {
  WindowId first;
  WindowId last;
};

/// The times [from, until); empty when until <= from.
struct Span {
  Instant from;
  Instant until;
  [[nodiscard]] bool contains(Instant t) const { return from <= t && t < until; }
};

class SlidingWindower {
 public:
  SlidingWindower(Duration length, Duration offset, Instant align_to)
      : length_(length), offset_(offset), align_(align_to) {
    if (offset <= Duration::zero() || length <= Duration::zero()) {
      throw std::invalid_argument("sliding windows need a positive length and offset");
    }
    if (offset > length) {
      throw std::invalid_argument(
          "a sliding window's offset may not exceed its length (items would fall in no window)");
    }
  }

  [[nodiscard]] Duration offset() const { return offset_; }
  [[nodiscard]] Instant open_time(WindowId id) const { return align_ + id * offset_; }
  [[nodiscard]] Instant close_time(WindowId id) const { return open_time(id) + length_; }
  [[nodiscard]] WindowMetadata metadata(WindowId id) const {
    return WindowMetadata{open_time(id), close_time(id), {}};
  }
  /// After window id-1 closes and before window id+1 opens.
  [[nodiscard]] Span sole_span(WindowId id) const {
    const Instant open = open_time(id);
    return {open + (length_ - offset_), detail::saturating_add(open, offset_)};
  }

  /// The same, faster for tumbling windows when t falls in window `hint` (mostly the newest
  /// open one) or in the one after it (event time moving on): no division.
  [[nodiscard]] IdRange ids_of(Instant t, WindowId hint) const {
    if (offset_ == length_) {
      const Instant close = close_time(hint);
      if (open_time(hint) <= t && t < close) {
        return {hint, hint};
      }
      if (close <= t && t < detail::saturating_add(close, length_)) {
        return {hint + 1, hint + 1};
      }
    }
    return ids_of(t);
  }
  [[nodiscard]] IdRange ids_of(Instant t) const {
    const Duration since = t - align_;
    const WindowId last = detail::floor_div(since, offset_);
    if (offset_ == length_) return {last, last};  // tumbling: exactly one window
    return {detail::floor_div(since - length_, offset_) + 1, last};
  }

 private:
  Duration length_;
  Duration offset_;
  Instant align_;
};

template <class W>
concept AlignedWindower = requires(const W& w, Instant t, WindowId id) {
  { w.ids_of(t) } -> std::same_as<IdRange>;
  { w.ids_of(t, id) } -> std::same_as<IdRange>;
  { w.close_time(id) } -> std::same_as<Instant>;
  { w.sole_span(id) } -> std::same_as<Span>;
  { w.offset() } -> std::same_as<Duration>;
  { w.metadata(id) } -> std::same_as<WindowMetadata>;
};

class TumblingWindower : public SlidingWindower {
 public:
  TumblingWindower(Duration length, Instant align_to) : SlidingWindower(length, length, align_to) {}
};

class SessionWindower {
 public:
  explicit SessionWindower(Duration gap) : gap_(gap) {
    if (gap < Duration::zero()) throw std::invalid_argument("a session gap may not be negative");
  }

  class State {
   public:
    State() = default;
    explicit State(const SessionWindower* w) : windower_(w) {}
    void insert(Instant t, std::vector<WindowId>& ids, std::vector<Merge>& merges) {
      const Duration gap = windower_->gap_;
      std::vector<WindowId> near;
      for (const auto& [id, m] : open_) {
        if (detail::saturating_sub(m.open_time, gap) <= t &&
            t <= detail::saturating_add(m.close_time, gap)) {
          near.push_back(id);
        }
      }
      if (near.empty()) {
        const WindowId id = next_id_++;
        open_.emplace(id, WindowMetadata{t, t, {}});
        ids.push_back(id);
        return;
      }
      // the earliest-opening session (lowest id on a tie) absorbs the others
      const WindowId into = *std::min_element(near.begin(), near.end(), [&](auto a, auto b) {
        const auto& ma = open_.at(a);
        const auto& mb = open_.at(b);
        return ma.open_time != mb.open_time ? ma.open_time < mb.open_time : a < b;
      });
      WindowMetadata& target = open_.at(into);
      target.open_time = std::min(target.open_time, t);
      target.close_time = std::max(target.close_time, t);
      for (WindowId from : near) {
        if (from == into) continue;
        WindowMetadata m = std::move(open_.at(from));
        open_.erase(from);
        target.open_time = std::min(target.open_time, m.open_time);
        target.close_time = std::max(target.close_time, m.close_time);
        target.merged_ids.push_back(from);
        target.merged_ids.insert(target.merged_ids.end(), m.merged_ids.begin(), m.merged_ids.end());
        merges.emplace_back(from, into);
      }
      std::sort(target.merged_ids.begin(), target.merged_ids.end());
      ids.push_back(into);
    }
    void late_ids(Instant /*t*/, std::vector<WindowId>& ids) const {
      ids.push_back(kLateSessionId);
    }
    void close_for(Instant watermark, std::vector<Closed>& closed) {
      const Instant limit = detail::saturating_sub(watermark, windower_->gap_);
      std::vector<Closed> out;
      for (auto it = open_.begin(); it != open_.end();) {
        if (it->second.close_time < limit) {
          out.emplace_back(it->first, std::move(it->second));
          it = open_.erase(it);
        } else {
          ++it;
        }
      }
      std::sort(out.begin(), out.end(), [](const Closed& a, const Closed& b) {
        return a.second.close_time != b.second.close_time
                   ? a.second.close_time < b.second.close_time
                   : a.first < b.first;
      });
      closed.insert(closed.end(), std::make_move_iterator(out.begin()),
                    std::make_move_iterator(out.end()));
    }
    /// The watermark at which the earliest-ending session closes (just past close + gap).
    [[nodiscard]] std::optional<Instant> next_close() const {
      std::optional<Instant> at;
      for (const auto& [id, m] : open_) {
        const Instant c = detail::saturating_add(m.close_time, windower_->gap_ + Duration(1));
        if (!at || c < *at) at = c;
      }
      return at;
    }
    [[nodiscard]] bool empty() const { return open_.empty(); }
    /// Never: session ids continue per key, so the numbering must be kept.
    [[nodiscard]] bool disposable() const { return false; }
    [[nodiscard]] const std::map<WindowId, WindowMetadata>& open() const { return open_; }
    [[nodiscard]] WindowId next_id() const { return next_id_; }

    template <class Ar>
    void serialize(Ar& ar, unsigned /*version*/) {
      ar& open_& next_id_;
    }

   private:
    friend class SessionWindower;
    const SessionWindower* windower_ = nullptr;
    std::map<WindowId, WindowMetadata> open_;
    WindowId next_id_ = 0;
  };
  [[nodiscard]] State make_state() const { return State(this); }
  [[nodiscard]] State resume(State s) const {
    s.windower_ = this;
    return s;
  }

 private:
  Duration gap_;
};

}  // namespace weir::window
