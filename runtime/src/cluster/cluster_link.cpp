#include "cluster_link.hpp"

#include <algorithm>
#include <chrono>

#include "weir/core/coding.hpp"
#include "weir/core/errors.hpp"
#include "weir/recovery/state_changes.hpp"
#include "weir/runtime/detail/cluster_frames.hpp"

namespace weir::detail {

namespace {

/// What the other processes are told of this process's first failure.
StopFrame stop_of(const std::exception_ptr& e) {
  if (!e) {
    return {StopReason::aborted, "execution aborted"};
  }
  try {
    std::rethrow_exception(e);
  } catch (const Interrupted& i) {
    return {StopReason::interrupted, i.what()};
  } catch (const std::exception& x) {
    return {StopReason::failed, x.what()};
  } catch (...) {
    return {StopReason::failed, "an unknown error"};
  }
}

}  // namespace

ClusterLink::ClusterLink(RunShared& shared, const MeshOptions& options, const Hello& self)
    : shared_(shared), addresses_(options.addresses), done_(options.addresses.size(), false) {
  mesh_ = std::make_unique<Mesh>(
      options, self,
      [this](std::size_t peer, std::uint8_t kind, std::string payload) {
        on_frame(peer, kind, std::move(payload));
      },
      [this](std::size_t peer, const std::string& why) { on_lost(peer, why); });
}

ClusterLink::~ClusterLink() { mesh_.reset(); }

void ClusterLink::send(std::size_t process, std::uint8_t kind, std::string_view payload) {
  try {
    mesh_->send(process, kind, payload);
  } catch (const ClusterError&) {
    // The peer closed. If it stopped the run, its stop frame came before the close, and the
    // reader files that (or the loss) in a moment: the run's error is then the peer's
    // reason, not this send.
    std::unique_lock lock(mutex_);
    if (!cv_.wait_for(lock, std::chrono::seconds(2), [&] { return shared_.stopped(); })) {
      throw;
    }
    throw RunStopped();
  }
}

std::string ClusterLink::name(std::size_t peer) const {
  return "process " + std::to_string(peer) + " (" + addresses_[peer].text() + ")";
}

void ClusterLink::on_frame(std::size_t peer, std::uint8_t kind, std::string payload) {
  try {
    switch (static_cast<Frame>(kind)) {
      case Frame::data: {
        const DataHeader h = get_data_header(payload);
        if (!shared_.is_local(h.target)) {
          throw std::runtime_error("a batch for worker " + std::to_string(h.target) +
                                   ", which this process does not run");
        }
        const std::size_t target = h.target - shared_.first_worker();
        WireChannel& channel = shared_.wire_channel(std::string(h.channel));
        const RemoteBatch batch{h.sender, h.epoch, std::move(payload), h.body};
        shared_.add_backlog_from_reader(target, 1);
        channel.remote(target).push(RemoteBatch(batch));
        shared_.signal(target).notify();
        return;
      }
      case Frame::frontier: {
        const FrontierFrame f = get_frontier(payload);
        if (f.sender >= shared_.worker_count()) {
          throw std::runtime_error("a frontier from worker " + std::to_string(f.sender) +
                                   ", which the cluster does not have");
        }
        if (shared_.wire_channel(std::string(f.channel)).frontier().publish(f.sender, f.frontier)) {
          shared_.wake_all();
        }
        return;
      }
      case Frame::probe:
        shared_.peer_completed(peer, get_epoch(payload));
        return;
      case Frame::backlog:
        shared_.peer_backlog(peer, !payload.empty() && payload[0] != '\0');
        return;
      case Frame::gather: {
        GatherFrame g = get_gather(payload);
        shared_.gathered(peer, g.round, std::move(g.lists));
        return;
      }
      case Frame::stop: {
        const StopFrame s = get_stop(payload);
        switch (s.reason) {
          case StopReason::aborted:
            shared_.fail(nullptr, true);
            break;
          case StopReason::interrupted:
            shared_.fail(std::make_exception_ptr(Interrupted()), true);
            break;
          case StopReason::failed:
            shared_.fail(
                std::make_exception_ptr(ClusterError(name(peer) + " failed: " + s.message)), true);
            break;
        }
        wake();
        return;
      }
      case Frame::snapshot: {
        std::size_t worker = 0;
        const std::string_view bytes = get_snapshot_worker(payload, worker);
        recovery::SnapshotWriter* store = store_.load(std::memory_order_acquire);
        if (store == nullptr) {
          throw std::runtime_error("state changes to a process that keeps no store");
        }
        store->write(worker, recovery::StateChanges::parse(bytes));
        return;
      }
      case Frame::progress: {
        const ProgressFrame p = get_progress(payload);
        recovery::SnapshotWriter* store = store_.load(std::memory_order_acquire);
        if (store == nullptr) {
          throw std::runtime_error("a frontier to a process that keeps no store");
        }
        store->progress(p.worker, p.frontier, p.ended);
        return;
      }
      case Frame::committed: {
        RemoteWriter* writer = remote_writer_.load(std::memory_order_acquire);
        if (writer == nullptr) {
          throw std::runtime_error("a commit to a process that writes none");
        }
        writer->heard_committed(get_epoch(payload));
        return;
      }
      case Frame::agree: {
        std::string_view in = payload;
        std::uint64_t round = 0;
        if (!coding::get_varint64(in, round)) {
          throw std::runtime_error("an agree frame cut short");
        }
        std::lock_guard lock(mutex_);
        auto& values = agreed_[round];
        values.resize(done_.size());
        values[peer] = std::string(in);
        cv_.notify_all();
        return;
      }
      case Frame::done: {
        std::lock_guard lock(mutex_);
        done_[peer] = true;
        cv_.notify_all();
        return;
      }
    }
    throw std::runtime_error("a frame of unknown kind " + std::to_string(kind));
  } catch (const std::exception& e) {
    shared_.fail(std::make_exception_ptr(ClusterError(name(peer) + " sent " + e.what())));
    wake();
  }
}

void ClusterLink::on_lost(std::size_t peer, const std::string& why) {
  {
    std::lock_guard lock(mutex_);
    if (done_[peer]) {
      return;  // it finished and closed: nothing was lost
    }
  }
  shared_.fail(std::make_exception_ptr(ClusterError(why)));  // the others hear it from here
  wake();
}

void ClusterLink::wake() {
  { std::lock_guard lock(mutex_); }  // finish() either sees the run stopped or is waiting
  cv_.notify_all();
}

std::vector<std::string> ClusterLink::agree(const std::string& mine) {
  const std::size_t me = shared_.topology().process_id;
  std::string frame;
  coding::put_varint64(frame, agree_round_);
  frame.append(mine);
  for (std::size_t p = 0; p < done_.size(); ++p) {
    if (p == me) {
      continue;
    }
    try {
      mesh_->send(p, static_cast<std::uint8_t>(Frame::agree), frame);
    } catch (const ClusterError&) {  // NOLINT(bugprone-empty-catch)
      // that process has gone, perhaps after sending its value (it disagreed): it is read
      // below, or the run's error says what was lost
    }
  }
  std::unique_lock lock(mutex_);
  auto& values = agreed_[agree_round_];
  values.resize(done_.size());
  values[me] = mine;
  auto all = [&] {
    return std::all_of(values.begin(), values.end(), [](const auto& v) { return v.has_value(); });
  };
  cv_.wait(lock, [&] { return all() || shared_.stopped(); });
  if (!all()) {
    std::rethrow_exception(shared_.error() ? shared_.error()
                                           : std::make_exception_ptr(ClusterError("run stopped")));
  }
  std::vector<std::string> out;
  for (auto& v : values) {
    out.push_back(std::move(*v));
  }
  agreed_.erase(agree_round_++);
  return out;
}

void ClusterLink::tell_committed(Epoch epoch) {
  const std::string frame = put_epoch(epoch);
  for (std::size_t p = 1; p < done_.size(); ++p) {
    try {
      mesh_->send(p, static_cast<std::uint8_t>(Frame::committed), frame);
    } catch (const ClusterError&) {  // NOLINT(bugprone-empty-catch)
      // lost: the run fails on that already
    }
  }
}

void RemoteWriter::write(std::size_t worker, recovery::StateChanges&& changes) {
  std::string frame;  // workers write at once: one frame each
  coding::put_varint64(frame, worker);
  changes.append_to(frame);
  peers_.send(0, static_cast<std::uint8_t>(Frame::snapshot), frame);
}

void RemoteWriter::progress(std::size_t worker, Epoch frontier, bool ended) {
  peers_.send(0, static_cast<std::uint8_t>(Frame::progress), put_progress(worker, frontier, ended));
}

void RemoteWriter::heard_committed(Epoch epoch) {
  Epoch before = committed_.load(std::memory_order_relaxed);
  while (before < epoch &&
         !committed_.compare_exchange_weak(before, epoch, std::memory_order_acq_rel)) {
  }
  if (wake_) {
    wake_();
  }
}

void ClusterLink::tell_stop(const std::exception_ptr& error) {
  const StopFrame stop = stop_of(error);
  const std::string frame = put_stop(stop.reason, stop.message);
  for (std::size_t p = 0; p < done_.size(); ++p) {
    if (p == shared_.topology().process_id) {
      continue;
    }
    try {
      mesh_->send(p, static_cast<std::uint8_t>(Frame::stop), frame);
    } catch (const ClusterError&) {  // NOLINT(bugprone-empty-catch)
      // that process is gone already; the others still hear of it
    }
  }
}

void ClusterLink::finish(const std::function<void()>& every_50ms) {
  const std::size_t me = shared_.topology().process_id;
  for (std::size_t p = 0; p < done_.size(); ++p) {
    if (p == me) {
      continue;
    }
    try {
      mesh_->send(p, static_cast<std::uint8_t>(Frame::done), {});
    } catch (const ClusterError&) {
      shared_.fail(std::current_exception(), true);
    }
  }
  auto all_done = [&] {
    if (shared_.stopped()) {
      return true;
    }
    for (std::size_t p = 0; p < done_.size(); ++p) {
      if (p != me && !done_[p]) {
        return false;
      }
    }
    return true;
  };
  std::unique_lock lock(mutex_);
  while (!cv_.wait_for(lock, std::chrono::milliseconds(50), all_done)) {
    lock.unlock();
    every_50ms();
    lock.lock();
  }
}

}  // namespace weir::detail
