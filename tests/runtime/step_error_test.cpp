// A failing step's error names the operator call the user wrote (not the core step or the
// method inside it), the worker, and the key where there is one.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "support.hpp"

using weir::testing::TestingSink;
using weir::testing::TestingSource;
using namespace std::chrono_literals;

namespace {

using KV = std::pair<std::string, int>;

// A folder, reducer or logic that refuses the value 13.
int no_13(int acc, int v) {
  if (v == 13) throw std::runtime_error("13 is unlucky");
  return acc + v;
}

// A user's own logic handed straight to stateful_batch.
struct Unlucky {
  using output_type = int;
  int sum = 0;
  weir::StateAction on_batch(weir::Values<std::string, int> values,
                             weir::Emit<std::string, int>& emit) {
    for (int v : values) emit(sum = no_13(sum, v));
    return weir::StateAction::retain;
  }
  [[nodiscard]] int snapshot() const { return sum; }
};

// Runs the keyed items below through `make` and returns the run's error.
template <class Make>
std::string error_of_keyed(Make make, std::size_t workers = 1) {
  weir::Dataflow flow("e");
  // one item a batch: a reducer meets the 13 in the keyed step, not in a batch's pre-reduction
  auto s = weir::op::input(
      "in", flow, TestingSource<KV>({KV{"calm", 1}, KV{"friday", 1}, KV{"friday", 13}}, 1));
  auto out = make(s);
  weir::op::output("out", out, TestingSink<typename decltype(out)::value_type>{});
  return weir_test::error_of([&] { weir::run(flow, {.workers = workers}); });
}

// A user's composite operator: a call of its own around the built-in ones it uses.
template <class K>
weir::Stream<std::pair<K, int>> lucky_sum(std::string_view step_id,
                                          const weir::Stream<std::pair<K, int>>& up) {
  auto call = up.flow().call("my::lucky_sum", step_id);
  auto scope = up.flow().scope(step_id);
  auto doubled = weir::op::map_value("double", up, [](int v) { return v; });
  return weir::op::reduce_final("sum", doubled, no_13);
}

}  // namespace

TEST_CASE("a composite operator's error names the call the user wrote and the key") {
  CHECK(error_of_keyed([](auto& s) {
          return weir::op::fold_final(
              "sums", s, [] { return 0; }, no_13);
        }) ==
        "step 'e.sums' failed in op::fold_final(\"sums\") (worker 0, key 'friday'): 13 is unlucky");
  CHECK(error_of_keyed([](auto& s) { return weir::op::reduce_final("sums", s, no_13); }) ==
        "step 'e.sums.final' failed in op::reduce_final(\"sums\") (worker 0, key 'friday'): 13 is "
        "unlucky");
  CHECK(error_of_keyed([](auto& s) {
          return weir::op::stateful_map<int>("sums", s, [](std::optional<int>& st, int v) {
            st = no_13(st.value_or(0), v);
            return *st;
          });
        }) ==
        "step 'e.sums' failed in op::stateful_map(\"sums\") (worker 0, key 'friday'): 13 is "
        "unlucky");
}

TEST_CASE("a window operator's error names it and the key") {
  weir::ManualClock mc;
  weir::ScopedClock scoped(mc);
  const std::string m = error_of_keyed([](auto& s) {
    return weir::window::fold_window(
               "sums", s, weir::window::SystemClock(),
               weir::window::TumblingWindower(10s, weir::Instant{}), [] { return 0; }, no_13,
               [](int a, int b) { return a + b; })
        .down;
  });
  CHECK_THAT(m, Catch::StartsWith("step 'e.sums."));
  CHECK_THAT(m, Catch::EndsWith(" failed in window::fold_window(\"sums\") (worker 0, key "
                                "'friday'): 13 is unlucky"));
}

TEST_CASE("a logic handed to stateful_batch directly names its method, the call and the key") {
  CHECK(error_of_keyed([](auto& s) {
          return weir::op::stateful_batch(
              "sums", s, [](std::optional<int> st) { return Unlucky{st.value_or(0)}; });
        }) ==
        "step 'e.sums' failed in on_batch of op::stateful_batch(\"sums\") (worker 0, key "
        "'friday'): 13 is unlucky");
}

TEST_CASE("an error names the worker that owns the key") {
  const std::size_t owner = weir::stable_hash(std::string("friday")) % 3;
  CHECK(error_of_keyed([](auto& s) { return weir::op::reduce_final("sums", s, no_13); }, 3) ==
        fmt::format("step 'e.sums.final' failed in op::reduce_final(\"sums\") (worker {}, key "
                    "'friday'): 13 is unlucky",
                    owner));
}

TEST_CASE("a number key shows as the number, a key fmt cannot show is left out") {
  weir::Dataflow flow("n");
  auto s = weir::op::input("in", flow, TestingSource<int>({1, 2, 13}, 1));
  auto keyed = weir::op::map("key", s, [](int x) { return std::pair<int, int>(x % 11, x); });
  auto sums = weir::op::reduce_final("sums", keyed, no_13);
  weir::op::output("out", sums, TestingSink<std::pair<int, int>>{});
  CHECK(weir_test::error_of([&] { weir::run(flow); }) ==
        "step 'n.sums.final' failed in op::reduce_final(\"sums\") (worker 0, key 2): 13 is "
        "unlucky");

  // a pair has no format without fmt/ranges.h, which weir does not include
  using Pair = std::pair<int, int>;
  static_assert(!fmt::is_formattable<Pair>::value);
  weir::Dataflow pairs("p");
  auto in = weir::op::input("in", pairs, TestingSource<int>({13}));
  auto by_pair =
      weir::op::map("key", in, [](int x) { return std::pair<Pair, int>(Pair(x, x), x); });
  auto folded = weir::op::fold_final(
      "sums", by_pair, [] { return 0; }, no_13);
  weir::op::output("out", folded, TestingSink<std::pair<Pair, int>>{});
  CHECK(weir_test::error_of([&] { weir::run(pairs); }) ==
        "step 'p.sums' failed in op::fold_final(\"sums\") (worker 0): 13 is unlucky");
}

TEST_CASE("a user's composite operator is named by the call it opens") {
  CHECK(error_of_keyed([](auto& s) { return lucky_sum("lucky", s); }) ==
        "step 'e.lucky.sum.final' failed in my::lucky_sum(\"lucky\") (worker 0, key 'friday'): 13 "
        "is unlucky");
}

TEST_CASE("a stateless operator's error names it, inside a composite the composite") {
  weir::Dataflow flow("s");
  auto s = weir::op::input("in", flow, TestingSource<int>({1, 13}));
  auto keyed = weir::op::key_on("key", s, [](int x) -> std::string {
    if (x == 13) throw std::runtime_error("no key for 13");
    return "k";
  });
  weir::op::output("out", keyed, TestingSink<std::pair<std::string, int>>{});
  CHECK(weir_test::error_of([&] { weir::run(flow); }) ==
        "step 's.key' failed in op::key_on(\"key\") (worker 0): no key for 13");

  weir::Dataflow counted("c");
  auto in = weir::op::input("in", counted, TestingSource<int>({1, 13}));
  auto counts = weir::op::count_final("count", in, [](int x) -> std::string {
    if (x == 13) throw std::runtime_error("no key for 13");
    return "k";
  });
  weir::op::output("out", counts, TestingSink<std::pair<std::string, std::uint64_t>>{});
  CHECK(weir_test::error_of([&] { weir::run(counted); }) ==
        "step 'c.count.key' failed in op::count_final(\"count\") (worker 0): no key for 13");
}

TEST_CASE("a step added outside any call names the method, as before") {
  weir::Dataflow flow("x");
  auto s = weir::op::input("in", flow, TestingSource<int>({1}));
  const std::string fq = flow.add_step_id("raw");
  auto out = flow.new_stream<int>();
  weir::detail::add_core_step(
      flow, fq, weir::detail::StepRole::transform, {s.port()},
      [s, out](weir::detail::StepSite& site) {
        auto& o = site.output(out);
        auto& n = site.node<weir::detail::FlatMapBatchNode<
            int, int, std::function<std::vector<int>(std::vector<int> &&)>>>(
            site.fq_id(), site.ctx(), o, [](std::vector<int>&&) -> std::vector<int> {
              throw std::runtime_error("raw failure");
            });
        site.read(s, n);
      });
  weir::op::output("out", out, TestingSink<int>{});
  CHECK(weir_test::error_of([&] { weir::run(flow); }) ==
        "step 'x.raw' failed in its function (worker 0): raw failure");
}
