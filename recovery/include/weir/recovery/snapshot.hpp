#pragma once
// What the runtime hands the recovery store while it runs, and what it reads back from it.
//
// State changes: when one of a step's epochs closes, for every key whose state was touched in
// that epoch (a value arrived, a timer fired, the input ended), the key's state encoded with
// the snapshot codec, or the fact that it was discarded (StateChanges, one per step and
// epoch). Keys not touched in the epoch are not written again. Source partitions and fixed
// sink partitions write theirs the same way, keyed by their partition name.
//
// Progress: each worker reports the epoch below which it has handed over every change
// (progress); an epoch is committed once every worker's report has passed it and everything
// reported is durable (committed()).

#include <cstddef>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "weir/core/epoch.hpp"
#include "weir/recovery/state_changes.hpp"

namespace weir::recovery {

/// Receives every worker's state changes and progress. Called from each worker's own thread,
/// so concurrently: an implementation synchronises what it shares.
class SnapshotWriter {
 public:
  SnapshotWriter() = default;
  SnapshotWriter(const SnapshotWriter&) = delete;
  SnapshotWriter& operator=(const SnapshotWriter&) = delete;
  virtual ~SnapshotWriter() = default;

  virtual void write(std::size_t worker, StateChanges&& changes) = 0;

  /// Every change `worker` makes for an epoch below `frontier` has been written. `ended`:
  /// the worker has finished, `frontier` being one past the last epoch it used.
  virtual void progress(std::size_t /*worker*/, Epoch /*frontier*/, bool /*ended*/) {}

  /// Every epoch below this is committed (durable for every worker). A writer that keeps
  /// nothing durable never holds the run back.
  [[nodiscard]] virtual Epoch committed() const { return std::numeric_limits<Epoch>::max(); }

  /// `wake` runs (on any thread) whenever committed() advances. A run hands its wake-up when
  /// it starts and an empty function when it ends; the one it replaced is not called again.
  // NOLINTNEXTLINE(performance-unnecessary-value-param): an override keeps it
  virtual void on_commit(std::function<void()> /*wake*/) {}
};

/// Where a run starts and what it starts from.
struct ResumeState {
  /// The first epoch of this run; everything before it is restored from the store.
  Epoch epoch = 1;
  /// Per fully qualified step id: each key's newest state before `epoch` (keys discarded
  /// then are absent), as (encoded key, encoded state), each key once, in no given order.
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> states;

  /// The states of `step_id` (empty if it has none).
  [[nodiscard]] const std::vector<std::pair<std::string, std::string>>& of(
      const std::string& step_id) const {
    static const std::vector<std::pair<std::string, std::string>> kNone;
    auto it = states.find(step_id);
    return it == states.end() ? kNone : it->second;
  }
};

}  // namespace weir::recovery
