#include <algorithm>
#include <map>
#include <set>

#include "weir/runtime/detail/source_nodes.hpp"

namespace weir::detail {

std::vector<std::pair<std::string, std::size_t>> assign_partitions(
    const std::vector<std::vector<std::string>>& lists) {
  std::map<std::string, std::set<std::size_t>> listed_by;
  for (std::size_t w = 0; w < lists.size(); ++w) {
    for (const auto& p : lists[w]) listed_by[p].insert(w);
  }
  std::vector<const std::pair<const std::string, std::set<std::size_t>>*> order;
  order.reserve(listed_by.size());
  for (const auto& e : listed_by) order.push_back(&e);
  std::stable_sort(order.begin(), order.end(),
                   [](auto* a, auto* b) { return a->second.size() < b->second.size(); });
  std::vector<std::size_t> load(lists.size(), 0);
  std::map<std::string, std::size_t> owner;
  for (const auto* e : order) {
    std::size_t best = *e->second.begin();
    for (std::size_t w : e->second) {
      if (load[w] < load[best]) best = w;
    }
    ++load[best];
    owner[e->first] = best;
  }
  return {owner.begin(), owner.end()};
}

}  // namespace weir::detail
