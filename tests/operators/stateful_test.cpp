#include <catch2/catch.hpp>

#include "support.hpp"

using weir::testing::TestingSink;
using weir::testing::TestingSource;
using KV = std::pair<std::string, int>;
using namespace std::chrono_literals;

namespace {

// Per-item logic: emits the running count; discards the key when it sees 0.
struct Counter {
  using output_type = int;
  int n = 0;
  weir::StateAction on_item(int v, weir::Emit<std::string, int>& emit) {
    if (v == 0) return weir::StateAction::discard;
    emit(++n);
    return weir::StateAction::retain;
  }
  weir::StateAction on_eof(weir::Emit<std::string, int>& emit) {
    emit(-n);
    return weir::StateAction::retain;
  }
  int snapshot() const { return n; }
};

template <class T>
std::vector<T> run_to_vector(weir::Dataflow& flow, const weir::Stream<T>& s,
                             std::size_t workers = 1) {
  TestingSink<T> sink;
  weir::op::output("out", s, sink);
  weir::run(flow, {.workers = workers});
  return sink.items();
}

}  // namespace

TEST_CASE("stateful runs per-item logic and a discarded key starts afresh") {
  weir::Dataflow flow("st");
  auto s = weir::op::input(
      "in", flow, TestingSource<KV>({{"a", 1}, {"a", 1}, {"a", 0}, {"a", 1}, {"b", 1}}, 5));
  auto counts =
      weir::op::stateful("count", s, [](std::optional<int> n) { return Counter{n.value_or(0)}; });
  CHECK(run_to_vector(flow, counts) ==
        std::vector<KV>{{"a", 1}, {"a", 2}, {"a", 1}, {"b", 1}, {"a", -1}, {"b", -1}});
}

TEST_CASE("stateful_map keeps state per key and nullopt discards it") {
  weir::Dataflow flow("sm");
  auto s = weir::op::input(
      "in", flow,
      TestingSource<KV>({{"a", 1}, {"b", 10}, {"a", 2}, {"a", -1}, {"a", 5}, {"b", 1}}, 2));
  auto sums = weir::op::stateful_map<int>("sum", s, [](std::optional<int>& st, int v) {
    if (v < 0) {
      st.reset();
      return 0;
    }
    st = st.value_or(0) + v;
    return *st;
  });
  // two workers: each key's outputs keep their order; keys interleave freely
  auto got = run_to_vector(flow, sums, 2);
  std::stable_sort(got.begin(), got.end(),
                   [](const KV& x, const KV& y) { return x.first < y.first; });
  CHECK(got == std::vector<KV>{{"a", 1}, {"a", 3}, {"a", 0}, {"a", 5}, {"b", 10}, {"b", 11}});
}

TEST_CASE("stateful_flat_map emits every element of the returned range") {
  weir::Dataflow flow("sfm");
  auto s = weir::op::input("in", flow, TestingSource<KV>({{"a", 2}, {"a", 1}}));
  auto out = weir::op::stateful_flat_map<int>("rep", s, [](std::optional<int>& seen, int v) {
    seen = seen.value_or(0) + 1;
    return std::vector<int>(static_cast<std::size_t>(v), *seen);
  });
  CHECK(run_to_vector(flow, out) == std::vector<KV>{{"a", 1}, {"a", 1}, {"a", 2}});
}

TEST_CASE("fold_final and reduce_final emit once per key at the end in key order") {
  const std::vector<KV> input{{"b", 1}, {"a", 2}, {"b", 3}, {"c", 4}, {"a", 5}};
  for (std::size_t workers : {1, 3}) {
    INFO("workers " << workers);
    {
      weir::Dataflow flow("fold");
      auto s = weir::op::input("in", flow, TestingSource<KV>(input, 2));
      auto lists = weir::op::fold_final(
          "list", s, [] { return std::string(); },
          [](std::string acc, int v) { return acc + std::to_string(v); });
      using SS = std::pair<std::string, std::string>;
      CHECK(weir_test::sorted(run_to_vector(flow, lists, workers)) ==
            std::vector<SS>{{"a", "25"}, {"b", "13"}, {"c", "4"}});
    }
    {
      weir::Dataflow flow("reduce");
      auto s = weir::op::input("in", flow, TestingSource<KV>(input, 2));
      auto sums = weir::op::reduce_final("sum", s, [](int a, int b) { return a + b; });
      CHECK(weir_test::sorted(run_to_vector(flow, sums, workers)) ==
            std::vector<KV>{{"a", 7}, {"b", 4}, {"c", 4}});
    }
  }
  weir::Dataflow flow("ordered");
  auto s = weir::op::input("in", flow, TestingSource<KV>(input, 2));
  auto sums = weir::op::reduce_final("sum", s, [](int a, int b) { return a + b; });
  CHECK(run_to_vector(flow, sums) == std::vector<KV>{{"a", 7}, {"b", 4}, {"c", 4}});
}

TEST_CASE("count_final - max_final and min_final") {
  weir::Dataflow flow("agg");
  auto words = weir::op::input("in", flow,
                               TestingSource<std::string>({"x", "yy", "x", "zzz", "x", "yy"}, 4));
  auto counts = weir::op::count_final("count", words, [](const std::string& w) { return w; });
  using P = std::pair<std::string, std::pair<int, char>>;
  auto s = weir::op::input(
      "pairs", flow,
      TestingSource<P>({{"k", {3, 'a'}}, {"k", {7, 'b'}}, {"k", {7, 'c'}}, {"k", {1, 'd'}}}, 3));
  auto by_first = [](const std::pair<int, char>& p) { return p.first; };
  auto maxes = weir::op::max_final("max", s, by_first);
  auto mins = weir::op::min_final("min", s, by_first);
  TestingSink<std::pair<std::string, std::uint64_t>> counts_out;
  TestingSink<P> max_out;
  TestingSink<P> min_out;
  weir::op::output("o1", counts, counts_out);
  weir::op::output("o2", maxes, max_out);
  weir::op::output("o3", mins, min_out);
  weir::run(flow);
  CHECK(counts_out.items() ==
        std::vector<std::pair<std::string, std::uint64_t>>{{"x", 3}, {"yy", 2}, {"zzz", 1}});
  CHECK(max_out.items() == std::vector<P>{{"k", {7, 'b'}}});  // ties keep the first
  CHECK(min_out.items() == std::vector<P>{{"k", {1, 'd'}}});
}

TEST_CASE("collect emits on size - on timeout after the latest value and at the end") {
  weir::ManualClock mc;
  weir::ScopedClock scoped(mc);
  std::vector<TestingSource<KV>::Entry> input{
      KV{"a", 1},
      KV{"a", 2},
      KV{"a", 3},
      KV{"b", 1},  // a reaches 3: emitted on size
      weir::testing::Pause{4s},
      KV{"b", 2},                // b's wait restarts at 4 s
      weir::testing::Pause{6s},  // 10 s: b not yet due (4 + 10 = 14)
      KV{"a", 4},
      weir::testing::Pause{10s},  // 20 s: b is due at 14 s, a at 20 s
      KV{"c", 1}};                // c is still open at the end
  weir::Dataflow flow("collect");
  auto s = weir::op::input("in", flow, TestingSource<KV>(input, 10));
  auto batches = weir::op::collect("c", s, 10s, 3);
  using P = std::pair<std::string, std::vector<int>>;
  CHECK(run_to_vector(flow, batches) ==
        std::vector<P>{{"a", {1, 2, 3}}, {"b", {1, 2}}, {"a", {4}}, {"c", {1}}});
}

TEST_CASE("join modes with a missing side") {
  using Row = std::tuple<std::optional<int>, std::optional<std::string>>;
  using Out = std::pair<std::string, Row>;
  using KS = std::pair<std::string, std::string>;
  auto run_join = [](weir::op::JoinMode mode) {
    weir::Dataflow flow("join");
    std::vector<TestingSource<KV>::Entry> left{KV{"a", 1}, KV{"a", 2}, KV{"b", 3}};
    std::vector<TestingSource<KS>::Entry> right{weir::testing::Pause{1s}, KS{"a", "x"},
                                                KS{"a", "y"}};
    auto l = weir::op::input("l", flow, TestingSource<KV>(left, 5));
    auto r = weir::op::input("r", flow, TestingSource<KS>(right, 5));
    auto j = weir::op::join("j", mode, l, r);
    return run_to_vector(flow, j);
  };
  weir::ManualClock mc;
  weir::ScopedClock scoped(mc);
  using weir::op::JoinEmit;
  using weir::op::JoinInsert;
  CHECK(run_join({JoinInsert::last, JoinEmit::complete}) == std::vector<Out>{{"a", Row{2, "x"}}});
  CHECK(run_join({JoinInsert::first, JoinEmit::final}) ==
        std::vector<Out>{{"a", Row{1, "x"}}, {"b", Row{3, std::nullopt}}});
  CHECK(run_join({JoinInsert::product, JoinEmit::final}) ==
        std::vector<Out>{{"a", Row{1, "x"}},
                         {"a", Row{1, "y"}},
                         {"a", Row{2, "x"}},
                         {"a", Row{2, "y"}},
                         {"b", Row{3, std::nullopt}}});
  CHECK(run_join({JoinInsert::last, JoinEmit::running}) ==
        std::vector<Out>{{"a", Row{1, std::nullopt}},
                         {"a", Row{2, std::nullopt}},
                         {"b", Row{3, std::nullopt}},
                         {"a", Row{2, "x"}},
                         {"a", Row{2, "y"}}});
}
