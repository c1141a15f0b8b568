#include "weir/runtime/detail/step_meters.hpp"

#include <string>

namespace weir::detail {

StepMeters step_meters(std::string_view fq_id, std::size_t worker) {
  const metrics::Labels labels{{"step", std::string(fq_id)}, {"worker", std::to_string(worker)}};
  auto& r = metrics::registry();
  return {&r.counter("weir_step_items_in_total", "Items a step received on a worker", labels),
          &r.counter("weir_step_items_out_total", "Items a step emitted on a worker", labels),
          &r.seconds_counter("weir_step_busy_seconds_total",
                             "Seconds a step's own code ran on a worker (counted while metrics "
                             "are served)",
                             labels)};
}

}  // namespace weir::detail
