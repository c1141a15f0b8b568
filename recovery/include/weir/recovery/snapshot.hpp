#pragma once
// What a stateful step hands the recovery store when one of its epochs closes: for every key
// whose state was touched in that epoch (a value arrived, a timer fired, the input ended),
// the key's state encoded with the snapshot codec, or the fact that it was discarded. Keys
// not touched in the epoch are not written again.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace weir::recovery {

using Epoch = std::uint64_t;

struct StateChange {
  std::string step_id;               // fully qualified step id
  std::string state_key;             // the key, encoded with the snapshot codec
  Epoch epoch;                       // the epoch whose end this state is as of
  std::optional<std::string> state;  // the encoded state; nullopt: the key was discarded
  bool operator==(const StateChange&) const = default;
};

/// Receives every worker's state changes as its epochs close. write() is called from each
/// worker's own thread, so concurrently: an implementation synchronises what it shares.
class SnapshotWriter {
 public:
  SnapshotWriter() = default;
  SnapshotWriter(const SnapshotWriter&) = delete;
  SnapshotWriter& operator=(const SnapshotWriter&) = delete;
  virtual ~SnapshotWriter() = default;

  virtual void write(std::size_t worker, std::vector<StateChange>&& changes) = 0;
};

}  // namespace weir::recovery
