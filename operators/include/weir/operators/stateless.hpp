#pragma once
// Stateless operators, each one flat_map_batch (or inspect_debug) step whose user function
// is inlined into a loop over the whole batch.
//
//   map(id, s, f)        T -> U                 (in place when U is T)
//   filter(id, s, p)     keeps items where p(item) is true; p must return bool
//   flat_map(id, s, f)   T -> any range of U, flattened
//   inspect(id, s, f)    f(fq_step_id, item) for each item; items pass through
//   key_on(id, s, f)     T -> (f(item), item), the keyed shape stateful steps consume

#include <concepts>
#include <iterator>
#include <ranges>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "weir/runtime/core_operators.hpp"

namespace weir::op {

template <class T, class F>
requires std::invocable<F&, T&&>
auto map(std::string_view step_id, const Stream<T>& up, F mapper) {
  using U = std::remove_cvref_t<std::invoke_result_t<F&, T&&>>;
  return flat_map_batch(step_id, up, [mapper = std::move(mapper)](std::vector<T>&& items) mutable {
    if constexpr (std::is_same_v<U, T>) {
      for (auto& x : items) x = mapper(std::move(x));
      return std::move(items);
    } else {
      std::vector<U> out;
      out.reserve(items.size());
      for (auto& x : items) out.push_back(mapper(std::move(x)));
      return out;
    }
  });
}

template <class T, class P>
requires std::invocable<P&, const T&> Stream<T> filter(std::string_view step_id,
                                                       const Stream<T>& up, P predicate) {
  static_assert(std::is_same_v<std::invoke_result_t<P&, const T&>, bool>,
                "filter: the predicate must return bool");
  return flat_map_batch(step_id, up,
                        [predicate = std::move(predicate)](std::vector<T>&& items) mutable {
                          std::erase_if(items, [&](const T& x) { return !predicate(x); });
                          return std::move(items);
                        });
}

template <class T, class F>
requires std::invocable<F&, T&&> && std::ranges::range<std::invoke_result_t<F&, T&&>>
auto flat_map(std::string_view step_id, const Stream<T>& up, F mapper) {
  using R = std::invoke_result_t<F&, T&&>;
  using U = std::remove_cvref_t<std::ranges::range_value_t<R>>;
  return flat_map_batch(step_id, up, [mapper = std::move(mapper)](std::vector<T>&& items) mutable {
    std::vector<U> out;
    out.reserve(items.size());
    for (auto& x : items) {
      auto&& r = mapper(std::move(x));
      if constexpr (std::is_rvalue_reference_v<decltype(r)> || !std::is_reference_v<R>) {
        for (auto&& y : r) out.push_back(std::move(y));
      } else {
        out.insert(out.end(), std::ranges::begin(r), std::ranges::end(r));
      }
    }
    return out;
  });
}

template <class T, class F>
requires std::invocable<F&, const std::string&, const T&> Stream<T> inspect(
    std::string_view step_id, const Stream<T>& up, F inspector) {
  return inspect_debug(
      step_id, up,
      [inspector = std::move(inspector)](const std::string& step, const T& x, Epoch,
                                         std::size_t) mutable { inspector(step, x); });
}

template <class T, class F>
requires std::invocable<F&, const T&>
auto key_on(std::string_view step_id, const Stream<T>& up, F key) {
  using K = std::remove_cvref_t<std::invoke_result_t<F&, const T&>>;
  static_assert(StableKey<K>, "key_on: the key type needs a weir::StableHash specialisation");
  return map(step_id, up, [key = std::move(key)](T&& x) mutable {
    K k = key(std::as_const(x));
    return std::pair<K, T>(std::move(k), std::move(x));
  });
}

}  // namespace weir::op
