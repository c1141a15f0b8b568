// KafkaSource's consumer-group offsets: with recovery on, each partition commits the offset
// its last committed epoch stored, read back here by a client of its own (rd_kafka_committed).
#include <librdkafka/rdkafka.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <thread>

#include <weir/connectors/kafka/kafka_source.hpp>
#include <weir/connectors/kafka/message.hpp>

#include "kafka_support.hpp"

using weir::kafka::KafkaMessage;
using weir::kafka::KafkaSource;
using weir::kafka::KafkaSourceOptions;
using weir_test::kcat_produce;
using weir_test::MockClusterProcess;

namespace {

KafkaSourceOptions options(const MockClusterProcess& cluster, const std::string& topic) {
  KafkaSourceOptions o;
  o.brokers = cluster.bootstrap();
  o.topics = {topic};
  o.batch_size = 10;
  o.properties = {{"fetch.wait.max.ms", "10"}};
  return o;
}

std::vector<std::string> lines(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i) out.push_back("k:" + std::to_string(i));
  return out;
}

/// The offsets group `group` has committed for partitions 0..n-1 of `topic` (-1001: none).
std::vector<std::int64_t> committed(const std::string& brokers, const std::string& group,
                                    const std::string& topic, int n) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  REQUIRE(rd_kafka_conf_set(conf, "bootstrap.servers", brokers.c_str(), err, sizeof err) ==
          RD_KAFKA_CONF_OK);
  REQUIRE(rd_kafka_conf_set(conf, "group.id", group.c_str(), err, sizeof err) == RD_KAFKA_CONF_OK);
  std::unique_ptr<rd_kafka_t, void (*)(rd_kafka_t*)> rk(
      rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err), rd_kafka_destroy);
  REQUIRE(rk != nullptr);
  std::unique_ptr<rd_kafka_topic_partition_list_t, void (*)(rd_kafka_topic_partition_list_t*)> list(
      rd_kafka_topic_partition_list_new(n), rd_kafka_topic_partition_list_destroy);
  for (int p = 0; p < n; ++p) rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p);
  REQUIRE(rd_kafka_committed(rk.get(), list.get(), 10'000) == RD_KAFKA_RESP_ERR_NO_ERROR);
  std::vector<std::int64_t> out;
  for (int p = 0; p < n; ++p) out.push_back(list->elems[p].offset);
  return out;
}

/// (partition, offset) of each message, sorted.
std::vector<std::pair<int, std::int64_t>> where(const std::vector<KafkaMessage>& ms) {
  std::vector<std::pair<int, std::int64_t>> out;
  for (const auto& m : ms) out.emplace_back(m.partition, m.offset);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("KafkaSource commits to its consumer group the offsets its committed epochs stored") {
  MockClusterProcess cluster({"--topic", "orders:2"});
  weir_test::TempDir store;
  weir::recovery::init_store(store.path(), 1);
  auto run_once = [&](KafkaSourceOptions o, bool recovery) {
    weir::Dataflow flow("orders");
    auto s = weir::op::input("in", flow, std::make_shared<KafkaSource>(std::move(o)));
    weir::testing::TestingSink<KafkaMessage> sink;
    weir::op::output("out", s, sink);
    weir::RunConfig config{.epoch_interval = weir::Duration::zero()};
    if (recovery) config.recovery_directory = store.path();
    REQUIRE(weir::run(flow, config) == weir::RunOutcome::completed);
    return where(sink.items());
  };
  const std::int64_t none = RD_KAFKA_OFFSET_INVALID;
  CHECK(committed(cluster.bootstrap(), "weir", "orders", 2) ==
        std::vector<std::int64_t>{none, none});
  kcat_produce(cluster.bootstrap(), "orders", 0, lines(0, 25));
  kcat_produce(cluster.bootstrap(), "orders", 1, lines(0, 7));
  CHECK(run_once(options(cluster, "orders"), true).size() == 32);
  CHECK(committed(cluster.bootstrap(), "weir", "orders", 2) == std::vector<std::int64_t>{25, 7});

  kcat_produce(cluster.bootstrap(), "orders", 1, lines(7, 9));
  CHECK(run_once(options(cluster, "orders"), true) ==
        std::vector<std::pair<int, std::int64_t>>{{1, 7}, {1, 8}});
  CHECK(committed(cluster.bootstrap(), "weir", "orders", 2) == std::vector<std::int64_t>{25, 9});

  // a run without a store starts at the group's offsets (StartOffset::committed) and commits
  // nothing; another group.id is another group
  kcat_produce(cluster.bootstrap(), "orders", 0, lines(25, 26));
  auto from_group = options(cluster, "orders");
  from_group.start = weir::kafka::StartOffset::committed;
  CHECK(run_once(from_group, false) == std::vector<std::pair<int, std::int64_t>>{{0, 25}});
  CHECK(run_once(from_group, false) == std::vector<std::pair<int, std::int64_t>>{{0, 25}});
  auto other = from_group;
  other.properties["group.id"] = "audit";  // no offsets yet: from the beginning
  CHECK(run_once(other, false).size() == 35);
  CHECK(committed(cluster.bootstrap(), "audit", "orders", 2) ==
        std::vector<std::int64_t>{none, none});
}

TEST_CASE("KafkaSource's group offset never passes what the store has committed") {
  MockClusterProcess cluster({"--topic", "log:1"});
  kcat_produce(cluster.bootstrap(), "log", 0, lines(0, 200));
  weir_test::TempDir store;
  weir::recovery::init_store(store.path(), 1);
  auto source = std::make_shared<KafkaSource>(options(cluster, "log"));
  {
    // a sink that stops the run at once, mid-epoch, after 95 items
    weir::Dataflow flow("log");
    auto s = weir::op::input("in", flow, source);
    std::size_t seen = 0;
    auto counted = weir::op::map("count", s, [&](KafkaMessage&& m) {
      if (++seen == 95) throw weir::AbortExecution("stopped at 95");
      return m.offset;
    });
    weir::op::output("out", counted, weir::testing::TestingSink<std::int64_t>{});
    CHECK(weir::run(flow, {.epoch_interval = weir::Duration::zero(),
                           .recovery_directory = store.path()}) == weir::RunOutcome::aborted);
  }
  // the source's consumer lives on (in `source`), so a commit in flight still lands
  std::int64_t group = RD_KAFKA_OFFSET_INVALID;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while ((group = committed(cluster.bootstrap(), "weir", "log", 1)[0]) <= 0) {
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // the resumed run starts at the store's offset, which the group's never passes
  weir::Dataflow flow("log");
  auto s = weir::op::input("in", flow, std::make_shared<KafkaSource>(options(cluster, "log")));
  weir::testing::TestingSink<KafkaMessage> sink;
  weir::op::output("out", s, sink);
  REQUIRE(weir::run(flow, {.epoch_interval = weir::Duration::zero(),
                           .recovery_directory = store.path()}) == weir::RunOutcome::completed);
  const auto resumed = where(sink.items());
  REQUIRE_FALSE(resumed.empty());
  CHECK(resumed.back().second == 199);
  INFO("group offset " << group << ", resumed at " << resumed.front().second);
  CHECK(group <= resumed.front().second);
  CHECK(committed(cluster.bootstrap(), "weir", "log", 1)[0] == 200);
}
