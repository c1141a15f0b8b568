// What a source partition hears of commits (recovery on): on_epoch_committed(e) reaches it
// before it is polled again, so its last snapshot() is the one epoch e stored; an ended
// partition hears of the epoch that stored its end before it is closed; with an epoch
// interval it is polled on while the store writes the epoch before.
#include <catch2/catch.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <iterator>
#include <mutex>
#include <numeric>
#include <thread>

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

// One item a poll. Paced: each poll logged as "poll K", the next one 1 ms later.
class Counting final : public weir::StatefulSourcePartition<int, int> {
 public:
  Counting(int items, Log& log, bool paced) : items_(items), log_(log), paced_(paced) {}
  weir::NextBatch<int> next_batch() override {
    if (next_ == items_) return weir::end_of_partition;
    if (paced_) log_.add("poll " + std::to_string(next_));
    return std::vector<int>{next_++};
  }
  std::optional<weir::Instant> next_awake() override {
    if (!paced_) return std::nullopt;
    return weir::Instant::clock::now() + std::chrono::milliseconds(1);
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
  bool paced_;
  int next_ = 0;
  int snapshots_ = 0;
};

class CountingSource final : public weir::FixedPartitionedSource<int, int> {
 public:
  CountingSource(int items, Log& log, bool paced = false)
      : items_(items), log_(log), paced_(paced) {}
  [[nodiscard]] std::vector<std::string> list_parts() const override { return {"only"}; }
  std::unique_ptr<partition_type> build_part(const std::string& /*step_id*/,
                                             const std::string& /*for_part*/,
                                             std::optional<int> resume) const override {
    REQUIRE_FALSE(resume);
    return std::make_unique<Counting>(items_, log_, paced_);
  }

 private:
  int items_;
  Log& log_;
  bool paced_;
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

namespace {

// A store that is slow on purpose: it commits epoch e only once the log shows six polls
// after the e-th snapshot (the source went on while e was being written) or the last poll, or
// after 5 s (a source that waited for the commit would fail this test slowly, not hang).
class GatedStore final : public weir::recovery::SnapshotWriter {
 public:
  GatedStore(Log& log, int items)
      : log_(log), last_("poll " + std::to_string(items - 1)), thread_([this] { loop(); }) {}
  GatedStore(const GatedStore&) = delete;
  GatedStore& operator=(const GatedStore&) = delete;
  ~GatedStore() override {
    stop_ = true;
    thread_.join();
  }
  void write(std::size_t /*worker*/, weir::recovery::StateChanges&& /*changes*/) override {}
  void progress(std::size_t /*worker*/, weir::Epoch frontier, bool /*ended*/) override {
    weir::Epoch f = frontier_.load();
    while (f < frontier && !frontier_.compare_exchange_weak(f, frontier)) {
    }
  }
  [[nodiscard]] weir::Epoch committed() const override { return committed_.load(); }
  void on_commit(std::function<void()> wake) override {
    std::lock_guard lock(mutex_);
    wake_ = std::move(wake);
  }

 private:
  bool polled_after_snapshot(weir::Epoch e) {
    std::lock_guard lock(log_.mutex);
    const std::string mark = "snapshot " + std::to_string(e) + " at";
    int after = -1;  // polls since the e-th snapshot
    for (const auto& l : log_.lines) {
      if (l.starts_with(mark)) after = 0;
      if (after >= 0 && l.starts_with("poll")) ++after;
      // six polls (6 ms) after it: longer than an epoch, so the next close waits for this
      if (after >= 6 || l == last_) return true;
    }
    return false;
  }
  void loop() {
    auto since = std::chrono::steady_clock::now();
    while (!stop_) {
      const weir::Epoch e = committed_.load();  // the next epoch to commit
      if (frontier_.load() > e &&
          (polled_after_snapshot(e) ||
           std::chrono::steady_clock::now() - since > std::chrono::seconds(5))) {
        committed_ = e + 1;
        since = std::chrono::steady_clock::now();
        std::lock_guard lock(mutex_);
        if (wake_) wake_();
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }
  Log& log_;
  std::string last_;
  std::atomic<weir::Epoch> frontier_{1};
  std::atomic<weir::Epoch> committed_{1};
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::function<void()> wake_;
  std::thread thread_;
};

}  // namespace

// A fixed sink of one partition logging "sink snapshot N" and "sink committed E".
class LoggingSink final : public weir::FixedPartitionedSink<int, int> {
 public:
  explicit LoggingSink(Log& log) : log_(&log) {}
  [[nodiscard]] std::vector<std::string> list_parts() const override { return {"only"}; }
  std::unique_ptr<partition_type> build_part(const std::string& /*step_id*/,
                                             const std::string& /*for_part*/,
                                             std::optional<int> /*resume*/) const override {
    return std::make_unique<Part>(*log_);
  }

 private:
  struct Part final : partition_type {
    explicit Part(Log& log) : log(log) {}
    void write_batch(std::vector<int>&& items) override {
      written += static_cast<int>(items.size());
    }
    int snapshot() override {
      log.add("sink snapshot " + std::to_string(++snapshots));
      return written;
    }
    void on_epoch_committed(weir::Epoch epoch) override {
      log.add("sink committed " + std::to_string(epoch));
    }
    Log& log;
    int written = 0;
    int snapshots = 0;
  };
  Log* log_;
};

TEST_CASE("with an epoch interval a source polls on while the store writes the epoch before") {
  Log log;
  auto store = std::make_shared<GatedStore>(log, 30);
  weir::Dataflow flow("ahead");
  auto s = weir::op::input("in", flow, CountingSource(30, log, /*paced=*/true));
  weir::testing::TestingSink<int> sink;
  weir::op::output("out", s, sink);
  auto keyed = weir::op::key_on("key", s, [](int) { return std::string("k"); });
  weir::op::output("fixed", keyed, LoggingSink(log));
  REQUIRE(weir::run(flow, {.epoch_interval = std::chrono::milliseconds(4), .snapshots = store}) ==
          weir::RunOutcome::completed);
  std::vector<int> want(30);
  std::iota(want.begin(), want.end(), 0);
  CHECK(sink.items() == want);
  const std::vector<std::string> lines = log.lines;
  INFO(fmt::format("{}", fmt::join(lines, "\n")));
  std::vector<std::string> src;  // the source partition's lines
  std::copy_if(lines.begin(), lines.end(), std::back_inserter(src),
               [](const std::string& l) { return !l.starts_with("sink "); });
  REQUIRE(src.back() == "closed");
  int snapshots = 0;  // snapshots so far
  int last_commit = 0;
  bool polled_since_snapshot = false;
  bool more_to_poll = true;  // the last snapshot was taken before the last item
  int sink_snapshots = 0;
  for (const auto& l : lines) {
    if (l.starts_with("sink snapshot ")) {
      ++sink_snapshots;
    } else if (l.starts_with("sink committed ")) {
      // the sink hears of e before it snapshots any later epoch: what it wrote up to its
      // last snapshot is what e stored (a two-phase sink finalises exactly that)
      CHECK(sink_snapshots <= std::stoi(l.substr(15)));
    } else if (l.starts_with("snapshot ")) {
      // no snapshot in epoch e + 1 before e is committed and heard
      CHECK(l.starts_with("snapshot " + std::to_string(last_commit + 1) + " at"));
      ++snapshots;
      polled_since_snapshot = false;
      more_to_poll = !l.ends_with(" at 30");
    } else if (l.starts_with("poll ")) {
      polled_since_snapshot = true;
    } else if (l.starts_with("committed ")) {
      const int e = std::stoi(l.substr(10));
      CHECK(e == last_commit + 1);
      CHECK(e == snapshots);  // the last snapshot it gave is the one epoch e stored
      if (more_to_poll) {
        CHECK(polled_since_snapshot);  // the source went on while e was written
      }
      last_commit = e;
    }
  }
  CHECK(snapshots >= 3);
  // the end's snapshot is the last, at 30, and its epoch is the last committed
  CHECK(src[src.size() - 2] == "committed " + std::to_string(snapshots));
}
