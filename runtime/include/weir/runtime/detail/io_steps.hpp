#pragma once
// What the input and output core operators share: sources and sinks held in shared, const
// ownership by every worker of the process (share, unshared_t), fixed partitions listed on
// every worker and assigned once (gather_partitions), and a fixed source's partitions built
// on the worker that owns each, resumed from its snapshot (build_fixed_source).

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "weir/core/errors.hpp"
#include "weir/inputs/source.hpp"
#include "weir/recovery/codec.hpp"
#include "weir/runtime/detail/guard.hpp"
#include "weir/runtime/detail/resume_state.hpp"
#include "weir/runtime/detail/run_shared.hpp"
#include "weir/runtime/detail/source_nodes.hpp"

namespace weir {
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

/// Calls list_parts on every worker and assigns the union (assign_partitions); no partition
/// anywhere is an error naming the step.
template <class ListParts>
std::shared_ptr<const RunShared::Assignment> gather_partitions(WorkerContext& ctx,
                                                               const std::string& fq,
                                                               ListParts list_parts) {
  auto mine = guarded(ctx, fq, std::nullopt, "list_parts", list_parts);
  auto assignment = ctx.shared().assign_all(ctx.local_index(), std::move(mine));
  if (assignment->empty()) {
    throw step_error(ctx, fq, std::nullopt, "list_parts", "no partitions found on any worker");
  }
  return assignment;
}

template <class X, class S>
void build_fixed_source(WorkerContext& ctx, SourceNode<X>& node, const std::string& fq,
                        const FixedPartitionedSource<X, S>& src) {
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
}  // namespace weir
