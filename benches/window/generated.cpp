#include <algorithm>

#include "window/events.hpp"

namespace window_bench {

namespace {

struct Part final : weir::StatefulSourcePartition<Item, std::uint64_t> {
  Part(std::uint64_t p, std::uint64_t n, std::uint64_t i) : p(p), n(n), i(i) {}
  weir::NextBatch<Item> next_batch() override {
    if (i >= n) {
      return weir::end_of_partition;
    }
    const std::uint64_t end = std::min(n, i + kBatch);
    std::vector<Item> out;
    out.reserve(end - i);
    for (std::uint64_t j = i; j < end; ++j) {
      out.push_back(make_event(p, j));  // (a local counter: the stores cannot change it)
    }
    i = end;
    return out;
  }
  std::uint64_t snapshot() override { return i; }
  std::uint64_t p;
  std::uint64_t n;
  std::uint64_t i;
};

}  // namespace

std::vector<std::string> Generated::list_parts() const { return {"p0", "p1"}; }

std::unique_ptr<weir::StatefulSourcePartition<Item, std::uint64_t>> Generated::build_part(
    const std::string& /*step_id*/, const std::string& part,
    std::optional<std::uint64_t> resume) const {
  return std::make_unique<Part>(part == "p0" ? 0 : 1, n_, resume.value_or(0));
}

}  // namespace window_bench
