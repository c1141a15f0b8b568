#pragma once
// The recovery store: a directory of N SQLite databases (partitions), made once by
// `weir-recovery init DIR N` (or init_store / ensure_store) and then used by every run of a
// dataflow.
//
// Files. A partition is the file `part-<i>.sqlite3`. While a run writes it, it is in WAL mode
// and its latest commits sit in `part-<i>.sqlite3-wal` beside it. A run that ends (cleanly or
// with an error, but not killed) folds the log back in and removes it, so a closed partition
// is one self-contained file; a log found beside a partition that was closed that way is not
// its own and is refused (InconsistentPartitions), never replayed. To copy a store, in use or
// not, use `weir-recovery backup DIR DEST` (backup_store): it copies every partition at one
// consistent point. Partitions are made under temporary names and renamed into place once all
// are complete, so a kill during init leaves no half-made partition: init_store and
// ensure_store finish such an init by redoing it.
//
// Each partition records its index, the partition count, the id of the init that made it and
// the snapshot format; together they hold:
//   executions  one row per run (execution number, worker count, first epoch, and the
//               dataflow that ran: its flow id and stateful steps)
//   frontiers   per execution and worker: the epoch below which the worker's snapshots are
//               written, in every partition (a worker's frontier is the lowest of them)
//   snapshots   segments: per step, bucket (a hash of the key) and epoch, the encoded
//               states of the keys that changed, or their discards; bucket b lives in
//               partition b % N
//   commits     per partition: the epoch up to which superseded snapshots were collected
//
// Opening (RecoveryStore::open) checks the store and computes where the next run resumes:
// the latest execution's lowest worker frontier (a run that ended cleanly resumes after its
// last epoch). Each refusal is one of the types of errors.hpp, naming the directory and the
// partition; none of them starts from scratch silently: a missing directory or one without
// partitions (NoPartitions), missing partitions (MissingPartitions), partitions from
// different inits, counts or points in time, or a log that is not its partition's
// (InconsistentPartitions), a store another dataflow wrote (ForeignStore, unless the
// options adopt it), a file that is not a partition (CorruptStore).
//
// Writing: a RecoveryStore is the run's SnapshotWriter. One writer thread takes what the
// workers hand over; each round, every partition commits its share of the snapshots and all
// workers' frontiers in one transaction, so no partition's frontiers ever cover a snapshot
// it lacks. Commits survive a process crash at any instant; they are not synced one by one
// (WAL, synchronous=NORMAL), so a power loss may undo a partition's last commits, and the
// store then resumes from an earlier, still consistent epoch. Each bucket of a StateChanges
// (packed by the step) is one row as it stands; a round with many changes writes its
// partitions on two threads. When the lowest frontier advances, the epochs below it are
// committed; a snapshot superseded by a newer one is deleted once that newer one has been
// committed for the backup interval and its bucket has compact_after committed rows (they
// are compacted into one); a run that ends leaves this to the next run.
//
// Disk use. A partition's log is folded into its database file, off the workers' path, after
// the first round that leaves it holding log_cap bytes or more, and is cut back to log_cap
// when it starts over; the database file reuses the pages that compaction frees. So with a
// backup interval of 0 a partition takes at most partition_bound(log_cap, live, largest
// round) bytes: the live state (each key's newest state) held up to compact_after + 2 times
// (rows not yet compacted, plus B-tree pages half full), the log, and a fixed part for the
// tables. An idle dataflow's store does not grow. A longer backup interval keeps every
// snapshot of that interval besides.

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

#include "weir/recovery/errors.hpp"
#include "weir/recovery/snapshot.hpp"

namespace weir::recovery {

/// Creates partitions 0..count-1 in `dir`, which must exist and hold no partition yet, or
/// only what an interrupted init left (which is redone). Throws RecoveryError.
void init_store(const std::filesystem::path& dir, std::size_t count);

/// Makes `dir` (and its parents) and a store of `count` partitions in it unless it already
/// holds a complete store (of any count, which is then used as it is); an interrupted init is
/// redone. Returns whether it made the store. For programs that create their store on first run.
bool ensure_store(const std::filesystem::path& dir, std::size_t count);

/// Copies every partition of the store in `dir` into `dest` (an existing directory without
/// partitions) at one consistent point, while runs may go on writing `dir`, through SQLite's
/// online backup; each copy is a self-contained file. Returns the epoch a run resumes at from
/// the copy. Restoring is copying the files back into an empty directory (or running from
/// `dest`). Throws RecoveryError.
Epoch backup_store(const std::filesystem::path& dir, const std::filesystem::path& dest);

/// The dataflow a run belongs to, as the store records it: its flow id and, one line each,
/// its stateful steps (fully qualified id and the kind and type of the state kept).
struct DataflowIdentity {
  std::string flow_id;
  std::vector<std::string> stateful_steps;
  /// A short hex digest of both, shown in messages.
  [[nodiscard]] std::string fingerprint() const;
  bool operator==(const DataflowIdentity&) const = default;
};

/// What one execution of the store recorded (for tools and tests).
struct ExecutionInfo {
  std::uint64_t number;
  std::size_t workers;
  Epoch resume_epoch;
  std::vector<std::optional<Epoch>> frontiers;  // per worker; none: never reported
  DataflowIdentity dataflow;
};

class RecoveryStore final : public SnapshotWriter {
 public:
  struct Options {
    /// How long a superseded snapshot is kept after its successor is committed.
    std::chrono::nanoseconds backup_interval{0};
    /// A bucket's committed rows are compacted into one once there are this many (at least
    /// 2): fewer rewrites the state more often, more keeps more superseded snapshots.
    std::size_t compact_after = 4;
    /// A partition's write-ahead log is folded into its database once it holds this many
    /// bytes, and cut back to this size when it starts over.
    std::size_t log_cap = std::size_t{16} << 20U;
    /// The dataflow about to run: open refuses a store whose latest execution was another
    /// one (ForeignStore), and begin records it. None: no check (tools, tests).
    std::optional<DataflowIdentity> dataflow = std::nullopt;
    /// Resume from a store another dataflow wrote, as it is (its state is read by step id).
    bool adopt = false;
  };

  /// The most bytes one partition takes on disk with a backup interval of 0, given its log
  /// cap, its live state (each key's newest state, encoded) and its largest round of writes.
  [[nodiscard]] static std::uintmax_t partition_bound(std::size_t log_cap, std::uintmax_t live,
                                                      std::uintmax_t largest_round,
                                                      std::size_t compact_after = 4);

  /// Opens and checks every partition of `dir`; throws one of the errors of errors.hpp.
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
  /// Writes everything handed over so far, stops the writer and folds each partition's log
  /// into it (removing the log); throws RecoveryError if a write failed. Called by the run as
  /// it ends; the destructor calls it too.
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
