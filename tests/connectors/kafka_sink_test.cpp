// KafkaSink against a mock cluster in another process, read back by kcat.
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include <weir/connectors/kafka/kafka_sink.hpp>
#include <weir/connectors/kafka/kafka_source.hpp>
#include <weir/connectors/kafka/serde.hpp>

#include <weir/connectors/kafka/message.hpp>
#include <weir/connectors/kafka/mock_cluster.hpp>

#include "kafka_support.hpp"

using weir::kafka::KafkaSink;
using weir::kafka::KafkaSinkMessage;
using weir::kafka::KafkaSinkOptions;
using weir_test::MockClusterProcess;
using weir_test::shell;
using Lines = std::vector<std::string>;

namespace {

/// Every message of `topic`, as kcat formats them with `format`, sorted.
Lines kcat_read(const MockClusterProcess& cluster, const std::string& topic,
                const std::string& format) {
  const std::string out = shell("kcat -C -q -b " + cluster.bootstrap() + " -t " + topic +
                                " -o beginning -e -f '" + format + "\\n'");
  Lines lines;
  std::size_t at = 0;
  for (std::size_t nl; (nl = out.find('\n', at)) != std::string::npos; at = nl + 1) {
    lines.push_back(out.substr(at, nl - at));
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

}  // namespace

TEST_CASE("KafkaSink writes keyed items that kcat reads back byte for byte") {
  MockClusterProcess cluster({"--topic", "out:3"});
  const std::string binary("\x01\xfe\x80\x00z", 5);
  std::vector<std::pair<std::string, std::string>> items;
  for (int i = 0; i < 300; ++i) {
    items.emplace_back(std::string("key").append(std::to_string(i)),
                       i == 7 ? binary : std::string("value").append(std::to_string(i)));
  }
  weir::Dataflow flow("produce");
  auto s = weir::op::input("in", flow, weir::testing::TestingSource(items, 16));
  auto msgs = weir::op::map(
      "encode", s,
      weir::kafka::keyed_encoder(weir::kafka::string_bytes{}, weir::kafka::string_bytes{}));
  weir::op::output("out", msgs, KafkaSink({.brokers = cluster.bootstrap(), .topic = "out"}));
  REQUIRE(weir::run(flow, {.workers = 2}) == weir::RunOutcome::completed);

  Lines expected;
  for (const auto& [k, v] : items) {
    expected.push_back(k + "\t" + v);
  }
  std::sort(expected.begin(), expected.end());
  CHECK(kcat_read(cluster, "out", "%k\\t%s") == expected);
}

TEST_CASE("KafkaSink sends each message to its own topic and partition, with headers") {
  MockClusterProcess cluster({"--topic", "a:2", "--topic", "b:2"});
  std::vector<KafkaSinkMessage> items{
      {"k1", "v1", "a", 1, {{"h", "x"}}},
      {std::nullopt, "v2", "b", 0, {}},
      {"k3", "v3", std::nullopt, 0, {{"h1", "y"}, {"h2", "z"}}},
  };
  weir::Dataflow flow("route");
  auto s = weir::op::input("in", flow, weir::testing::TestingSource(items));
  weir::op::output("out", s, KafkaSink({.brokers = cluster.bootstrap(), .topic = "b"}));
  REQUIRE(weir::run(flow) == weir::RunOutcome::completed);
  CHECK(kcat_read(cluster, "a", "%p|%k|%s|%h") == Lines{"1|k1|v1|h=x"});
  CHECK(kcat_read(cluster, "b", "%p|%k|%s|%h") == Lines{"0|k3|v3|h1=y,h2=z", "0||v2|"});
}

TEST_CASE("KafkaSink output read by KafkaSource decodes to the same keyed items") {
  MockClusterProcess cluster({"--topic", "counts:2"});
  std::vector<std::pair<std::string, std::uint64_t>> items{{"a", 1}, {"b", 20}, {"c", 300}};
  {
    weir::Dataflow flow("write");
    auto s = weir::op::input("in", flow, weir::testing::TestingSource(items));
    auto m = weir::op::map(
        "encode", s,
        weir::kafka::keyed_encoder(weir::kafka::string_bytes{}, weir::kafka::raw_bytes{}));
    weir::op::output("out", m, KafkaSink({.brokers = cluster.bootstrap(), .topic = "counts"}));
    REQUIRE(weir::run(flow) == weir::RunOutcome::completed);
  }
  weir::Dataflow flow("read");
  weir::kafka::KafkaSourceOptions o;
  o.brokers = cluster.bootstrap();
  o.topics = {"counts"};
  o.properties = {{"fetch.wait.max.ms", "10"}};
  auto s = weir::op::input("in", flow, std::make_shared<weir::kafka::KafkaSource>(o));
  auto kv = weir::op::map("decode", s,
                          weir::kafka::keyed_decoder<std::string, std::uint64_t>(
                              weir::kafka::from_string{}, weir::kafka::from_raw<std::uint64_t>{}));
  weir::testing::TestingSink<std::pair<std::string, std::uint64_t>> sink;
  weir::op::output("out", kv, sink);
  REQUIRE(weir::run(flow) == weir::RunOutcome::completed);
  CHECK(weir_test::sorted(sink.items()) == items);
}

TEST_CASE("A KafkaSink delivery failure stops the run naming the topic and partition") {
  MockClusterProcess cluster({"--topic", "out:1"});
  REQUIRE(cluster.command("down 1") == "ok");
  weir::Dataflow flow("lost");
  auto s = weir::op::input(
      "in", flow,
      weir::testing::TestingSource(std::vector<KafkaSinkMessage>{{"k", "v", "out", 0, {}}}));
  weir::op::output(
      "out", s,
      KafkaSink({.brokers = cluster.bootstrap(), .properties = {{"message.timeout.ms", "300"}}}));
  CHECK(weir_test::error_of([&] { weir::run(flow); }) ==
        "step 'lost.out' failed in write_batch of op::output(\"out\") (worker 0): kafka sink: "
        "delivery to topic 'out' "
        "partition 0 failed: Local: Message timed out");
}

TEST_CASE("A dataflow writing to Kafka loses nothing when the broker goes down mid-run") {
  MockClusterProcess cluster({"--topic", "out:2"});
  std::vector<std::pair<std::string, std::string>> items;
  for (int i = 0; i < 2000; ++i) {
    items.emplace_back(std::string("k").append(std::to_string(i)),
                       std::string("v").append(std::to_string(i)));
  }
  std::atomic<std::size_t> written{0};
  weir::Dataflow flow("produce");
  auto s = weir::op::input("in", flow, weir::testing::TestingSource(items, 10));
  auto slow = weir::op::map("slow", s, [&](std::pair<std::string, std::string>&& kv) {
    std::this_thread::sleep_for(std::chrono::microseconds(200));
    ++written;
    return std::move(kv);
  });
  auto msgs = weir::op::map(
      "encode", slow,
      weir::kafka::keyed_encoder(weir::kafka::string_bytes{}, weir::kafka::string_bytes{}));
  weir::op::output("out", msgs, KafkaSink({.brokers = cluster.bootstrap(), .topic = "out"}));
  std::thread run([&] { weir::run(flow); });
  while (written < 100) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  REQUIRE(cluster.command("down 1") == "ok");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(written < 2000);  // the outage did interrupt the run
  REQUIRE(cluster.command("up 1") == "ok");
  run.join();
  // at-least-once: every item is there (a retried request may have been stored twice)
  Lines expected;
  for (const auto& [k, v] : items) {
    expected.push_back(k + "\t" + v);
  }
  std::sort(expected.begin(), expected.end());
  Lines got = kcat_read(cluster, "out", "%k\\t%s");
  got.erase(std::unique(got.begin(), got.end()), got.end());
  CHECK(got == expected);
}
