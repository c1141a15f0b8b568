#include "weir/runtime/dataflow.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/core/demangle.hpp>
#include <cctype>
#include <cstdint>

#include "weir/core/stable_hash.hpp"

namespace weir {

std::string detail::state_description(std::string_view kind, const std::type_info& type) {
  return fmt::format("{} {}", kind, boost::core::demangle(type.name()));
}

namespace {
void check_id(std::string_view what, std::string_view id) {
  bool bad = id.empty() || std::any_of(id.begin(), id.end(), [](char c) {
               return c == '.' || std::isspace(static_cast<unsigned char>(c)) != 0 ||
                      std::iscntrl(static_cast<unsigned char>(c)) != 0;
             });
  if (bad) {
    throw BuildError(fmt::format(
        "{} '{}' is malformed: it must be non-empty and contain no '.' or whitespace", what, id));
  }
}
}  // namespace

Dataflow::Dataflow(std::string flow_id) : id_(std::move(flow_id)) { check_id("flow id", id_); }

Dataflow::~Dataflow() = default;

std::string Dataflow::add_step_id(std::string_view step_id) {
  check_id("step id", step_id);
  std::string fq = fmt::format("{}.{}", prefixes_.empty() ? id_ : prefixes_.back(), step_id);
  if (std::find(ids_.begin(), ids_.end(), fq) != ids_.end()) {
    throw BuildError(
        fmt::format("step '{}' already exists; do you have two steps with the same id?", fq));
  }
  ids_.push_back(fq);
  return fq;
}

Dataflow::Scope Dataflow::scope(std::string_view step_id) {
  prefixes_.push_back(add_step_id(step_id));
  return Scope(*this);
}

Dataflow::Call Dataflow::call(std::string_view name, std::string_view step_id) {
  if (call_depth_++ == 0) {
    call_ = fmt::format("{}(\"{}\")", name, step_id);
  }
  return Call(*this);
}

void Dataflow::add_step(detail::StepDef def) {
  def.call = call_;
  def.direct = call_depth_ == 1;
  steps_.push_back(std::move(def));
}

void Dataflow::validate() const {
  auto has = [&](auto pred) { return std::any_of(steps_.begin(), steps_.end(), pred); };
  if (!has([](const detail::StepDef& s) { return s.role == detail::StepRole::input; })) {
    throw BuildError(fmt::format("dataflow '{}' needs at least one input step", id_));
  }
  if (!has([](const detail::StepDef& s) {
        return s.role == detail::StepRole::output || s.role == detail::StepRole::inspect;
      })) {
    throw BuildError(fmt::format("dataflow '{}' needs at least one output or inspect step", id_));
  }
}

bool Dataflow::has_readers(detail::PortId port) const {
  return std::any_of(steps_.begin(), steps_.end(), [&](const detail::StepDef& s) {
    return std::find(s.inputs.begin(), s.inputs.end(), port) != s.inputs.end();
  });
}

std::string Dataflow::fingerprint() const {
  hash::FieldDigest d;
  d.add(id_);
  for (const detail::StepDef& s : steps_) {
    d.add(s.fq_id);
    d.add(std::to_string(static_cast<int>(s.role)));
    std::string inputs;
    for (const detail::PortId p : s.inputs) {
      inputs += std::to_string(p) + ",";
    }
    d.add(inputs);
  }
  for (const std::type_info* t : port_types_) {
    d.add(boost::core::demangle(t->name()));
  }
  return d.hex();
}

void Dataflow::throw_foreign_stream(std::string_view fq_id) const {
  throw BuildError(fmt::format("step '{}' was given a stream of another dataflow", fq_id));
}

}  // namespace weir
