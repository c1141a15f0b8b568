#pragma once
// Leveled logs: one line each on stderr, `weir: LEVEL: message`, at or above the level set
// by `--log-level` / `WEIR_LOG` (default info). The orchestrator (journald, Kubernetes)
// stamps the time.
//
//   weir::log::info("step '{}' partition '{}' ended after {} items", step, part, n);
//
// What weir logs at info: a run's start (flow, workers, processes, recovery directory and the
// epoch it resumes from), each source partition's end, and a one-line summary at the end
// (items per input and output, run time); at warn: retries and a broker that is down
// (librdkafka's own logs come through here); at error: what ends a run. Nothing per item at
// info; debug adds librdkafka's debug lines.
//
// Thread safety: every function may be called from any thread; lines never interleave.
// The format is checked at compile time (fmt); a message is formatted only if its level is on.

#include <fmt/format.h>

#include <atomic>
#include <string_view>
#include <utility>

namespace weir::log {

enum class Level { trace, debug, info, warn, error, off };

/// "trace", "debug", "info", "warn", "error" or "off"; throws std::invalid_argument otherwise.
Level parse_level(std::string_view text);
void set_level(Level level) noexcept;
[[nodiscard]] Level level() noexcept;
[[nodiscard]] bool enabled(Level level) noexcept;
/// Writes `message` as one line at `level` (if on).
void write(Level level, std::string_view message);

template <class... A>
void at(Level level, fmt::format_string<A...> format, A&&... args) {
  if (enabled(level)) {
    write(level, fmt::format(format, std::forward<A>(args)...));
  }
}
template <class... A>
void debug(fmt::format_string<A...> format, A&&... args) {
  at(Level::debug, format, std::forward<A>(args)...);
}
template <class... A>
void info(fmt::format_string<A...> format, A&&... args) {
  at(Level::info, format, std::forward<A>(args)...);
}
template <class... A>
void warn(fmt::format_string<A...> format, A&&... args) {
  at(Level::warn, format, std::forward<A>(args)...);
}
template <class... A>
void error(fmt::format_string<A...> format, A&&... args) {
  at(Level::error, format, std::forward<A>(args)...);
}

}  // namespace weir::log
