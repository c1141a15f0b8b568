#pragma once
// The pipeline benchmark's dataflow, shared by the benchmarks built on it: an in-memory
// source (2 partitions x N (key, value) items) -> map (value x 2) -> filter (even keys) ->
// key_on -> running sum per key (stateful_batch) -> a sink adding up count and sums.
//
// Each partition owns half the keys (Items), so every key's items come from one
// partition in order: the running sums, and so their total, are the same on any number of
// workers and processes, and the hand-written baselines can check them exactly.

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <weir/runtime/key_table.hpp>
#include <weir/weir.hpp>

#include "bench_support.hpp"

namespace weir_bench {

using Item = std::pair<std::uint64_t, std::uint64_t>;
constexpr std::size_t kBatch = 4096;

/// The items of partition p (0 or 1) over `keys` keys, from item `start` on: partition p
/// owns keys [p * keys/2, (p+1) * keys/2); item i is (p * keys/2 + i % (keys/2), i).
/// REQUIRES: keys is even and > 0.
class Items {
 public:
  Items(std::uint64_t p, std::uint64_t keys, std::uint64_t start)
      : first_key_(p * (keys / 2)), keys_(start, keys / 2), i_(start) {}
  Item next() { return {first_key_ + keys_.next(), i_++}; }
  [[nodiscard]] std::uint64_t position() const { return i_; }

 private:
  std::uint64_t first_key_;
  Cycle keys_;
  std::uint64_t i_;
};

/// What the sink saw: items and the total of the running sums.
struct Outcome {
  std::uint64_t count = 0;
  std::uint64_t sum = 0;  // modulo 2^64
  bool operator==(const Outcome&) const = default;
};

/// Exits 1, naming `run`, unless it saw what `want` holds.
inline void check_outcome(const char* run, const Outcome& got, const Outcome& want) {
  if (got == want) {
    return;
  }
  std::fprintf(stderr, "%s: %lu items, running sums total %lu; expected %lu and %lu\n", run,
               got.count, got.sum, want.count, want.sum);
  std::exit(1);
}

class Generated final : public weir::FixedPartitionedSource<Item, std::uint64_t> {
 public:
  Generated(std::uint64_t n, std::uint64_t keys) : n_(n), keys_(keys) {}
  std::vector<std::string> list_parts() const override { return {"p0", "p1"}; }
  std::unique_ptr<weir::StatefulSourcePartition<Item, std::uint64_t>> build_part(
      const std::string&, const std::string& part,
      std::optional<std::uint64_t> resume) const override {
    return std::make_unique<Part>(part == "p0" ? 0 : 1, n_, keys_, resume.value_or(0));
  }

 private:
  struct Part final : weir::StatefulSourcePartition<Item, std::uint64_t> {
    Part(std::uint64_t p, std::uint64_t n, std::uint64_t keys, std::uint64_t i)
        : n(n), items(p, keys, i) {}
    weir::NextBatch<Item> next_batch() override {
      const std::uint64_t i = items.position();
      if (i >= n) {
        return weir::end_of_partition;
      }
      const std::uint64_t size = std::min<std::uint64_t>(n - i, kBatch);
      std::vector<Item> out;
      out.reserve(size);
      // A local copy of the generator: its counters stay in registers, where the member's
      // would be written back for each item (an item's store may alias them).
      Items local = items;
      for (std::uint64_t j = 0; j < size; ++j) {
        out.push_back(local.next());
      }
      items = local;
      return out;
    }
    std::uint64_t snapshot() override { return items.position(); }
    std::uint64_t n;
    Items items;
  };
  std::uint64_t n_;
  std::uint64_t keys_;
};

struct RunningSum {
  using output_type = std::uint64_t;
  std::uint64_t sum = 0;
  weir::StateAction on_batch(weir::Values<std::uint64_t, Item> vs,
                             weir::Emit<std::uint64_t, std::uint64_t>& emit) {
    for (const auto& v : vs) {
      emit(sum += v.second);
    }
    return weir::StateAction::retain;
  }
  std::uint64_t snapshot() const { return sum; }
};

/// Adds up the items and their values (the running sums) it is given.
class SummingSink final : public weir::DynamicSink<std::pair<std::uint64_t, std::uint64_t>> {
 public:
  struct Tally {
    std::atomic<std::uint64_t> count{0};
    std::atomic<std::uint64_t> sum{0};
  };
  explicit SummingSink(Tally& tally) : tally_(&tally) {}
  std::unique_ptr<weir::StatelessSinkPartition<std::pair<std::uint64_t, std::uint64_t>>> build(
      const std::string&, std::size_t, std::size_t) const override {
    return std::make_unique<Part>(*tally_);
  }

 private:
  struct Part final : weir::StatelessSinkPartition<std::pair<std::uint64_t, std::uint64_t>> {
    explicit Part(Tally& t) : tally(t) {}
    void write_batch(std::vector<std::pair<std::uint64_t, std::uint64_t>>&& items) override {
      std::uint64_t s = 0;
      for (const auto& x : items) {
        s += x.second;
      }
      tally.count.fetch_add(items.size(), std::memory_order_relaxed);
      tally.sum.fetch_add(s, std::memory_order_relaxed);
    }
    Tally& tally;
  };
  Tally* tally_;
};

/// The pipeline on `config`: 2 partitions x n items over `keys` keys (even); returns what
/// the sink saw.
inline Outcome run_pipeline(std::uint64_t n, std::uint64_t keys, const weir::RunConfig& config) {
  SummingSink::Tally tally;
  weir::Dataflow flow("pipeline");
  auto items = weir::op::input("gen", flow, Generated(n, keys));
  auto doubled = weir::op::map("double", items, [](Item x) { return Item{x.first, x.second * 2}; });
  auto even = weir::op::filter("even", doubled, [](const Item& x) { return x.first % 2 == 0; });
  auto keyed = weir::op::key_on("key", even, [](const Item& x) { return x.first; });
  auto sums = weir::op::stateful_batch(
      "sum", keyed, [](std::optional<std::uint64_t> s) { return RunningSum{s.value_or(0)}; });
  weir::op::output("count", sums, SummingSink(tally));
  weir::run(flow, config);
  return {tally.count.load(), tally.sum.load()};
}

/// The hash weir's state table places integer keys by (weir::KeyTable::hash_of, one
/// multiplication): it spreads consecutive keys over the whole table, as a hash must for keys
/// that come in no order. std::hash of an integer is the integer itself, so the bench's
/// consecutive keys land in consecutive buckets, a locality no keyed stream gives.
struct SpreadHash {
  std::size_t operator()(std::uint64_t key) const noexcept {
    return weir::KeyTable<std::uint64_t, int>::hash_of(key);
  }
};

/// The pipeline's map and filter by hand (the baselines' one place for them): doubles the
/// value; false for an odd key, which the filter drops.
inline bool map_and_filter(Item& x) {
  x.second *= 2;
  return x.first % 2 == 0;
}

/// The same work by hand on one thread: Items, x2, even keys, a running sum per key in a
/// std::unordered_map (hashed by Hash), count and total of the running sums.
template <class Hash = std::hash<std::uint64_t>>
Outcome run_loop(std::uint64_t n, std::uint64_t keys) {
  std::unordered_map<std::uint64_t, std::uint64_t, Hash> sums;
  Outcome out;
  for (std::uint64_t p = 0; p < 2; ++p) {
    Items items(p, keys, 0);
    for (std::uint64_t i = 0; i < n; ++i) {
      Item x = items.next();
      if (!map_and_filter(x)) {
        continue;
      }
      out.sum += (sums[x.first] += x.second);
      ++out.count;
    }
  }
  return out;
}

}  // namespace weir_bench
