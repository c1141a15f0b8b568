#pragma once
// TestingSink: collects every item written, from every worker, into one vector a test reads.
// Copies of a TestingSink share the vector, so keep one and pass another to output().

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "weir/outputs/sink.hpp"

namespace weir::testing {

template <class X>
class TestingSink final : public DynamicSink<X> {
  struct Shared {
    std::mutex mutex;
    std::vector<X> items;
    std::size_t closed = 0;
  };

 public:
  TestingSink() : shared_(std::make_shared<Shared>()) {}

  /// A copy of everything written so far, in arrival order.
  [[nodiscard]] std::vector<X> items() const {
    std::lock_guard lock(shared_->mutex);
    return shared_->items;
  }
  /// How many partitions were closed.
  [[nodiscard]] std::size_t closed() const {
    std::lock_guard lock(shared_->mutex);
    return shared_->closed;
  }
  void clear() const {
    std::lock_guard lock(shared_->mutex);
    shared_->items.clear();
  }

  std::unique_ptr<StatelessSinkPartition<X>> build(const std::string& /*step_id*/,
                                                   std::size_t /*worker_index*/,
                                                   std::size_t /*worker_count*/) const override {
    return std::make_unique<Partition>(shared_);
  }

 private:
  class Partition final : public StatelessSinkPartition<X> {
   public:
    explicit Partition(std::shared_ptr<Shared> s) : shared_(std::move(s)) {}
    void write_batch(std::vector<X>&& items) override {
      std::lock_guard lock(shared_->mutex);
      auto& v = shared_->items;
      v.insert(v.end(), std::make_move_iterator(items.begin()),
               std::make_move_iterator(items.end()));
    }
    void close() override {
      std::lock_guard lock(shared_->mutex);
      ++shared_->closed;
    }

   private:
    std::shared_ptr<Shared> shared_;
  };

  std::shared_ptr<Shared> shared_;
};

}  // namespace weir::testing
