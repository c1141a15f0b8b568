#pragma once
// What Kafka connectors exchange with a dataflow: a consumed message with everything the
// broker says about it, and the error an error item carries.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace weir::kafka {

/// One record header; a header may have a key and no value.
struct Header {
  std::string key;
  std::optional<std::string> value;
  bool operator==(const Header&) const = default;
};

/// A broker or client error (librdkafka's code and text), as carried by an error item.
struct KafkaError {
  int code = 0;
  std::string message;
  bool operator==(const KafkaError&) const = default;
};

/// A message read by KafkaSource. Key and value are absent for null key or value. An error
/// item (KafkaSource with OnError::emit) has `error` set, its topic and partition, and the
/// offset the error concerns (or -1).
struct KafkaMessage {
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = -1;
  std::int64_t timestamp_ms = -1;  // -1: the broker gave none
  std::vector<Header> headers;
  std::optional<KafkaError> error;
  bool operator==(const KafkaMessage&) const = default;
};

/// A message for KafkaSink. Without `topic` it goes to the sink's topic; without
/// `partition`, librdkafka's partitioner picks one from the key.
struct KafkaSinkMessage {
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::optional<std::string> topic;
  std::optional<std::int32_t> partition;
  std::vector<Header> headers;
  bool operator==(const KafkaSinkMessage&) const = default;
};

}  // namespace weir::kafka
