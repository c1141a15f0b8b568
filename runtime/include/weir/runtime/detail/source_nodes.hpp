#pragma once
// The input step on one worker: polls its partitions, closes epochs, honours backpressure.
//
// Polling rules (the source contract): a partition is polled when its awake time has come;
// after a batch, next_awake() decides the next time (none: at once after a non-empty batch,
// after a 1 ms cooldown after an empty one). An ended partition is closed and dropped.
//
// Epochs: one counter per input step per worker, starting at the run's first epoch (1, or
// the epoch a resumed run starts at). The epoch closes when the epoch interval has passed
// since it opened (also while every partition sleeps), or, with an interval of zero, after
// every poll round that produced items. Backpressure: nothing is polled and no epoch closes
// while any output anywhere has not completed the epochs before the current one, or while
// any worker's mailboxes are full.
//
// The store (recovery on): with an epoch interval, a source runs one epoch ahead of the
// store, so that writing epoch e - 1 overlaps the run instead of stalling it: it polls in
// epoch e while e - 1 is being committed, but takes no snapshot in e (no close, no end of a
// partition) until every epoch before e is committed; a commit that takes longer than an
// epoch lengthens the epoch. With an interval of zero (an epoch per batch) it polls only once
// every earlier epoch is committed.
//
// Snapshots (recovery on): each fixed partition's state is written, keyed by its name, when
// an epoch closes and when the partition ends (its position after the last item), so a
// resumed run rebuilds it where the last committed epoch left it.
//
// Commits (recovery on): on_epoch_committed(e) reaches every partition before it is polled
// again, so the last snapshot() it gave is the one of epoch e (no snapshot is taken in
// epoch e + 1 before the partitions have heard of e). A partition that ended stays open
// until the epoch of its last snapshot is committed, hears that, and is closed then; one
// that ends while an earlier epoch is still being written is not polled again, and its end
// is snapshotted once that epoch is committed.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "weir/core/log.hpp"
#include "weir/core/metrics.hpp"
#include "weir/inputs/source.hpp"
#include "weir/recovery/snapshot.hpp"
#include "weir/runtime/detail/graph.hpp"
#include "weir/runtime/detail/guard.hpp"
#include "weir/runtime/detail/run_shared.hpp"

namespace weir::detail {

inline constexpr Duration kEmptyPollCooldown = std::chrono::milliseconds(1);

template <class X>
class SourceNode final : public Node {
 public:
  // One partition this worker polls.
  struct Polled {
    std::optional<std::string> name;  // none for a dynamic source
    std::unique_ptr<StatelessSourcePartition<X>> part;
    Instant awake{};
    // the partition's encoded key and state (fixed partitions when recovery is on)
    std::function<std::pair<std::string, std::string>()> snapshot{};
    // set by the partition's waker (from any thread): poll it before `awake`
    std::shared_ptr<std::atomic<bool>> woken = std::make_shared<std::atomic<bool>>(false);
    std::uint64_t read = 0;             // items this run
    metrics::Counter* items = nullptr;  // weir_source_items_total
    metrics::Gauge* lag = nullptr;      // weir_source_lag, once the partition tells one
    std::optional<Epoch> ended_in{};    // it ended in this epoch and waits for its commit
    bool end_pending = false;           // it ended; its end waits for earlier_committed()
  };

  SourceNode(std::string step_id, WorkerContext& ctx, Output<X>& out)
      : Node(std::move(step_id)),
        ctx_(ctx),
        out_(out),
        epoch_(ctx.start_epoch()),
        epoch_started_(WorkerContext::now()),
        heard_(ctx.snapshots() != nullptr ? ctx.snapshots()->committed() : 0) {}

  void add_partition(std::optional<std::string> name,
                     std::unique_ptr<StatelessSourcePartition<X>> part,
                     std::function<std::pair<std::string, std::string>()> snapshot = {}) {
    Polled s{std::move(name), std::move(part), WorkerContext::now(), std::move(snapshot)};
    WorkerSignal& signal = ctx_.shared().signal(ctx_.local_index());
    guarded(ctx_, step_id(), s.name, "set_waker", [&] {
      s.part->set_waker([woken = s.woken, &signal] {
        woken->store(true, std::memory_order_release);
        signal.notify();
      });
    });
    auto awake =
        guarded(ctx_, step_id(), s.name, "next_awake", [&] { return s.part->next_awake(); });
    if (awake) s.awake = *awake;
    s.items = &metrics::registry().counter("weir_source_items_total",
                                           "Items a source partition gave", labels(s));
    polled_.push_back(std::move(s));
  }

  bool poll(WorkerContext& ctx) override {
    if (finished_) return false;
    if (!started_) {  // a resumed run starts past epoch 1
      started_ = true;
      out_.advance(epoch_);
    }
    if (polled_.empty()) {  // this worker got no partition
      finish();
      return true;
    }
    if (!may_run()) return false;
    const Instant now = WorkerContext::now();
    bool produced = false;
    bool ended = false;
    for (auto& s : polled_) {
      if (!s.part || s.ended_in) {
        continue;
      }
      if (s.end_pending) {
        if (earlier_committed()) {
          end(s);
          ended = true;
        }
        continue;
      }
      if (s.awake > now && !s.woken->exchange(false, std::memory_order_acq_rel)) continue;
      auto batch =
          guarded(ctx, step_id(), s.name, "next_batch", [&] { return s.part->next_batch(); });
      if (!batch) {
        log::info("step '{}' partition '{}' ended after {} items", step_id(), part_name(s), s.read);
        s.end_pending = true;
        if (earlier_committed()) {
          end(s);
          ended = true;
        }
        continue;
      }
      const bool empty = batch->empty();
      if (!empty) {
        produced = true;
        s.items->add_single_writer(batch->size());
        s.read += batch->size();
        out_.emit(epoch_, std::move(*batch));
      }
      note_lag(s);
      auto awake =
          guarded(ctx, step_id(), s.name, "next_awake", [&] { return s.part->next_awake(); });
      s.awake = awake ? *awake : (empty ? now + kEmptyPollCooldown : now);
    }
    if (ended && std::none_of(polled_.begin(), polled_.end(),
                              [](const Polled& s) { return s.part != nullptr && !s.ended_in; })) {
      finish();
      return true;
    }
    const Duration interval = ctx.epoch_interval();
    if ((interval == Duration::zero() ? (produced || ended) : now - epoch_started_ >= interval) &&
        earlier_committed()) {
      close_epoch(now);
      return true;
    }
    return produced || ended;
  }

  [[nodiscard]] std::optional<Instant> wake_at() const override {
    if (finished_ || !may_run()) return std::nullopt;
    std::optional<Instant> at;
    if (polled_.empty()) return WorkerContext::now();
    for (const auto& s : polled_) {
      if (!s.part || s.ended_in || s.end_pending) {  // a pending end waits for a commit's wake
        continue;
      }
      const Instant a = s.woken->load(std::memory_order_acquire) ? WorkerContext::now() : s.awake;
      if (!at || a < *at) at = a;
    }
    if (ctx_.epoch_interval() > Duration::zero() && earlier_committed()) {
      Instant close_at = epoch_started_ + ctx_.epoch_interval();
      if (!at || close_at < *at) at = close_at;
    }
    return at;
  }

  [[nodiscard]] bool finished() const override { return finished_; }
  [[nodiscard]] Epoch end_epoch() const override { return finished_ ? epoch_ + 1 : 0; }

  // The worker loop tells every node of a commit before any node polls (run.cpp).
  void on_committed(Epoch epoch) override { deliver_commits(epoch + 1); }

  void teardown(WorkerContext& /*ctx*/) override {
    for (auto& s : polled_) {
      if (s.part) close(s);
    }
  }

 private:
  /// The series labels of partition `s`: the step and the partition (a dynamic source's
  /// "worker N").
  metrics::Labels labels(const Polled& s) const {
    return {{"step", step_id()}, {"partition", part_name(s)}};
  }
  std::string part_name(const Polled& s) const {
    return s.name ? *s.name : "worker " + std::to_string(ctx_.index());
  }
  void note_lag(Polled& s) {
    const auto lag = guarded(ctx_, step_id(), s.name, "lag", [&] { return s.part->lag(); });
    if (!lag) return;
    if (s.lag == nullptr) {
      s.lag = &metrics::registry().gauge(
          "weir_source_lag", "Items a source partition is behind the newest of its input",
          labels(s));
    }
    s.lag->set(static_cast<double>(*lag));
  }
  [[nodiscard]] bool may_run() const {
    return ctx_.shared().probe() >= epoch_ &&
           (ctx_.epoch_interval() > Duration::zero() || earlier_committed()) &&
           ctx_.shared().backlog_ok();
  }
  /// Whether the partitions have heard that every epoch before the current one is committed
  /// (always, with recovery off): only then may the current epoch take snapshots.
  [[nodiscard]] bool earlier_committed() const {
    return ctx_.snapshots() == nullptr || heard_ >= epoch_;
  }
  // Partition `s` has ended and every earlier epoch is committed: snapshots its end (closed
  // once that epoch is committed), or closes it at once with recovery off.
  void end(Polled& s) {
    s.end_pending = false;
    if (ctx_.snapshots() != nullptr) {
      write_snapshots(&s);
      s.ended_in = epoch_;
      ++waiting_;
    } else {
      close(s);
    }
  }
  // Every epoch below `committed` is committed: tells every partition of the newest, if it
  // has not heard of it, and closes the ended ones whose end is committed.
  void deliver_commits(Epoch committed) {
    if (ctx_.snapshots() == nullptr) {
      return;
    }
    if (committed > heard_) {
      heard_ = committed;
      for (auto& s : polled_) {
        if (s.part) {
          guarded(ctx_, step_id(), s.name, "on_epoch_committed",
                  [&] { s.part->on_epoch_committed(committed - 1); });
        }
      }
    }
    if (waiting_ == 0) {
      return;
    }
    for (auto& s : polled_) {
      if (s.part && s.ended_in && *s.ended_in < committed) {
        --waiting_;
        close(s);
      }
    }
  }
  // Writes the state of `one` partition, or of every open one, as of the current epoch.
  void write_snapshots(Polled* one = nullptr) {
    recovery::SnapshotWriter* w = ctx_.snapshots();
    if (w == nullptr) return;
    recovery::StateChanges changes(step_id(), epoch_);
    auto add = [&](Polled& s) {
      if (!s.part || !s.snapshot || (one == nullptr && s.ended_in)) {
        return;
      }
      auto [key, state] = guarded(ctx_, step_id(), s.name, "snapshot", s.snapshot);
      changes.put(key, state);
    };
    if (one != nullptr) {
      add(*one);
    } else {
      for (auto& s : polled_) add(s);
    }
    w->write(ctx_.index(), std::move(changes));
  }
  void close(Polled& s) {
    auto part = std::move(s.part);
    guarded(ctx_, step_id(), s.name, "close", [&] { part->close(); });
  }
  void close_epoch(Instant now) {
    write_snapshots();
    ++epoch_;
    epoch_started_ = now;
    out_.advance(epoch_);
  }
  void finish() {
    finished_ = true;
    out_.advance(kEpochDone);
  }

  WorkerContext& ctx_;
  Output<X>& out_;
  std::vector<Polled> polled_;
  Epoch epoch_;
  Instant epoch_started_;
  Epoch heard_;              // the committed() whose epoch the partitions last heard of
  std::size_t waiting_ = 0;  // ended partitions waiting for their end's commit
  bool started_ = false;
  bool finished_ = false;
};

}  // namespace weir::detail
