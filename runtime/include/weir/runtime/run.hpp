#pragma once
// Running a dataflow in this process.
//
// run() builds the flow on `workers` threads and blocks until every source on every worker
// has ended and everything has reached the outputs (RunOutcome::completed), until a source
// threw AbortExecution (RunOutcome::aborted), or until something failed: then it throws the
// first error (a StepError naming step, worker and partition; weir::Interrupted after
// interrupt()). Partitions built are closed in every case.
//
// Idle workers sleep until the earliest next_awake, epoch deadline or timer, or until
// another worker sends them data; they never spin.
//
// Recovery (a recovery directory set): the run resumes from the store's last committed
// epoch: sources rebuild their partitions from their snapshots, stateful steps and fixed
// sinks get the states of the keys and partitions this worker owns now. Every epoch's state
// changes go to the store, which writes epoch e - 1 while the sources run epoch e: a source
// takes no snapshot in epoch e (it does not close e) until every epoch before e is
// committed, and with an epoch interval of zero does not start e until then. Once committed,
// sources and sinks hear of it (on_epoch_committed); a run that ends waits for its last epoch to be
// committed before closing its sinks. The store records which dataflow ran (its flow id and
// stateful steps, with their state types) and refuses another one unless adopt_store is set.
//
// A cluster (more than one address): this process is process_id of addresses.size(), each
// running `workers` threads; run() first connects to every other process (mesh.hpp: retrying
// until connect_timeout, then a ClusterError naming the address that never answered; a
// handshake refusing another dataflow, weir version, P or W). Keys, partitions and routing
// then span every worker of every process, epochs close across all of them, and a failure,
// an abort or an interrupt in one process stops all: a process that is lost or fails makes
// the others throw ClusterError naming it.

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "weir/core/clock.hpp"
#include "weir/recovery/snapshot.hpp"
#include "weir/runtime/dataflow.hpp"

namespace weir {

/// The most worker threads one process runs. Far above the cores a process gets: the limit
/// keeps a mistyped count from starting thousands of threads, and the exchange's frontiers,
/// which every worker sends every other once per epoch, grow with its square.
inline constexpr std::size_t kMaxWorkers = 1024;

struct RunConfig {
  /// Worker threads in this process: 1 to kMaxWorkers.
  std::size_t workers = 1;
  /// How often each input closes an epoch; zero closes one after every batch.
  Duration epoch_interval = std::chrono::seconds(10);
  /// The recovery store (made by `weir-recovery init`); empty: recovery is off.
  std::filesystem::path recovery_directory{};
  /// How long the store keeps a snapshot after a newer one of the same key is committed.
  Duration backup_interval{0};
  /// Resume from a store that another dataflow (another flow id or other stateful steps)
  /// wrote last, reading its state by step id as it is; otherwise such a store is refused
  /// (recovery::ForeignStore).
  bool adopt_store = false;
  /// Without a recovery directory: where steps write their state changes as epochs close
  /// (tests); none: state is not snapshotted, and no step pays for tracking what changed.
  std::shared_ptr<recovery::SnapshotWriter> snapshots{};
  /// The cluster's processes, one "host:port" each (where each listens), in process-id order
  /// and the same in every process; empty or one: this process runs alone.
  std::vector<std::string> addresses{};
  /// This process's place in `addresses`.
  std::size_t process_id = 0;
  /// How long to keep trying to reach the other processes at start.
  Duration connect_timeout = std::chrono::seconds(30);
};

enum class RunOutcome { completed, aborted };

RunOutcome run(const Dataflow& flow, const RunConfig& config = {});

/// Asks every run in this process to stop (async-signal-safe). run() then throws
/// weir::Interrupted once every worker has stopped, within a second.
void interrupt() noexcept;

}  // namespace weir
