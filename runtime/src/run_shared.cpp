#include "weir/runtime/detail/run_shared.hpp"

#include <algorithm>

namespace weir::detail {

RunShared::RunShared(std::size_t workers, Epoch start)
    : completed_(std::make_unique<std::atomic<Epoch>[]>(workers)),
      backlog_(std::make_unique<std::atomic<std::int64_t>[]>(workers)),
      lowest_(start),
      at_lowest_(workers),
      gather_slots_(workers) {
  signals_.reserve(workers);
  for (std::size_t i = 0; i < workers; ++i) {
    signals_.push_back(std::make_unique<WorkerSignal>());
    completed_[i].store(start);
    backlog_[i].store(0);
  }
}

void RunShared::wake_all() {
  for (auto& s : signals_) s->notify();
}

void RunShared::fail(std::exception_ptr e) {
  {
    std::lock_guard lock(mutex_);
    if (!error_ && e) error_ = std::move(e);
    stopped_.store(true, std::memory_order_release);
  }
  gather_cv_.notify_all();
  wake_all();
}

std::exception_ptr RunShared::error() const {
  std::lock_guard lock(mutex_);
  return error_;
}

std::shared_ptr<const RunShared::Assignment> RunShared::assign_all(std::size_t worker,
                                                                   std::vector<std::string> mine) {
  std::unique_lock lock(mutex_);
  if (stopped()) {
    throw RunStopped();
  }
  const std::size_t generation = gather_generation_;
  gather_slots_[worker] = std::move(mine);
  if (++gather_arrived_ == gather_slots_.size()) {
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

ChannelBase& RunShared::channel(const std::string& key,
                                const std::function<std::unique_ptr<ChannelBase>()>& make) {
  std::lock_guard lock(mutex_);
  auto& slot = channels_[key];
  if (!slot) slot = make();
  return *slot;
}

void RunShared::publish_completed(std::size_t worker, Epoch completed) {
  const Epoch before = completed_[worker].exchange(completed, std::memory_order_acq_rel);
  if (before == completed) {
    return;
  }
  bool rose = false;
  {
    std::lock_guard lock(probe_mutex_);
    if (before == lowest_.load(std::memory_order_relaxed) && --at_lowest_ == 0) {
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
      lowest_.store(m, std::memory_order_release);
      at_lowest_ = n;
      rose = true;
    }
  }
  if (rose) {
    wake_all();
  }
}

void RunShared::remove_backlog(std::size_t worker, std::int64_t n) {
  const std::int64_t before = backlog_[worker].fetch_sub(n, std::memory_order_acq_rel);
  if (before >= kBacklogLimit && before - n < kBacklogLimit) {
    over_limit_.fetch_sub(1, std::memory_order_relaxed);
    wake_all();
  }
}

}  // namespace weir::detail
