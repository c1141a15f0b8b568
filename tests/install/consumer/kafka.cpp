// A program that uses weir's Kafka component: writes 2, 4, .. 10 to a topic of an in-process
// mock cluster, reads them back, and prints their sum.
#include <cstdio>
#include <memory>
#include <string>

#include <weir/connectors/kafka/kafka_sink.hpp>
#include <weir/connectors/kafka/kafka_source.hpp>
#include <weir/connectors/kafka/mock_cluster.hpp>
#include <weir/connectors/testing/testing_sink.hpp>
#include <weir/connectors/testing/testing_source.hpp>
#include <weir/operators/stateless.hpp>
#include <weir/runtime/run.hpp>

int main() {
  weir::kafka::MockCluster cluster;
  cluster.create_topic("nums", 1);

  weir::Dataflow produce("produce");
  auto nums = weir::op::input("nums", produce, weir::testing::TestingSource<int>({1, 2, 3, 4, 5}));
  auto messages = weir::op::map("message", nums, [](int x) {
    return weir::kafka::KafkaSinkMessage{.value = std::to_string(x * 2)};
  });
  weir::op::output("out", messages,
                   weir::kafka::KafkaSink({.brokers = cluster.bootstrap(), .topic = "nums"}));
  weir::run(produce);

  weir::Dataflow consume("consume");
  auto read =
      weir::op::input("in", consume,
                      std::make_shared<weir::kafka::KafkaSource>(weir::kafka::KafkaSourceOptions{
                          .brokers = cluster.bootstrap(), .topics = {"nums"}}));
  auto values = weir::op::map(
      "value", read, [](const weir::kafka::KafkaMessage& m) { return std::stoi(*m.value); });
  weir::testing::TestingSink<int> sink;
  weir::op::output("out", values, sink);
  weir::run(consume);
  int sum = 0;
  for (int x : sink.items()) sum += x;
  std::printf("sum=%d\n", sum);
  return sum == 30 ? 0 : 1;
}
