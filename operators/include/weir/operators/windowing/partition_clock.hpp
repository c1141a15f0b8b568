#pragma once
// PartitionClock(ts_getter, partition_getter, wait, idle_timeout): event time with one
// watermark per source partition instead of per key.
//
// Each item names the source partition it came from: partition_getter returns an integer
// (a Kafka message's partition, or stable_hash of a partition's name). A partition's watermark is
// its latest timestamp minus `wait`, advancing with system time like EventClock's. The watermark
// every key of the worker sees is the lowest among partitions that sent an item within
// `idle_timeout`; a partition quiet for longer no longer holds it back (when every partition is
// quiet, the highest counts), and a key's watermark never goes back, even when a quiet partition
// speaks again (its older items are then late). So a quiet key, or a quiet partition, does not hold
// windows open: a key with open windows is woken at least every `idle_timeout` to close what the
// partitions' progress has passed.
//
// The partitions' progress is what this worker has received from them (exact with one
// worker; with several, each worker sees the items of the keys it owns). It is not
// snapshotted: after a resume it is rebuilt from new items, while each key keeps the
// watermark it had reached.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <variant>
#include <vector>

#include "weir/core/clock.hpp"
#include "weir/operators/windowing/clocks.hpp"
#include "weir/operators/windowing/metadata.hpp"
#include "weir/operators/windowing/time_math.hpp"

namespace weir::window {

template <class GetTs, class GetPart>
class PartitionClock {
 public:
  PartitionClock(GetTs ts_getter, GetPart partition_getter, Duration wait, Duration idle_timeout)
      : get_ts_(std::move(ts_getter)),
        get_part_(std::move(partition_getter)),
        wait_(wait),
        idle_(idle_timeout) {}

  class State {
   public:
    State() = default;
    explicit State(const PartitionClock* c) : clock_(c) {}

    void begin(Instant /*now*/) {}
    template <class V>
    Stamp on_item(const V& v, Instant now) {
      const Instant ts = clock_->get_ts_(v);
      clock_->progress(static_cast<std::uint64_t>(clock_->get_part_(v)), ts, now);
      return {ts, watermark(now)};
    }
    [[nodiscard]] Instant watermark(Instant now) const {
      if (eof_) {
        return kTimeMax;
      }
      last_ = std::max(last_, clock_->watermark(now));
      return last_;
    }
    /// When the watermark reaches wm if the partitions stay as they are, but no later than
    /// the moment an active partition turns idle, nor than one idle timeout from now (other
    /// keys' items may move the partitions first).
    [[nodiscard]] Instant system_time_for(Instant wm, Instant now) const {
      return system_time_for(wm, watermark(now), now);
    }
    /// The same, given the current watermark (watermark(now)) already computed.
    [[nodiscard]] Instant system_time_for(Instant wm, Instant current, Instant now) const {
      if (wm <= current) {
        return now;
      }
      const Instant projected = detail::saturating_add(now, detail::saturating_diff(wm, current));
      const Instant recheck = detail::saturating_add(now, std::max(clock_->idle_, Duration(1)));
      return std::min({projected, recheck, clock_->next_idle(now)});
    }
    void at_eof() { eof_ = true; }
    [[nodiscard]] static bool disposable() { return false; }

    template <class Ar>
    void serialize(Ar& ar, unsigned /*version*/) {
      ar& last_;
    }

   private:
    friend class PartitionClock;
    const PartitionClock* clock_ = nullptr;
    mutable Instant last_ = kTimeMin;  // the highest watermark this key has seen
    bool eof_ = false;
  };

  [[nodiscard]] State make_state(Instant /*now*/) const { return State(this); }
  [[nodiscard]] State resume(State s) const {
    s.clock_ = this;
    return s;
  }
  [[nodiscard]] auto for_variants() const {
    auto ts = [g = get_ts_](const auto& v) { return std::visit(g, v); };
    auto part = [g = get_part_](const auto& v) { return std::visit(g, v); };
    return PartitionClock<decltype(ts), decltype(part)>(std::move(ts), std::move(part), wait_,
                                                        idle_);
  }

 private:
  struct Progress {
    std::uint64_t part;
    Instant base;        // latest timestamp - wait
    Instant sys_of_max;  // system time when base was set
    Instant last_seen;   // system time of the partition's latest item
  };

  void progress(std::uint64_t part, Instant ts, Instant now) const {
    // most items come from the partition the previous one came from (a batch is one partition's)
    if (recent_ >= parts_.size() || parts_[recent_].part != part) {
      auto it =
          std::find_if(parts_.begin(), parts_.end(), [&](const auto& p) { return p.part == part; });
      if (it == parts_.end()) {
        parts_.push_back({part, kTimeMin, now, now});
        it = parts_.end() - 1;
        memo_ = std::nullopt;
      }
      recent_ = static_cast<std::size_t>(it - parts_.begin());
    }
    Progress& p = parts_[recent_];
    if (now - p.last_seen > idle_) {
      memo_ = std::nullopt;  // an idle partition turns active
    }
    p.last_seen = std::max(p.last_seen, now);
    if (detail::saturating_diff(ts, kTimeMin) < wait_) {
      return;  // ts - wait underflows
    }
    const Instant candidate = ts - wait_;
    if (candidate > of(p, now)) {
      p.base = candidate;
      p.sys_of_max = now;
      memo_ = std::nullopt;
    }
  }
  static Instant of(const Progress& p, Instant now) {
    return detail::saturating_add(p.base, std::max(Duration::zero(), now - p.sys_of_max));
  }
  /// The first moment after now at which an active partition turns idle.
  Instant next_idle(Instant now) const {
    Instant at = kTimeMax;
    for (const auto& p : parts_) {
      if (now - p.last_seen <= idle_) {
        at = std::min(at, detail::saturating_add(p.last_seen, idle_ + Duration(1)));
      }
    }
    return at;
  }
  // Computed once per instant while no partition changes: every item of a batch asks at the
  // same instant, and only its own partition's progress can change the answer.
  Instant watermark(Instant now) const {
    if (memo_ && memo_->first == now) {
      return memo_->second;
    }
    const Instant wm = scan_watermark(now);
    memo_ = std::pair(now, wm);
    return wm;
  }
  Instant scan_watermark(Instant now) const {
    std::optional<Instant> lowest_active;
    Instant highest = kTimeMin;
    for (const auto& p : parts_) {
      const Instant w = of(p, now);
      highest = std::max(highest, w);
      if (now - p.last_seen <= idle_ && (!lowest_active || w < *lowest_active)) {
        lowest_active = w;
      }
    }
    return lowest_active.value_or(highest);
  }

  GetTs get_ts_;
  GetPart get_part_;
  Duration wait_;
  Duration idle_;
  // This worker's view of each partition's progress (each worker has its own clock copy).
  mutable std::vector<Progress> parts_;
  mutable std::size_t recent_ = 0;                           // the partition of the latest item
  mutable std::optional<std::pair<Instant, Instant>> memo_;  // (instant, watermark then)
};

}  // namespace weir::window
