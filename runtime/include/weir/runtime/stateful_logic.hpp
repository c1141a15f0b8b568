#pragma once
// The per-key logic that stateful_batch drives, and the small types it is handed.
//
// A logic type holds one key's state. It declares its output type and implements:
//
//   struct RunningSum {
//     using output_type = std::uint64_t;
//     std::uint64_t sum = 0;
//     weir::StateAction on_batch(weir::Values<K, std::uint64_t> values, weir::Emit<K, output_type>&
//     emit) {
//       for (auto v : values) emit(sum += v);
//       return weir::StateAction::retain;
//     }
//     std::uint64_t snapshot() const { return sum; }
//     // optional:
//     weir::StateAction on_notify(weir::Emit<K, output_type>& emit);   // a notify_at time came
//     weir::StateAction on_eof(weir::Emit<K, output_type>& emit);      // the upstream ended
//     std::optional<weir::Instant> notify_at() const;                  // when to call on_notify
//   };
//
// and stateful_batch is given a builder `Logic(std::optional<State>)` (State = the type
// snapshot() returns) that makes a fresh logic (nullopt) or one resumed from a snapshot.
//
// notify_at may also return a plain weir::Instant, with Instant::max() for "no time" (cheaper
// to ask for a logic whose time changes on every batch).
//
// Lifecycle, per key: on_batch gets all the key's values of a batch at once, in arrival
// order (keys in the order they first appear in the batch; a discard drops the values after
// it in the same call, as Bytewax's StatefulBatchLogic does); on_notify runs once when notify_at()
// has passed (and must be re-requested through notify_at to run again); on_eof runs once for every
// remaining key, in ascending key order, when the upstream ends. Returning StateAction::discard
// drops the key's logic (a later value builds a fresh one). notify_at() is asked after each call.
//
// Instead of on_batch, a logic may take the batch value by value, which spares grouping the
// batch by key (worth it when a key's values are spread over the batch):
//
//     void on_value(V&& value, weir::Emit<K, output_type>& emit);
//     weir::StateAction on_batch_end(weir::Emit<K, output_type>& emit);
//
// on_value runs for each value of the batch in arrival order (keys interleaved as they
// come); then on_batch_end runs once for each key that had values, keys in the order they
// first appeared, and says whether the key is kept (notify_at() is asked after it, not after
// each value). A logic with both shapes is driven value by value. Such a logic may also have
//
//     void on_batch_begin(weir::Emit<K, output_type>& emit);
//
// which runs just before the key's first on_value of each batch (what is once per key and
// batch, such as catching up with emit.now(), then stays out of on_value).
//
// emit.now() is the system time of the activation: use it rather than reading the clock.
//
// stateful_split drives the same logics with output_type = std::variant<A...> and a
// weir::SplitEmit<K, A...> in place of Emit: `emit.emplace(std::in_place_index<I>, args...)`
// appends (key, A_I(args...)) to the split's I-th stream directly (emit(variant) picks the
// stream by the alternative held), so a logic with several kinds of output costs no stream of
// variants and no demux step.

#include <concepts>
#include <cstddef>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "weir/core/clock.hpp"

namespace weir {

enum class StateAction : bool { retain = false, discard = true };

/// Whether a stream of T is keyed: its items are (key, value) pairs.
template <class T>
inline constexpr bool is_keyed_v = false;
template <class K, class V>
inline constexpr bool is_keyed_v<std::pair<K, V>> = true;

/// The values of one key within a batch (a view; they may be moved from).
template <class K, class V>
class Values {
 public:
  class iterator {
   public:
    using value_type = V;
    using difference_type = std::ptrdiff_t;
    using reference = V&;
    iterator() = default;
    explicit iterator(std::pair<K, V>* p) : p_(p) {}
    V& operator*() const { return p_->second; }
    V* operator->() const { return &p_->second; }
    iterator& operator++() {
      ++p_;
      return *this;
    }
    iterator operator++(int) {
      auto t = *this;
      ++p_;
      return t;
    }
    bool operator==(const iterator&) const = default;

   private:
    std::pair<K, V>* p_ = nullptr;
  };

  Values(std::pair<K, V>* begin, std::pair<K, V>* end) : begin_(begin), end_(end) {}
  [[nodiscard]] iterator begin() const { return iterator(begin_); }
  [[nodiscard]] iterator end() const { return iterator(end_); }
  [[nodiscard]] std::size_t size() const { return static_cast<std::size_t>(end_ - begin_); }
  [[nodiscard]] bool empty() const { return begin_ == end_; }
  V& operator[](std::size_t i) const { return begin_[i].second; }

 private:
  std::pair<K, V>* begin_;
  std::pair<K, V>* end_;
};

/// What a logic call is handed besides its values: emits values for the current key (the
/// stream receives (key, value)), and tells the system time, read once per activation (every
/// key of a batch sees the same instant, so a logic never reads the clock per item).
template <class K, class W>
class Emit {
 public:
  Emit(std::vector<std::pair<K, W>>& out, const K& key, Instant now)
      : out_(&out), key_(&key), now_(now) {}
  void operator()(W w) { out_->emplace_back(*key_, std::move(w)); }
  /// Emits a W built in place from `args`.
  template <class... A>
  void emplace(A&&... args) {
    out_->emplace_back(std::piecewise_construct, std::forward_as_tuple(*key_),
                       std::forward_as_tuple(std::forward<A>(args)...));
  }
  [[nodiscard]] const K& key() const noexcept { return *key_; }
  [[nodiscard]] Instant now() const noexcept { return now_; }

 private:
  std::vector<std::pair<K, W>>* out_;
  const K* key_;
  Instant now_;
};

/// The Emit of a stateful_split logic, whose output_type is std::variant<A...>: an output of
/// alternative I goes to the split's I-th stream as (key, a), with no stream of variants in
/// between.
template <class K, class... A>
class SplitEmit {
 public:
  /// One batch of outputs per alternative.
  using Buffers = std::tuple<std::vector<std::pair<K, A>>...>;

  SplitEmit(Buffers& out, const K& key, Instant now) : out_(&out), key_(&key), now_(now) {}
  /// Emits w to the stream of the alternative it holds.
  void operator()(std::variant<A...> w) {
    const std::size_t held = w.index();
    // the one alternative held is moved out; the fold stops there
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (void)((held == I && (emplace(std::in_place_index<I>, std::get<I>(std::move(w))), true)) ||
             ...);
    }
    (std::index_sequence_for<A...>{});
  }
  /// Emits alternative I built in place from `args`.
  template <std::size_t I, class... Args>
  void emplace(std::in_place_index_t<I> /*alternative*/, Args&&... args) {
    std::get<I>(*out_).emplace_back(std::piecewise_construct, std::forward_as_tuple(*key_),
                                    std::forward_as_tuple(std::forward<Args>(args)...));
  }
  /// Stream I's batch itself: (key(), a) pairs appended to it are emitted (a logic emitting
  /// many items in a loop holds it and the key, rather than loading them for each).
  template <std::size_t I>
  [[nodiscard]] auto& stream(std::in_place_index_t<I> /*alternative*/) noexcept {
    return std::get<I>(*out_);
  }
  [[nodiscard]] const K& key() const noexcept { return *key_; }
  [[nodiscard]] Instant now() const noexcept { return now_; }

 private:
  Buffers* out_;
  const K* key_;
  Instant now_;
};

template <class Logic>
using logic_state_t = std::remove_cvref_t<decltype(std::declval<const Logic&>().snapshot())>;

// The parts of the logic contract, one concept each, public so an operator written outside
// the runtime (a built-in one or a user's) can forward exactly the optional calls its inner
// logic has (as op::stateful's shims do).

/// A logic declares output_type and has snapshot().
template <class Logic>
concept HasOutputAndSnapshot = requires(const Logic& cl) {
  typename Logic::output_type;
  cl.snapshot();
};
/// A logic that takes a key's values a batch at a time.
template <class Logic, class K, class V, class E>
concept HasOnBatch = requires(Logic& l, Values<K, V> vs, E& em) {
  { l.on_batch(vs, em) } -> std::same_as<StateAction>;
};
/// A logic that takes values one by one, then is told the batch ended.
template <class Logic, class V, class E>
concept HasOnValue = requires(Logic& l, V v, E& em) {
  l.on_value(std::move(v), em);
  { l.on_batch_end(em) } -> std::same_as<StateAction>;
};
/// A value-by-value logic told where each batch begins for its key.
template <class Logic, class E>
concept HasOnBatchBegin = requires(Logic& l, E& em) {
  l.on_batch_begin(em);
};
/// A logic driven one of the two ways.
template <class Logic, class K, class V, class E>
concept DrivenBy = HasOnBatch<Logic, K, V, E> || HasOnValue<Logic, V, E>;

namespace detail {
/// The Emit a logic of output W is handed: Emit<K, W>, or for a split, SplitEmit<K, A...>.
template <class K, class W>
struct SplitEmitOf {};
template <class K, class... A>
struct SplitEmitOf<K, std::variant<A...>> {
  using type = SplitEmit<K, A...>;
};
}  // namespace detail

/// A stateful_batch logic: an output type, snapshot(), and on_batch or on_value/on_batch_end.
template <class Logic, class K, class V>
concept StatefulBatchLogic =
    HasOutputAndSnapshot<Logic> && DrivenBy<Logic, K, V, Emit<K, typename Logic::output_type>>;

/// A stateful_split logic: the same, with a std::variant output_type and SplitEmit.
template <class Logic, class K, class V>
concept StatefulSplitLogic = HasOutputAndSnapshot<Logic> && requires {
  typename detail::SplitEmitOf<K, typename Logic::output_type>::type;
} && DrivenBy<Logic, K, V, typename detail::SplitEmitOf<K, typename Logic::output_type>::type>;

/// A logic with timers: on_notify runs once the time notify_at() gave has passed.
template <class Logic, class E>
concept HasOnNotify = requires(Logic& l, E& e) {
  { l.on_notify(e) } -> std::same_as<StateAction>;
};
/// A logic told when its upstream ends.
template <class Logic, class E>
concept HasOnEof = requires(Logic& l, E& e) {
  { l.on_eof(e) } -> std::same_as<StateAction>;
};
/// A logic that asks for a time: notify_at() returns std::optional<Instant> or Instant
/// (Instant::max() for none).
template <class Logic>
concept HasNotifyAt = requires(const Logic& l) {
  requires std::same_as<decltype(l.notify_at()), std::optional<Instant>> ||
      std::same_as<decltype(l.notify_at()), Instant>;
};
/// A logic's notify time, Instant::max() for none.
template <HasNotifyAt Logic>
Instant notify_time(const Logic& l) {
  if constexpr (std::same_as<decltype(l.notify_at()), Instant>) {
    return l.notify_at();
  } else {
    return l.notify_at().value_or(Instant::max());
  }
}

}  // namespace weir
