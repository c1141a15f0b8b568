// Stateful steps write, as each epoch closes, exactly the keys touched in it: their state or
// their discard, including what on_eof did.
#include <catch2/catch.hpp>
#include <mutex>

#include <weir/recovery/codec.hpp>

#include "support.hpp"

using KV = std::pair<std::string, int>;

namespace {

// (epoch, key, state or nullopt for a discard), decoded
using Change = std::tuple<weir::Epoch, std::string, std::optional<int>>;

class Collect final : public weir::recovery::SnapshotWriter {
 public:
  void write(std::size_t /*worker*/, weir::recovery::StateChanges&& changes) override {
    std::lock_guard lock(mutex_);
    all_.push_back(std::move(changes));
  }
  /// What step `step_id` wrote (an int state per string key), decoded.
  std::vector<Change> of(const std::string& step_id) {
    std::lock_guard lock(mutex_);
    std::vector<Change> out;
    for (const auto& changes : all_) {
      if (changes.step_id() != step_id) {
        continue;
      }
      changes.for_each([&](std::string_view key, const std::string_view* state) {
        std::optional<int> s;
        if (state != nullptr) {
          s = weir::recovery::decode<int>(*state);
        }
        out.emplace_back(changes.epoch(), weir::recovery::decode<std::string>(key), s);
      });
    }
    return out;
  }

 private:
  std::mutex mutex_;
  std::vector<weir::recovery::StateChanges> all_;
};

// A running sum per key; a negative value discards the key.
auto running_sum = [](std::optional<int>& st, int v) {
  if (v < 0) {
    st.reset();
    return 0;
  }
  st = st.value_or(0) + v;
  return *st;
};

}  // namespace

TEST_CASE("each epoch snapshots exactly the keys it touched - discards included") {
  // epoch_interval 0: every batch of two items closes an epoch
  std::vector<weir::testing::TestingSource<KV>::Entry> input{
      KV{"a", 1}, KV{"b", 2},                // epoch 1: a and b
      KV{"a", 3}, KV{"b", -1},               // epoch 2: a updated, b discarded
      KV{"c", 5}, KV{"c", 1},                // epoch 3: only c
      KV{"b", 4}, KV{"b", -1}, KV{"b", 6}};  // epochs 4 and 5: b re-created, dropped, re-created
  for (std::size_t workers : {1U, 3U}) {
    weir::Dataflow flow("snap");
    auto s = weir::op::input("in", flow, weir::testing::TestingSource<KV>(input, 2));
    auto sums = weir::op::stateful_map<int>("sum", s, running_sum);
    weir::op::output("out", sums, weir::testing::TestingSink<KV>{});
    auto collect = std::make_shared<Collect>();
    weir::run(flow,
              {.workers = workers, .epoch_interval = weir::Duration::zero(), .snapshots = collect});
    // per epoch, keys ascending on each worker; across workers sort to compare
    CHECK(weir_test::sorted(collect->of("snap.sum")) == std::vector<Change>{{1, "a", 1},
                                                                            {1, "b", 2},
                                                                            {2, "a", 4},
                                                                            {2, "b", std::nullopt},
                                                                            {3, "c", 6},
                                                                            {4, "b", std::nullopt},
                                                                            {5, "b", 6}});
  }
}

TEST_CASE("without a snapshot writer nothing is encoded and the run is unchanged") {
  weir::Dataflow flow("snap");
  auto s =
      weir::op::input("in", flow, weir::testing::TestingSource<KV>({KV{"a", 1}, KV{"a", 2}}, 1));
  auto sums = weir::op::stateful_map<int>("sum", s, running_sum);
  weir::testing::TestingSink<KV> sink;
  weir::op::output("out", sums, sink);
  weir::run(flow, {.epoch_interval = weir::Duration::zero()});
  CHECK(sink.items() == std::vector<KV>{{"a", 1}, {"a", 3}});
}
