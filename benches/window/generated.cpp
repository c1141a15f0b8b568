#include <algorithm>

#include "window/events.hpp"

namespace window_bench {

namespace {

struct Part final : weir::StatefulSourcePartition<Item, std::uint64_t> {
  Part(std::uint64_t p, std::uint64_t n, std::uint64_t per_partition, std::uint64_t i)
      : n(n), events(p, per_partition, i) {}
  weir::NextBatch<Item> next_batch() override {
    const std::uint64_t i = events.position();
    if (i >= n) {
      return weir::end_of_partition;
    }
    const std::uint64_t size = std::min<std::uint64_t>(n - i, kBatch);
    std::vector<Item> out;
    out.reserve(size);
    // A local copy of the generator: its counters stay in registers, where the member's
    // would be written back for each event (an event's store may alias them).
    Events local = events;
    for (std::uint64_t j = 0; j < size; ++j) {
      out.push_back(local.next());
    }
    events = local;
    return out;
  }
  std::uint64_t snapshot() override { return events.position(); }
  std::uint64_t n;
  Events events;
};

}  // namespace

std::vector<std::string> Generated::list_parts() const { return {"p0", "p1"}; }

std::unique_ptr<weir::StatefulSourcePartition<Item, std::uint64_t>> Generated::build_part(
    const std::string& /*step_id*/, const std::string& part,
    std::optional<std::uint64_t> resume) const {
  return std::make_unique<Part>(part == "p0" ? 0 : 1, n_, per_partition_, resume.value_or(0));
}

}  // namespace window_bench
