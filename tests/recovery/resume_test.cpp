// Runs that stop (abort, end of input) and resume from the SQLite recovery store: exactly
// which items are replayed, what state keys resume with, continuation after the end of
// input, garbage collection, rescaling, and the errors that refuse to resume.
#include <catch2/catch.hpp>

#include <weir/recovery/store.hpp>

#include "support.hpp"

using namespace std::chrono_literals;
using KV = std::pair<std::string, int>;
using Source = weir::testing::TestingSource<KV>;
using weir::testing::Abort;
using weir::testing::Eof;
using weir::testing::Pause;
using weir_test::TempDir;

namespace {

auto running_sum = [](std::optional<int>& st, int v) {
  st = st.value_or(0) + v;
  return *st;
};

/// input -> per-key running sum -> sink, run once on `dir`'s store; returns what the sink got.
std::vector<KV> run_sum(const TempDir& dir, const Source& source, weir::RunConfig config,
                        weir::RunOutcome expect = weir::RunOutcome::completed) {
  weir::Dataflow flow("rec");
  auto s = weir::op::input("in", flow, source);
  auto sums = weir::op::stateful_map<int>("sum", s, running_sum);
  weir::testing::TestingSink<KV> sink;
  weir::op::output("out", sums, sink);
  config.recovery_directory = dir.path();
  CHECK(weir::run(flow, config) == expect);
  return sink.items();
}

}  // namespace

TEST_CASE("an abort before any epoch is committed replays everything") {
  TempDir dir;
  weir::recovery::init_store(dir.path(), 2);
  Source src({KV{"a", 1}, KV{"a", 2}, Abort{}, KV{"a", 3}}, 10);
  const weir::RunConfig config{.epoch_interval = 10s};
  CHECK(run_sum(dir, src, config, weir::RunOutcome::aborted) ==
        std::vector<KV>{{"a", 1}, {"a", 3}});
  CHECK(weir::recovery::RecoveryStore::open(dir.path())->resume_epoch() == 1);
  CHECK(run_sum(dir, src, config) == std::vector<KV>{{"a", 1}, {"a", 3}, {"a", 6}});
}

TEST_CASE("an abort after committed epochs replays only the open epoch") {
  weir::ManualClock manual;
  weir::ScopedClock scoped(manual);
  TempDir dir;
  weir::recovery::init_store(dir.path(), 2);
  // epoch 1 closes at +10 s while the partition sleeps until +11 s; a3 falls in epoch 2,
  // which is still open when the run aborts
  Source src({KV{"a", 1}, KV{"b", 2}, Pause{11s}, KV{"a", 3}, Abort{}, KV{"b", 4}}, 10);
  const weir::RunConfig config{.epoch_interval = 10s};
  CHECK(run_sum(dir, src, config, weir::RunOutcome::aborted) ==
        std::vector<KV>{{"a", 1}, {"b", 2}, {"a", 4}});
  CHECK(weir::recovery::RecoveryStore::open(dir.path())->resume_epoch() == 2);
  // a resumes from 1 (epoch 1's state), replays a3, then goes on
  CHECK(run_sum(dir, src, config) == std::vector<KV>{{"a", 4}, {"b", 6}});
}

TEST_CASE("a run that reached the end of its input continues after its last item") {
  TempDir dir;
  weir::recovery::init_store(dir.path(), 1);
  Source src({KV{"a", 1}, KV{"b", 2}, Eof{}, KV{"a", 3}, Eof{}, KV{"b", 4}}, 1);
  for (auto interval : {weir::Duration::zero(), weir::Duration(10s)}) {
    TempDir d;
    weir::recovery::init_store(d.path(), 1);
    const weir::RunConfig config{.epoch_interval = interval};
    CHECK(run_sum(d, src, config) == std::vector<KV>{{"a", 1}, {"b", 2}});
    CHECK(run_sum(d, src, config) == std::vector<KV>{{"a", 4}});
    CHECK(run_sum(d, src, config) == std::vector<KV>{{"b", 6}});
    CHECK(run_sum(d, src, config).empty());
  }
}

TEST_CASE("garbage collection keeps continuation intact - with a backup interval or without") {
  std::vector<Source::Entry> entries;
  for (int i = 1; i <= 8; ++i) {
    entries.emplace_back(KV{"a", i});  // 8 epochs of a
  }
  entries.emplace_back(KV{"b", 5});
  entries.emplace_back(Eof{});
  entries.emplace_back(KV{"a", 3});
  entries.emplace_back(KV{"b", 1});
  Source src(entries, 1);
  std::vector<std::size_t> stored;
  for (auto backup : {weir::Duration::zero(), weir::Duration(1h)}) {
    TempDir dir;
    weir::recovery::init_store(dir.path(), 2);
    const weir::RunConfig config{.epoch_interval = weir::Duration::zero(),
                                 .backup_interval = backup};
    CHECK(run_sum(dir, src, config) == std::vector<KV>{{"a", 1},
                                                       {"a", 3},
                                                       {"a", 6},
                                                       {"a", 10},
                                                       {"a", 15},
                                                       {"a", 21},
                                                       {"a", 28},
                                                       {"a", 36},
                                                       {"b", 5}});
    stored.push_back(weir::recovery::RecoveryStore::open(dir.path())->stored_snapshots());
    CHECK(run_sum(dir, src, config) == std::vector<KV>{{"a", 39}, {"b", 6}});
    CHECK(run_sum(dir, src, config).empty());
  }
  // without a backup interval, superseded snapshots were collected during the first run
  CHECK(stored[0] < stored[1]);
}

TEST_CASE("a run resumes with another worker count - keyed state goes to the new owners") {
  std::vector<Source::Entry> entries;
  std::map<std::string, int> expected;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 40; ++i) {
      std::string key = "k";
      key.append(std::to_string(i % 13));
      entries.emplace_back(KV{key, i + round});
      expected[key] += i + round;
    }
    entries.emplace_back(Eof{});
  }
  Source src(entries, 7);
  TempDir dir;
  weir::recovery::init_store(dir.path(), 3);
  run_sum(dir, src, {.workers = 3, .epoch_interval = weir::Duration::zero()});
  run_sum(dir, src, {.workers = 5, .epoch_interval = weir::Duration::zero()});
  auto last = run_sum(dir, src, {.workers = 1, .epoch_interval = weir::Duration::zero()});
  std::map<std::string, int> final_sums;
  for (const auto& [k, v] : last) {
    final_sums[k] = v;  // the last sum of each key
  }
  CHECK(final_sums == expected);
  CHECK(last.size() == 40);
}

TEST_CASE("a recovery directory that cannot be used stops the run before it starts") {
  TempDir dir;
  Source src({KV{"a", 1}}, 1);
  weir::Dataflow flow("rec");
  auto s = weir::op::input("in", flow, src);
  weir::testing::TestingSink<KV> sink;
  weir::op::output("out", s, sink);
  CHECK_THROWS_WITH(weir::run(flow, {.recovery_directory = dir.path()}),
                    "recovery directory '" + dir.path().string() +
                        "' holds no partitions; create them with `weir-recovery init " +
                        dir.path().string() + " N`");
  CHECK(sink.items().empty());
}

TEST_CASE("a snapshot that does not decode names the step and the key") {
  TempDir dir;
  weir::recovery::init_store(dir.path(), 1);
  run_sum(dir, Source({KV{"a", 1}, KV{"b", 2}, Eof{}}, 1), {.epoch_interval = 0s});
  // the same step id with a state type the stored bytes cannot be
  weir::Dataflow flow("rec");
  auto s = weir::op::input("in", flow, Source({KV{"a", 1}}, 1));
  auto sums = weir::op::stateful_map<std::vector<std::string>>(
      "sum", s,
      [](std::optional<std::vector<std::string>>& st, int) { return st ? st->size() : 0; });
  weir::testing::TestingSink<std::pair<std::string, std::size_t>> sink;
  weir::op::output("out", sums, sink);
  // the store knows the state type changed: only an adopted store gets as far as decoding
  CHECK_THROWS_AS(weir::run(flow, {.recovery_directory = dir.path()}),
                  weir::recovery::ForeignStore);
  const std::string m = weir_test::error_of(
      [&] { weir::run(flow, {.recovery_directory = dir.path(), .adopt_store = true}); });
  // (the store hands keys back in no given order: either fails first)
  CHECK_THAT(m,
             Catch::Matches("step 'rec\\.sum' failed in op::stateful_map\\(\"sum\"\\) \\(worker 0, "
                            "key '[ab]'\\): its snapshot does not decode: .+"));
  // nothing was committed by the failed run: the store still resumes where it did
  CHECK(weir::recovery::RecoveryStore::open(dir.path())->resume_epoch() == 4);
}

namespace {

// A two-phase sink: a partition holds what it was given until the store says the epoch is
// committed, and only then publishes it; it also records which epochs it heard of.
struct TwoPhase {
  std::mutex mutex;
  std::vector<KV> published;
  std::vector<weir::Epoch> heard;
  bool closed_after_last_commit = false;
};

class TwoPhaseSink final : public weir::DynamicSink<KV> {
 public:
  explicit TwoPhaseSink(std::shared_ptr<TwoPhase> s) : s_(std::move(s)) {}
  std::unique_ptr<weir::StatelessSinkPartition<KV>> build(const std::string& /*step*/,
                                                          std::size_t /*worker*/,
                                                          std::size_t /*n*/) const override {
    return std::make_unique<Part>(s_);
  }

 private:
  struct Part final : weir::StatelessSinkPartition<KV> {
    explicit Part(std::shared_ptr<TwoPhase> s) : s(std::move(s)) {}
    void write_batch(std::vector<KV>&& items) override {
      pending.insert(pending.end(), items.begin(), items.end());
    }
    void on_epoch_committed(weir::Epoch epoch) override {
      std::lock_guard lock(s->mutex);
      s->heard.push_back(epoch);
      s->published.insert(s->published.end(), pending.begin(), pending.end());
      pending.clear();
    }
    void close() override {
      std::lock_guard lock(s->mutex);
      s->closed_after_last_commit = pending.empty();
    }
    std::shared_ptr<TwoPhase> s;
    std::vector<KV> pending;
  };
  std::shared_ptr<TwoPhase> s_;
};

}  // namespace

TEST_CASE("sinks hear of every committed epoch - the last one before they are closed") {
  TempDir dir;
  weir::recovery::init_store(dir.path(), 2);
  auto state = std::make_shared<TwoPhase>();
  weir::Dataflow flow("rec");
  auto s = weir::op::input("in", flow, Source({KV{"a", 1}, KV{"b", 2}, KV{"a", 3}}, 1));
  auto sums = weir::op::stateful_map<int>("sum", s, running_sum);
  weir::op::output("out", sums, TwoPhaseSink(state));
  weir::run(flow, {.epoch_interval = 0s, .recovery_directory = dir.path()});
  // epochs 1-3 carry an item each, epoch 4 the end of input; each is committed before the
  // next starts, so the sink hears of them one by one
  CHECK(state->heard == std::vector<weir::Epoch>{1, 2, 3, 4});
  CHECK(state->published == std::vector<KV>{{"a", 1}, {"b", 2}, {"a", 4}});
  CHECK(state->closed_after_last_commit);
}

TEST_CASE("a store another dataflow wrote is refused, naming both, unless adopted") {
  TempDir dir;
  weir::recovery::init_store(dir.path(), 1);
  Source src({KV{"a", 1}, KV{"a", 2}}, 10);
  CHECK(run_sum(dir, src, {}) == std::vector<KV>{{"a", 1}, {"a", 3}});
  // another flow: another id, and a stateful step the store never saw
  auto run_other = [&](bool adopt) {
    weir::Dataflow flow("other");
    auto s = weir::op::input("in", flow, src);
    auto sums = weir::op::stateful_map<int>("total", s, running_sum);
    weir::testing::TestingSink<KV> sink;
    weir::op::output("out", sums, sink);
    weir::run(flow, {.recovery_directory = dir.path(), .adopt_store = adopt});
    return sink.items();
  };
  const std::string m = weir_test::error_of([&] { run_other(false); });
  CHECK_THAT(m, Catch::StartsWith("recovery directory '" + dir.path().string() +
                                  "' holds the state of dataflow 'rec' (fingerprint "));
  CHECK_THAT(m, Catch::Contains("), not of dataflow 'other' (fingerprint "));
  CHECK_THAT(m, Catch::Contains("; stateful steps only in the store: rec.in source "));
  CHECK_THAT(m, Catch::Contains(", rec.sum keyed std::pair<std::__cxx11::basic_string"));
  CHECK_THAT(m, Catch::Contains("; only in this dataflow: other.in source "));
  CHECK_THAT(m, Catch::EndsWith("; use another directory, or adopt the store on purpose "
                                "(--adopt-store) to resume from its state as it is"));
  CHECK_THROWS_AS(run_other(false), weir::recovery::ForeignStore);
  // adopted: its steps' state is read by step id (none of this flow's ids is there)
  CHECK(run_other(true) == std::vector<KV>{{"a", 1}, {"a", 3}});
  // the flow that wrote it last is now "other": "rec" is refused in turn
  weir::Dataflow rec("rec");
  auto s = weir::op::input("in", rec, src);
  auto sums = weir::op::stateful_map<int>("sum", s, running_sum);
  weir::op::output("out", sums, weir::testing::TestingSink<KV>{});
  CHECK_THROWS_AS(weir::run(rec, {.recovery_directory = dir.path()}), weir::recovery::ForeignStore);
}
