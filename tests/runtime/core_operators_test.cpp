#include <catch2/catch.hpp>
#include <set>

#include "support.hpp"

using weir::testing::TestingSink;
using weir::testing::TestingSource;

TEST_CASE("branch splits by predicate - merge joins streams") {
  weir::Dataflow flow("bm");
  auto s = weir::op::input("in", flow, TestingSource<int>({1, 2, 3, 4, 5, 6}, 4));
  auto b = weir::op::branch("even", s, [](int x) { return x % 2 == 0; });
  TestingSink<int> evens;
  TestingSink<int> odds;
  weir::op::output("evens", b.trues, evens);
  weir::op::output("odds", b.falses, odds);
  auto tens = weir::op::map("tens", b.trues, [](int x) { return x * 10; });
  auto both = weir::op::merge("both", b.falses, tens);
  TestingSink<int> merged;
  weir::op::output("merged", both, merged);
  weir::run(flow);
  CHECK(evens.items() == std::vector<int>{2, 4, 6});
  CHECK(odds.items() == std::vector<int>{1, 3, 5});
  CHECK(weir_test::sorted(merged.items()) == std::vector<int>{1, 3, 5, 20, 40, 60});
}

TEST_CASE("demux sends each keyed variant to the stream of its alternative") {
  using V = std::variant<int, std::string, double>;
  using KV = std::pair<std::string, V>;
  weir::Dataflow flow("dm");
  auto s = weir::op::input("in", flow,
                           TestingSource<KV>({KV{"a", 1}, KV{"b", std::string("x")}, KV{"c", 2.5},
                                              KV{"d", 2}, KV{"e", std::string("y")}},
                                             3));
  auto [ints, strings, doubles] = weir::op::demux("split", s);
  TestingSink<std::pair<std::string, int>> int_sink;
  TestingSink<std::pair<std::string, std::string>> string_sink;
  weir::op::output("ints", ints, int_sink);
  weir::op::output("strings", strings, string_sink);  // doubles: read by nobody
  weir::run(flow);
  CHECK(int_sink.items() == std::vector<std::pair<std::string, int>>{{"a", 1}, {"d", 2}});
  CHECK(string_sink.items() ==
        std::vector<std::pair<std::string, std::string>>{{"b", "x"}, {"e", "y"}});
}

TEST_CASE("flat_map_batch sees whole batches - a stream used twice fans out") {
  weir::Dataflow flow("fmb");
  auto s = weir::op::input("in", flow, TestingSource<int>({1, 2, 3, 4, 5}, 2));
  auto sizes = weir::op::flat_map_batch(
      "sizes", s, [](std::vector<int>&& b) { return std::vector<std::size_t>{b.size()}; });
  TestingSink<std::size_t> out;
  TestingSink<int> copy;
  weir::op::output("out", sizes, out);
  weir::op::output("copy", s, copy);
  weir::run(flow);
  CHECK(out.items() == std::vector<std::size_t>{2, 2, 1});
  CHECK(copy.items() == std::vector<int>{1, 2, 3, 4, 5});
}

TEST_CASE("redistribute spreads items over every worker and loses none") {
  weir::Dataflow flow("redist");
  std::vector<int> input(1000);
  for (int i = 0; i < 1000; ++i) input[i] = i;
  auto s = weir::op::input("in", flow, TestingSource<int>(input, 100));
  auto spread = weir::op::redistribute("spread", s);
  std::mutex m;
  std::set<std::size_t> workers;
  auto seen = weir::op::inspect_debug(
      "where", spread, [&](const std::string&, const int&, weir::Epoch, std::size_t w) {
        std::lock_guard lock(m);
        workers.insert(w);
      });
  TestingSink<int> out;
  weir::op::output("out", seen, out);
  weir::run(flow, {.workers = 3});
  CHECK(weir_test::sorted(out.items()) == input);
  CHECK(workers == std::set<std::size_t>{0, 1, 2});
}

TEST_CASE("epochs start at 1 and - with an interval of zero - close after every batch") {
  weir::Dataflow flow("epochs");
  auto s = weir::op::input("in", flow, TestingSource<int>({1, 2, 3, 4, 5}, 2));
  std::vector<std::pair<int, weir::Epoch>> seen;
  auto tagged = weir::op::inspect_debug(
      "tag", s, [&](const std::string& step, const int& x, weir::Epoch e, std::size_t w) {
        CHECK(step == "epochs.tag");
        CHECK(w == 0);
        seen.emplace_back(x, e);
      });
  weir::op::output("out", tagged, TestingSink<int>{});
  weir::run(flow, {.workers = 1, .epoch_interval = weir::Duration::zero()});
  using P = std::pair<int, weir::Epoch>;
  CHECK(seen == std::vector<P>{{1, 1}, {2, 1}, {3, 2}, {4, 2}, {5, 3}});
}

TEST_CASE("epochs close on the interval even while the source sleeps") {
  using namespace std::chrono_literals;
  weir::ManualClock mc;
  weir::ScopedClock scoped(mc);
  weir::Dataflow flow("interval");
  std::vector<TestingSource<int>::Entry> input{1, weir::testing::Pause{25s}, 2, 3};
  auto s = weir::op::input("in", flow, TestingSource<int>(input, 5));
  std::vector<std::pair<int, weir::Epoch>> seen;
  auto tagged = weir::op::inspect_debug(
      "tag", s, [&](const std::string&, const int& x, weir::Epoch e, std::size_t) {
        seen.emplace_back(x, e);
      });
  weir::op::output("out", tagged, TestingSink<int>{});
  weir::run(flow, {.workers = 1, .epoch_interval = 10s});
  using P = std::pair<int, weir::Epoch>;
  CHECK(seen == std::vector<P>{{1, 1}, {2, 3}, {3, 3}});  // epochs 1, 2 closed at 10 s, 20 s
}

TEST_CASE("an exception in an operator names the step and worker") {
  weir::Dataflow flow("err");
  auto s = weir::op::input("in", flow, TestingSource<int>({1, 2, 3}));
  auto m = weir::op::map("boom", s, [](int x) {
    if (x == 2) throw std::runtime_error("two is not allowed");
    return x;
  });
  TestingSink<int> sink;
  weir::op::output("out", m, sink);
  CHECK(weir_test::error_of([&] { weir::run(flow); }) ==
        "step 'err.boom' failed in op::map(\"boom\") (worker 0): two is not allowed");
  CHECK(sink.items() == std::vector<int>{1});
  CHECK(sink.closed() == 1);
}

TEST_CASE("AbortExecution stops the run without an error") {
  weir::Dataflow flow("abort");
  std::vector<TestingSource<int>::Entry> input{1, 2, weir::testing::Abort{}, 3};
  TestingSource<int> src(input, 10);
  auto s = weir::op::input("in", flow, src);
  TestingSink<int> sink;
  weir::op::output("out", s, sink);
  CHECK(weir::run(flow) == weir::RunOutcome::aborted);
  CHECK(sink.items() == std::vector<int>{1, 2});
  // the marker fired: running the same flow again goes past it
  sink.clear();
  CHECK(weir::run(flow) == weir::RunOutcome::completed);
  CHECK(sink.items() == std::vector<int>{1, 2, 3});
}

TEST_CASE("interrupt stops every worker and the run reports it") {
  weir::Dataflow flow("forever");
  std::vector<TestingSource<int>::Entry> input{1, weir::testing::Pause{std::chrono::hours(1)}, 2};
  auto s = weir::op::input("in", flow, TestingSource<int>(input));
  auto spread = weir::op::redistribute("spread", s);
  TestingSink<int> sink;
  weir::op::output("out", spread, sink);
  std::thread stopper([] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    weir::interrupt();
  });
  CHECK(weir_test::error_of([&] { weir::run(flow, {.workers = 2}); }) ==
        "interrupt signal received, all workers have been shut down");
  stopper.join();
  CHECK(sink.items() == std::vector<int>{1});
  CHECK(sink.closed() == 2);
}
