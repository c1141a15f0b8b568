#pragma once
// KafkaSource: a fixed partition per partition of one or more topics.
//
// Partitions are named "<partition>-<topic>". Each process shares one librdkafka consumer
// among the partitions its workers build (assigned, never subscribed: no consumer group is
// joined); each partition reads from its own queue, so next_batch never blocks: it takes
// what has been fetched, up to `batch_size` messages, and when nothing has, the partition
// sleeps for a moment growing from 1 ms to 10 ms.
//
// Where a partition starts: from its snapshot (the offset after the last message the
// dataflow received) on resume, else at `start` (the beginning, the end, or the group's
// committed offset, falling back to the beginning when it has none).
// Where it stops: with `tail` false (the default), at the end of the partition as it was
// when the partition was built (its high watermark); with `tail` true, never.
//
// The consumer group (recovery on): when an epoch is committed in the recovery store, each
// partition commits to the group (`group.id`, default "weir") the offset that epoch stored,
// so Kafka's own tools (kafka-consumer-groups, lag exporters) see how far weir has come, and
// a run with StartOffset::committed and no store starts there. Commits are asynchronous (a
// failure is a warning: weir resumes from its own store, never from the group), the last
// one of a partition that ends synchronous. Without recovery nothing is committed.
//
// Errors: a missing topic, or brokers that do not answer within `timeout`, are errors when
// the dataflow is built, naming the topic and brokers. A broker error on a partition
// (OnError::raise) stops the run naming the topic and partition, or (OnError::emit) becomes
// a KafkaMessage with `error` set, passed downstream in order. Brokers going down and coming
// back are retried by librdkafka and lose nothing.
//
// Memory: librdkafka fetches ahead of what the partitions take, up to queued.min.messages
// messages or queued.max.messages.kbytes per partition; weir sets 2,000 and 1,024 (librdkafka's
// own defaults, 100,000 and 64 MiB per partition, hold most topics whole). When a partition's
// queue drains after being held at those limits, the leader's broker thread is woken to fetch
// again at once (librdkafka 2.0.2 would wait a second).
//
// `properties` are passed to librdkafka as they are (they may override the defaults:
// group.id "weir", enable.auto.commit false, fetch.wait.max.ms 100, queued.min.messages 2000,
// queued.max.messages.kbytes 1024).

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "weir/connectors/kafka/message.hpp"
#include "weir/inputs/source.hpp"

namespace weir::kafka {

enum class StartOffset { beginning, end, committed };
enum class OnError { raise, emit };

struct KafkaSourceOptions {
  std::string brokers{};              // "host:port[,host:port...]"
  std::vector<std::string> topics{};  // at least one
  StartOffset start = StartOffset::beginning;
  bool tail = false;
  std::size_t batch_size = 1000;
  OnError on_error = OnError::raise;
  std::map<std::string, std::string> properties{};
  std::chrono::milliseconds timeout{10'000};  // metadata and watermark queries
};

class KafkaSource final : public FixedPartitionedSource<KafkaMessage, std::int64_t> {
 public:
  explicit KafkaSource(KafkaSourceOptions options);
  ~KafkaSource() override;
  KafkaSource(const KafkaSource&) = delete;
  KafkaSource& operator=(const KafkaSource&) = delete;

  [[nodiscard]] std::vector<std::string> list_parts() const override;
  std::unique_ptr<partition_type> build_part(
      const std::string& step_id, const std::string& for_part,
      std::optional<std::int64_t> resume_state) const override;

  class Consumer;  // the process's shared librdkafka consumer

 private:
  std::shared_ptr<Consumer> consumer() const;

  KafkaSourceOptions options_;
  mutable std::mutex mutex_;
  mutable std::shared_ptr<Consumer> consumer_;
  mutable std::optional<std::vector<std::string>> parts_;
};

}  // namespace weir::kafka
