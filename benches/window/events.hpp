#pragma once
// The window bench's events and their source: 2 partitions x N events, 1,000 keys (each
// partition owns 500), event time advancing 1 ms per event in each partition, in batches of
// 4,096. The source is compiled in its own file (generated.cpp), so that its code does not
// change with how much of the runtime main.cpp's compiler inlines; make_event is inline here,
// for the hand-written loop too.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <weir/weir.hpp>

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
constexpr std::uint64_t kKeysPerPartition = 500;
constexpr std::size_t kBatch = 4096;

inline Item make_event(std::uint64_t partition, std::uint64_t i) {
  return {(i % kKeysPerPartition) * 2 + partition, Event{i, i}};
}

/// Partitions "p0" and "p1", each of n events; resumes at the index it snapshotted.
class Generated final : public weir::FixedPartitionedSource<Item, std::uint64_t> {
 public:
  explicit Generated(std::uint64_t n) : n_(n) {}
  std::vector<std::string> list_parts() const override;
  std::unique_ptr<weir::StatefulSourcePartition<Item, std::uint64_t>> build_part(
      const std::string& step_id, const std::string& part,
      std::optional<std::uint64_t> resume) const override;

 private:
  std::uint64_t n_;
};

}  // namespace window_bench
