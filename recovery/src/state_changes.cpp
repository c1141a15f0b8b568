#include "weir/recovery/state_changes.hpp"

#include "entries.hpp"

namespace weir::recovery {

void StateChanges::for_each(
    const std::function<void(std::string_view, const std::string_view*)>& f) const {
  for_each_bucket([&](std::uint32_t, std::string_view bytes) { entries::for_each(bytes, f); });
}

}  // namespace weir::recovery
