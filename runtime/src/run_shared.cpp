#include "weir/runtime/detail/run_shared.hpp"

#include <algorithm>

#include "weir/core/errors.hpp"
#include "weir/runtime/detail/cluster_frames.hpp"

namespace weir::detail {

RunShared::RunShared(std::size_t workers, Epoch start, Topology topology)
    : topology_(topology),
      total_(workers * topology.processes),
      first_(workers * topology.process_id),
      completed_(std::make_unique<std::atomic<Epoch>[]>(workers)),
      backlog_(std::make_unique<std::atomic<std::int64_t>[]>(workers)),
      peer_over_(topology.processes, false),
      lowest_(start),
      at_lowest_(workers),
      peer_lowest_(topology.processes, start),
      global_(start),
      gather_slots_(total_) {
  signals_.reserve(workers);
  for (std::size_t i = 0; i < workers; ++i) {
    signals_.push_back(std::make_unique<WorkerSignal>());
    completed_[i].store(start);
    backlog_[i].store(0);
  }
}

void RunShared::broadcast(std::uint8_t kind, std::string_view payload) {
  if (peers_ == nullptr) {
    return;
  }
  for (std::size_t p = 0; p < topology_.processes; ++p) {
    if (p != topology_.process_id) {
      peers_->send(p, kind, payload);
    }
  }
}

void RunShared::wake_all() {
  for (auto& s : signals_) {
    s->notify();
  }
}

void RunShared::fail(std::exception_ptr e, bool from_peer) {
  {
    std::lock_guard lock(mutex_);
    if (!stopped()) {
      stopped_by_peer_ = from_peer;
    }
    if (!error_ && e) {
      error_ = std::move(e);
    }
    stopped_.store(true, std::memory_order_release);
  }
  gather_cv_.notify_all();
  wake_all();
}

bool RunShared::stopped_by_peer() const {
  std::lock_guard lock(mutex_);
  return stopped_by_peer_;
}

std::exception_ptr RunShared::error() const {
  std::lock_guard lock(mutex_);
  return error_;
}

std::shared_ptr<const RunShared::Assignment> RunShared::assign_all(std::size_t local_worker,
                                                                   std::vector<std::string> mine) {
  std::unique_lock lock(mutex_);
  if (stopped()) {
    throw RunStopped();
  }
  const std::size_t generation = gather_generation_;
  gather_slots_[first_ + local_worker] = std::move(mine);
  if (++gather_arrived_ == signals_.size()) {
    if (topology_.processes > 1) {
      const std::vector<std::vector<std::string>> ours(
          gather_slots_.begin() + static_cast<std::ptrdiff_t>(first_),
          gather_slots_.begin() + static_cast<std::ptrdiff_t>(first_ + signals_.size()));
      const std::string frame = put_gather(generation, ours);
      lock.unlock();  // sending may block; the others' lists arrive meanwhile
      broadcast(static_cast<std::uint8_t>(Frame::gather), frame);
      lock.lock();
      gather_cv_.wait(lock, [&] {
        auto it = gather_peers_.find(generation);
        return stopped() ||
               (it != gather_peers_.end() && it->second.first == topology_.processes - 1);
      });
      if (stopped()) {
        throw RunStopped();
      }
      auto node = gather_peers_.extract(generation);
      auto& theirs = node.mapped().second;
      for (std::size_t w = 0; w < theirs.size(); ++w) {
        if (!is_local(w)) {
          gather_slots_[w] = std::move(theirs[w]);
        }
      }
    }
    gather_result_ = std::make_shared<const Assignment>(assign_partitions(gather_slots_));
    gather_slots_.assign(gather_slots_.size(), {});
    gather_arrived_ = 0;
    ++gather_generation_;
    gather_cv_.notify_all();
    return gather_result_;
  }
  gather_cv_.wait(lock, [&] { return gather_generation_ != generation || stopped(); });
  if (gather_generation_ == generation) {
    throw RunStopped();
  }
  return gather_result_;
}

void RunShared::gathered(std::size_t process, std::size_t round,
                         std::vector<std::vector<std::string>> lists) {
  if (lists.size() != signals_.size()) {
    throw ClusterError("process " + std::to_string(process) + " sent partitions of " +
                       std::to_string(lists.size()) + " workers, not " +
                       std::to_string(signals_.size()));
  }
  {
    std::lock_guard lock(mutex_);
    auto& [heard, all] = gather_peers_[round];
    all.resize(total_);
    const std::size_t first = process * signals_.size();
    for (std::size_t i = 0; i < lists.size(); ++i) {
      all[first + i] = std::move(lists[i]);
    }
    ++heard;
  }
  gather_cv_.notify_all();
}

ChannelBase& RunShared::channel(const std::string& key,
                                const std::function<std::unique_ptr<ChannelBase>()>& make) {
  std::lock_guard lock(mutex_);
  auto& slot = channels_[key];
  if (!slot) {
    slot = make();
  }
  return *slot;
}

WireChannel& RunShared::wire_channel(const std::string& key) {
  std::lock_guard lock(wire_mutex_);  // not mutex_: channel() holds that while it makes one
  auto& slot = wire_channels_[key];
  if (!slot) {
    slot = std::make_unique<WireChannel>(total_, signals_.size());
  }
  return *slot;
}

void RunShared::raise_global(std::size_t process, Epoch lowest) {
  std::lock_guard lock(global_mutex_);
  peer_lowest_[process] = std::max(peer_lowest_[process], lowest);
  Epoch m = kEpochDone;
  for (Epoch e : peer_lowest_) {
    m = std::min(m, e);
  }
  global_.store(m, std::memory_order_release);
}

void RunShared::publish_completed(std::size_t local_worker, Epoch completed) {
  const Epoch before = completed_[local_worker].exchange(completed, std::memory_order_acq_rel);
  if (before == completed) {
    return;
  }
  bool rose = false;
  {
    std::lock_guard lock(probe_mutex_);
    if (before == lowest_ && --at_lowest_ == 0) {
      // the last worker at the lowest moved on: find the new lowest (once per rise, not per
      // publication, so a frontier costs O(workers) in all)
      Epoch m = kEpochDone;
      std::size_t n = 0;
      for (std::size_t i = 0; i < signals_.size(); ++i) {
        const Epoch c = completed_[i].load(std::memory_order_acquire);
        if (c < m) {
          m = c;
          n = 1;
        } else if (c == m) {
          ++n;
        }
      }
      lowest_ = m;
      at_lowest_ = n;
      raise_global(topology_.process_id, m);
      rose = true;
      // sent under the lock, so the other processes hear this process's lowest in order
      broadcast(static_cast<std::uint8_t>(Frame::probe), put_epoch(m));
    }
  }
  if (rose) {
    wake_all();
  }
}

void RunShared::peer_completed(std::size_t process, Epoch completed) {
  raise_global(process, completed);
  wake_all();
}

void RunShared::tell_backlog() {
  std::lock_guard lock(backlog_mutex_);
  // the state now, not the change that called: two changes told out of order would leave the
  // others with the wrong one
  const bool over = over_limit_.load(std::memory_order_relaxed) > 0;
  if (over != told_over_) {
    told_over_ = over;
    broadcast(static_cast<std::uint8_t>(Frame::backlog), std::string(1, over ? '\1' : '\0'));
  }
}

void RunShared::remove_backlog(std::size_t local_worker, std::int64_t n) {
  const std::int64_t before = backlog_[local_worker].fetch_sub(n, std::memory_order_acq_rel);
  if (before >= kBacklogLimit && before - n < kBacklogLimit) {
    if (over_limit_.fetch_sub(1, std::memory_order_relaxed) == 1 && peers_ != nullptr) {
      tell_backlog();
    }
    wake_all();
  }
}

void RunShared::peer_backlog(std::size_t process, bool over) {
  bool changed = false;
  {
    std::lock_guard lock(peer_mutex_);
    if (peer_over_[process] != over) {
      peer_over_[process] = over;
      changed = true;
    }
  }
  if (changed) {
    if (over) {
      peers_over_.fetch_add(1, std::memory_order_relaxed);
    } else {
      peers_over_.fetch_sub(1, std::memory_order_relaxed);
      wake_all();
    }
  }
}

}  // namespace weir::detail
