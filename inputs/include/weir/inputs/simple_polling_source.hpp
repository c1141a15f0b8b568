#pragma once
// SimplePollingSource: call a getter every `interval`, optionally aligned to wall-clock
// boundaries. One partition ("singleton"), so exactly one worker polls.
//
// Schedule: the first poll is at build time, or with align_to at the first instant
// align_to + k*interval that is not before now. Each poll moves the schedule forward by
// `interval` from the previous scheduled instant (not from now), so it never drifts.
// Throwing Retry{d} from next_item polls again d after the scheduled instant instead.
// Throwing EndOfInput ends the partition; AbortExecution aborts the run.

#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "weir/core/clock.hpp"
#include "weir/core/errors.hpp"
#include "weir/inputs/source.hpp"

namespace weir {

template <class X, class S = std::monostate>
class SimplePollingSource : public FixedPartitionedSource<X, S> {
 public:
  /// Thrown by next_item to be polled again sooner than the interval.
  struct Retry {
    Duration timeout;
  };

  explicit SimplePollingSource(Duration interval, std::optional<Instant> align_to = std::nullopt)
      : interval_(interval), align_to_(align_to) {}

  /// The getter. Returns an item, or nothing this time. Only one worker calls it.
  virtual std::optional<X> next_item() = 0;
  /// State to resume from (default: none).
  [[nodiscard]] virtual S snapshot() const { return S{}; }
  /// Called before the first next_item when the run resumes.
  virtual void resume(S /*state*/) {}

  [[nodiscard]] std::vector<std::string> list_parts() const override { return {"singleton"}; }

  std::unique_ptr<StatefulSourcePartition<X, S>> build_part(
      const std::string& /*step_id*/, const std::string& /*for_part*/,
      std::optional<S> resume_state) const override {
    // One partition only, polled by one worker: the getter may keep mutable state.
    auto* self =
        const_cast<SimplePollingSource*>(this);  // NOLINT(cppcoreguidelines-pro-type-const-cast)
    if (resume_state) self->resume(std::move(*resume_state));
    return std::make_unique<Partition>(*self, first_awake(clock().now()));
  }

  /// The first scheduled poll for a build at `now`.
  [[nodiscard]] Instant first_awake(Instant now) const {
    if (!align_to_) return now;
    if (now <= *align_to_) {
      auto behind = (*align_to_ - now) / interval_;  // whole intervals align_to is ahead
      return *align_to_ - behind * interval_;
    }
    auto steps = (now - *align_to_ + interval_ - Duration(1)) / interval_;
    return *align_to_ + steps * interval_;
  }

 private:
  class Partition final : public StatefulSourcePartition<X, S> {
   public:
    Partition(SimplePollingSource& src, Instant awake) : src_(src), awake_(awake) {}
    NextBatch<X> next_batch() override {
      std::vector<X> out;
      try {
        if (auto item = src_.next_item()) out.push_back(std::move(*item));
        awake_ += src_.interval_;
      } catch (const Retry& r) {
        awake_ += r.timeout;
      } catch (const EndOfInput&) {
        return end_of_partition;
      }
      return out;
    }
    [[nodiscard]] std::optional<Instant> next_awake() override { return awake_; }
    [[nodiscard]] S snapshot() override { return src_.snapshot(); }

   private:
    SimplePollingSource& src_;
    Instant awake_;
  };

  Duration interval_;
  std::optional<Instant> align_to_;
};

}  // namespace weir
