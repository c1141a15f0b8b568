#include "weir/connectors/kafka/mock_cluster.hpp"

// clang-format off
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>  // after rdkafka.h
// clang-format on
#include <fmt/format.h>

#include <stdexcept>

#include "kafka_client.hpp"

namespace weir::kafka {

struct MockCluster::Impl {
  detail::Handle host;
  rd_kafka_mock_cluster_t* cluster = nullptr;
  std::string bootstrap;
  int brokers = 0;
};

MockCluster::MockCluster(int brokers) : impl_(std::make_unique<Impl>()) {
  if (brokers < 1) {
    throw std::invalid_argument("a mock cluster needs at least one broker");
  }
  // log_level 3: the host client has no bootstrap.servers of its own and would say so
  impl_->host = detail::make_client(RD_KAFKA_PRODUCER, "mock cluster", {{"log_level", "3"}}, {});
  impl_->cluster = rd_kafka_mock_cluster_new(impl_->host.get(), brokers);
  if (impl_->cluster == nullptr) {
    throw std::runtime_error("cannot start the mock cluster");
  }
  impl_->bootstrap = rd_kafka_mock_cluster_bootstraps(impl_->cluster);
  impl_->brokers = brokers;
}

MockCluster::~MockCluster() {
  if (impl_ && impl_->cluster != nullptr) {
    rd_kafka_mock_cluster_destroy(impl_->cluster);
  }
}

const std::string& MockCluster::bootstrap() const { return impl_->bootstrap; }

void MockCluster::create_topic(const std::string& topic, int partitions, int replication) {
  const rd_kafka_resp_err_t err =
      rd_kafka_mock_topic_create(impl_->cluster, topic.c_str(), partitions, replication);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw std::runtime_error(
        fmt::format("mock cluster: cannot create topic '{}': {}", topic, rd_kafka_err2str(err)));
  }
}

void MockCluster::broker_down(int id) {
  if (id < 1 || id > impl_->brokers) {
    throw std::invalid_argument(fmt::format("mock cluster: no broker {}", id));
  }
  rd_kafka_mock_broker_set_down(impl_->cluster, id);
}

void MockCluster::broker_up(int id) {
  if (id < 1 || id > impl_->brokers) {
    throw std::invalid_argument(fmt::format("mock cluster: no broker {}", id));
  }
  rd_kafka_mock_broker_set_up(impl_->cluster, id);
}

}  // namespace weir::kafka
