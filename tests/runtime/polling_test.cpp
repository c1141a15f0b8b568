#include <catch2/catch.hpp>

#include "support.hpp"

using namespace std::chrono_literals;

namespace {

struct Script {
  // What each poll returns: a batch, or nullopt for the end; and the next_awake after it.
  std::vector<std::pair<weir::NextBatch<int>, std::optional<weir::Duration>>> steps;
  std::vector<weir::Instant> polled;
  std::vector<std::string> events;
};

class ScriptedPartition final : public weir::StatefulSourcePartition<int, int> {
 public:
  explicit ScriptedPartition(Script& s) : s_(s) {}
  weir::NextBatch<int> next_batch() override {
    s_.polled.push_back(weir::clock().now());
    s_.events.emplace_back("next_batch");
    if (i_ >= s_.steps.size()) throw std::logic_error("polled after the end");
    auto& step = s_.steps[i_++];
    awake_ = step.second;
    return step.first;
  }
  std::optional<weir::Instant> next_awake() override {
    if (!awake_) return std::nullopt;
    return weir::clock().now() + *awake_;
  }
  int snapshot() override { return static_cast<int>(i_); }
  void close() override { s_.events.emplace_back("close"); }

 private:
  Script& s_;
  std::size_t i_ = 0;
  std::optional<weir::Duration> awake_;
};

class ScriptedSource final : public weir::FixedPartitionedSource<int, int> {
 public:
  explicit ScriptedSource(Script& s) : s_(&s) {}
  std::vector<std::string> list_parts() const override { return {"only"}; }
  std::unique_ptr<weir::StatefulSourcePartition<int, int>> build_part(
      const std::string&, const std::string&, std::optional<int>) const override {
    return std::make_unique<ScriptedPartition>(*s_);
  }

 private:
  Script* s_;
};

std::vector<int> run_script(Script& script) {
  weir::Dataflow flow("poll");
  auto s = weir::op::input("in", flow, ScriptedSource(script));
  weir::testing::TestingSink<int> sink;
  weir::op::output("out", s, sink);
  weir::run(flow);
  return sink.items();
}

}  // namespace

TEST_CASE("next_awake gates polling - none means at once after items and 1 ms after nothing") {
  weir::ManualClock mc;
  weir::ScopedClock scoped(mc);
  const auto t0 = mc.now();
  Script script;
  script.steps = {
      {std::vector<int>{1}, std::nullopt},  // items, no awake: again at once
      {std::vector<int>{}, std::nullopt},   // nothing: 1 ms cooldown
      {std::vector<int>{2, 3}, 250ms},      // awake in 250 ms
      {std::vector<int>{}, 40ms},           // nothing, awake in 40 ms
      {std::nullopt, std::nullopt},         // the end
  };
  CHECK(run_script(script) == std::vector<int>{1, 2, 3});
  REQUIRE(script.polled.size() == 5);
  CHECK(script.polled[0] - t0 == 0ms);
  CHECK(script.polled[1] - t0 == 0ms);
  CHECK(script.polled[2] - t0 == 1ms);
  CHECK(script.polled[3] - t0 == 251ms);
  CHECK(script.polled[4] - t0 == 291ms);
  // the ended partition is closed once and never polled again
  CHECK(script.events.back() == "close");
  CHECK(std::count(script.events.begin(), script.events.end(), "close") == 1);
}

TEST_CASE("an empty batch is not the end - the run ends when the partition says so") {
  weir::ManualClock mc;
  weir::ScopedClock scoped(mc);
  Script script;
  for (int i = 0; i < 10; ++i) script.steps.push_back({std::vector<int>{}, std::nullopt});
  script.steps.push_back({std::vector<int>{9}, std::nullopt});
  script.steps.push_back({std::nullopt, std::nullopt});
  CHECK(run_script(script) == std::vector<int>{9});
  CHECK(script.polled.size() == 12);
}

TEST_CASE("an exception in next_batch stops the run naming step - partition and worker") {
  Script script;  // no steps: the first poll throws
  CHECK(weir_test::error_of([&] { run_script(script); }) ==
        "step 'poll.in' failed in next_batch of op::input(\"in\") (partition 'only', worker 0): "
        "polled after the end");
  CHECK(std::count(script.events.begin(), script.events.end(), "close") == 1);
}

TEST_CASE("an idle worker sleeps until next_awake rather than polling") {
  // With the real clock: a partition that is awake only every 50 ms is polled a handful of
  // times over 200 ms, not thousands.
  Script script;
  for (int i = 0; i < 4; ++i) script.steps.push_back({std::vector<int>{}, 50ms});
  script.steps.push_back({std::nullopt, std::nullopt});
  auto start = std::chrono::steady_clock::now();
  run_script(script);
  CHECK(script.polled.size() == 5);
  CHECK(std::chrono::steady_clock::now() - start >= 200ms);
}
