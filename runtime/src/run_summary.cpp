#include "run_summary.hpp"

#include <fmt/format.h>

#include "weir/runtime/detail/step_meters.hpp"

namespace weir::detail {

RunSummary::RunSummary(const Dataflow& flow, std::size_t first_worker, std::size_t workers) {
  for (const StepDef& d : flow.steps()) {
    if (d.role != StepRole::input && d.role != StepRole::output) {
      continue;
    }
    Step s{d.fq_id, d.role == StepRole::input, {}, 0};
    for (std::size_t w = first_worker; w < first_worker + workers; ++w) {
      const StepMeters m = step_meters(d.fq_id, w);
      s.counters.push_back(s.input ? m.items_out : m.items_in);
    }
    s.at_start = total(s);
    steps_.push_back(std::move(s));
  }
}

std::uint64_t RunSummary::total(const Step& s) {
  std::uint64_t n = 0;
  for (const metrics::Counter* c : s.counters) {
    n += c->value();
  }
  return n;
}

std::string RunSummary::text() const {
  std::string out;
  for (const bool input : {true, false}) {
    for (const Step& s : steps_) {
      if (s.input == input) {
        out += fmt::format("{}{} {} items ('{}')", out.empty() ? "" : ", ",
                           input ? "read" : "wrote", total(s) - s.at_start, s.fq_id);
      }
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  return fmt::format("{} in {:.3f} s", out, seconds);
}

}  // namespace weir::detail
