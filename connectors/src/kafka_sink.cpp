#include "weir/connectors/kafka/kafka_sink.hpp"

#include <fmt/format.h>

#include <chrono>
#include <optional>
#include <stdexcept>

#include "kafka_client.hpp"

namespace weir::kafka {

namespace {

// What the delivery reports of one batch said (the producer's opaque).
struct Deliveries {
  std::size_t failed = 0;
  std::optional<std::string> first_failure;
};

void on_delivery(rd_kafka_t* /*rk*/, const rd_kafka_message_t* m, void* opaque) {
  if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    return;
  }
  auto* d = static_cast<Deliveries*>(opaque);
  if (d->failed++ == 0) {
    d->first_failure =
        fmt::format("kafka sink: delivery to topic '{}' partition {} failed: {}",
                    rd_kafka_topic_name(m->rkt), m->partition, rd_kafka_err2str(m->err));
  }
}

class KafkaSinkPartition final : public StatelessSinkPartition<KafkaSinkMessage> {
 public:
  explicit KafkaSinkPartition(const KafkaSinkOptions& o)
      : topic_(o.topic),
        timeout_(o.timeout),
        rk_(detail::make_client(RD_KAFKA_PRODUCER, "kafka sink",
                                {{"bootstrap.servers", o.brokers},
                                 {"acks", "all"},
                                 {"linger.ms", "5"},
                                 {"log_level", "3"}},
                                o.properties, [this](rd_kafka_conf_t* conf) {
                                  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
                                  rd_kafka_conf_set_opaque(conf, &deliveries_);
                                })) {}

  void write_batch(std::vector<KafkaSinkMessage>&& items) override {
    deliveries_ = Deliveries{};
    for (auto& m : items) {
      produce(m);
    }
    // every delivery report of the batch, failed ones included
    if (rd_kafka_flush(rk_.get(), static_cast<int>(timeout_.count())) !=
        RD_KAFKA_RESP_ERR_NO_ERROR) {
      throw std::runtime_error(
          fmt::format("kafka sink: {} messages were not acknowledged within {} ms",
                      rd_kafka_outq_len(rk_.get()), timeout_.count()));
    }
    if (deliveries_.first_failure) {
      std::string what = *deliveries_.first_failure;
      if (deliveries_.failed > 1) {
        what += fmt::format(" (and {} more)", deliveries_.failed - 1);
      }
      throw std::runtime_error(what);
    }
  }

  void close() override { rd_kafka_flush(rk_.get(), static_cast<int>(timeout_.count())); }

 private:
  void produce(KafkaSinkMessage& m) {
    const std::string& topic = m.topic ? *m.topic : topic_;
    if (topic.empty()) {
      throw std::runtime_error("kafka sink: a message names no topic and the sink has none");
    }
    rd_kafka_headers_t* headers = nullptr;
    if (!m.headers.empty()) {
      headers = rd_kafka_headers_new(m.headers.size());
      for (const auto& h : m.headers) {
        rd_kafka_header_add(headers, h.key.data(), static_cast<ssize_t>(h.key.size()),
                            h.value ? h.value->data() : nullptr,
                            h.value ? static_cast<ssize_t>(h.value->size()) : 0);
      }
    }
    void* key = m.key ? m.key->data() : nullptr;
    const std::size_t key_len = m.key ? m.key->size() : 0;
    void* value = m.value ? m.value->data() : nullptr;
    const std::size_t value_len = m.value ? m.value->size() : 0;
    const std::int32_t partition = m.partition.value_or(RD_KAFKA_PARTITION_UA);
    while (true) {
      const rd_kafka_resp_err_t err = rd_kafka_producev(
          rk_.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key, key_len),
          RD_KAFKA_V_VALUE(value, value_len), RD_KAFKA_V_HEADERS(headers),
          RD_KAFKA_V_OPAQUE(nullptr), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        return;  // the headers belong to the message now
      }
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        rd_kafka_poll(rk_.get(), 10);  // let deliveries drain the queue
        continue;
      }
      if (headers != nullptr) {
        rd_kafka_headers_destroy(headers);
      }
      throw std::runtime_error(
          fmt::format("kafka sink: cannot produce to topic '{}' partition {}: {}", topic,
                      m.partition.value_or(-1), rd_kafka_err2str(err)));
    }
  }

  std::string topic_;
  std::chrono::milliseconds timeout_;
  Deliveries deliveries_;
  detail::Handle rk_;
};

}  // namespace

KafkaSink::KafkaSink(KafkaSinkOptions options) : options_(std::move(options)) {
  if (options_.brokers.empty()) {
    throw std::invalid_argument("kafka sink: no brokers given");
  }
}

std::unique_ptr<KafkaSink::partition_type> KafkaSink::build(const std::string& /*step_id*/,
                                                            std::size_t /*worker_index*/,
                                                            std::size_t /*worker_count*/) const {
  return std::make_unique<KafkaSinkPartition>(options_);
}

}  // namespace weir::kafka
