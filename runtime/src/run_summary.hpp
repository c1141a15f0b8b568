#pragma once
// What a run logs about itself at info: one line when it starts and one when it ends, with
// the items each input read and each output wrote in this process during the run (from the
// step counters, weir/runtime/detail/step_meters.hpp) and how long it took.

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "weir/runtime/dataflow.hpp"

namespace weir::detail {

class RunSummary {
 public:
  /// Notes where the input and output steps' counters stand for workers [first, first + n).
  RunSummary(const Dataflow& flow, std::size_t first_worker, std::size_t workers);
  /// "read N items ('flow.in'), wrote M items ('flow.out') in S s".
  [[nodiscard]] std::string text() const;

 private:
  struct Step {
    std::string fq_id;
    bool input;
    std::vector<const metrics::Counter*> counters;  // one per local worker
    std::uint64_t at_start = 0;
  };
  [[nodiscard]] static std::uint64_t total(const Step& s);
  std::vector<Step> steps_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace weir::detail
