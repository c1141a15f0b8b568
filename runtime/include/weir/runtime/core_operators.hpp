#pragma once
// The core operators: the only steps the runtime executes. Every other operator is composed
// from these (operators/), so a user's own operator is written exactly like a built-in one.
//
// clang-format off
//   input(id, flow, source)          -> Stream<X>       FixedPartitionedSource or DynamicSource
//   output(id, stream, sink)                            FixedPartitionedSink (keyed) or DynamicSink
//   flat_map_batch(id, stream, f)    -> Stream<U>       f(std::vector<T>&&) -> std::vector<U>
//   branch(id, stream, pred)         -> BranchOut<T>    {trues, falses}
//   demux(id, keyed variants)        -> tuple of Stream<(K, A)>, one per alternative A
//   merge(id, a, b, ...)             -> Stream<T>
//   redistribute(id, stream)         -> Stream<T>       spread evenly over all workers
//   inspect_debug(id, stream, f)     -> Stream<T>       f(fq_step_id, item, epoch, worker)
//   stateful_batch(id, keyed, build) -> Stream<(K, W)>  see stateful_logic.hpp
//   stateful_split(id, keyed, build) -> tuple of Stream<(K, A)>, one per alternative A of the
//                                       logic's std::variant output (SplitEmit)
// clang-format on
//
// A source or sink passed by value is moved into shared ownership and used by every worker
// of the process; pass a std::shared_ptr to keep a handle on it.

#include <array>
#include <concepts>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "weir/inputs/source.hpp"
#include "weir/outputs/sink.hpp"
#include "weir/recovery/codec.hpp"
#include "weir/runtime/dataflow.hpp"
#include "weir/runtime/detail/resume_state.hpp"
#include "weir/runtime/detail/sink_nodes.hpp"
#include "weir/runtime/detail/source_nodes.hpp"
#include "weir/runtime/detail/stateful_node.hpp"
#include "weir/runtime/detail/stateless_nodes.hpp"
#include "weir/runtime/stable_hash.hpp"
#include "weir/runtime/stateful_logic.hpp"

namespace weir {

template <class S>
concept FixedSource = requires {
  typename S::item_type;
  typename S::state_type;
}
&&std::derived_from<S, FixedPartitionedSource<typename S::item_type, typename S::state_type>>;

template <class S>
concept DynSource = requires {
  typename S::item_type;
}
&&std::derived_from<S, DynamicSource<typename S::item_type>>;

template <class S>
concept FixedSink = requires {
  typename S::item_type;
  typename S::state_type;
  typename S::key_type;
}
&&std::derived_from<
    S, FixedPartitionedSink<typename S::item_type, typename S::state_type, typename S::key_type>>;

template <class S>
concept DynSink = requires {
  typename S::item_type;
}
&&std::derived_from<S, DynamicSink<typename S::item_type>>;

template <class T>
struct BranchOut {
  Stream<T> trues;
  Stream<T> falses;
};

namespace detail {
template <class T>
struct is_shared_ptr : std::false_type {};
template <class T>
struct is_shared_ptr<std::shared_ptr<T>> : std::true_type {};

/// Shared, const ownership of a source or sink given by value or as a shared_ptr.
template <class T>
auto share(T&& v) {
  using D = std::remove_cvref_t<T>;
  if constexpr (is_shared_ptr<D>::value) {
    return std::shared_ptr<const typename D::element_type>(std::forward<T>(v));
  } else {
    return std::make_shared<const D>(std::forward<T>(v));
  }
}
template <class T>
struct unshared {
  using type = T;
};
template <class T>
struct unshared<std::shared_ptr<T>> {
  using type = T;
};
template <class T>
using unshared_t = typename unshared<std::remove_cvref_t<T>>::type;

template <class T>
struct is_vector : std::false_type {};
template <class T, class A>
struct is_vector<std::vector<T, A>> : std::true_type {};

/// Calls list_parts on every worker and assigns the union (assign_partitions); no partition
/// anywhere is an error naming the step.
template <class ListParts>
std::shared_ptr<const RunShared::Assignment> gather_partitions(WorkerContext& ctx,
                                                               const std::string& fq,
                                                               ListParts list_parts) {
  auto mine = guarded(ctx, fq, std::nullopt, "list_parts", list_parts);
  auto assignment = ctx.shared().assign_all(ctx.index(), std::move(mine));
  if (assignment->empty()) {
    throw StepError(fq, ctx.index(), std::nullopt, "list_parts",
                    "no partitions found on any worker");
  }
  return assignment;
}

template <class X, class S>
void build_fixed_source(WorkerGraph& g, SourceNode<X>& node, const std::string& fq,
                        const FixedPartitionedSource<X, S>& src) {
  auto& ctx = g.ctx();
  for (const auto& assigned : *gather_partitions(ctx, fq, [&] { return src.list_parts(); })) {
    const std::string& part = assigned.first;
    if (assigned.second != ctx.index()) continue;
    const std::optional<std::string> name = part;
    std::optional<S> resume = resume_state<S>(ctx, fq, part);
    std::unique_ptr<StatefulSourcePartition<X, S>> p = guarded(
        ctx, fq, name, "build_part", [&] { return src.build_part(fq, part, std::move(resume)); });
    std::function<std::pair<std::string, std::string>()> snapshot;
    if (ctx.snapshots() != nullptr) {
      snapshot = [key = recovery::encode(part), raw = p.get()] {
        return std::pair(key, recovery::encode(raw->snapshot()));
      };
    }
    node.add_partition(name, std::move(p), std::move(snapshot));
  }
}
}  // namespace detail

namespace op {

template <class Src>
requires FixedSource<detail::unshared_t<Src>> || DynSource<detail::unshared_t<Src>>
auto input(std::string_view step_id, Dataflow& flow, Src&& source) {
  using S0 = detail::unshared_t<Src>;
  using X = typename S0::item_type;
  std::string fq = flow.add_step_id(step_id);
  auto out = flow.new_stream<X>();
  std::shared_ptr<const S0> src = detail::share(std::forward<Src>(source));
  detail::StepFactory factory;
  if constexpr (FixedSource<S0>) {
    using Base = FixedPartitionedSource<X, typename S0::state_type>;
    std::shared_ptr<const Base> base = src;
    factory = [fq, base, port = out.port()](detail::WorkerGraph& g) {
      auto& node = g.emplace_node<detail::SourceNode<X>>(detail::StepRole::input, fq, g.ctx(),
                                                         g.make_output<X>(port));
      detail::build_fixed_source(g, node, fq, *base);
    };
  } else {
    std::shared_ptr<const DynamicSource<X>> base = src;
    factory = [fq, base, port = out.port()](detail::WorkerGraph& g) {
      auto& ctx = g.ctx();
      auto& node = g.emplace_node<detail::SourceNode<X>>(detail::StepRole::input, fq, ctx,
                                                         g.make_output<X>(port));
      auto part = detail::guarded(ctx, fq, std::nullopt, "build",
                                  [&] { return base->build(fq, ctx.index(), ctx.count()); });
      node.add_partition(std::nullopt, std::move(part));
    };
  }
  std::string state;
  if constexpr (FixedSource<S0>) {
    state = detail::state_description("source", typeid(typename S0::state_type));
  }
  flow.add_step({fq, detail::StepRole::input, {}, std::move(factory), std::move(state)});
  return out;
}

template <class T, class Snk>
requires FixedSink<detail::unshared_t<Snk>> || DynSink<detail::unshared_t<Snk>>
void output(std::string_view step_id, const Stream<T>& up, Snk&& sink) {
  using S0 = detail::unshared_t<Snk>;
  Dataflow& flow = up.flow();
  std::string fq = flow.add_step_id(step_id);
  std::shared_ptr<const S0> snk = detail::share(std::forward<Snk>(sink));
  detail::StepFactory factory;
  if constexpr (FixedSink<S0>) {
    using K = typename S0::key_type;
    using X = typename S0::item_type;
    using St = typename S0::state_type;
    static_assert(std::is_same_v<T, std::pair<K, X>>,
                  "a FixedPartitionedSink<X, S, K> consumes a keyed Stream<std::pair<K, X>>");
    std::shared_ptr<const FixedPartitionedSink<X, St, K>> base = snk;
    factory = [fq, base, port = up.port()](detail::WorkerGraph& g) {
      auto& ctx = g.ctx();
      auto assignment = detail::gather_partitions(ctx, fq, [&] { return base->list_parts(); });
      std::vector<std::string> parts;
      std::vector<std::size_t> owners;
      for (const auto& [p, w] : *assignment) {
        parts.push_back(p);
        owners.push_back(w);
      }
      auto& node = g.emplace_node<detail::FixedSinkNode<K, X, St>>(
          detail::StepRole::output, fq, ctx, fq, base, std::move(parts), std::move(owners));
      g.output<T>(port).subscribe(&node.sender());
    };
  } else {
    using X = typename S0::item_type;
    static_assert(std::is_same_v<T, X>, "the sink's item type differs from the stream's");
    std::shared_ptr<const DynamicSink<X>> base = snk;
    factory = [fq, base, port = up.port()](detail::WorkerGraph& g) {
      auto& ctx = g.ctx();
      auto part = detail::guarded(ctx, fq, std::nullopt, "build",
                                  [&] { return base->build(fq, ctx.index(), ctx.count()); });
      auto& node = g.emplace_node<detail::DynamicSinkNode<X>>(detail::StepRole::output, fq, ctx,
                                                              std::move(part));
      g.output<T>(port).subscribe(&node);
    };
  }
  std::string state;
  if constexpr (FixedSink<S0>) {
    state = detail::state_description("sink", typeid(typename S0::state_type));
  }
  flow.add_step({fq, detail::StepRole::output, {up.port()}, std::move(factory), std::move(state)});
}

template <class T, class F>
requires std::invocable<F&, std::vector<T> &&> auto flat_map_batch(std::string_view step_id,
                                                                   const Stream<T>& up, F mapper) {
  using R = std::remove_cvref_t<std::invoke_result_t<F&, std::vector<T>&&>>;
  static_assert(detail::is_vector<R>::value,
                "flat_map_batch: the mapper must return a std::vector of the output items");
  using U = typename R::value_type;
  Dataflow& flow = up.flow();
  std::string fq = flow.add_step_id(step_id);
  auto out = flow.new_stream<U>();
  flow.add_step(
      {fq,
       detail::StepRole::other,
       {up.port()},
       [fq, mapper = std::move(mapper), in = up.port(), o = out.port()](detail::WorkerGraph& g) {
         auto& node = g.emplace_node<detail::FlatMapBatchNode<T, U, F>>(
             detail::StepRole::other, fq, g.ctx(), g.make_output<U>(o), mapper);
         g.output<T>(in).subscribe(&node);
       }});
  return out;
}

template <class T, class P>
requires std::predicate<P&, const T&> BranchOut<T> branch(std::string_view step_id,
                                                          const Stream<T>& up, P predicate) {
  static_assert(std::is_same_v<std::invoke_result_t<P&, const T&>, bool>,
                "branch: the predicate must return bool");
  Dataflow& flow = up.flow();
  std::string fq = flow.add_step_id(step_id);
  BranchOut<T> out{flow.new_stream<T>(), flow.new_stream<T>()};
  flow.add_step({fq,
                 detail::StepRole::other,
                 {up.port()},
                 [fq, predicate = std::move(predicate), in = up.port(), t = out.trues.port(),
                  f = out.falses.port()](detail::WorkerGraph& g) {
                   auto& node = g.emplace_node<detail::BranchNode<T, P>>(
                       detail::StepRole::other, fq, g.ctx(), g.make_output<T>(t),
                       g.make_output<T>(f), predicate);
                   g.output<T>(in).subscribe(&node);
                 }});
  return out;
}

/// Splits a keyed stream of variants: (k, v) goes to the stream of v's alternative as
/// (k, alternative). One pass; an alternative whose stream nobody reads is dropped unbuilt.
template <class K, class... A>
std::tuple<Stream<std::pair<K, A>>...> demux(std::string_view step_id,
                                             const Stream<std::pair<K, std::variant<A...>>>& up) {
  Dataflow& flow = up.flow();
  std::string fq = flow.add_step_id(step_id);
  std::tuple<Stream<std::pair<K, A>>...> out{flow.new_stream<std::pair<K, A>>()...};
  std::vector<detail::PortId> ports =
      std::apply([](const auto&... s) { return std::vector<detail::PortId>{s.port()...}; }, out);
  flow.add_step({fq,
                 detail::StepRole::other,
                 {up.port()},
                 [fq, in = up.port(), ports, flow = &flow](detail::WorkerGraph& g) {
                   [&]<std::size_t... I>(std::index_sequence<I...>) {
                     auto& node = g.emplace_node<detail::DemuxNode<K, A...>>(
                         detail::StepRole::other, fq,
                         std::array<bool, sizeof...(A)>{flow->has_readers(ports[I])...},
                         g.make_output<std::pair<K, A>>(ports[I])...);
                     g.output<std::pair<K, std::variant<A...>>>(in).subscribe(&node);
                   }
                   (std::index_sequence_for<A...>{});
                 }});
  return out;
}

template <class T, class... Rest>
requires(std::same_as<Stream<T>, Rest>&&...) Stream<T> merge(std::string_view step_id,
                                                             const Stream<T>& first,
                                                             const Rest&... rest) {
  Dataflow& flow = first.flow();
  std::string fq = flow.add_step_id(step_id);
  (flow.check_owns(rest, fq), ...);
  std::vector<detail::PortId> ins{first.port(), rest.port()...};
  auto out = flow.new_stream<T>();
  flow.add_step(
      {fq, detail::StepRole::other, ins, [fq, ins, o = out.port()](detail::WorkerGraph& g) {
         auto& node = g.emplace_node<detail::MergeNode<T>>(detail::StepRole::other, fq,
                                                           g.make_output<T>(o), ins.size());
         for (std::size_t i = 0; i < ins.size(); ++i) g.output<T>(ins[i]).subscribe(&node.port(i));
       }});
  return out;
}

template <class T>
Stream<T> redistribute(std::string_view step_id, const Stream<T>& up) {
  Dataflow& flow = up.flow();
  std::string fq = flow.add_step_id(step_id);
  auto out = flow.new_stream<T>();
  flow.add_step({fq,
                 detail::StepRole::other,
                 {up.port()},
                 [fq, in = up.port(), o = out.port()](detail::WorkerGraph& g) {
                   auto& node = g.emplace_node<detail::ExchangeNode<T, detail::EvenSplit<T>>>(
                       detail::StepRole::other, fq, g.ctx(), fq, g.make_output<T>(o),
                       detail::EvenSplit<T>{g.ctx().index()});
                   g.output<T>(in).subscribe(&node.sender());
                 }});
  return out;
}

template <class T, class F>
requires std::invocable<F&, const std::string&, const T&, Epoch, std::size_t> Stream<T>
inspect_debug(std::string_view step_id, const Stream<T>& up, F inspector) {
  Dataflow& flow = up.flow();
  std::string fq = flow.add_step_id(step_id);
  auto out = flow.new_stream<T>();
  flow.add_step({fq,
                 detail::StepRole::inspect,
                 {up.port()},
                 [fq, inspector = std::move(inspector), in = up.port(),
                  o = out.port()](detail::WorkerGraph& g) {
                   auto& node = g.emplace_node<detail::InspectDebugNode<T, F>>(
                       detail::StepRole::inspect, fq, g.ctx(), g.make_output<T>(o), inspector);
                   g.output<T>(in).subscribe(&node);
                 }});
  return out;
}

template <
    class K, class V, class Builder,
    class Logic = std::remove_cvref_t<std::invoke_result_t<
        Builder&, std::optional<logic_state_t<std::invoke_result_t<Builder&, std::nullopt_t>>>>>>
requires StableKey<K> && std::totally_ordered<K> && StatefulBatchLogic<Logic, K, V>
    Stream<std::pair<K, typename Logic::output_type>> stateful_batch(
        std::string_view step_id, const Stream<std::pair<K, V>>& up, Builder builder) {
  using W = typename Logic::output_type;
  using OutItem = std::pair<K, W>;
  Dataflow& flow = up.flow();
  std::string fq = flow.add_step_id(step_id);
  auto out = flow.new_stream<OutItem>();
  flow.add_step(
      {fq,
       detail::StepRole::other,
       {up.port()},
       [fq, builder = std::move(builder), in = up.port(), o = out.port()](detail::WorkerGraph& g) {
         auto& node = g.emplace_node<detail::StatefulNode<K, V, Logic, Builder>>(
             detail::StepRole::other, fq, g.ctx(), fq,
             detail::OneOutput<K, W>(g.make_output<OutItem>(o)), builder);
         g.output<std::pair<K, V>>(in).subscribe(&node.sender());
       },
       detail::state_description("keyed", typeid(std::pair<K, logic_state_t<Logic>>))});
  return out;
}

/// stateful_batch for a logic whose output_type is std::variant<A...>, handed a SplitEmit: one
/// stream per alternative, as demux would split it, but each output is appended to its
/// alternative's batch as it is emitted (no stream of variants in between). A stream nobody
/// reads drops its batches.
template <
    class K, class V, class Builder,
    class Logic = std::remove_cvref_t<std::invoke_result_t<
        Builder&, std::optional<logic_state_t<std::invoke_result_t<Builder&, std::nullopt_t>>>>>>
requires StableKey<K> && std::totally_ordered<K> && StatefulSplitLogic<Logic, K, V>
auto stateful_split(std::string_view step_id, const Stream<std::pair<K, V>>& up, Builder builder) {
  Dataflow& flow = up.flow();
  std::string fq = flow.add_step_id(step_id);
  return [&]<class... A>(std::variant<A...>*) {
    std::tuple<Stream<std::pair<K, A>>...> out{flow.new_stream<std::pair<K, A>>()...};
    std::vector<detail::PortId> ports =
        std::apply([](const auto&... s) { return std::vector<detail::PortId>{s.port()...}; }, out);
    flow.add_step(
        {fq,
         detail::StepRole::other,
         {up.port()},
         [fq, builder = std::move(builder), in = up.port(), ports](detail::WorkerGraph& g) {
           [&]<std::size_t... I>(std::index_sequence<I...>) {
             using Outs = detail::SplitOutputs<K, A...>;
             auto& node = g.emplace_node<detail::StatefulNode<K, V, Logic, Builder, Outs>>(
                 detail::StepRole::other, fq, g.ctx(), fq,
                 Outs(g.make_output<std::pair<K, A>>(ports[I])...), builder);
             g.output<std::pair<K, V>>(in).subscribe(&node.sender());
           }
           (std::index_sequence_for<A...>{});
         },
         detail::state_description("keyed", typeid(std::pair<K, logic_state_t<Logic>>))});
    return out;
  }(static_cast<typename Logic::output_type*>(nullptr));
}

/// A stream that is not keyed: a clear compile-time error instead of a failed overload.
template <class T, class Builder>
requires(!is_keyed_v<T>) void stateful_batch(std::string_view /*step_id*/, const Stream<T>& /*up*/,
                                             Builder /*builder*/) {
  static_assert(is_keyed_v<T>,
                "stateful_batch needs a keyed stream, Stream<std::pair<K, V>>: key it with "
                "key_on first");
}

/// The same for stateful_split.
template <class T, class Builder>
requires(!is_keyed_v<T>) void stateful_split(std::string_view /*step_id*/, const Stream<T>& /*up*/,
                                             Builder /*builder*/) {
  static_assert(is_keyed_v<T>,
                "stateful_split needs a keyed stream, Stream<std::pair<K, V>>: key it with "
                "key_on first");
}

}  // namespace op
}  // namespace weir
