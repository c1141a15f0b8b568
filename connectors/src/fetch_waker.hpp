#pragma once
// FetchWaker: gets a consumer's broker threads to look at a partition's fetch again as soon as
// its queue has drained, instead of a second later.
//
// Why: librdkafka 2.0.2 stops fetching a partition whose queue holds queued.min.messages or
// queued.max.messages.kbytes, and decides again only when the leader's broker thread next
// wakes; with no other fetch in flight that is rd_kafka_max_block_ms (a fixed 1 s) later.
// librdkafka 2.2.0 made that wait a setting (fetch.queue.backoff.ms); Debian 12 ships 2.0.2.
// So bounding the prefetch (which is what keeps a consumer's memory small) would cost a
// stall of up to a second each time a partition's queue fills.
//
// How: wake(topic, partition) queries the partition's watermark offsets
// (rd_kafka_query_watermark_offsets: a ListOffsets request, sent by the leader's broker
// thread, which wakes to send it and then decides its partitions' fetches again). The query
// blocks for a round trip, so it runs on a thread of the waker's own. A partition already
// waiting to be woken is not queued twice. The answer also refreshes the high watermark
// librdkafka caches (what KafkaSource's lag reads); a failed query is only logged at debug.
//
// Thread safety: wake() may be called from any thread. The thread starts at the first wake()
// and is joined by stop() (or the destructor), which waits for a query in flight: call it
// before the consumer is closed.

#include <librdkafka/rdkafka.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>

namespace weir::kafka::detail {

class FetchWaker {
 public:
  /// REQUIRES: `rk` outlives stop().
  explicit FetchWaker(rd_kafka_t* rk) : rk_(rk) {}
  FetchWaker(const FetchWaker&) = delete;
  FetchWaker& operator=(const FetchWaker&) = delete;
  ~FetchWaker() { stop(); }

  /// Asks for `partition` of `topic` to be fetched again if its queue allows it.
  void wake(const std::string& topic, std::int32_t partition);
  /// Stops the thread (a query in flight is waited for, up to kQueryTimeoutMs).
  void stop();

  static constexpr int kQueryTimeoutMs = 1000;

 private:
  void run();

  rd_kafka_t* rk_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::pair<std::string, std::int32_t>> queue_;
  std::set<std::pair<std::string, std::int32_t>> queued_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace weir::kafka::detail
