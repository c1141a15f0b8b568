#include "fetch_waker.hpp"

#include "weir/core/log.hpp"

namespace weir::kafka::detail {

void FetchWaker::wake(const std::string& topic, std::int32_t partition) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || !queued_.emplace(topic, partition).second) {
      return;
    }
    queue_.emplace_back(topic, partition);
    if (!thread_.joinable()) {
      thread_ = std::thread([this] { run(); });
    }
  }
  cv_.notify_one();
}

void FetchWaker::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void FetchWaker::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) {
      return;
    }
    auto next = std::move(queue_.front());
    queue_.pop_front();
    queued_.erase(next);
    lock.unlock();
    std::int64_t low = 0;
    std::int64_t high = 0;
    const rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
        rk_, next.first.c_str(), next.second, &low, &high, kQueryTimeoutMs);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      log::debug("kafka topic '{}' partition {}: watermark query (to wake the fetcher): {}",
                 next.first, next.second, rd_kafka_err2str(err));
    }
    lock.lock();
  }
}

}  // namespace weir::kafka::detail
