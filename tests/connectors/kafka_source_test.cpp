// KafkaSource against a mock cluster in another process, fed by kcat.
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include <weir/connectors/kafka/kafka_source.hpp>

#include <weir/connectors/kafka/kafka_sink.hpp>
#include <weir/connectors/kafka/message.hpp>
#include <weir/connectors/kafka/mock_cluster.hpp>
#include <weir/connectors/kafka/serde.hpp>

#include "kafka_support.hpp"

using weir::kafka::KafkaMessage;
using weir::kafka::KafkaSource;
using weir::kafka::KafkaSourceOptions;
using weir_test::kcat_produce;
using weir_test::MockClusterProcess;

namespace {

KafkaSourceOptions options(const MockClusterProcess& cluster, std::string topic) {
  KafkaSourceOptions o;
  o.brokers = cluster.bootstrap();
  o.topics = {std::move(topic)};
  o.properties = {{"fetch.wait.max.ms", "10"}};
  return o;
}

/// Concatenates (GCC 12 warns falsely about "literal" + std::to_string(i)).
template <class... T>
std::string cat(const T&... parts) {
  std::string out;
  (out.append(parts), ...);
  return out;
}

std::vector<std::string> numbered(const std::string& prefix, int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i) {
    out.push_back(cat("k", std::to_string(i), ":", prefix, std::to_string(i)));
  }
  return out;
}

/// (partition, offset, key, value) of each message.
using Row = std::tuple<int, std::int64_t, std::string, std::string>;
std::vector<Row> rows(const std::vector<KafkaMessage>& ms) {
  std::vector<Row> out;
  for (const auto& m : ms) {
    out.emplace_back(m.partition, m.offset, m.key.value_or("<none>"), m.value.value_or("<none>"));
  }
  std::sort(out.begin(), out.end());
  return out;
}

/// Polls `part` until it ends (or `limit` messages arrived); fails after 20 s.
std::vector<KafkaMessage> drain(weir::StatefulSourcePartition<KafkaMessage, std::int64_t>& part,
                                std::size_t limit = SIZE_MAX) {
  std::vector<KafkaMessage> got;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (got.size() < limit) {
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    auto batch = part.next_batch();
    if (!batch) {
      break;
    }
    for (auto& m : *batch) {
      got.push_back(std::move(m));
    }
    if (batch->empty()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  return got;
}

}  // namespace

TEST_CASE(
    "KafkaSource reads what kcat produced to every partition, headers included, and stops "
    "at the end") {
  MockClusterProcess cluster({"--topic", "events:3"});
  for (int p = 0; p < 3; ++p) {
    kcat_produce(cluster.bootstrap(), "events", p, numbered(cat("p", std::to_string(p), "v"), 0, 5),
                 p == 1 ? "-H source=kcat" : "");
  }
  auto src = std::make_shared<KafkaSource>(options(cluster, "events"));
  CHECK(src->list_parts() == std::vector<std::string>{"0-events", "1-events", "2-events"});

  weir::Dataflow flow("kafka");
  auto s = weir::op::input("in", flow, src);
  weir::testing::TestingSink<KafkaMessage> sink;
  weir::op::output("out", s, sink);
  REQUIRE(weir::run(flow, {.workers = 2}) == weir::RunOutcome::completed);

  std::vector<Row> expected;
  for (int p = 0; p < 3; ++p) {
    for (int i = 0; i < 5; ++i) {
      expected.emplace_back(p, i, cat("k", std::to_string(i)),
                            cat("p", std::to_string(p), "v", std::to_string(i)));
    }
  }
  const auto got = sink.items();
  CHECK(rows(got) == expected);
  for (const auto& m : got) {
    CHECK(m.topic == "events");
    CHECK(m.timestamp_ms > 0);
    CHECK_FALSE(m.error.has_value());
    if (m.partition == 1) {
      CHECK(m.headers == std::vector<weir::kafka::Header>{{"source", "kcat"}});
    } else {
      CHECK(m.headers.empty());
    }
  }
}

TEST_CASE("KafkaSource resumes at its snapshot offset, starts at the end if asked, and tails") {
  MockClusterProcess cluster({"--topic", "log:1"});
  kcat_produce(cluster.bootstrap(), "log", 0, numbered("v", 0, 10));
  KafkaSource src(options(cluster, "log"));
  REQUIRE(src.list_parts() == std::vector<std::string>{"0-log"});

  auto first = src.build_part("s", "0-log", std::nullopt);
  auto got = drain(*first, 4);
  REQUIRE(got.size() >= 4);
  const std::int64_t at = got[3].offset + 1;
  // the snapshot is the offset after the last message handed out
  CHECK(first->snapshot() == got.back().offset + 1);
  first->close();

  auto resumed = src.build_part("s", "0-log", at);
  std::vector<std::int64_t> offsets;
  for (const auto& m : drain(*resumed)) {
    offsets.push_back(m.offset);
  }
  CHECK(offsets == std::vector<std::int64_t>{4, 5, 6, 7, 8, 9});
  CHECK(resumed->snapshot() == 10);
  resumed->close();

  auto opts = options(cluster, "log");
  opts.start = weir::kafka::StartOffset::end;
  KafkaSource from_end(opts);
  CHECK(drain(*from_end.build_part("s", "0-log", std::nullopt)).empty());

  opts.start = weir::kafka::StartOffset::beginning;
  opts.tail = true;
  KafkaSource tail(opts);
  auto tailing = tail.build_part("s", "0-log", 8);
  CHECK(rows(drain(*tailing, 2)) == std::vector<Row>{{0, 8, "k8", "v8"}, {0, 9, "k9", "v9"}});
  kcat_produce(cluster.bootstrap(), "log", 0, numbered("v", 10, 12));
  CHECK(rows(drain(*tailing, 2)) == std::vector<Row>{{0, 10, "k10", "v10"}, {0, 11, "k11", "v11"}});
  CHECK(tailing->snapshot() == 12);
}

TEST_CASE(
    "KafkaSource reads a partition through a prefetch queue far smaller than it and never waits "
    "out librdkafka's second") {
  // librdkafka 2.0.2 stops fetching a partition whose queue is at queued.min.messages and looks
  // again a second later unless woken: 3,000 messages in fetches of one 10-message batch
  // through a queue of 20 would take minutes without the wake-up, past drain()'s 20 s.
  MockClusterProcess cluster({"--topic", "big:1"});
  kcat_produce(cluster.bootstrap(), "big", 0, numbered("v", 0, 3000), "-X batch.num.messages=10");
  auto opts = options(cluster, "big");
  opts.properties["queued.min.messages"] = "20";
  opts.properties["fetch.message.max.bytes"] = "1";  // one record batch per fetch
  opts.batch_size = 7;
  KafkaSource src(opts);
  auto part = src.build_part("s", "0-big", std::nullopt);
  const auto got = drain(*part);
  REQUIRE(got.size() == 3000);
  for (std::size_t i = 0; i < got.size(); ++i) {
    REQUIRE(got[i].offset == static_cast<std::int64_t>(i));
    REQUIRE(got[i].value == cat("v", std::to_string(i)));
  }
  CHECK(part->snapshot() == 3000);
}

TEST_CASE("KafkaSource continues where the last run's committed epoch left it") {
  MockClusterProcess cluster({"--topic", "orders:2"});
  weir_test::TempDir store;
  weir::recovery::init_store(store.path(), 1);
  auto run_once = [&] {
    weir::Dataflow flow("orders");
    auto s = weir::op::input("in", flow, std::make_shared<KafkaSource>(options(cluster, "orders")));
    weir::testing::TestingSink<KafkaMessage> sink;
    weir::op::output("out", s, sink);
    REQUIRE(weir::run(flow, {.recovery_directory = store.path()}) == weir::RunOutcome::completed);
    return rows(sink.items());
  };
  kcat_produce(cluster.bootstrap(), "orders", 0, numbered("a", 0, 3));
  kcat_produce(cluster.bootstrap(), "orders", 1, numbered("b", 0, 2));
  CHECK(run_once() == std::vector<Row>{{0, 0, "k0", "a0"},
                                       {0, 1, "k1", "a1"},
                                       {0, 2, "k2", "a2"},
                                       {1, 0, "k0", "b0"},
                                       {1, 1, "k1", "b1"}});
  kcat_produce(cluster.bootstrap(), "orders", 1, numbered("b", 2, 4));
  CHECK(run_once() == std::vector<Row>{{1, 2, "k2", "b2"}, {1, 3, "k3", "b3"}});
  CHECK(run_once().empty());
}

TEST_CASE("KafkaSource refuses a missing topic when the flow is built, naming it") {
  MockClusterProcess cluster({"--topic", "present:1"});
  weir::Dataflow flow("kafka");
  auto s = weir::op::input("in", flow, std::make_shared<KafkaSource>(options(cluster, "absent")));
  weir::op::output("out", s, weir::testing::TestingSink<KafkaMessage>{});
  CHECK(weir_test::error_of([&] { weir::run(flow); }) ==
        "step 'kafka.in' failed in list_parts of op::input(\"in\") (worker 0): kafka source: topic "
        "'absent' does not "
        "exist on brokers " +
            cluster.bootstrap());
}

TEST_CASE("KafkaSource raises a partition's broker error naming it, or passes it downstream") {
  MockClusterProcess cluster({"--topic", "short:1"});
  kcat_produce(cluster.bootstrap(), "short", 0, numbered("v", 0, 3));
  auto opts = options(cluster, "short");
  opts.tail = true;  // so a resume point past the end is fetched, not taken as the end
  {
    KafkaSource src(opts);
    auto part = src.build_part("s", "0-short", 50);
    const std::string error = weir_test::error_of([&] { drain(*part); });
    CHECK(error.rfind("kafka topic 'short' partition 0: ", 0) == 0);
    CHECK(error.find("Offset out of range") != std::string::npos);
  }
  opts.on_error = weir::kafka::OnError::emit;
  KafkaSource src(opts);
  auto part = src.build_part("s", "0-short", 50);
  const auto got = drain(*part, 1);
  REQUIRE(got.size() == 1);
  REQUIRE(got[0].error.has_value());
  CHECK(got[0].topic == "short");
  CHECK(got[0].partition == 0);
  CHECK(got[0].error->message.find("Offset out of range") != std::string::npos);
}

TEST_CASE("KafkaSource loses nothing when the broker goes down mid-read and comes back") {
  MockClusterProcess cluster({"--topic", "steady:2"});
  // many small message sets, fetched a few at a time: most are still on the broker when it
  // goes down
  for (int p = 0; p < 2; ++p) {
    kcat_produce(cluster.bootstrap(), "steady", p, numbered("v", 0, 2000),
                 "-X batch.num.messages=20 -X linger.ms=0");
  }
  auto opts = options(cluster, "steady");
  opts.batch_size = 100;
  opts.properties["max.partition.fetch.bytes"] = "1024";
  opts.properties["queued.max.messages.kbytes"] = "1";
  KafkaSource src(opts);
  std::vector<std::unique_ptr<weir::StatefulSourcePartition<KafkaMessage, std::int64_t>>> parts;
  parts.push_back(src.build_part("s", "0-steady", std::nullopt));
  parts.push_back(src.build_part("s", "1-steady", std::nullopt));
  auto got = drain(*parts[0], 100);
  REQUIRE(cluster.command("down 1") == "ok");
  for (int i = 0; i < 50; ++i) {
    for (auto& part : parts) {
      auto b = part->next_batch();
      if (b) {
        for (auto& m : *b) {
          got.push_back(std::move(m));
        }
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  CHECK(got.size() < 4000);  // the outage did interrupt the reading
  REQUIRE(cluster.command("up 1") == "ok");
  for (auto& part : parts) {
    for (auto& m : drain(*part)) {
      got.push_back(std::move(m));
    }
  }
  std::vector<Row> expected;
  for (int p = 0; p < 2; ++p) {
    for (int i = 0; i < 2000; ++i) {
      expected.emplace_back(p, i, cat("k", std::to_string(i)), cat("v", std::to_string(i)));
    }
  }
  std::sort(expected.begin(), expected.end());
  CHECK(rows(got) == expected);
}

TEST_CASE("KafkaSource over several topics has a partition per topic partition") {
  MockClusterProcess cluster({"--topic", "a:2", "--topic", "b:1"});
  kcat_produce(cluster.bootstrap(), "a", 1, {"x:1"});
  kcat_produce(cluster.bootstrap(), "b", 0, {"y:2", "z:3"});
  auto opts = options(cluster, "a");
  opts.topics.push_back("b");
  auto src = std::make_shared<KafkaSource>(opts);
  CHECK(src->list_parts() == std::vector<std::string>{"0-a", "1-a", "0-b"});
  weir::Dataflow flow("kafka");
  auto s = weir::op::input("in", flow, src);
  weir::testing::TestingSink<KafkaMessage> sink;
  weir::op::output("out", s, sink);
  REQUIRE(weir::run(flow, {.workers = 2}) == weir::RunOutcome::completed);
  std::vector<std::string> got;
  for (const auto& m : sink.items()) {
    got.push_back(cat(m.topic, "/", std::to_string(m.partition), "/", *m.key, "=", *m.value));
  }
  CHECK(weir_test::sorted(got) == std::vector<std::string>{"a/1/x=1", "b/0/y=2", "b/0/z=3"});
}

TEST_CASE("A dataflow reading Kafka loses nothing when the broker goes down mid-run") {
  MockClusterProcess cluster({"--topic", "flow:2"});
  for (int p = 0; p < 2; ++p) {
    kcat_produce(cluster.bootstrap(), "flow", p, numbered("v", 0, 1000),
                 "-X batch.num.messages=20 -X linger.ms=0");
  }
  auto opts = options(cluster, "flow");
  opts.batch_size = 10;
  opts.properties["max.partition.fetch.bytes"] = "1024";
  opts.properties["queued.max.messages.kbytes"] = "1";
  weir::Dataflow flow("kafka");
  auto s = weir::op::input("in", flow, std::make_shared<KafkaSource>(opts));
  // a slow step, so the outage surely falls in the middle of the run
  auto slow = weir::op::map("slow", s, [](KafkaMessage&& m) {
    std::this_thread::sleep_for(std::chrono::microseconds(200));
    return std::move(m);
  });
  weir::testing::TestingSink<KafkaMessage> sink;
  weir::op::output("out", slow, sink);
  std::thread run([&] { weir::run(flow); });
  while (sink.items().size() < 100) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  REQUIRE(cluster.command("down 1") == "ok");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(sink.items().size() < 2000);  // the outage did interrupt the run
  REQUIRE(cluster.command("up 1") == "ok");
  run.join();
  std::vector<Row> expected;
  for (int p = 0; p < 2; ++p) {
    for (int i = 0; i < 1000; ++i) {
      expected.emplace_back(p, i, cat("k", std::to_string(i)), cat("v", std::to_string(i)));
    }
  }
  std::sort(expected.begin(), expected.end());
  CHECK(rows(sink.items()) == expected);
}
