#pragma once
// The errors weir raises on purpose, in one hierarchy.
//
// weir::Error is the root: a caller that wants "anything weir refused or reported" catches it.
// Below it: BuildError (the dataflow cannot be built), StepError (user code failed while the
// dataflow ran: it names the step, the worker and the partition where there is one),
// Interrupted (Ctrl-C), ClusterError (a cluster's processes cannot form or lost one),
// AbortExecution (a step asked to stop the run at once), and the
// recovery store's refusals (weir::recovery::RecoveryError and its kinds, in
// weir/recovery/errors.hpp). EndOfInput is not an error but a signal from a user's getter,
// so it stands apart.

#include <cstddef>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>

namespace weir {

/// Every error weir raises on purpose.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A dataflow that cannot be built: a malformed or duplicate step id, no input, no output.
class BuildError : public Error {
 public:
  using Error::Error;
};

/// User code (a source, sink, or operator callback) failed while the dataflow ran. The
/// message reads "step 'ID' failed in CALL (partition 'P', worker W, key K): WHAT", where
/// CALL is the operator call the user wrote (`op::map("parse")`), or the method of the
/// user's source, sink or logic and the call it was handed to (`next_batch of
/// op::input("in")`); partition and key only where there is one.
class StepError : public Error {
 public:
  StepError(std::string step_id, std::size_t worker, std::optional<std::string> partition,
            const std::string& call, const std::string& what,
            std::optional<std::string> key = std::nullopt);
  [[nodiscard]] const std::string& step_id() const noexcept { return step_id_; }
  [[nodiscard]] std::size_t worker() const noexcept { return worker_; }
  [[nodiscard]] const std::optional<std::string>& partition() const noexcept { return partition_; }
  /// The key being processed, as the message shows it.
  [[nodiscard]] const std::optional<std::string>& key() const noexcept { return key_; }

 private:
  std::string step_id_;
  std::size_t worker_;
  std::optional<std::string> partition_;
  std::optional<std::string> key_;
};

/// The run was stopped by an interrupt (Ctrl-C).
class Interrupted : public Error {
 public:
  Interrupted() : Error("interrupt signal received, all workers have been shut down") {}
};

/// A cluster that cannot form or goes on no longer: a process that never answered, a peer that
/// runs another dataflow, a connection lost. The message names the process id and address.
class ClusterError : public Error {
 public:
  using Error::Error;
};

/// Thrown from next_batch (or anything it calls) to stop the whole run at once, without
/// completing the current epoch. Meant for tests that simulate a crash.
class AbortExecution : public Error {
 public:
  AbortExecution() : Error("execution aborted") {}
  explicit AbortExecution(const std::string& why) : Error(why) {}
};

/// Thrown by a getter handed to batch_getter / batch_getter_ex (or by
/// SimplePollingSource::next_item) to say that its input has ended. A signal, not an error.
class EndOfInput : public std::exception {
 public:
  [[nodiscard]] const char* what() const noexcept override { return "end of input"; }
};

}  // namespace weir
