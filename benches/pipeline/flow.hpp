#pragma once
// The pipeline benchmark's dataflow, shared by the benchmarks built on it: an in-memory
// source (2 partitions x N (key, value) items, key = index % keys) -> map (value x 2) ->
// filter (even keys) -> key_on -> running sum per key (stateful_batch) -> a counting sink.

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <weir/weir.hpp>

namespace weir_bench {

using Item = std::pair<std::uint64_t, std::uint64_t>;
constexpr std::size_t kBatch = 4096;

class Generated final : public weir::FixedPartitionedSource<Item, std::uint64_t> {
 public:
  Generated(std::uint64_t n, std::uint64_t keys) : n_(n), keys_(keys) {}
  std::vector<std::string> list_parts() const override { return {"p0", "p1"}; }
  std::unique_ptr<weir::StatefulSourcePartition<Item, std::uint64_t>> build_part(
      const std::string&, const std::string&, std::optional<std::uint64_t> resume) const override {
    return std::make_unique<Part>(n_, keys_, resume.value_or(0));
  }

 private:
  struct Part final : weir::StatefulSourcePartition<Item, std::uint64_t> {
    Part(std::uint64_t n, std::uint64_t keys, std::uint64_t i) : n(n), keys(keys), i(i) {}
    weir::NextBatch<Item> next_batch() override {
      if (i >= n) return weir::end_of_partition;
      std::uint64_t end = std::min(n, i + kBatch);
      std::vector<Item> out;
      out.reserve(end - i);
      for (; i < end; ++i) out.emplace_back(i % keys, i);
      return out;
    }
    std::uint64_t snapshot() override { return i; }
    std::uint64_t n;
    std::uint64_t keys;
    std::uint64_t i;
  };
  std::uint64_t n_;
  std::uint64_t keys_;
};

struct RunningSum {
  using output_type = std::uint64_t;
  std::uint64_t sum = 0;
  weir::StateAction on_batch(weir::Values<std::uint64_t, Item> vs,
                             weir::Emit<std::uint64_t, std::uint64_t>& emit) {
    for (const auto& v : vs) emit(sum += v.second);
    return weir::StateAction::retain;
  }
  std::uint64_t snapshot() const { return sum; }
};

class CountingSink final : public weir::DynamicSink<std::pair<std::uint64_t, std::uint64_t>> {
 public:
  explicit CountingSink(std::atomic<std::uint64_t>& count) : count_(&count) {}
  std::unique_ptr<weir::StatelessSinkPartition<std::pair<std::uint64_t, std::uint64_t>>> build(
      const std::string&, std::size_t, std::size_t) const override {
    return std::make_unique<Part>(*count_);
  }

 private:
  struct Part final : weir::StatelessSinkPartition<std::pair<std::uint64_t, std::uint64_t>> {
    explicit Part(std::atomic<std::uint64_t>& c) : count(c) {}
    void write_batch(std::vector<std::pair<std::uint64_t, std::uint64_t>>&& items) override {
      count.fetch_add(items.size(), std::memory_order_relaxed);
    }
    std::atomic<std::uint64_t>& count;
  };
  std::atomic<std::uint64_t>* count_;
};

/// The pipeline on `config`: 2 partitions x n items over `keys` keys; returns the items the
/// sink counted.
inline std::uint64_t run_pipeline(std::uint64_t n, std::uint64_t keys,
                                  const weir::RunConfig& config) {
  std::atomic<std::uint64_t> count{0};
  weir::Dataflow flow("pipeline");
  auto items = weir::op::input("gen", flow, Generated(n, keys));
  auto doubled = weir::op::map("double", items, [](Item x) { return Item{x.first, x.second * 2}; });
  auto even = weir::op::filter("even", doubled, [](const Item& x) { return x.first % 2 == 0; });
  auto keyed = weir::op::key_on("key", even, [](const Item& x) { return x.first; });
  auto sums = weir::op::stateful_batch(
      "sum", keyed, [](std::optional<std::uint64_t> s) { return RunningSum{s.value_or(0)}; });
  weir::op::output("count", sums, CountingSink(count));
  weir::run(flow, config);
  return count.load();
}

}  // namespace weir_bench
