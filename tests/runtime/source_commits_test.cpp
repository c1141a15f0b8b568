// What a source partition hears of commits (recovery on): on_epoch_committed(e) reaches it
// before it is polled again, so its last snapshot() is the one epoch e stored; an ended
// partition hears of the epoch that stored its end before it is closed.
#include <catch2/catch.hpp>

#include <mutex>

#include "support.hpp"

using weir_test::TempDir;

namespace {

// One partition's log: "snapshot N" for the N-th snapshot (epoch N of a fresh run, which
// closes an epoch per poll round with items), "committed E", "closed".
struct Log {
  std::mutex mutex;
  std::vector<std::string> lines;
  void add(std::string line) {
    std::lock_guard lock(mutex);
    lines.push_back(std::move(line));
  }
};

class Counting final : public weir::StatefulSourcePartition<int, int> {
 public:
  Counting(int items, Log& log) : items_(items), log_(log) {}
  weir::NextBatch<int> next_batch() override {
    if (next_ == items_) return weir::end_of_partition;
    return std::vector<int>{next_++};
  }
  int snapshot() override {
    log_.add("snapshot " + std::to_string(++snapshots_) + " at " + std::to_string(next_));
    return next_;
  }
  void on_epoch_committed(weir::Epoch epoch) override {
    log_.add("committed " + std::to_string(epoch));
  }
  void close() override { log_.add("closed"); }

 private:
  int items_;
  Log& log_;
  int next_ = 0;
  int snapshots_ = 0;
};

class CountingSource final : public weir::FixedPartitionedSource<int, int> {
 public:
  CountingSource(int items, Log& log) : items_(items), log_(log) {}
  [[nodiscard]] std::vector<std::string> list_parts() const override { return {"only"}; }
  std::unique_ptr<partition_type> build_part(const std::string& /*step_id*/,
                                             const std::string& /*for_part*/,
                                             std::optional<int> resume) const override {
    REQUIRE_FALSE(resume);
    return std::make_unique<Counting>(items_, log_);
  }

 private:
  int items_;
  Log& log_;
};

}  // namespace

TEST_CASE("a partition hears of an epoch's commit before it is polled again, then of its end") {
  TempDir dir;
  weir::recovery::init_store(dir.path(), 1);
  Log log;
  weir::Dataflow flow("commits");
  auto s = weir::op::input("in", flow, CountingSource(5, log));
  weir::testing::TestingSink<int> sink;
  weir::op::output("out", s, sink);
  REQUIRE(weir::run(flow, {.epoch_interval = weir::Duration::zero(),
                           .recovery_directory = dir.path()}) == weir::RunOutcome::completed);
  CHECK(sink.items() == std::vector<int>{0, 1, 2, 3, 4});
  // one item an epoch: epoch N stores N items; the 6th snapshot is the end's, in epoch 6
  CHECK(log.lines == std::vector<std::string>{"snapshot 1 at 1", "committed 1", "snapshot 2 at 2",
                                              "committed 2", "snapshot 3 at 3", "committed 3",
                                              "snapshot 4 at 4", "committed 4", "snapshot 5 at 5",
                                              "committed 5", "snapshot 6 at 5", "committed 6",
                                              "closed"});
}

TEST_CASE("without recovery a partition hears of no commit and closes at its end") {
  Log log;
  weir::Dataflow flow("commits");
  auto s = weir::op::input("in", flow, CountingSource(3, log));
  weir::testing::TestingSink<int> sink;
  weir::op::output("out", s, sink);
  REQUIRE(weir::run(flow, {.epoch_interval = weir::Duration::zero()}) ==
          weir::RunOutcome::completed);
  CHECK(sink.items() == std::vector<int>{0, 1, 2});
  CHECK(log.lines == std::vector<std::string>{"closed"});
}
