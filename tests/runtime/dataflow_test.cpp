#include <catch2/catch.hpp>

#include "support.hpp"

using weir_test::error_of;

TEST_CASE("malformed and duplicate step ids are build errors naming them") {
  CHECK(error_of([] { weir::Dataflow f("a.b"); }) ==
        "flow id 'a.b' is malformed: it must be non-empty and contain no '.' or whitespace");
  weir::Dataflow flow("df");
  auto s = weir::op::input("in", flow, weir::testing::TestingSource<int>({1}));
  CHECK(error_of([&] { weir::op::map("", s, [](int x) { return x; }); }) ==
        "step id '' is malformed: it must be non-empty and contain no '.' or whitespace");
  CHECK(error_of([&] { weir::op::map("x y", s, [](int x) { return x; }); }) ==
        "step id 'x y' is malformed: it must be non-empty and contain no '.' or whitespace");
  CHECK(error_of([&] { weir::op::map("in", s, [](int x) { return x; }); }) ==
        "step 'df.in' already exists; do you have two steps with the same id?");
}

TEST_CASE("a flow without an input or without an output does not run") {
  weir::Dataflow empty("empty");
  CHECK(error_of([&] { weir::run(empty); }) == "dataflow 'empty' needs at least one input step");
  weir::Dataflow no_out("no_out");
  weir::op::input("in", no_out, weir::testing::TestingSource<int>({1}));
  CHECK(error_of([&] { weir::run(no_out); }) ==
        "dataflow 'no_out' needs at least one output or inspect step");
}

TEST_CASE("a stream of another flow is refused") {
  weir::Dataflow a("a");
  weir::Dataflow b("b");
  auto sa = weir::op::input("in", a, weir::testing::TestingSource<int>({1}));
  auto sb = weir::op::input("in", b, weir::testing::TestingSource<int>({1}));
  CHECK(error_of([&] { weir::op::merge("m", sa, sb); }) ==
        "step 'a.m' was given a stream of another dataflow");
}

TEST_CASE("a flow knows which streams a step reads") {
  weir::Dataflow flow("readers");
  auto s = weir::op::input("in", flow, weir::testing::TestingSource<int>({1}));
  CHECK_FALSE(flow.has_readers(s.port()));
  auto b = weir::op::branch("b", s, [](int x) { return x > 0; });
  CHECK(flow.has_readers(s.port()));
  CHECK_FALSE(flow.has_readers(b.trues.port()));
  auto m = weir::op::merge("m", b.falses, s);  // a second reader of s
  CHECK(flow.has_readers(b.falses.port()));
  CHECK_FALSE(flow.has_readers(b.trues.port()));
  CHECK_FALSE(flow.has_readers(m.port()));
  weir::op::inspect_debug("i", m, [](const auto&...) {});
  CHECK(flow.has_readers(m.port()));
}

TEST_CASE("the run configuration is checked") {
  weir::Dataflow flow("cfg");
  auto s = weir::op::input("in", flow, weir::testing::TestingSource<int>({1}));
  weir::op::output("out", s, weir::testing::TestingSink<int>{});
  CHECK(error_of([&] { weir::run(flow, {.workers = 0}); }) ==
        "the worker count must be from 1 to 1024, not 0");
}

TEST_CASE("a flow's fingerprint follows its steps, wiring and item types, and nothing else") {
  auto build = [](const std::string& flow_id, const std::string& step, bool as_string, bool extra) {
    weir::Dataflow flow(flow_id);
    auto in = weir::op::input("in", flow, weir::testing::TestingSource<int>({1, 2}));
    if (as_string) {
      auto s = weir::op::map(step, in, [](int x) { return std::to_string(x); });
      weir::op::output("out", s, weir::testing::TestingSink<std::string>{});
    } else {
      auto s = weir::op::map(step, in, [](int x) { return x * 2; });
      if (extra) s = weir::op::filter("even", s, [](int x) { return x % 2 == 0; });
      weir::op::output("out", s, weir::testing::TestingSink<int>{});
    }
    return flow.fingerprint();
  };
  const std::string base = build("f", "double", false, false);
  CHECK(base.size() == 16);
  CHECK(build("f", "double", false, false) == base);  // built again: the same
  CHECK(build("g", "double", false, false) != base);  // another flow id
  CHECK(build("f", "twice", false, false) != base);   // another step id
  CHECK(build("f", "double", true, false) != base);   // another item type
  CHECK(build("f", "double", false, true) != base);   // another step
}
