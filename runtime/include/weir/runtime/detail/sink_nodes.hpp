#pragma once
// The output step on one worker.
//
// Dynamic sinks: one partition per worker, written with every batch as it arrives. Fixed
// sinks: keyed items go to partition part_fn(key) % N of the sorted global partition list,
// on the worker that owns it (assign_partitions); partitions are built on first write (from
// their snapshotted state when the run resumes) and written in epoch order: a batch of a
// later epoch waits until the epochs before it are complete, so each epoch's writes are
// separate. With recovery on, each partition written in an epoch is snapshotted (its write
// position, keyed by its name) when that epoch closes.
//
// Partitions are closed once: when the upstream ends, or with recovery on, after the run's
// last epoch is committed (so on_epoch_committed can finalise it), or at teardown.

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "weir/core/stable_hash.hpp"
#include "weir/outputs/sink.hpp"
#include "weir/recovery/codec.hpp"
#include "weir/recovery/snapshot.hpp"
#include "weir/runtime/detail/epoch_order.hpp"
#include "weir/runtime/detail/exchange.hpp"
#include "weir/runtime/detail/graph.hpp"
#include "weir/runtime/detail/guard.hpp"
#include "weir/runtime/detail/modulo.hpp"
#include "weir/runtime/detail/resume_state.hpp"
#include "weir/runtime/detail/source_nodes.hpp"

namespace weir::detail {

template <class X>
class DynamicSinkNode final : public Node, public Receiver<X> {
 public:
  DynamicSinkNode(std::string step_id, WorkerContext& ctx,
                  std::unique_ptr<StatelessSinkPartition<X>> part)
      : Node(std::move(step_id)), ctx_(ctx), part_(std::move(part)) {}

  void on_batch(Epoch /*e*/, std::vector<X>&& items) override {
    guarded(ctx_, step_id(), std::nullopt, "write_batch",
            [&] { part_->write_batch(std::move(items)); });
  }
  void on_frontier(Epoch f) override {
    frontier_ = f;
    if (f == kEpochDone && ctx_.snapshots() == nullptr) close();
  }
  [[nodiscard]] bool finished() const override { return frontier_ == kEpochDone; }
  [[nodiscard]] Epoch completed() const override { return frontier_; }
  void on_committed(Epoch epoch) override {
    if (!part_) return;
    guarded(ctx_, step_id(), std::nullopt, "on_epoch_committed",
            [&] { part_->on_epoch_committed(epoch); });
  }
  void teardown(WorkerContext& /*ctx*/) override { close(); }

 private:
  void close() {
    if (!part_) return;
    auto part = std::move(part_);
    guarded(ctx_, step_id(), std::nullopt, "close", [&] { part->close(); });
  }
  WorkerContext& ctx_;
  std::unique_ptr<StatelessSinkPartition<X>> part_;
  Epoch frontier_ = ctx_.start_epoch();
};

template <class K, class X, class S>
class FixedSinkNode final : public Node, public Receiver<std::pair<K, X>> {
  using Item = std::pair<K, X>;
  using Sink = FixedPartitionedSink<X, S, K>;

  struct Route {
    const Sink* sink;
    const std::vector<std::size_t>* owners;
    void operator()(std::vector<Item>& items, std::vector<std::vector<Item>>& buckets,
                    std::size_t self) const {
      const Modulo parts(owners->size());
      split_by(items, buckets, self,
               [&](const Item& it) { return (*owners)[part_index(*sink, it.first, parts)]; });
    }
  };

 public:
  /// `parts` is the sorted global partition list and `owners[i]` the worker owning parts[i].
  FixedSinkNode(std::string step_id, WorkerContext& ctx, const std::string& key,
                std::shared_ptr<const Sink> sink, std::vector<std::string> parts,
                std::vector<std::size_t> owners)
      : Node(std::move(step_id)),
        ctx_(ctx),
        sink_(std::move(sink)),
        parts_(std::move(parts)),
        owners_(std::move(owners)),
        built_(parts_.size()),
        buckets_(parts_.size()),
        from_exchange_(ctx, key, *this),
        to_exchange_(ctx, key, from_exchange_, Route{sink_.get(), &owners_}) {}

  /// The step's input: each item goes through the exchange to the worker that owns it.
  Receiver<Item>& input() { return to_exchange_; }

  /// The index of `key`'s partition in the sorted list; `parts` divides by its length.
  static std::size_t part_index(const Sink& sink, const K& key, const Modulo& parts) {
    std::optional<std::uint64_t> h = sink.part_fn(key);
    return parts(h ? *h : stable_hash(key));
  }

  bool poll(WorkerContext& /*ctx*/) override { return from_exchange_.poll(); }

  void on_batch(Epoch e, std::vector<Item>&& items) override {
    order_.on_batch(e, std::move(items), [&](std::vector<Item>& b) { write(b); });
  }

  void on_frontier(Epoch f) override {
    order_.on_frontier(
        f, [&](std::vector<Item>& b) { write(b); }, [&] { snapshot_epoch(); }, [] {});
    if (f == kEpochDone && ctx_.snapshots() == nullptr) {
      close_all();
    }
  }
  [[nodiscard]] bool finished() const override { return order_.frontier() == kEpochDone; }
  [[nodiscard]] Epoch completed() const override { return order_.frontier(); }
  void on_committed(Epoch epoch) override {
    for (std::size_t i = 0; i < built_.size(); ++i) {
      if (!built_[i]) continue;
      guarded(ctx_, step_id(), parts_[i], "on_epoch_committed",
              [&] { built_[i]->on_epoch_committed(epoch); });
    }
  }
  void teardown(WorkerContext& /*ctx*/) override { close_all(); }

 private:
  void write(std::vector<Item>& items) {
    guarded(ctx_, step_id(), std::nullopt, "part_fn", [&] {
      const Modulo parts(parts_.size());
      for (auto& it : items) {
        buckets_[part_index(*sink_, it.first, parts)].push_back(std::move(it.second));
      }
    });
    for (std::size_t i = 0; i < buckets_.size(); ++i) {
      if (buckets_[i].empty()) continue;
      auto& part = built_[i];
      const std::optional<std::string> name = parts_[i];
      if (!part) {
        std::optional<S> resume = resume_state<S>(ctx_, step_id(), parts_[i]);
        part = guarded(ctx_, step_id(), name, "build_part",
                       [&] { return sink_->build_part(step_id(), parts_[i], std::move(resume)); });
      }
      guarded(ctx_, step_id(), name, "write_batch",
              [&] { part->write_batch(std::move(buckets_[i])); });
      buckets_[i] = std::vector<X>();
      written_[i] = true;
    }
  }

  // Writes the position of every partition written in epoch order_.open().
  void snapshot_epoch() {
    recovery::SnapshotWriter* w = ctx_.snapshots();
    if (w == nullptr) return;
    recovery::StateChanges changes(step_id(), order_.open());
    for (std::size_t i = 0; i < built_.size(); ++i) {
      if (!written_[i]) continue;
      written_[i] = false;
      std::string state = guarded(ctx_, step_id(), parts_[i], "snapshot",
                                  [&] { return recovery::encode(built_[i]->snapshot()); });
      changes.put(recovery::encode(parts_[i]), state);
    }
    w->write(ctx_.index(), std::move(changes));
  }

  void close_all() {
    for (std::size_t i = 0; i < built_.size(); ++i) {
      if (!built_[i]) continue;
      auto part = std::move(built_[i]);
      guarded(ctx_, step_id(), parts_[i], "close", [&] { part->close(); });
    }
  }

  WorkerContext& ctx_;
  std::shared_ptr<const Sink> sink_;
  std::vector<std::string> parts_;
  std::vector<std::size_t> owners_;
  std::vector<std::unique_ptr<StatefulSinkPartition<X, S>>> built_;
  std::vector<std::vector<X>> buckets_;
  std::vector<bool> written_ = std::vector<bool>(parts_.size());  // in epoch order_.open()
  EpochOrder<Item> order_{ctx_.start_epoch()};
  ExchangeInput<Item> from_exchange_;
  ExchangeSender<Item, Route> to_exchange_;
};

}  // namespace weir::detail
