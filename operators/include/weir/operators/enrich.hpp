#pragma once
// enrich_cached(id, s, getter, mapper[, ttl]) -> Stream<U>
//
// Enriches items with data from a slow lookup (a database, a service) through a cache on
// each worker: mapper(cache, item) returns the enriched item, and cache.get(key) returns
// the cached value, calling getter(key) when the key is not cached or its value is older
// than `ttl`. "Now" is read once per batch, so one batch sees one cache generation.
// cache.remove(key) forgets a key. The cache is not snapshotted: after a restart it refills.

#include <chrono>
#include <concepts>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "weir/core/clock.hpp"
#include "weir/runtime/core_operators.hpp"

namespace weir::op {

template <class K, class V, class Getter>
class TTLCache {
 public:
  TTLCache(Getter getter, Duration ttl) : getter_(std::move(getter)), ttl_(ttl) {}

  /// The value for `key`, fetched through the getter when missing or expired.
  const V& get(const K& key) {
    auto it = entries_.find(key);
    if (it == entries_.end()) {
      it = entries_.emplace(key, Entry{getter_(key), now_}).first;
    } else if (now_ - it->second.fetched > ttl_) {
      it->second = Entry{getter_(key), now_};
    }
    return it->second.value;
  }
  void remove(const K& key) { entries_.erase(key); }

  /// The time get() compares ages against (set by the operator once per batch).
  void set_now(Instant now) { now_ = now; }

 private:
  struct Entry {
    V value;
    Instant fetched;
  };
  Getter getter_;
  Duration ttl_;
  Instant now_{};
  std::unordered_map<K, Entry, StableHasher<K>> entries_;
};

template <class K, class T, class Getter, class Mapper>
requires std::invocable<Getter&, const K&>
auto enrich_cached(std::string_view step_id, const Stream<T>& up, Getter getter, Mapper mapper,
                   Duration ttl = Duration::max()) {
  auto call = up.flow().call("op::enrich_cached", step_id);
  using V = std::remove_cvref_t<std::invoke_result_t<Getter&, const K&>>;
  using Cache = TTLCache<K, V, Getter>;
  static_assert(std::invocable<Mapper&, Cache&, T&&>,
                "enrich_cached: the mapper must take (TTLCache<K, V, Getter>&, T&&)");
  using U = std::remove_cvref_t<std::invoke_result_t<Mapper&, Cache&, T&&>>;
  return flat_map_batch(step_id, up,
                        [cache = Cache(std::move(getter), ttl),
                         mapper = std::move(mapper)](std::vector<T>&& items) mutable {
                          cache.set_now(clock().now());
                          std::vector<U> out;
                          out.reserve(items.size());
                          for (auto& x : items) out.push_back(mapper(cache, std::move(x)));
                          return out;
                        });
}

}  // namespace weir::op
