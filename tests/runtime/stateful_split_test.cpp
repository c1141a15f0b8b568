#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <variant>

#include "support.hpp"

namespace {

using KV = std::pair<std::string, int>;
using Out = std::variant<int, std::string>;
using E = weir::SplitEmit<std::string, int, std::string>;

// Even values go to the first stream as they are, odd ones to the second spelled out; at the
// end of input each key sends how many values it saw to the second stream (appending to that
// stream's batch itself).
struct Parity {
  using output_type = Out;
  int seen = 0;
  void on_value(int v, E& emit) {
    ++seen;
    if (v % 2 == 0) {
      emit.emplace(std::in_place_index<0>, v);
    } else {
      emit(Out(std::in_place_index<1>, "odd " + std::to_string(v)));
    }
  }
  weir::StateAction on_batch_end(E& /*emit*/) { return weir::StateAction::retain; }
  weir::StateAction on_eof(E& emit) {
    emit.stream(std::in_place_index<1>).emplace_back(emit.key(), "seen " + std::to_string(seen));
    return weir::StateAction::discard;
  }
  int snapshot() const { return seen; }
};

std::vector<KV> input() {
  std::vector<KV> in;
  in.reserve(60);
  for (int i = 0; i < 60; ++i) {
    in.emplace_back(i % 3 == 0 ? "a" : "b", i);
  }
  return in;
}

}  // namespace

TEST_CASE("stateful_split sends each output to its alternative's stream, in per-key order") {
  for (std::size_t workers : {1, 2}) {
    for (std::size_t batch : {1, 7, 100}) {
      weir::Dataflow flow("split");
      auto s = weir::op::input("in", flow, weir::testing::TestingSource<KV>(input(), batch));
      auto [evens, words] = weir::op::stateful_split(
          "parity", s, [](std::optional<int> st) { return Parity{st.value_or(0)}; });
      weir::testing::TestingSink<std::pair<std::string, int>> even_sink;
      weir::testing::TestingSink<std::pair<std::string, std::string>> word_sink;
      weir::op::output("evens", evens, even_sink);
      weir::op::output("words", words, word_sink);
      weir::run(flow, {.workers = workers});

      std::map<std::string, std::vector<int>> want_evens;
      std::map<std::string, std::vector<std::string>> want_words;
      for (const auto& [k, v] : input()) {
        if (v % 2 == 0) {
          want_evens[k].push_back(v);
        } else {
          want_words[k].push_back("odd " + std::to_string(v));
        }
      }
      want_words["a"].push_back("seen 20");
      want_words["b"].push_back("seen 40");
      std::map<std::string, std::vector<int>> got_evens;
      std::map<std::string, std::vector<std::string>> got_words;
      for (const auto& [k, v] : even_sink.items()) {
        got_evens[k].push_back(v);
      }
      for (const auto& [k, v] : word_sink.items()) {
        got_words[k].push_back(v);
      }
      INFO("workers " << workers << ", batch " << batch);
      CHECK(got_evens == want_evens);
      CHECK(got_words == want_words);
    }
  }
}

TEST_CASE("stateful_split drops the batches of a stream nobody reads") {
  weir::Dataflow flow("split");
  auto s = weir::op::input("in", flow, weir::testing::TestingSource<KV>(input(), 10));
  auto [evens, words] = weir::op::stateful_split(
      "parity", s, [](std::optional<int> st) { return Parity{st.value_or(0)}; });
  weir::testing::TestingSink<std::pair<std::string, int>> even_sink;
  weir::op::output("evens", evens, even_sink);
  weir::run(flow, {.workers = 1});
  std::vector<std::pair<std::string, int>> want;
  for (const auto& [k, v] : input()) {
    if (v % 2 == 0) {
      want.emplace_back(k, v);
    }
  }
  CHECK(weir_test::sorted(even_sink.items()) == weir_test::sorted(want));
}
