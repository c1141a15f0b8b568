#include <catch2/catch.hpp>

#include "support.hpp"

using weir::testing::TestingSink;
using weir::testing::TestingSource;
using KV = std::pair<std::string, int>;

TEST_CASE("value operators keep the key and transform or drop the value") {
  weir::Dataflow flow("values");
  auto s = weir::op::input("in", flow, TestingSource<KV>({{"a", 1}, {"b", 2}, {"a", 3}}, 2));
  auto doubled = weir::op::map_value("double", s, [](int v) { return v * 2; });
  auto big = weir::op::filter_value("big", doubled, [](const int& v) { return v > 2; });
  auto halves = weir::op::filter_map_value("halves", doubled, [](int v) -> std::optional<double> {
    if (v == 4) return std::nullopt;
    return v / 4.0;
  });
  auto spread = weir::op::flat_map_value("spread", s, [](int v) { return std::vector<int>(v, v); });
  auto bare = weir::op::key_rm("bare", big);
  TestingSink<KV> big_out;
  TestingSink<std::pair<std::string, double>> halves_out;
  TestingSink<KV> spread_out;
  TestingSink<int> bare_out;
  weir::op::output("o1", big, big_out);
  weir::op::output("o2", halves, halves_out);
  weir::op::output("o3", spread, spread_out);
  weir::op::output("o4", bare, bare_out);
  weir::run(flow);
  CHECK(big_out.items() == std::vector<KV>{{"b", 4}, {"a", 6}});
  CHECK(halves_out.items() == std::vector<std::pair<std::string, double>>{{"a", 0.5}, {"a", 1.5}});
  CHECK(spread_out.items() ==
        std::vector<KV>{{"a", 1}, {"b", 2}, {"b", 2}, {"a", 3}, {"a", 3}, {"a", 3}});
  CHECK(bare_out.items() == std::vector<int>{4, 6});
}

TEST_CASE("filter_map keeps engaged results and flatten yields elements") {
  weir::Dataflow flow("fm");
  auto s = weir::op::input("in", flow, TestingSource<std::string>({"1", "x", "22", ""}, 3));
  auto nums = weir::op::filter_map("parse", s, [](std::string&& t) -> std::optional<int> {
    if (t.empty() || t.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    return std::stoi(t);
  });
  auto lists =
      weir::op::input("lists", flow, TestingSource<std::vector<int>>({{1, 2}, {}, {3}}, 2));
  auto flat = weir::op::flatten("flat", lists);
  TestingSink<int> nums_out;
  TestingSink<int> flat_out;
  weir::op::output("o1", nums, nums_out);
  weir::op::output("o2", flat, flat_out);
  weir::run(flow);
  CHECK(nums_out.items() == std::vector<int>{1, 22});
  CHECK(flat_out.items() == std::vector<int>{1, 2, 3});
}

TEST_CASE("raises stops the run at the first item and names the step") {
  weir::Dataflow flow("r");
  auto s = weir::op::input("in", flow, TestingSource<int>({5}));
  weir::op::output("out", weir::op::raises("boom", s), TestingSink<int>{});
  CHECK(
      weir_test::error_of([&] { weir::run(flow); }) ==
      "step 'r.boom' failed in op::raises(\"boom\") (worker 0): raises: an item reached this step");
}

TEST_CASE("enrich_cached fetches once per key until the ttl passes") {
  using namespace std::chrono_literals;
  weir::ManualClock mc;
  weir::ScopedClock scoped(mc);
  std::vector<TestingSource<std::string>::Entry> input{
      "a", "b", "a", weir::testing::Pause{5s}, "a", weir::testing::Pause{20s}, "a", "b"};
  weir::Dataflow flow("enrich");
  auto s = weir::op::input("in", flow, TestingSource<std::string>(input, 10));
  auto fetches = std::make_shared<std::vector<std::string>>();
  auto out = weir::op::enrich_cached<std::string>(
      "lookup", s,
      [fetches](const std::string& k) {
        fetches->push_back(k);
        return k + std::to_string(fetches->size());
      },
      [](auto& cache, std::string&& k) { return cache.get(k); }, 10s);
  TestingSink<std::string> sink;
  weir::op::output("out", out, sink);
  weir::run(flow);
  CHECK(*fetches == std::vector<std::string>{"a", "b", "a", "b"});
  CHECK(sink.items() == std::vector<std::string>{"a1", "b2", "a1", "a1", "a3", "b4"});
}

TEST_CASE("composite operators name their inner steps inside their own scope") {
  weir::Dataflow flow("scoped");
  auto s = weir::op::input("in", flow, TestingSource<KV>({{"a", 1}}));
  auto r = weir::op::reduce_final("sum", s, [](int a, int b) { return a + b; });
  CHECK_THROWS_WITH(weir::op::map("sum", s, [](KV x) { return x; }),
                    "step 'scoped.sum' already exists; do you have two steps with the same id?");
  std::vector<std::string> ids;
  for (const auto& step : flow.steps()) ids.push_back(step.fq_id);
  CHECK(ids == std::vector<std::string>{"scoped.in", "scoped.sum.local", "scoped.sum.final"});
  weir::op::output("out", r, TestingSink<KV>{});
  weir::run(flow);
}
