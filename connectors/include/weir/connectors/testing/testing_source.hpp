#pragma once
// TestingSource: a fixed list of items as a one-partition source ("iterable"), for tests.
//
// The list may hold markers besides items:
//   weir::testing::Eof{}      the batch ends there and the partition ends; a resumed run
//                             continues after the marker
//   weir::testing::Abort{}    the batch ends there and the next poll aborts the run
//                             (AbortExecution); it fires once per marker, even when the same
//                             source runs again
//   weir::testing::Pause{d}   the batch ends there and the next poll waits d
// Its snapshot is the index of the next entry, so a resumed run continues right after the
// last item it delivered.

#include <atomic>
#include <cstddef>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "weir/core/clock.hpp"
#include "weir/core/errors.hpp"
#include "weir/inputs/source.hpp"

namespace weir::testing {

struct Eof {};
struct Abort {
  std::shared_ptr<std::atomic<bool>> fired = std::make_shared<std::atomic<bool>>(false);
};
struct Pause {
  Duration duration;
};

template <class X>
class TestingSource final : public FixedPartitionedSource<X, std::size_t> {
 public:
  using Entry = std::variant<X, Eof, Abort, Pause>;

  explicit TestingSource(std::vector<Entry> entries, std::size_t batch_size = 1)
      : entries_(std::make_shared<const std::vector<Entry>>(std::move(entries))),
        batch_size_(batch_size == 0 ? 1 : batch_size) {}
  explicit TestingSource(const std::vector<X>& items, std::size_t batch_size = 1)
      : TestingSource(std::vector<Entry>(items.begin(), items.end()), batch_size) {}
  TestingSource(std::initializer_list<X> items, std::size_t batch_size = 1)
      : TestingSource(std::vector<Entry>(items.begin(), items.end()), batch_size) {}

  [[nodiscard]] std::vector<std::string> list_parts() const override { return {"iterable"}; }

  std::unique_ptr<StatefulSourcePartition<X, std::size_t>> build_part(
      const std::string& /*step_id*/, const std::string& /*for_part*/,
      std::optional<std::size_t> resume_state) const override {
    return std::make_unique<Partition>(entries_, batch_size_, resume_state.value_or(0));
  }

 private:
  class Partition final : public StatefulSourcePartition<X, std::size_t> {
   public:
    Partition(std::shared_ptr<const std::vector<Entry>> entries, std::size_t batch_size,
              std::size_t next)
        : entries_(std::move(entries)), batch_size_(batch_size), next_(next) {}

    NextBatch<X> next_batch() override {
      awake_.reset();
      if (ended_) return end_of_partition;
      if (abort_) {
        abort_ = false;
        throw AbortExecution("TestingSource reached an Abort marker");
      }
      std::vector<X> out;
      const auto& es = *entries_;
      while (out.size() < batch_size_ && next_ < es.size()) {
        const Entry& e = es[next_++];
        if (const X* x = std::get_if<X>(&e)) {
          out.push_back(*x);
        } else if (std::holds_alternative<Eof>(e)) {
          ended_ = true;
          break;
        } else if (const Abort* a = std::get_if<Abort>(&e)) {
          if (a->fired->exchange(true)) continue;
          --next_;  // a resumed run starts before the marker (and skips it, since it fired)
          abort_ = true;
          break;
        } else {
          awake_ = clock().now() + std::get<Pause>(e).duration;
          break;
        }
      }
      if (out.empty() && !abort_ && !awake_ && next_ >= es.size()) return end_of_partition;
      return out;
    }
    [[nodiscard]] std::optional<Instant> next_awake() override { return awake_; }
    [[nodiscard]] std::size_t snapshot() override { return next_; }

   private:
    std::shared_ptr<const std::vector<Entry>> entries_;
    std::size_t batch_size_;
    std::size_t next_;
    std::optional<Instant> awake_;
    bool ended_ = false;
    bool abort_ = false;
  };

  std::shared_ptr<const std::vector<Entry>> entries_;
  std::size_t batch_size_;
};

}  // namespace weir::testing
