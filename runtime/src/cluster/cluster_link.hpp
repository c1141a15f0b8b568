#pragma once
// ClusterLink: a run's end of the mesh. It is the RunShared's Peers (sending frames), files
// the frames that arrive into the RunShared (on the mesh's reader thread), turns a lost peer
// or a peer's stop into this run's failure, and agrees the end: a process whose workers have
// all finished says so and waits until every other has said the same, so no process closes
// its connections while another still counts on them.
//
// The reader thread never sends (a reader blocked on a full connection while the peer's
// reader does the same would hang both): what it learns goes into the RunShared, and the
// run's own thread tells the others why this process stopped (tell_stop) before it closes,
// so a process that lost a peer names that peer to the rest, not itself.

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "weir/recovery/snapshot.hpp"
#include "weir/runtime/detail/mesh.hpp"
#include "weir/runtime/detail/run_shared.hpp"

namespace weir::detail {

/// Recovery in a cluster: process 0 alone writes the store (SQLite's log needs memory shared
/// by every writer, which processes on different hosts do not have). The other processes'
/// workers write through a RemoteWriter, which sends their state changes and frontiers to
/// process 0 on the connection to it, in the order they were made; process 0 hands them to
/// its store as its own workers' and tells every process each commit.
class RemoteWriter final : public recovery::SnapshotWriter {
 public:
  /// `committed`: the run's first epoch (everything before it is committed).
  RemoteWriter(Peers& peers, Epoch committed) : peers_(peers), committed_(committed) {}
  void write(std::size_t worker, recovery::StateChanges&& changes) override;
  void progress(std::size_t worker, Epoch frontier, bool ended) override;
  [[nodiscard]] Epoch committed() const override {
    return committed_.load(std::memory_order_acquire);
  }
  /// Set before the workers start.
  void on_commit(std::function<void()> wake) override { wake_ = std::move(wake); }
  /// Process 0 committed every epoch below `epoch` (the reader thread).
  void heard_committed(Epoch epoch);

 private:
  Peers& peers_;
  std::atomic<Epoch> committed_;
  std::function<void()> wake_;
};

class ClusterLink final : public Peers {
 public:
  /// Connects to the other processes (throws ClusterError as Mesh does).
  ClusterLink(RunShared& shared, const MeshOptions& options, const Hello& self);
  ClusterLink(const ClusterLink&) = delete;
  ClusterLink& operator=(const ClusterLink&) = delete;
  ~ClusterLink() override;

  void send(std::size_t process, std::uint8_t kind, std::string_view payload) override;

  /// Sends `mine` to every other process and returns every process's value (by process id)
  /// once all have arrived; every process calls it the same number of times. Throws
  /// ClusterError if the run fails meanwhile.
  std::vector<std::string> agree(const std::string& mine);

  /// Process 0: the store that the others' snapshot and progress frames go to. Others: the
  /// writer that receives process 0's commits. Set once, before the workers start.
  void serve_store(recovery::SnapshotWriter* store) { store_ = store; }
  void hear_commits(RemoteWriter* writer) { remote_writer_ = writer; }
  /// Process 0: tells every other process that every epoch below `epoch` is committed.
  void tell_committed(Epoch epoch);

  /// Tells the other processes that this one stopped the run, and why: `error` (none: a
  /// step aborted it). Called once the workers have stopped, from the run's own thread.
  void tell_stop(const std::exception_ptr& error);

  /// This process's workers have all finished: tells the others, then waits until each has
  /// said the same or the run has failed, calling `every_50ms` while it waits (to look for
  /// an interrupt).
  void finish(const std::function<void()>& every_50ms);

 private:
  void on_frame(std::size_t peer, std::uint8_t kind, std::string payload);
  void on_lost(std::size_t peer, const std::string& why);
  [[nodiscard]] std::string name(std::size_t peer) const;
  void wake();  // after the run stopped

  RunShared& shared_;
  std::vector<Address> addresses_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<bool> done_;  // peers that said their workers finished
  std::size_t agree_round_ = 0;
  std::map<std::size_t, std::vector<std::optional<std::string>>> agreed_;  // round -> values
  // set before the frames that use them can come (the others wait for an agree round)
  std::atomic<recovery::SnapshotWriter*> store_{nullptr};
  std::atomic<RemoteWriter*> remote_writer_{nullptr};
  std::unique_ptr<Mesh> mesh_;  // last: its reader thread uses the members above
};

}  // namespace weir::detail
