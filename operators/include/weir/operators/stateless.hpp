#pragma once
// Stateless operators, each one flat_map_batch (or inspect_debug) step whose user function
// is inlined into a loop over the whole batch.
//
// clang-format off
//   map(id, s, f)               T -> U                 (in place when U is T)
//   map_value(id, kv, f)        (K, V) -> (K, f(V))
//   filter(id, s, p)            keeps items where p(item) is true; p must return bool
//   filter_value(id, kv, p)     keeps (K, V) where p(V) is true
//   filter_map(id, s, f)        f(T) -> std::optional<U>; keeps the engaged results
//   filter_map_value(id, kv, f) f(V) -> std::optional<W>; keeps (K, W) for engaged results
//   flat_map(id, s, f)          T -> any range of U, flattened
//   flat_map_value(id, kv, f)   V -> any range of W, each paired with the key
//   flatten(id, s)              a stream of ranges -> a stream of their elements
//   inspect(id, s, f)           f(fq_step_id, item) for each item; items pass through
//   key_on(id, s, f)            T -> (f(item), item), the keyed shape stateful steps consume
//   key_rm(id, kv)              (K, V) -> V
//   raises(id, s)               stops the run with an error on the first item it sees
// clang-format on
//
// Keyed operators take a Stream<std::pair<K, V>>: any other stream does not compile.

#include <concepts>
#include <iterator>
#include <optional>
#include <ranges>
#include <stdexcept>
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
  auto call = up.flow().call("op::map", step_id);
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
  auto call = up.flow().call("op::filter", step_id);
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
  auto call = up.flow().call("op::flat_map", step_id);
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
  auto call = up.flow().call("op::inspect", step_id);
  return inspect_debug(
      step_id, up,
      [inspector = std::move(inspector)](const std::string& step, const T& x, Epoch,
                                         std::size_t) mutable { inspector(step, x); });
}

template <class T, class F>
requires std::invocable<F&, const T&>
auto key_on(std::string_view step_id, const Stream<T>& up, F key) {
  auto call = up.flow().call("op::key_on", step_id);
  using K = std::remove_cvref_t<std::invoke_result_t<F&, const T&>>;
  static_assert(StableKey<K>, "key_on: the key type needs a weir::StableHash specialisation");
  return map(step_id, up, [key = std::move(key)](T&& x) mutable {
    K k = key(std::as_const(x));
    return std::pair<K, T>(std::move(k), std::move(x));
  });
}

template <class K, class V, class F>
requires std::invocable<F&, V&&>
auto map_value(std::string_view step_id, const Stream<std::pair<K, V>>& up, F mapper) {
  auto call = up.flow().call("op::map_value", step_id);
  using W = std::remove_cvref_t<std::invoke_result_t<F&, V&&>>;
  return map(step_id, up, [mapper = std::move(mapper)](std::pair<K, V>&& kv) mutable {
    return std::pair<K, W>(std::move(kv.first), mapper(std::move(kv.second)));
  });
}

template <class K, class V, class P>
requires std::invocable<P&, const V&> Stream<std::pair<K, V>> filter_value(
    std::string_view step_id, const Stream<std::pair<K, V>>& up, P predicate) {
  static_assert(std::is_same_v<std::invoke_result_t<P&, const V&>, bool>,
                "filter_value: the predicate must return bool");
  return filter(step_id, up,
                [predicate = std::move(predicate)](const std::pair<K, V>& kv) mutable -> bool {
                  return predicate(kv.second);
                });
}

namespace detail {
template <class T>
struct optional_value;
template <class T>
struct optional_value<std::optional<T>> {
  using type = T;
};
}  // namespace detail

template <class T, class F>
requires std::invocable<F&, T&&>
auto filter_map(std::string_view step_id, const Stream<T>& up, F mapper) {
  auto call = up.flow().call("op::filter_map", step_id);
  using R = std::remove_cvref_t<std::invoke_result_t<F&, T&&>>;
  using U = typename detail::optional_value<R>::type;  // mapper must return std::optional
  return flat_map_batch(step_id, up, [mapper = std::move(mapper)](std::vector<T>&& items) mutable {
    std::vector<U> out;
    out.reserve(items.size());
    for (auto& x : items) {
      R r = mapper(std::move(x));
      if (r) out.push_back(std::move(*r));
    }
    return out;
  });
}

template <class K, class V, class F>
requires std::invocable<F&, V&&>
auto filter_map_value(std::string_view step_id, const Stream<std::pair<K, V>>& up, F mapper) {
  auto call = up.flow().call("op::filter_map_value", step_id);
  using R = std::remove_cvref_t<std::invoke_result_t<F&, V&&>>;
  using W = typename detail::optional_value<R>::type;  // mapper must return std::optional
  return filter_map(
      step_id, up,
      [mapper = std::move(mapper)](std::pair<K, V>&& kv) mutable -> std::optional<std::pair<K, W>> {
        R r = mapper(std::move(kv.second));
        if (!r) return std::nullopt;
        return std::pair<K, W>(std::move(kv.first), std::move(*r));
      });
}

template <class K, class V, class F>
requires std::invocable<F&, V&&> && std::ranges::range<std::invoke_result_t<F&, V&&>>
auto flat_map_value(std::string_view step_id, const Stream<std::pair<K, V>>& up, F mapper) {
  auto call = up.flow().call("op::flat_map_value", step_id);
  using R = std::invoke_result_t<F&, V&&>;
  using W = std::remove_cvref_t<std::ranges::range_value_t<R>>;
  return flat_map_batch(step_id, up,
                        [mapper = std::move(mapper)](std::vector<std::pair<K, V>>&& items) mutable {
                          std::vector<std::pair<K, W>> out;
                          out.reserve(items.size());
                          for (auto& kv : items) {
                            auto&& r = mapper(std::move(kv.second));
                            for (auto&& w : r)
                              out.emplace_back(kv.first, std::forward<decltype(w)>(w));
                          }
                          return out;
                        });
}

template <std::ranges::range T>
auto flatten(std::string_view step_id, const Stream<T>& up) {
  auto call = up.flow().call("op::flatten", step_id);
  return flat_map(step_id, up, [](T&& x) -> T { return std::move(x); });
}

template <class K, class V>
Stream<V> key_rm(std::string_view step_id, const Stream<std::pair<K, V>>& up) {
  auto call = up.flow().call("op::key_rm", step_id);
  return map(step_id, up, [](std::pair<K, V>&& kv) { return std::move(kv.second); });
}

template <class T>
Stream<T> raises(std::string_view step_id, const Stream<T>& up) {
  auto call = up.flow().call("op::raises", step_id);
  return flat_map_batch(step_id, up, [](std::vector<T>&& items) -> std::vector<T> {
    if (!items.empty()) throw std::runtime_error("raises: an item reached this step");
    return {};
  });
}

}  // namespace weir::op
