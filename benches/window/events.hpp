#pragma once
// The window bench's events and their source: 2 partitions x N events over K keys (each
// partition owns K/2), event time advancing 1 ms per event in each partition, in batches of
// 4,096. The source is compiled in its own file (generated.cpp), so that its code does not
// change with how much of the runtime main.cpp's compiler inlines; Events is inline here,
// for the hand-written loop too.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <weir/weir.hpp>

#include "bench_support.hpp"

namespace window_bench {

struct Event {
  std::uint64_t ms;  // event time, milliseconds since the start of the stream
  std::uint64_t value;
  template <class Ar>
  void serialize(Ar& ar, unsigned /*version*/) {
    ar& ms& value;
  }
};
using Item = std::pair<std::uint64_t, Event>;  // (key, event)
constexpr std::size_t kBatch = 4096;

/// The events of `partition` (0 or 1), which owns `per_partition` keys (the even or the odd
/// ones), from event `start` on: event i is ((i % per_partition) * 2 + partition, {i, i}).
class Events {
 public:
  Events(std::uint64_t partition, std::uint64_t per_partition, std::uint64_t start)
      : partition_(partition), keys_(start, per_partition), i_(start) {}
  Item next() {
    const std::uint64_t i = i_++;
    return {keys_.next() * 2 + partition_, Event{i, i}};
  }
  [[nodiscard]] std::uint64_t position() const { return i_; }

 private:
  std::uint64_t partition_;
  weir_bench::Cycle keys_;
  std::uint64_t i_;
};

/// Partitions "p0" and "p1", each of n events over `per_partition` keys; resumes at the
/// index it snapshotted.
class Generated final : public weir::FixedPartitionedSource<Item, std::uint64_t> {
 public:
  Generated(std::uint64_t n, std::uint64_t per_partition) : n_(n), per_partition_(per_partition) {}
  std::vector<std::string> list_parts() const override;
  std::unique_ptr<weir::StatefulSourcePartition<Item, std::uint64_t>> build_part(
      const std::string& step_id, const std::string& part,
      std::optional<std::uint64_t> resume) const override;

 private:
  std::uint64_t n_;
  std::uint64_t per_partition_;
};

}  // namespace window_bench
