// The log on spdlog: one stderr sink with its own lock (lines never interleave), the level
// kept by weir too so that a message below it is not even formatted.
#include "weir/core/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <stdexcept>
#include <string>

namespace weir::log {

namespace {

std::atomic<Level> g_level{Level::info};

spdlog::logger& logger() {
  static const std::shared_ptr<spdlog::logger> l = [] {
    auto made =
        std::make_shared<spdlog::logger>("weir", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    made->set_pattern("weir: %v");
    made->set_level(spdlog::level::trace);  // weir filters first
    made->flush_on(spdlog::level::trace);   // a line is out before what follows it
    return made;
  }();
  return *l;
}

constexpr const char* kNames[] = {"trace", "debug", "info", "warn", "error", "off"};

}  // namespace

Level parse_level(std::string_view text) {
  for (int i = 0; i <= static_cast<int>(Level::off); ++i) {
    if (text == kNames[i]) {
      return static_cast<Level>(i);
    }
  }
  throw std::invalid_argument(
      fmt::format("expects trace, debug, info, warn, error or off, got '{}'", text));
}

void set_level(Level level) noexcept { g_level.store(level, std::memory_order_relaxed); }

Level level() noexcept { return g_level.load(std::memory_order_relaxed); }

bool enabled(Level l) noexcept { return l != Level::off && l >= level(); }

void write(Level l, std::string_view message) {
  if (!enabled(l)) {
    return;
  }
  static constexpr spdlog::level::level_enum kSpd[] = {spdlog::level::trace, spdlog::level::debug,
                                                       spdlog::level::info,  spdlog::level::warn,
                                                       spdlog::level::err,   spdlog::level::off};
  logger().log(kSpd[static_cast<int>(l)], "{}: {}", kNames[static_cast<int>(l)], message);
}

}  // namespace weir::log
