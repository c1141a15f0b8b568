#include "weir/runtime/visualize.hpp"

#include <fmt/format.h>

#include <map>
#include <memory>
#include <string_view>
#include <vector>

namespace weir {

namespace {

/// A scope: the steps right inside it and the scopes inside it, in the order first met.
struct Scope {
  std::string fq_id;
  std::vector<std::size_t> steps;  // indexes into flow.steps()
  std::vector<std::unique_ptr<Scope>> inner;

  Scope& child(const std::string& id) {
    for (auto& s : inner) {
      if (s->fq_id == id) {
        return *s;
      }
    }
    inner.push_back(std::make_unique<Scope>());
    inner.back()->fq_id = id;
    return *inner.back();
  }
};

/// The last dot-separated part of a fully qualified id.
std::string_view last_part(std::string_view fq_id) {
  const std::size_t dot = fq_id.rfind('.');
  return dot == std::string_view::npos ? fq_id : fq_id.substr(dot + 1);
}

/// Every step placed in the scope of its fully qualified id's prefixes.
Scope scopes_of(const Dataflow& flow) {
  Scope root;
  root.fq_id = flow.id();
  const auto& steps = flow.steps();
  for (std::size_t i = 0; i < steps.size(); ++i) {
    Scope* at = &root;
    const std::string& fq = steps[i].fq_id;
    // fq is "flow.a.b.step": one scope per part between the flow and the step
    std::size_t dot = fq.find('.', flow.id().size() + 1);
    while (dot != std::string::npos) {
      at = &at->child(fq.substr(0, dot));
      dot = fq.find('.', dot + 1);
    }
    at->steps.push_back(i);
  }
  return root;
}

/// How each kind of step is drawn: its name, the brackets around a Mermaid node's label, and
/// its Graphviz shape.
struct Look {
  const char* name;
  const char* open;
  const char* close;
  const char* shape;
};

const Look& look(detail::StepRole role) {
  static constexpr Look kInput{"input", "[/", "/]", "invhouse"};
  static constexpr Look kOutput{"output", "[\\", "\\]", "house"};
  static constexpr Look kInspect{"inspect", "{{", "}}", "hexagon"};
  static constexpr Look kTransform{"transform", "[", "]", "box"};
  switch (role) {
    case detail::StepRole::input:
      return kInput;
    case detail::StepRole::output:
      return kOutput;
    case detail::StepRole::inspect:
      return kInspect;
    case detail::StepRole::transform:
      break;
  }
  return kTransform;
}

/// For each step, the index of each step it reads from (one per input stream).
std::vector<std::vector<std::size_t>> sources_of(const Dataflow& flow) {
  std::map<std::string, std::size_t> index;
  const auto& steps = flow.steps();
  for (std::size_t i = 0; i < steps.size(); ++i) {
    index.emplace(steps[i].fq_id, i);
  }
  std::vector<std::vector<std::size_t>> from(steps.size());
  for (std::size_t i = 0; i < steps.size(); ++i) {
    for (const detail::PortId p : steps[i].inputs) {
      from[i].push_back(index.at(flow.port_producer(p)));
    }
  }
  return from;
}

void mermaid_scope(const Dataflow& flow, const Scope& scope, int depth, int& scopes,
                   std::string& out) {
  const std::string pad(static_cast<std::size_t>(depth) * 2, ' ');
  for (const std::size_t i : scope.steps) {
    const auto& s = flow.steps()[i];
    const Look& l = look(s.role);
    out += fmt::format("{}s{}{}\"{}<br/><i>{}</i>\"{}\n", pad, i, l.open, last_part(s.fq_id),
                       l.name, l.close);
  }
  for (const auto& inner : scope.inner) {
    out += fmt::format("{}subgraph c{}[\"{}\"]\n", pad, ++scopes, last_part(inner->fq_id));
    mermaid_scope(flow, *inner, depth + 1, scopes, out);
    out += pad + "end\n";
  }
}

std::string mermaid(const Dataflow& flow) {
  std::string out = "flowchart TD\n";
  out += fmt::format("subgraph c0[\"{}\"]\n", flow.id());
  int scopes = 0;
  mermaid_scope(flow, scopes_of(flow), 1, scopes, out);
  out += "end\n";
  const auto from = sources_of(flow);
  for (std::size_t i = 0; i < from.size(); ++i) {
    const std::string& ex = flow.steps()[i].exchange;
    for (const std::size_t f : from[i]) {
      out += ex.empty() ? fmt::format("s{} --> s{}\n", f, i)
                        : fmt::format("s{} == \"{}\" ==> s{}\n", f, ex, i);
    }
  }
  return out;
}

void dot_scope(const Dataflow& flow, const Scope& scope, int depth, std::string& out) {
  const std::string pad(static_cast<std::size_t>(depth) * 2, ' ');
  out += fmt::format("{}subgraph \"cluster_{}\" {{\n", pad, scope.fq_id);
  out += fmt::format("{}  label=\"{}\";\n", pad, last_part(scope.fq_id));
  for (const std::size_t i : scope.steps) {
    const auto& s = flow.steps()[i];
    const Look& l = look(s.role);
    out += fmt::format("{}  s{} [label=\"{}\\n({})\", shape={}];\n", pad, i, last_part(s.fq_id),
                       l.name, l.shape);
  }
  for (const auto& inner : scope.inner) {
    dot_scope(flow, *inner, depth + 1, out);
  }
  out += pad + "}\n";
}

std::string dot(const Dataflow& flow) {
  std::string out = fmt::format("digraph \"{}\" {{\n", flow.id());
  out += "  graph [fontname=\"Helvetica\"];\n  node [fontname=\"Helvetica\"];\n";
  out += "  edge [fontname=\"Helvetica\"];\n";
  dot_scope(flow, scopes_of(flow), 1, out);
  const auto from = sources_of(flow);
  for (std::size_t i = 0; i < from.size(); ++i) {
    const std::string& ex = flow.steps()[i].exchange;
    for (const std::size_t f : from[i]) {
      out += ex.empty() ? fmt::format("  s{} -> s{};\n", f, i)
                        : fmt::format("  s{} -> s{} [label=\"{}\", style=bold];\n", f, i, ex);
    }
  }
  out += "}\n";
  return out;
}

}  // namespace

std::string visualize(const Dataflow& flow, GraphFormat format) {
  return format == GraphFormat::dot ? dot(flow) : mermaid(flow);
}

}  // namespace weir
