#include "weir/connectors/stdio/stdout_sink.hpp"

#include <mutex>

namespace weir::stdio {

void write_stdout(const std::string& text) {
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

}  // namespace weir::stdio
