#pragma once
// Private helpers shared by the Kafka connectors: building a librdkafka configuration and
// owning librdkafka handles.

#include <librdkafka/rdkafka.h>

#include <functional>
#include <map>
#include <memory>
#include <string>

namespace weir::kafka::detail {

struct HandleDeleter {
  void operator()(rd_kafka_t* rk) const noexcept { rd_kafka_destroy(rk); }
};
using Handle = std::unique_ptr<rd_kafka_t, HandleDeleter>;

struct QueueDeleter {
  void operator()(rd_kafka_queue_t* q) const noexcept { rd_kafka_queue_destroy(q); }
};
using Queue = std::unique_ptr<rd_kafka_queue_t, QueueDeleter>;

struct MetadataDeleter {
  void operator()(const rd_kafka_metadata_t* m) const noexcept { rd_kafka_metadata_destroy(m); }
};
using Metadata = std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter>;

/// A client of `type` with `defaults` overridden by `properties`; throws std::runtime_error
/// naming `what` and the property librdkafka refused.
Handle make_client(rd_kafka_type_t type, const std::string& what,
                   const std::map<std::string, std::string>& defaults,
                   const std::map<std::string, std::string>& properties,
                   const std::function<void(rd_kafka_conf_t*)>& configure = {});

}  // namespace weir::kafka::detail
