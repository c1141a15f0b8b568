#pragma once
// The recovery store: a directory of N SQLite databases (partitions) in WAL mode, made once
// by `weir-recovery init DIR N` (or init_store) and then used by every run of a dataflow.
//
// A partition is the file `part-<i>.sqlite3` and, beside it, its write-ahead log
// `part-<i>.sqlite3-wal`, which holds the latest commits (a run leaves it in place rather than
// copying it into the database file as it closes): to back a store up, copy both while no run
// uses it. Each partition records its index, the partition count, the id of
// the init that made it and the snapshot format; together they hold:
//   executions  one row per run (execution number, worker count, first epoch)
//   frontiers   per execution and worker: the epoch below which the worker's snapshots are
//               written, in every partition (a worker's frontier is the lowest of them)
//   snapshots   segments: per step, bucket (a hash of the key) and epoch, the encoded
//               states of the keys that changed, or their discards; bucket b lives in
//               partition b % N
//   commits     per partition: the epoch up to which superseded snapshots were collected
//
// Opening (RecoveryStore::open) checks the store and computes where the next run resumes:
// the latest execution's lowest worker frontier (a run that ended cleanly resumes after its
// last epoch). Each error is a RecoveryError naming the directory and the partition; none
// of them starts from scratch silently: a missing directory, a directory without
// partitions, missing partitions, partitions from different inits or counts, a file that is
// not a partition, and a partition that committed past the resume epoch (files restored
// from different points in time).
//
// Writing: a RecoveryStore is the run's SnapshotWriter. One writer thread takes what the
// workers hand over; each round, every partition commits its share of the snapshots and all
// workers' frontiers in one transaction, so no partition's frontiers ever cover a snapshot
// it lacks. Commits survive a process crash at any instant; they are not synced one by one
// (WAL, synchronous=NORMAL), so a power loss may undo a partition's last commits, and the
// store then resumes from an earlier, still consistent epoch. Each bucket of a StateChanges
// (packed by the step) is one row as it stands; a round with many changes writes its
// partitions on two threads; logs are copied into the database
// files after commits, off the workers' path. When the lowest frontier advances,
// the epochs below it are committed; a snapshot superseded by a newer one is deleted once that
// newer one has been committed for the backup interval and its bucket has compact_after committed
// rows (they are compacted into one); a run that ends leaves this to the next run.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "weir/recovery/snapshot.hpp"

namespace weir::recovery {

class RecoveryError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Creates partitions 0..count-1 in `dir` (which must exist and hold no partition yet).
void init_store(const std::filesystem::path& dir, std::size_t count);

/// What one execution of the store recorded (for tools and tests).
struct ExecutionInfo {
  std::uint64_t number;
  std::size_t workers;
  Epoch resume_epoch;
  std::vector<std::optional<Epoch>> frontiers;  // per worker; none: never reported
};

class RecoveryStore final : public SnapshotWriter {
 public:
  struct Options {
    /// How long a superseded snapshot is kept after its successor is committed.
    std::chrono::nanoseconds backup_interval{0};
    /// A bucket's committed rows are compacted into one once there are this many (at least
    /// 2): fewer rewrites the state more often, more keeps more superseded snapshots.
    std::size_t compact_after = 4;
  };

  /// Opens and checks every partition of `dir`; throws RecoveryError.
  static std::shared_ptr<RecoveryStore> open(const std::filesystem::path& dir, Options options);
  static std::shared_ptr<RecoveryStore> open(const std::filesystem::path& dir) {
    return open(dir, Options{});
  }

  RecoveryStore(const RecoveryStore&) = delete;
  RecoveryStore& operator=(const RecoveryStore&) = delete;
  ~RecoveryStore() override;

  [[nodiscard]] std::size_t partition_count() const;
  /// The execution the next run will be, and the epoch it resumes at.
  [[nodiscard]] std::uint64_t next_execution() const;
  [[nodiscard]] Epoch resume_epoch() const;
  /// Every execution recorded, oldest first.
  [[nodiscard]] std::vector<ExecutionInfo> executions() const;

  /// Reads each key's newest state before the resume epoch.
  [[nodiscard]] ResumeState load() const;

  /// Begins the next execution with `workers` workers: records it, forgets snapshots of
  /// epochs the previous run never completed, and starts the writer thread.
  void begin(std::size_t workers);
  /// Writes everything handed over so far and stops the writer; throws RecoveryError if a
  /// write failed. Called by the run as it ends; the destructor calls it too.
  void finish();

  void write(std::size_t worker, StateChanges&& changes) override;
  void progress(std::size_t worker, Epoch frontier, bool ended) override;
  [[nodiscard]] Epoch committed() const override;
  void on_commit(std::function<void()> wake) override;
  /// A failed write (the writer stops): the run's error. Empty while all is well.
  [[nodiscard]] std::string failure() const;

  /// Snapshots held, one per key and epoch kept (for tests of garbage collection).
  [[nodiscard]] std::size_t stored_snapshots() const;

 private:
  struct Impl;
  explicit RecoveryStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace weir::recovery
