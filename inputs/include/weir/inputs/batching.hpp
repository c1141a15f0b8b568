#pragma once
// Helpers that turn an iterable or a getter into successive batches for next_batch.
// Each helper's next() returns a NextBatch: a batch (possibly empty), or end_of_partition.
//
//   auto b = weir::batch(items, 100);              // slices of <= 100 items, then the end
//   auto g = weir::batch_getter(get, 100, -1);     // calls get() until 100 items or get()==-1
//   auto e = weir::batch_getter_ex<Empty>(get, 100);  // ... or until get() throws Empty
//
// A getter throws weir::EndOfInput to end its input: the items gathered so far (possibly
// none) form the last batch, and every later next() is the end.

#include <cstddef>
#include <optional>
#include <ranges>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#include "weir/core/errors.hpp"
#include "weir/inputs/source.hpp"

namespace weir {

namespace detail {
inline std::size_t checked_batch_size(std::size_t n) {
  if (n == 0) throw std::invalid_argument("batch size must be at least 1");
  return n;
}
}  // namespace detail

template <std::ranges::input_range R>
class Batcher {
 public:
  using item_type = std::ranges::range_value_t<R>;
  Batcher(R range, std::size_t size)
      : range_(std::move(range)),
        it_(std::ranges::begin(range_)),
        size_(detail::checked_batch_size(size)) {}
  Batcher(const Batcher&) = delete;
  Batcher& operator=(const Batcher&) = delete;

  NextBatch<item_type> next() {
    if (it_ == std::ranges::end(range_)) return end_of_partition;
    std::vector<item_type> out;
    out.reserve(size_);
    for (; it_ != std::ranges::end(range_) && out.size() < size_; ++it_) {
      out.push_back(std::move(*it_));
    }
    return out;
  }

 private:
  R range_;
  std::ranges::iterator_t<R> it_;
  std::size_t size_;
};

/// Slices `r` into batches of at most `size` items. An lvalue range is referenced (it must
/// outlive the batcher); an rvalue range is owned.
template <std::ranges::viewable_range R>
auto batch(R&& r, std::size_t size) {
  return Batcher<std::views::all_t<R>>(std::views::all(std::forward<R>(r)), size);
}

template <class Getter, class Stop>
class BatchGetter {
 public:
  using item_type = std::remove_cvref_t<std::invoke_result_t<Getter&>>;
  BatchGetter(Getter g, std::size_t size, Stop stop)
      : getter_(std::move(g)), stop_(std::move(stop)), size_(detail::checked_batch_size(size)) {}

  NextBatch<item_type> next() {
    if (ended_) return end_of_partition;
    std::vector<item_type> out;
    try {
      while (out.size() < size_) {
        if (!stop_(getter_, out)) break;
      }
    } catch (const EndOfInput&) {
      ended_ = true;
    }
    return out;
  }

 private:
  Getter getter_;
  Stop stop_;
  std::size_t size_;
  bool ended_ = false;
};

namespace detail {
template <class T>
struct YieldOnValue {
  T sentinel;
  template <class G>
  bool operator()(G& g, std::vector<T>& out) const {
    T v = g();
    if (v == sentinel) return false;
    out.push_back(std::move(v));
    return true;
  }
};
template <class E>
struct YieldOnException {
  template <class G, class T>
  bool operator()(G& g, std::vector<T>& out) const {
    try {
      out.push_back(g());
    } catch (const E&) {
      return false;
    }
    return true;
  }
};
}  // namespace detail

/// Calls `getter` until the batch holds `size` items or the getter returns `yield_on`.
template <class Getter, class T = std::remove_cvref_t<std::invoke_result_t<Getter&>>>
auto batch_getter(Getter getter, std::size_t size, T yield_on) {
  return BatchGetter<Getter, detail::YieldOnValue<T>>(std::move(getter), size,
                                                      detail::YieldOnValue<T>{std::move(yield_on)});
}

/// Calls `getter` until the batch holds `size` items or the getter throws `E` ("nothing
/// more right now").
template <class E, class Getter>
auto batch_getter_ex(Getter getter, std::size_t size) {
  return BatchGetter<Getter, detail::YieldOnException<E>>(std::move(getter), size,
                                                          detail::YieldOnException<E>{});
}

}  // namespace weir
