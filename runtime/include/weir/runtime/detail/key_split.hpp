#pragma once
// KeySplit: how a keyed stream's items find their worker, stable_hash(key) % workers (the
// exchange's split for stateful steps).

#include <cstddef>
#include <utility>
#include <vector>

#include "weir/core/stable_hash.hpp"
#include "weir/runtime/detail/exchange.hpp"
#include "weir/runtime/detail/modulo.hpp"

namespace weir::detail {

template <class K, class V>
struct KeySplit {
  void operator()(std::vector<std::pair<K, V>>& items,
                  std::vector<std::vector<std::pair<K, V>>>& buckets, std::size_t self) const {
    const Modulo owner(buckets.size());
    split_by(items, buckets, self,
             [&](const std::pair<K, V>& it) { return owner(stable_hash(it.first)); });
  }
};

}  // namespace weir::detail
