#pragma once
// Windowers: which windows an item's timestamp belongs to, and when windows close. Each
// windower makes one state per key (`make_state()`), which the window operators drive:
//
//   insert(t, ids, merges)  an on-time item at t: appends the ids of the windows it falls in
//                           (opening them), and (from, into) for each session merged away
//   late_ids(t, ids)        the windows a late item at t would have fallen in
//   close_for(wm, closed)   removes the windows the watermark wm has passed; appends
//                           (id, metadata) in ascending close order
//   next_close()            the watermark at which the next open window closes
//   empty()                 no open window
//   disposable()            forgetting this state loses nothing (no open window, and no
//                           window numbering to continue)
//
// States are plain data once detached from their windower: they serialize with
// Boost.Serialization, and `windower.resume(state)` reattaches a decoded one.
//
// SlidingWindower(length, offset, align_to): window i is [align_to + i*offset, +length);
// an item may fall in several; a window closes when close_time <= watermark. offset must be
// positive and at most length. TumblingWindower(length, align_to) is sliding with
// offset == length. SessionWindower(gap): an item within gap (inclusive) of a session joins
// it, extending it and merging sessions it bridges into the earliest-opening one; otherwise
// it opens a new session with the next id. A session closes once close_time < watermark - gap.

#include <algorithm>
#include <boost/serialization/map.hpp>
#include <cstddef>
#include <map>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "weir/inputs/clock.hpp"
#include "weir/operators/windowing/metadata.hpp"
#include "weir/operators/windowing/time_math.hpp"

namespace weir::window {

using Merge = std::pair<WindowId, WindowId>;  // (merged away, merged into)
using Closed = std::pair<WindowId, WindowMetadata>;

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

  [[nodiscard]] Instant open_time(WindowId id) const { return align_ + id * offset_; }
  [[nodiscard]] Instant close_time(WindowId id) const { return open_time(id) + length_; }

  /// The ids of the windows containing t, ascending.
  template <class F>
  void for_each_id(Instant t, F&& f) const {
    const Duration since = t - align_;
    const WindowId last = detail::floor_div(since, offset_);
    if (offset_ == length_) {  // tumbling: exactly one window
      f(last);
      return;
    }
    const WindowId first = detail::floor_div(since - length_, offset_) + 1;
    for (WindowId id = first; id <= last; ++id) f(id);
  }

  class State {
   public:
    State() = default;
    explicit State(const SlidingWindower* w) : w_(w) {}
    void insert(Instant t, std::vector<WindowId>& ids, std::vector<Merge>& /*merges*/) {
      w_->for_each_id(t, [&](WindowId id) {
        // ids mostly arrive ascending: the common case appends
        if (open_.empty() || open_.back() < id) {
          open_.push_back(id);
        } else {
          auto it = std::lower_bound(open_.begin(), open_.end(), id);
          if (*it != id) open_.insert(it, id);
        }
        ids.push_back(id);
      });
    }
    void late_ids(Instant t, std::vector<WindowId>& ids) const {
      w_->for_each_id(t, [&](WindowId id) { ids.push_back(id); });
    }
    void close_for(Instant watermark, std::vector<Closed>& closed) {
      // ids ascend with close times, so the closed ones are a prefix
      std::size_t n = 0;
      while (n < open_.size() && w_->close_time(open_[n]) <= watermark) {
        closed.emplace_back(open_[n], w_->metadata(open_[n]));
        ++n;
      }
      open_.erase(open_.begin(), open_.begin() + static_cast<std::ptrdiff_t>(n));
    }
    [[nodiscard]] std::optional<Instant> next_close() const {
      if (open_.empty()) return std::nullopt;
      return w_->close_time(open_.front());
    }
    [[nodiscard]] bool empty() const { return open_.empty(); }
    [[nodiscard]] bool disposable() const { return open_.empty(); }
    /// The open windows' ids, ascending.
    [[nodiscard]] const std::vector<WindowId>& open_ids() const { return open_; }

    template <class Ar>
    void serialize(Ar& ar, unsigned /*version*/) {
      ar& open_;
    }

   private:
    friend class SlidingWindower;
    const SlidingWindower* w_ = nullptr;
    std::vector<WindowId> open_;
  };
  [[nodiscard]] State make_state() const { return State(this); }
  [[nodiscard]] State resume(State s) const {
    s.w_ = this;
    return s;
  }
  [[nodiscard]] WindowMetadata metadata(WindowId id) const {
    return WindowMetadata{open_time(id), close_time(id), {}};
  }

 private:
  Duration length_;
  Duration offset_;
  Instant align_;
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
    explicit State(const SessionWindower* w) : w_(w) {}
    void insert(Instant t, std::vector<WindowId>& ids, std::vector<Merge>& merges) {
      const Duration gap = w_->gap_;
      std::vector<WindowId> near;
      for (const auto& [id, m] : open_) {
        if (detail::saturating_add(m.open_time, -gap) <= t &&
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
      const Instant limit = detail::saturating_add(watermark, -w_->gap_);
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
        const Instant c = detail::saturating_add(m.close_time, w_->gap_ + Duration(1));
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
    const SessionWindower* w_ = nullptr;
    std::map<WindowId, WindowMetadata> open_;
    WindowId next_id_ = 0;
  };
  [[nodiscard]] State make_state() const { return State(this); }
  [[nodiscard]] State resume(State s) const {
    s.w_ = this;
    return s;
  }

 private:
  Duration gap_;
};

}  // namespace weir::window
