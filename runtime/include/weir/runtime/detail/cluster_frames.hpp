#pragma once
// The frames the processes of a cluster send each other once the mesh stands (mesh.hpp
// carries them; kinds below 0xFF, which is the handshake's).
//
//   data      an exchange batch: channel key, target worker, sender, epoch, then the items
//             as the snapshot codec's append_batch writes them
//   frontier  an exchange sender's frontier: channel key, sender, epoch
//   probe     the lowest epoch this process's outputs have not completed
//   backlog   whether this process has a worker at the backlog limit (sources pause)
//   gather    one partition rendezvous: its number and each of this process's worker's lists
//   stop      this process stops the run: why (failed, aborted, interrupted) and the message
//   done      this process's workers have all finished; nothing more comes from it
//   snapshot  to process 0, which alone writes the recovery store: a worker's state changes
//             (recovery::StateChanges::append_to)
//   progress  to process 0: a worker's snapshot frontier (worker, frontier, ended)
//   committed from process 0: every epoch below this is committed
//   agree     one value from each process, compared before a run starts (its resume epoch)
//
// Integers are fixed-width little-endian or varints (core/coding.hpp); strings are a
// varint length and their bytes. Decoders throw std::runtime_error on a frame cut short.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "weir/core/epoch.hpp"

namespace weir::detail {

enum class Frame : std::uint8_t {
  data = 1,
  frontier,
  probe,
  backlog,
  gather,
  stop,
  done,
  snapshot,
  progress,
  committed,
  agree
};

/// Why a process stopped the run.
enum class StopReason : std::uint8_t { failed = 0, aborted = 1, interrupted = 2 };

struct DataHeader {
  std::string_view channel;
  std::size_t target = 0;  // global worker
  std::size_t sender = 0;  // global worker
  Epoch epoch = 0;
  std::size_t body = 0;  // where the items start in the frame
};
/// Appends a data frame's header to `out`; the caller appends the items after it.
void put_data_header(std::string& out, std::string_view channel, std::size_t target,
                     std::size_t sender, Epoch epoch);
DataHeader get_data_header(std::string_view frame);

struct FrontierFrame {
  std::string_view channel;
  std::size_t sender = 0;
  Epoch frontier = 0;
};
std::string put_frontier(std::string_view channel, std::size_t sender, Epoch frontier);
FrontierFrame get_frontier(std::string_view frame);

std::string put_epoch(Epoch e);  // probe, committed
Epoch get_epoch(std::string_view frame);

struct ProgressFrame {
  std::size_t worker = 0;
  Epoch frontier = 0;
  bool ended = false;
};
std::string put_progress(std::size_t worker, Epoch frontier, bool ended);
ProgressFrame get_progress(std::string_view frame);

/// A snapshot frame: the worker, then the state changes' bytes from `changes`.
std::string_view get_snapshot_worker(std::string_view frame, std::size_t& worker);

struct GatherFrame {
  std::size_t round = 0;
  std::vector<std::vector<std::string>> lists;  // one per worker of the sending process
};
std::string put_gather(std::size_t round, const std::vector<std::vector<std::string>>& lists);
GatherFrame get_gather(std::string_view frame);

struct StopFrame {
  StopReason reason = StopReason::failed;
  std::string message;
};
std::string put_stop(StopReason reason, std::string_view message);
StopFrame get_stop(std::string_view frame);

}  // namespace weir::detail
