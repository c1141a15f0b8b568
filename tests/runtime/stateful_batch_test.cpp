#include <catch2/catch.hpp>
#include <map>
#include <type_traits>

#include "support.hpp"

using namespace std::chrono_literals;
using KV = std::pair<std::string, int>;

namespace {

struct RunningSum {
  using output_type = int;
  int sum = 0;
  weir::StateAction on_batch(weir::Values<std::string, int> vs,
                             weir::Emit<std::string, int>& emit) {
    for (int v : vs) {
      emit(sum += v);
    }
    return weir::StateAction::retain;
  }
  int snapshot() const { return sum; }
};

// The same, taking values one by one.
struct RunningSumByValue {
  using output_type = int;
  int sum = 0;
  void on_value(int&& v, weir::Emit<std::string, int>& emit) { emit(sum += v); }
  weir::StateAction on_batch_end(weir::Emit<std::string, int>& /*emit*/) {
    return weir::StateAction::retain;
  }
  int snapshot() const { return sum; }
};

template <class Logic = RunningSum>
std::vector<KV> running_sums(const std::vector<KV>& input, std::size_t workers, std::size_t batch) {
  weir::Dataflow flow("sums");
  auto s = weir::op::input("in", flow, weir::testing::TestingSource<KV>(input, batch));
  auto sums = weir::op::stateful_batch("sum", s,
                                       [](std::optional<int> st) { return Logic{st.value_or(0)}; });
  weir::testing::TestingSink<KV> sink;
  weir::op::output("out", sums, sink);
  weir::run(flow, {.workers = workers});
  return sink.items();
}

}  // namespace

TEST_CASE("stateful_batch keeps per-key arrival order on any number of workers") {
  std::vector<KV> input;
  for (int i = 0; i < 400; ++i) {
    std::string key(1, 'k');
    key.append(std::to_string(i % 7));
    input.emplace_back(std::move(key), i);
  }
  std::map<std::string, std::vector<int>> expected;
  std::map<std::string, int> acc;
  for (auto& [k, v] : input) {
    expected[k].push_back(acc[k] += v);
  }
  for (std::size_t workers : {1, 2, 4}) {
    for (std::size_t batch : {1, 13, 1000}) {
      std::map<std::string, std::vector<int>> got;
      for (auto& [k, v] : running_sums(input, workers, batch)) {
        got[k].push_back(v);
      }
      INFO("workers " << workers << ", batch " << batch);
      CHECK(got == expected);
    }
  }
}

namespace {

// Emits its values at EOF, in key order; discards when it sees "drop".
struct Collect {
  using output_type = std::string;
  std::string seen;
  weir::StateAction on_batch(weir::Values<int, std::string> vs, weir::Emit<int, std::string>&) {
    for (auto& v : vs) {
      if (v == "drop") {
        return weir::StateAction::discard;
      }
      seen += v;
    }
    return weir::StateAction::retain;
  }
  weir::StateAction on_eof(weir::Emit<int, std::string>& emit) {
    emit(seen);
    return weir::StateAction::discard;
  }
  std::string snapshot() const { return seen; }
};

}  // namespace

TEST_CASE("a step holding more keys than the cache (look-ups asked ahead) sums each exactly") {
  // 40,000 keys: past the size from which a batch's look-ups are prefetched; each key comes
  // three times, the rounds in a different key order, adjacent repeats included
  constexpr int kKeys = 40000;
  std::vector<KV> input;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < kKeys; ++i) {
      const int k = round == 1 ? kKeys - 1 - i : (i * 7919) % kKeys;
      std::string key = "k";
      key.append(std::to_string(k));
      input.emplace_back(key, round + 1);
      if (round == 2 && i % 1000 == 0) input.emplace_back(key, 10);  // an adjacent repeat
    }
  }
  std::map<std::string, std::vector<int>> expected;
  std::map<std::string, int> acc;
  for (auto& [k, v] : input) {
    expected[k].push_back(acc[k] += v);
  }
  for (std::size_t workers : {1, 2}) {
    for (const bool by_value : {false, true}) {
      std::map<std::string, std::vector<int>> got;
      for (auto& [k, v] : by_value ? running_sums<RunningSumByValue>(input, workers, 4096)
                                   : running_sums(input, workers, 4096)) {
        got[k].push_back(v);
      }
      INFO("workers " << workers << (by_value ? ", values one by one" : ", on_batch"));
      CHECK(got.size() == kKeys);
      CHECK(got == expected);
    }
  }
}

TEST_CASE("on_eof visits keys in ascending order and a discarded key can come back") {
  // batches of 3: key 1 is dropped in the second batch and comes back in the third
  std::vector<std::pair<int, std::string>> input{{3, "a"}, {1, "b"}, {2, "c"}, {1, "drop"},
                                                 {3, "d"}, {2, "f"}, {1, "e"}};
  weir::Dataflow flow("eof");
  auto s = weir::op::input("in", flow,
                           weir::testing::TestingSource<std::pair<int, std::string>>(input, 3));
  auto out = weir::op::stateful_batch(
      "collect", s, [](std::optional<std::string> st) { return Collect{st.value_or("")}; });
  weir::testing::TestingSink<std::pair<int, std::string>> sink;
  weir::op::output("out", out, sink);
  weir::run(flow);
  CHECK(sink.items() == std::vector<std::pair<int, std::string>>{{1, "e"}, {2, "cf"}, {3, "ad"}});
}

namespace {

// Emits the values of each on_batch call, joined.
struct Calls {
  using output_type = std::string;
  weir::StateAction on_batch(weir::Values<std::string, int> vs,
                             weir::Emit<std::string, std::string>& emit) {
    std::string joined;
    for (int v : vs) {
      joined.append(joined.empty() ? "" : ",").append(std::to_string(v));
    }
    emit(joined);
    return weir::StateAction::retain;
  }
  int snapshot() const { return 0; }
};

}  // namespace

TEST_CASE("a batch's values reach each key in one on_batch - keys in order of first appearance") {
  using KV = std::pair<std::string, int>;
  weir::Dataflow flow("calls");
  auto s = weir::op::input(
      "in", flow,
      weir::testing::TestingSource<KV>(
          {KV{"b", 1}, KV{"a", 2}, KV{"b", 3}, KV{"c", 4}, KV{"a", 5}, KV{"b", 6}, KV{"c", 7}},
          5));  // batches: b a b c a | b c
  auto out = weir::op::stateful_batch("calls", s, [](std::optional<int>) { return Calls{}; });
  weir::testing::TestingSink<std::pair<std::string, std::string>> sink;
  weir::op::output("out", out, sink);
  weir::run(flow);
  CHECK(sink.items() == std::vector<std::pair<std::string, std::string>>{
                            {"b", "1,3"}, {"a", "2,5"}, {"c", "4"}, {"b", "6"}, {"c", "7"}});
}

namespace {

// Takes values one by one: emits "begin" before a batch's first value of the key, "v<value>"
// for each, then at the batch's end "end:<all its values so far>"; a key is discarded at the
// end of a batch whose values sum to 0, and a fresh logic starts from no values.
struct ByValue {
  using output_type = std::string;
  std::vector<int> seen;
  void on_batch_begin(weir::Emit<std::string, std::string>& emit) { emit("begin"); }
  void on_value(int&& v, weir::Emit<std::string, std::string>& emit) {
    seen.push_back(v);
    std::string out = "v";
    out += std::to_string(v);  // ("v" + to_string(v) trips a false overflow warning in GCC 12)
    emit(std::move(out));
  }
  weir::StateAction on_batch_end(weir::Emit<std::string, std::string>& emit) {
    std::string joined;
    int sum = 0;
    for (int v : seen) {
      joined.append(joined.empty() ? "" : ",").append(std::to_string(v));
      sum += v;
    }
    emit("end:" + joined);
    return sum == 0 ? weir::StateAction::discard : weir::StateAction::retain;
  }
  std::vector<int> snapshot() const { return seen; }
};

// What ByValue emits for `input` in batches of 5.
std::vector<std::pair<std::string, std::string>> by_value_calls(const std::vector<KV>& input) {
  weir::Dataflow flow("by-value");
  auto s = weir::op::input("in", flow, weir::testing::TestingSource<KV>(input, 5));
  auto out = weir::op::stateful_batch("calls", s, [](std::optional<std::vector<int>> st) {
    return ByValue{std::move(st).value_or(std::vector<int>{})};
  });
  weir::testing::TestingSink<std::pair<std::string, std::string>> sink;
  weir::op::output("out", out, sink);
  weir::run(flow);
  return sink.items();
}

}  // namespace

TEST_CASE(
    "a logic taking values one by one gets a batch begin per key before its first value, the "
    "values in arrival order, then one batch end per key") {
  // batches: b a b c a | b c; b's first batch sums to 0: discarded, so its next batch starts
  // afresh
  CHECK(by_value_calls({KV{"b", 1}, KV{"a", 2}, KV{"b", -1}, KV{"c", 4}, KV{"a", 5}, KV{"b", 6},
                        KV{"c", 7}}) ==
        std::vector<std::pair<std::string, std::string>>{{"b", "begin"},
                                                         {"b", "v1"},
                                                         {"a", "begin"},
                                                         {"a", "v2"},
                                                         {"b", "v-1"},
                                                         {"c", "begin"},
                                                         {"c", "v4"},
                                                         {"a", "v5"},
                                                         {"b", "end:1,-1"},
                                                         {"a", "end:2,5"},
                                                         {"c", "end:4"},
                                                         {"b", "begin"},
                                                         {"b", "v6"},
                                                         {"c", "begin"},
                                                         {"c", "v7"},
                                                         {"b", "end:6"},
                                                         {"c", "end:4,7"}});
}

TEST_CASE("a key's adjacent values are taken in one run: one batch begin, values in order") {
  // batches: a a b a a | a b b (a's run goes on across the batches' border)
  CHECK(by_value_calls({KV{"a", 1}, KV{"a", 2}, KV{"b", 3}, KV{"a", 4}, KV{"a", 5}, KV{"a", 6},
                        KV{"b", 7}, KV{"b", 8}}) ==
        std::vector<std::pair<std::string, std::string>>{{"a", "begin"},
                                                         {"a", "v1"},
                                                         {"a", "v2"},
                                                         {"b", "begin"},
                                                         {"b", "v3"},
                                                         {"a", "v4"},
                                                         {"a", "v5"},
                                                         {"a", "end:1,2,4,5"},
                                                         {"b", "end:3"},
                                                         {"a", "begin"},
                                                         {"a", "v6"},
                                                         {"b", "begin"},
                                                         {"b", "v7"},
                                                         {"b", "v8"},
                                                         {"a", "end:1,2,4,5,6"},
                                                         {"b", "end:3,7,8"}});
}

namespace {

// Asks to be notified 10 s after each value; on notify emits how many it saw, and re-arms
// only once.
struct Timer {
  using output_type = std::string;
  int values = 0;
  int notified = 0;  // per arming round
  std::optional<weir::Instant> at;
  weir::StateAction on_batch(weir::Values<std::string, int> vs,
                             weir::Emit<std::string, std::string>&) {
    values += static_cast<int>(vs.size());
    notified = 0;
    at = weir::clock().now() + 10s;
    return weir::StateAction::retain;
  }
  weir::StateAction on_notify(weir::Emit<std::string, std::string>& emit) {
    ++notified;
    emit("notify " + std::to_string(notified) + " after " + std::to_string(values));
    at = notified == 1 ? std::optional(weir::clock().now() + 5s) : std::nullopt;
    return weir::StateAction::retain;
  }
  weir::StateAction on_eof(weir::Emit<std::string, std::string>& emit) {
    emit("eof");
    return weir::StateAction::discard;
  }
  std::optional<weir::Instant> notify_at() const { return at; }
  int snapshot() const { return values; }
};

}  // namespace

TEST_CASE("notify timers fire once at their time and must be re-armed") {
  weir::ManualClock mc;
  weir::ScopedClock scoped(mc);
  const auto t0 = mc.now();
  std::vector<weir::testing::TestingSource<KV>::Entry> input{KV{"a", 1}, weir::testing::Pause{30s},
                                                             KV{"a", 2}, weir::testing::Pause{60s}};
  weir::Dataflow flow("timers");
  auto s = weir::op::input("in", flow, weir::testing::TestingSource<KV>(input, 10));
  auto out = weir::op::stateful_batch("t", s, [](std::optional<int>) { return Timer{}; });
  std::vector<std::pair<std::string, weir::Duration>> seen;
  auto stamped = weir::op::inspect(
      "log", out, [&](const std::string&, const std::pair<std::string, std::string>& x) {
        seen.emplace_back(x.second, mc.now() - t0);
      });
  weir::op::output("out", stamped,
                   weir::testing::TestingSink<std::pair<std::string, std::string>>{});
  weir::run(flow);
  using P = std::pair<std::string, weir::Duration>;
  CHECK(seen == std::vector<P>{{"notify 1 after 1", 10s},
                               {"notify 2 after 1", 15s},
                               {"notify 1 after 2", 40s},
                               {"notify 2 after 2", 45s},
                               {"eof", 90s}});
}

namespace {
// Asks for a wake-up 10 s after its first value; each later value moves it 10 s further
// out, or withdraws it on a negative value. Its notify time is a T: an optional, or a plain
// Instant with Instant::max() for none.
template <class T>
struct Deadline {
  using output_type = std::string;
  static T none() {
    if constexpr (std::is_same_v<T, weir::Instant>) {
      return weir::Instant::max();
    } else {
      return std::nullopt;
    }
  }
  T at = none();
  weir::StateAction on_batch(weir::Values<std::string, int> vs,
                             weir::Emit<std::string, std::string>& emit) {
    for (int v : vs) {
      at = v < 0 ? none() : T(emit.now() + 10s);
    }
    return weir::StateAction::retain;
  }
  weir::StateAction on_notify(weir::Emit<std::string, std::string>& emit) {
    emit("due");
    at = none();
    return weir::StateAction::retain;
  }
  T notify_at() const { return at; }
  int snapshot() const { return 0; }
};
}  // namespace

TEMPLATE_TEST_CASE("a notify time moved later or withdrawn never fires at the old time", "",
                   std::optional<weir::Instant>, weir::Instant) {
  weir::ManualClock mc;
  weir::ScopedClock scoped(mc);
  const auto t0 = mc.now();
  using weir::testing::Pause;
  std::vector<weir::testing::TestingSource<KV>::Entry> input{
      KV{"a", 1}, Pause{5s}, KV{"a", 1},   // a: due at 10 s, then moved to 15 s
      KV{"b", 1}, Pause{2s}, KV{"b", -1},  // b: due at 15 s, withdrawn at 7 s
      Pause{30s}};
  weir::Dataflow flow("later");
  auto s = weir::op::input("in", flow, weir::testing::TestingSource<KV>(input, 10));
  auto out =
      weir::op::stateful_batch("t", s, [](std::optional<int>) { return Deadline<TestType>{}; });
  std::vector<std::pair<std::string, weir::Duration>> seen;
  auto stamped = weir::op::inspect(
      "log", out, [&](const std::string&, const std::pair<std::string, std::string>& x) {
        seen.emplace_back(x.first + " " + x.second, mc.now() - t0);
      });
  weir::op::output("out", stamped,
                   weir::testing::TestingSink<std::pair<std::string, std::string>>{});
  weir::run(flow);
  using P = std::pair<std::string, weir::Duration>;
  CHECK(seen == std::vector<P>{{"a due", 15s}});
}
