#pragma once
// MockCluster: a Kafka cluster inside this process (librdkafka's mock brokers), reachable over
// real TCP on 127.0.0.1, for demos and tests that must run with no broker installed.
//
// Limits of the mock, which demos and tests must respect: each partition keeps only about
// 5 MiB of messages (older ones are silently dropped); an empty fetch is held for the
// consumer's fetch.wait.max.ms; no transactions semantics and no topic admin API (create
// topics here); a topic is auto-created with 4 partitions when first produced to.

#include <cstdint>
#include <memory>
#include <string>

namespace weir::kafka {

class MockCluster {
 public:
  /// Starts `brokers` brokers (ids 1..brokers).
  explicit MockCluster(int brokers = 1);
  ~MockCluster();
  MockCluster(const MockCluster&) = delete;
  MockCluster& operator=(const MockCluster&) = delete;

  /// "127.0.0.1:port[,...]", for bootstrap.servers.
  [[nodiscard]] const std::string& bootstrap() const;
  void create_topic(const std::string& topic, int partitions, int replication = 1);
  /// Takes broker `id` down (its connections drop and it refuses new ones) or back up.
  void broker_down(int id);
  void broker_up(int id);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace weir::kafka
