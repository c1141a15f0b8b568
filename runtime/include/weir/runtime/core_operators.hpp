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

#include "weir/core/stable_hash.hpp"
#include "weir/inputs/source.hpp"
#include "weir/outputs/sink.hpp"
#include "weir/recovery/codec.hpp"
#include "weir/runtime/dataflow.hpp"
#include "weir/runtime/detail/core_step.hpp"
#include "weir/runtime/detail/io_steps.hpp"
#include "weir/runtime/detail/resume_state.hpp"
#include "weir/runtime/detail/sink_nodes.hpp"
#include "weir/runtime/detail/source_nodes.hpp"
#include "weir/runtime/detail/stateful_node.hpp"
#include "weir/runtime/detail/stateless_nodes.hpp"
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
struct is_vector : std::false_type {};
template <class T, class A>
struct is_vector<std::vector<T, A>> : std::true_type {};

}  // namespace detail

namespace op {

template <class Src>
requires FixedSource<detail::unshared_t<Src>> || DynSource<detail::unshared_t<Src>>
auto input(std::string_view step_id, Dataflow& flow, Src&& source) {
  auto call = flow.call("op::input", step_id);
  using S0 = detail::unshared_t<Src>;
  using X = typename S0::item_type;
  std::string fq = flow.add_step_id(step_id);
  auto out = flow.new_stream<X>();
  std::shared_ptr<const S0> src = detail::share(std::forward<Src>(source));
  if constexpr (FixedSource<S0>) {
    recovery::require_snapshot<typename S0::state_type>();
    using Base = FixedPartitionedSource<X, typename S0::state_type>;
    detail::add_core_step(
        flow, std::move(fq), detail::StepRole::input, {},
        [base = std::shared_ptr<const Base>(src), out](detail::StepSite& site) {
          auto& node = site.node<detail::SourceNode<X>>(site.fq_id(), site.ctx(), site.output(out));
          detail::build_fixed_source(site.ctx(), node, site.fq_id(), *base);
        },
        detail::state_description("source", typeid(typename S0::state_type)));
  } else {
    detail::add_core_step(
        flow, std::move(fq), detail::StepRole::input, {},
        [base = std::shared_ptr<const DynamicSource<X>>(src), out](detail::StepSite& site) {
          auto& ctx = site.ctx();
          auto& node = site.node<detail::SourceNode<X>>(site.fq_id(), ctx, site.output(out));
          auto part = detail::guarded(ctx, site.fq_id(), std::nullopt, "build", [&] {
            return base->build(site.fq_id(), ctx.index(), ctx.count());
          });
          node.add_partition(std::nullopt, std::move(part));
        });
  }
  return out;
}

template <class T, class Snk>
requires FixedSink<detail::unshared_t<Snk>> || DynSink<detail::unshared_t<Snk>>
void output(std::string_view step_id, const Stream<T>& up, Snk&& sink) {
  auto call = up.flow().call("op::output", step_id);
  using S0 = detail::unshared_t<Snk>;
  Dataflow& flow = up.flow();
  std::string fq = flow.add_step_id(step_id);
  std::shared_ptr<const S0> snk = detail::share(std::forward<Snk>(sink));
  if constexpr (FixedSink<S0>) {
    recovery::require_snapshot<typename S0::state_type>();
    using K = typename S0::key_type;
    using X = typename S0::item_type;
    using St = typename S0::state_type;
    static_assert(std::is_same_v<T, std::pair<K, X>>,
                  "a FixedPartitionedSink<X, S, K> consumes a keyed Stream<std::pair<K, X>>");
    using Base = FixedPartitionedSink<X, St, K>;
    detail::add_core_step(
        flow, std::move(fq), detail::StepRole::output, {up.port()},
        [base = std::shared_ptr<const Base>(snk), up](detail::StepSite& site) {
          auto& ctx = site.ctx();
          auto assignment =
              detail::gather_partitions(ctx, site.fq_id(), [&] { return base->list_parts(); });
          std::vector<std::string> parts;
          std::vector<std::size_t> owners;
          for (const auto& [p, w] : *assignment) {
            parts.push_back(p);
            owners.push_back(w);
          }
          auto& node = site.node<detail::FixedSinkNode<K, X, St>>(
              site.fq_id(), ctx, site.fq_id(), base, std::move(parts), std::move(owners));
          site.read(up, node.input());
        },
        detail::state_description("sink", typeid(St)), "partition");
  } else {
    using X = typename S0::item_type;
    static_assert(std::is_same_v<T, X>, "the sink's item type differs from the stream's");
    detail::add_core_step(
        flow, std::move(fq), detail::StepRole::output, {up.port()},
        [base = std::shared_ptr<const DynamicSink<X>>(snk), up](detail::StepSite& site) {
          auto& ctx = site.ctx();
          auto part = detail::guarded(ctx, site.fq_id(), std::nullopt, "build", [&] {
            return base->build(site.fq_id(), ctx.index(), ctx.count());
          });
          site.read(up, site.node<detail::DynamicSinkNode<X>>(site.fq_id(), ctx, std::move(part)));
        });
  }
}

template <class T, class F>
requires std::invocable<F&, std::vector<T> &&> auto flat_map_batch(std::string_view step_id,
                                                                   const Stream<T>& up, F mapper) {
  auto call = up.flow().call("op::flat_map_batch", step_id);
  using R = std::remove_cvref_t<std::invoke_result_t<F&, std::vector<T>&&>>;
  static_assert(detail::is_vector<R>::value,
                "flat_map_batch: the mapper must return a std::vector of the output items");
  using U = typename R::value_type;
  Dataflow& flow = up.flow();
  std::string fq = flow.add_step_id(step_id);
  auto out = flow.new_stream<U>();
  detail::add_core_step(flow, std::move(fq), detail::StepRole::transform, {up.port()},
                        [mapper = std::move(mapper), up, out](detail::StepSite& site) {
                          site.read(up, site.node<detail::FlatMapBatchNode<T, U, F>>(
                                            site.fq_id(), site.ctx(), site.output(out), mapper));
                        });
  return out;
}

template <class T, class P>
requires std::predicate<P&, const T&> BranchOut<T> branch(std::string_view step_id,
                                                          const Stream<T>& up, P predicate) {
  auto call = up.flow().call("op::branch", step_id);
  static_assert(std::is_same_v<std::invoke_result_t<P&, const T&>, bool>,
                "branch: the predicate must return bool");
  Dataflow& flow = up.flow();
  std::string fq = flow.add_step_id(step_id);
  BranchOut<T> out{flow.new_stream<T>(), flow.new_stream<T>()};
  detail::add_core_step(flow, std::move(fq), detail::StepRole::transform, {up.port()},
                        [predicate = std::move(predicate), up, out](detail::StepSite& site) {
                          site.read(up, site.node<detail::BranchNode<T, P>>(
                                            site.fq_id(), site.ctx(), site.output(out.trues),
                                            site.output(out.falses), predicate));
                        });
  return out;
}

/// Splits a keyed stream of variants: (k, v) goes to the stream of v's alternative as
/// (k, alternative). One pass; an alternative whose stream nobody reads is dropped unbuilt.
template <class K, class... A>
std::tuple<Stream<std::pair<K, A>>...> demux(std::string_view step_id,
                                             const Stream<std::pair<K, std::variant<A...>>>& up) {
  auto call = up.flow().call("op::demux", step_id);
  Dataflow& flow = up.flow();
  std::string fq = flow.add_step_id(step_id);
  std::tuple<Stream<std::pair<K, A>>...> out{flow.new_stream<std::pair<K, A>>()...};
  detail::add_core_step(
      flow, std::move(fq), detail::StepRole::transform, {up.port()},
      [up, out](detail::StepSite& site) {
        std::apply(
            [&](const auto&... outs) {
              site.read(up, site.node<detail::DemuxNode<K, A...>>(
                                site.fq_id(), std::array<bool, sizeof...(A)>{outs.has_readers()...},
                                site.output(outs)...));
            },
            out);
      });
  return out;
}

template <class T, class... Rest>
requires(std::same_as<Stream<T>, Rest>&&...) Stream<T> merge(std::string_view step_id,
                                                             const Stream<T>& first,
                                                             const Rest&... rest) {
  auto call = first.flow().call("op::merge", step_id);
  Dataflow& flow = first.flow();
  std::string fq = flow.add_step_id(step_id);
  (flow.check_owns(rest, fq), ...);
  std::vector<Stream<T>> ins{first, rest...};
  auto out = flow.new_stream<T>();
  detail::add_core_step(flow, std::move(fq), detail::StepRole::transform,
                        {first.port(), rest.port()...}, [ins, out](detail::StepSite& site) {
                          auto& node = site.node<detail::MergeNode<T>>(
                              site.fq_id(), site.output(out), ins.size());
                          for (std::size_t i = 0; i < ins.size(); ++i) {
                            site.read(ins[i], node.input(i));
                          }
                        });
  return out;
}

template <class T>
Stream<T> redistribute(std::string_view step_id, const Stream<T>& up) {
  auto call = up.flow().call("op::redistribute", step_id);
  Dataflow& flow = up.flow();
  std::string fq = flow.add_step_id(step_id);
  auto out = flow.new_stream<T>();
  detail::add_core_step(
      flow, std::move(fq), detail::StepRole::transform, {up.port()},
      [up, out](detail::StepSite& site) {
        auto& node = site.node<detail::ExchangeNode<T, detail::EvenSplit<T>>>(
            site.fq_id(), site.ctx(), site.fq_id(), site.output(out),
            detail::EvenSplit<T>{site.ctx().index()});
        site.read(up, node.input());
      },
      "", "round robin");
  return out;
}

template <class T, class F>
requires std::invocable<F&, const std::string&, const T&, Epoch, std::size_t> Stream<T>
inspect_debug(std::string_view step_id, const Stream<T>& up, F inspector) {
  auto call = up.flow().call("op::inspect_debug", step_id);
  Dataflow& flow = up.flow();
  std::string fq = flow.add_step_id(step_id);
  auto out = flow.new_stream<T>();
  detail::add_core_step(flow, std::move(fq), detail::StepRole::inspect, {up.port()},
                        [inspector = std::move(inspector), up, out](detail::StepSite& site) {
                          site.read(up, site.node<detail::InspectDebugNode<T, F>>(
                                            site.fq_id(), site.ctx(), site.output(out), inspector));
                        });
  return out;
}

template <
    class K, class V, class Builder,
    class Logic = std::remove_cvref_t<std::invoke_result_t<
        Builder&, std::optional<logic_state_t<std::invoke_result_t<Builder&, std::nullopt_t>>>>>>
requires StableKey<K> && std::totally_ordered<K> && StatefulBatchLogic<Logic, K, V>
    Stream<std::pair<K, typename Logic::output_type>> stateful_batch(
        std::string_view step_id, const Stream<std::pair<K, V>>& up, Builder builder) {
  auto call = up.flow().call("op::stateful_batch", step_id);
  recovery::require_snapshot<logic_state_t<Logic>>();
  using W = typename Logic::output_type;
  using OutItem = std::pair<K, W>;
  Dataflow& flow = up.flow();
  std::string fq = flow.add_step_id(step_id);
  auto out = flow.new_stream<OutItem>();
  detail::add_core_step(
      flow, std::move(fq), detail::StepRole::transform, {up.port()},
      [builder = std::move(builder), up, out](detail::StepSite& site) {
        auto& node = site.node<detail::StatefulNode<K, V, Logic, Builder>>(
            site.fq_id(), site.ctx(), site.fq_id(), detail::OneOutput<K, W>(site.output(out)),
            builder);
        site.read(up, node.input());
      },
      detail::state_description("keyed", typeid(std::pair<K, logic_state_t<Logic>>)), "key");
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
  auto call = up.flow().call("op::stateful_split", step_id);
  recovery::require_snapshot<logic_state_t<Logic>>();
  Dataflow& flow = up.flow();
  std::string fq = flow.add_step_id(step_id);
  return [&]<class... A>(std::variant<A...>*) {
    std::tuple<Stream<std::pair<K, A>>...> out{flow.new_stream<std::pair<K, A>>()...};
    detail::add_core_step(
        flow, std::move(fq), detail::StepRole::transform, {up.port()},
        [builder = std::move(builder), up, out](detail::StepSite& site) {
          using Outs = detail::SplitOutputs<K, A...>;
          std::apply(
              [&](const auto&... outs) {
                auto& node = site.node<detail::StatefulNode<K, V, Logic, Builder, Outs>>(
                    site.fq_id(), site.ctx(), site.fq_id(), Outs(site.output(outs)...), builder);
                site.read(up, node.input());
              },
              out);
        },
        detail::state_description("keyed", typeid(std::pair<K, logic_state_t<Logic>>)), "key");
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
