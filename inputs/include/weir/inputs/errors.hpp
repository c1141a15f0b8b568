#pragma once
// Exceptions that a source (or a user getter inside one) throws on purpose.

#include <stdexcept>
#include <string>

namespace weir {

/// Thrown from next_batch (or anything it calls) to stop the whole run at once, without
/// completing the current epoch. Meant for tests that simulate a crash.
class AbortExecution : public std::runtime_error {
 public:
  AbortExecution() : std::runtime_error("execution aborted") {}
  explicit AbortExecution(const std::string& why) : std::runtime_error(why) {}
};

/// Thrown by a getter handed to batch_getter / batch_getter_ex (or by
/// SimplePollingSource::next_item) to say that its input has ended.
class EndOfInput : public std::exception {
 public:
  [[nodiscard]] const char* what() const noexcept override { return "end of input"; }
};

}  // namespace weir
