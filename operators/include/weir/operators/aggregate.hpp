#pragma once
// Keyed aggregations emitted once, when the upstream ends: (key, result) per key, keys in
// ascending order on each worker.
//
// clang-format off
//   fold_final(id, kv, init, folder)   A init(); A folder(A acc, V value)       -> (K, A)
//   reduce_final(id, kv, reducer)      V reducer(V acc, V value)                -> (K, V)
//   count_final(id, s, key)            K key(const T&); how many items per key  -> (K, uint64)
//   max_final(id, kv[, by])            the largest value by by(v) (default: v); ties keep the first
//   min_final(id, kv[, by])            the smallest, likewise
// clang-format on
//
// reduce_final (and so count, max and min) first combines the values of each key within a
// batch on the worker that read them (step "<id>.local"), so only one value per key and batch
// crosses to the key's owner ("<id>.final"). The reducer must therefore be associative.

#include <concepts>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "weir/operators/stateless.hpp"
#include "weir/runtime/core_operators.hpp"
#include "weir/runtime/key_table.hpp"

namespace weir::op {

namespace detail {

template <class K, class V, class A, class Init, class Folder>
class FoldShim {
  using E = Emit<K, A>;

 public:
  using output_type = A;
  FoldShim(Init* init, Folder* folder, std::optional<A> acc)
      : init_(init), folder_(folder), acc_(std::move(acc)) {}
  StateAction on_batch(Values<K, V> values, E& /*emit*/) {
    if (!acc_) acc_.emplace((*init_)());
    for (auto& v : values) acc_.emplace((*folder_)(std::move(*acc_), std::move(v)));
    return StateAction::retain;
  }
  StateAction on_eof(E& emit) {
    emit(std::move(*acc_));
    return StateAction::discard;
  }
  const A& snapshot() const { return *acc_; }

 private:
  Init* init_;
  Folder* folder_;
  std::optional<A> acc_;
};

template <class K, class V, class R>
class ReduceShim {
  using E = Emit<K, V>;

 public:
  using output_type = V;
  ReduceShim(R* r, std::optional<V> acc) : r_(r), acc_(std::move(acc)) {}
  StateAction on_batch(Values<K, V> values, E& /*emit*/) {
    for (auto& v : values) {
      if (acc_) {
        acc_.emplace((*r_)(std::move(*acc_), std::move(v)));
      } else {
        acc_.emplace(std::move(v));
      }
    }
    return StateAction::retain;
  }
  StateAction on_eof(E& emit) {
    emit(std::move(*acc_));
    return StateAction::discard;
  }
  const V& snapshot() const { return *acc_; }

 private:
  R* r_;
  std::optional<V> acc_;
};

/// Reduces each batch to one value per key, keys in order of first appearance.
template <class K, class V, class R>
struct LocalReduce {
  R r;
  std::vector<std::pair<K, V>> operator()(std::vector<std::pair<K, V>>&& items) {
    weir::KeyTable<K, std::size_t> at;  // key -> index in out
    std::vector<std::pair<K, V>> out;
    for (auto& kv : items) {
      const std::uint64_t h = at.hash_of(kv.first);
      const std::size_t i = at.find(kv.first, h);
      if (i == at.npos) {
        at.insert(kv.first, h, out.size());
        out.push_back(std::move(kv));
      } else {
        V& acc = out[at[i].value].second;
        acc = r(std::move(acc), std::move(kv.second));
      }
    }
    return out;
  }
};

template <class V, class By, class Better>
struct PickBy {
  By by;
  V operator()(V acc, V v) {
    return Better{}(std::invoke(by, std::as_const(v)), std::invoke(by, std::as_const(acc)))
               ? std::move(v)
               : std::move(acc);
  }
};

}  // namespace detail

template <class K, class V, class Init, class Folder,
          class A = std::remove_cvref_t<std::invoke_result_t<Init&>>>
requires std::invocable<Folder&, A&&, V&&> &&
    std::convertible_to<std::invoke_result_t<Folder&, A&&, V&&>, A>
auto fold_final(std::string_view step_id, const Stream<std::pair<K, V>>& up, Init init,
                Folder folder) {
  auto call = up.flow().call("op::fold_final", step_id);
  using Logic = detail::FoldShim<K, V, A, Init, Folder>;
  return stateful_batch(
      step_id, up,
      [init = std::move(init), folder = std::move(folder)](std::optional<A> acc) mutable {
        return Logic(&init, &folder, std::move(acc));
      });
}

template <class K, class V, class R>
requires std::invocable<R&, V&&, V&&> && std::convertible_to<std::invoke_result_t<R&, V&&, V&&>, V>
auto reduce_final(std::string_view step_id, const Stream<std::pair<K, V>>& up, R reducer) {
  auto call = up.flow().call("op::reduce_final", step_id);
  auto scope = up.flow().scope(step_id);
  auto local = flat_map_batch("local", up, detail::LocalReduce<K, V, R>{reducer});
  using Logic = detail::ReduceShim<K, V, R>;
  return stateful_batch("final", local, [r = std::move(reducer)](std::optional<V> acc) mutable {
    return Logic(&r, std::move(acc));
  });
}

template <class T, class F>
requires std::invocable<F&, const T&>
auto count_final(std::string_view step_id, const Stream<T>& up, F key) {
  auto call = up.flow().call("op::count_final", step_id);
  using K = std::remove_cvref_t<std::invoke_result_t<F&, const T&>>;
  auto scope = up.flow().scope(step_id);
  auto ones = map("key", up, [key = std::move(key)](T&& x) mutable {
    return std::pair<K, std::uint64_t>(key(std::as_const(x)), 1);
  });
  return reduce_final("count", ones, [](std::uint64_t a, std::uint64_t b) { return a + b; });
}

template <class K, class V, class By = std::identity>
auto max_final(std::string_view step_id, const Stream<std::pair<K, V>>& up, By by = {}) {
  auto call = up.flow().call("op::max_final", step_id);
  return reduce_final(step_id, up, detail::PickBy<V, By, std::greater<>>{std::move(by)});
}

template <class K, class V, class By = std::identity>
auto min_final(std::string_view step_id, const Stream<std::pair<K, V>>& up, By by = {}) {
  auto call = up.flow().call("op::min_final", step_id);
  return reduce_final(step_id, up, detail::PickBy<V, By, std::less<>>{std::move(by)});
}

}  // namespace weir::op
