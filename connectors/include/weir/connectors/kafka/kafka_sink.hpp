#pragma once
// KafkaSink: produces KafkaSinkMessages to Kafka, at least once.
//
// Each worker has its own librdkafka producer. write_batch hands the batch to it and returns
// only when the broker has acknowledged every message of it (delivery reports awaited), so
// an epoch is snapshotted only after what it wrote is in Kafka: nothing acknowledged is
// lost, and a resumed run may write again what the last open epoch wrote (at-least-once;
// Kafka transactions are not used).
//
// A message goes to its own topic if it names one, else to `topic`. A delivery that fails
// (or is not acknowledged within `timeout`) stops the run with an error naming the topic and
// partition. `properties` are passed to librdkafka as they are (they may override the
// defaults: acks all, linger.ms 5).

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "weir/connectors/kafka/message.hpp"
#include "weir/outputs/sink.hpp"

namespace weir::kafka {

struct KafkaSinkOptions {
  std::string brokers{};  // "host:port[,host:port...]"
  std::string topic{};    // for messages that name none; may be empty if all do
  std::map<std::string, std::string> properties{};
  std::chrono::milliseconds timeout{30'000};  // for a batch's acknowledgements
};

class KafkaSink final : public DynamicSink<KafkaSinkMessage> {
 public:
  explicit KafkaSink(KafkaSinkOptions options);
  std::unique_ptr<partition_type> build(const std::string& step_id, std::size_t worker_index,
                                        std::size_t worker_count) const override;

 private:
  KafkaSinkOptions options_;
};

}  // namespace weir::kafka
