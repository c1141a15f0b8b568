#include "weir/runtime/detail/run_shared.hpp"

#include <algorithm>

namespace weir::detail {

RunShared::RunShared(std::size_t workers, Epoch start)
    : completed_(std::make_unique<std::atomic<Epoch>[]>(workers)),
      backlog_(std::make_unique<std::atomic<std::int64_t>[]>(workers)),
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

std::vector<std::vector<std::string>> RunShared::all_gather(std::size_t worker,
                                                            std::vector<std::string> mine) {
  std::unique_lock lock(mutex_);
  if (stopped()) throw RunStopped();
  const std::size_t generation = gather_generation_;
  gather_slots_[worker] = std::move(mine);
  if (++gather_arrived_ == gather_slots_.size()) {
    gather_result_ = std::move(gather_slots_);
    gather_slots_.assign(gather_result_.size(), {});
    gather_arrived_ = 0;
    ++gather_generation_;
    gather_cv_.notify_all();
    return gather_result_;
  }
  gather_cv_.wait(lock, [&] { return gather_generation_ != generation || stopped(); });
  if (gather_generation_ == generation) throw RunStopped();
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
  if (completed_[worker].exchange(completed, std::memory_order_acq_rel) != completed) wake_all();
}

Epoch RunShared::probe() const noexcept {
  Epoch m = kEpochDone;
  for (std::size_t i = 0; i < signals_.size(); ++i) {
    m = std::min(m, completed_[i].load(std::memory_order_acquire));
  }
  return m;
}

void RunShared::remove_backlog(std::size_t worker, std::int64_t n) {
  std::int64_t before = backlog_[worker].fetch_sub(n, std::memory_order_acq_rel);
  if (before >= kBacklogLimit && before - n < kBacklogLimit) wake_all();
}

bool RunShared::backlog_ok() const noexcept {
  for (std::size_t i = 0; i < signals_.size(); ++i) {
    if (backlog_[i].load(std::memory_order_relaxed) >= kBacklogLimit) return false;
  }
  return true;
}

}  // namespace weir::detail
