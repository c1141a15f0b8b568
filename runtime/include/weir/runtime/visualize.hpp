#pragma once
// A picture of a dataflow, as `--graph mermaid|dot` prints it (Bytewax's visualize): every
// step in the scopes that hold it (the dataflow, then each composite operator), what kind of
// step it is (input, output, inspect or transform), every stream from the step that makes it
// to each step that reads it, and, on a stream that crosses workers, what routes it ("key",
// "partition", "round robin").
//
// The text is the same for the same dataflow in every run: steps in the order they were
// added, node names s0, s1, ... in that order. Mermaid: a `flowchart TD`; Graphviz: a
// `digraph` with one `cluster_` subgraph per scope (`dot -Tsvg` draws it).

#include <string>

#include "weir/runtime/dataflow.hpp"

namespace weir {

enum class GraphFormat { mermaid, dot };

/// The picture of `flow` in `format`.
[[nodiscard]] std::string visualize(const Dataflow& flow, GraphFormat format);

}  // namespace weir
