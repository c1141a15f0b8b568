#pragma once
// What a recovery store refuses, one type per cause, so a caller (a run, an operator's script,
// a tool) can tell them apart without reading message text. Every message names the recovery
// directory and, where one is at fault, the partition file.

#include "weir/core/errors.hpp"

namespace weir::recovery {

/// Any refusal or failure of the recovery store.
class RecoveryError : public weir::Error {
 public:
  using weir::Error::Error;
};

/// The directory does not exist, or holds no partitions.
class NoPartitions : public RecoveryError {
 public:
  using RecoveryError::RecoveryError;
};

/// Some partitions of the store are missing (deleted, or an interrupted init).
class MissingPartitions : public RecoveryError {
 public:
  using RecoveryError::RecoveryError;
};

/// Partitions that do not belong together: different inits or counts, different points in
/// time, or a write-ahead log that is not its partition's.
class InconsistentPartitions : public RecoveryError {
 public:
  using RecoveryError::RecoveryError;
};

/// The store holds the state of another dataflow (another flow id or other stateful steps).
class ForeignStore : public RecoveryError {
 public:
  using RecoveryError::RecoveryError;
};

/// A file that is not a partition, or a partition whose content cannot be read or decoded.
class CorruptStore : public RecoveryError {
 public:
  using RecoveryError::RecoveryError;
};

}  // namespace weir::recovery
