// kafka: a mock cluster (in this process) holding 32 partitions x 40,000 messages of 100
// random bytes; weir's KafkaSource -> counting sink on 1 and 2 workers, against a plain
// librdkafka consumer loop (assign every partition at the beginning, batch consume from the
// consumer queue, same consumer settings) reading the same messages, each repeated.
//
//   bench_kafka [MESSAGES_PER_PARTITION] [REPEATS] [ONLY]    (defaults: 40000 5)
//
// ONLY = raw, w1 or w2 runs just that one (for profiling) and writes no results.

#include <librdkafka/rdkafka.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <stdexcept>
#include <string>

#include <weir/connectors/kafka/kafka_source.hpp>
#include <weir/connectors/kafka/mock_cluster.hpp>
#include <weir/weir.hpp>

#include "bench_support.hpp"

namespace {

constexpr int kPartitions = 32;
constexpr std::size_t kValueBytes = 100;
const char* const kTopic = "bench";

rd_kafka_conf_t* conf_with(const std::map<std::string, std::string>& props) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  std::array<char, 512> err{};
  for (const auto& [k, v] : props) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err.data(), err.size()) != RD_KAFKA_CONF_OK) {
      throw std::runtime_error(k + ": " + err.data());
    }
  }
  return conf;
}

void fill(const std::string& brokers, std::int64_t per_partition) {
  std::array<char, 512> err{};
  rd_kafka_t* p = rd_kafka_new(
      RD_KAFKA_PRODUCER,
      conf_with(
          {{"bootstrap.servers", brokers}, {"linger.ms", "20"}, {"batch.num.messages", "10000"}}),
      err.data(), err.size());
  if (p == nullptr) {
    throw std::runtime_error(err.data());
  }
  std::mt19937_64 rng(42);
  std::string pool(1 << 20, '\0');
  for (auto& c : pool) {
    c = static_cast<char>(rng());
  }
  for (std::int64_t i = 0; i < per_partition; ++i) {
    for (int part = 0; part < kPartitions; ++part) {
      char* value = pool.data() + rng() % (pool.size() - kValueBytes);
      while (rd_kafka_producev(p, RD_KAFKA_V_TOPIC(kTopic), RD_KAFKA_V_PARTITION(part),
                               RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                               RD_KAFKA_V_VALUE(value, kValueBytes),
                               RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        rd_kafka_poll(p, 10);
      }
    }
  }
  rd_kafka_flush(p, 60'000);
  for (int part = 0; part < kPartitions; ++part) {
    std::int64_t lo = 0;
    std::int64_t hi = 0;
    rd_kafka_query_watermark_offsets(p, kTopic, part, &lo, &hi, 10'000);
    if (lo != 0 || hi != per_partition) {
      throw std::runtime_error("the mock kept offsets " + std::to_string(lo) + ".." +
                               std::to_string(hi) + " of partition " + std::to_string(part) +
                               ": fewer messages per partition, please");
    }
  }
  rd_kafka_destroy(p);
}

// The settings KafkaSource uses, for the raw loop.
const std::map<std::string, std::string> kConsumerSettings{{"group.id", "weir"},
                                                           {"enable.auto.commit", "false"},
                                                           {"enable.auto.offset.store", "false"},
                                                           {"auto.offset.reset", "error"},
                                                           {"fetch.wait.max.ms", "100"},
                                                           {"log_level", "3"}};

std::uint64_t raw(const std::string& brokers, std::uint64_t total) {
  auto settings = kConsumerSettings;
  settings["bootstrap.servers"] = brokers;
  std::array<char, 512> err{};
  rd_kafka_t* c = rd_kafka_new(RD_KAFKA_CONSUMER, conf_with(settings), err.data(), err.size());
  if (c == nullptr) {
    throw std::runtime_error(err.data());
  }
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(kPartitions);
  for (int part = 0; part < kPartitions; ++part) {
    rd_kafka_topic_partition_list_add(list, kTopic, part)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_assign(c, list);
  rd_kafka_topic_partition_list_destroy(list);
  rd_kafka_queue_t* q = rd_kafka_queue_get_consumer(c);
  std::vector<rd_kafka_message_t*> batch(1000);
  std::uint64_t count = 0;
  std::uint64_t bytes = 0;
  while (count < total) {
    const ssize_t n = rd_kafka_consume_batch_queue(q, 100, batch.data(), batch.size());
    for (ssize_t i = 0; i < n; ++i) {
      rd_kafka_message_t* m = batch[static_cast<std::size_t>(i)];
      if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw std::runtime_error(rd_kafka_message_errstr(m));
      }
      ++count;
      bytes += m->len;
      rd_kafka_message_destroy(m);
    }
  }
  rd_kafka_queue_destroy(q);
  rd_kafka_consumer_close(c);
  rd_kafka_destroy(c);
  return bytes / kValueBytes;
}

// Counts what it is given (messages whose values have the expected size).
class CountSink final : public weir::DynamicSink<weir::kafka::KafkaMessage> {
 public:
  explicit CountSink(std::atomic<std::uint64_t>& n) : n_(&n) {}
  class Part final : public weir::StatelessSinkPartition<weir::kafka::KafkaMessage> {
   public:
    explicit Part(std::atomic<std::uint64_t>& n) : n_(&n) {}
    void write_batch(std::vector<weir::kafka::KafkaMessage>&& items) override {
      std::uint64_t ok = 0;
      for (const auto& m : items) {
        ok += m.value && m.value->size() == kValueBytes ? 1 : 0;
      }
      n_->fetch_add(ok, std::memory_order_relaxed);
    }

   private:
    std::atomic<std::uint64_t>* n_;
  };
  std::unique_ptr<partition_type> build(const std::string&, std::size_t,
                                        std::size_t) const override {
    return std::make_unique<Part>(*n_);
  }

 private:
  std::atomic<std::uint64_t>* n_;
};

std::uint64_t weir_run(const std::string& brokers, std::size_t workers) {
  weir::kafka::KafkaSourceOptions o;
  o.brokers = brokers;
  o.topics = {kTopic};
  o.batch_size = 1000;
  std::atomic<std::uint64_t> n{0};
  weir::Dataflow flow("kafka");
  auto s = weir::op::input("in", flow, std::make_shared<weir::kafka::KafkaSource>(o));
  weir::op::output("count", s, CountSink(n));
  weir::run(flow, {.workers = workers});
  return n.load();
}

}  // namespace

int main(int argc, char** argv) {
  const std::int64_t per = argc > 1 ? std::atoll(argv[1]) : 40'000;
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 5;
  const std::string only = argc > 3 ? argv[3] : "";
  const auto total = static_cast<std::uint64_t>(per) * kPartitions;
  weir::kafka::MockCluster cluster(1);
  cluster.create_topic(kTopic, kPartitions);
  const std::string brokers = cluster.bootstrap();
  fill(brokers, per);

  auto timed = [&](const char* name, auto&& f, std::vector<double>& into) {
    std::uint64_t got = 0;
    into.push_back(weir_bench::seconds([&] { got = f(); }));
    if (got != total) {
      throw std::runtime_error(std::string(name) + " read " + std::to_string(got) +
                               " messages, expected " + std::to_string(total));
    }
  };
  std::vector<double> t_raw;
  std::vector<double> t_w1;
  std::vector<double> t_w2;
  for (int r = 0; r < repeats; ++r) {
    if (only.empty() || only == "raw") {
      timed(
          "raw", [&] { return raw(brokers, total); }, t_raw);
    }
    if (only.empty() || only == "w1") {
      timed(
          "w1", [&] { return weir_run(brokers, 1); }, t_w1);
    }
    if (only.empty() || only == "w2") {
      timed(
          "w2", [&] { return weir_run(brokers, 2); }, t_w2);
    }
  }
  const double n = static_cast<double>(total);
  if (!only.empty()) {
    auto& t = only == "raw" ? t_raw : only == "w1" ? t_w1 : t_w2;
    std::printf("%s: %.3e messages/s\n", only.c_str(), n / weir_bench::median(t));
    return 0;
  }
  const double r_raw = n / weir_bench::median(t_raw);
  const double r_w1 = n / weir_bench::median(t_w1);
  const double r_w2 = n / weir_bench::median(t_w2);
  std::printf("kafka: mock cluster, %d partitions x %ld messages of %zu bytes, median of %d\n",
              kPartitions, static_cast<long>(per), kValueBytes, repeats);
  std::printf("%-12s %14s %10s\n", "run", "messages/s", "ratio");
  std::printf("%-12s %14.3e %10s\n", "raw", r_raw, "1.00");
  std::printf("%-12s %14.3e %10.2f  (goal >= 0.80 x raw)\n", "weir_w1", r_w1, r_w1 / r_raw);
  std::printf("%-12s %14.3e %10.2f\n", "weir_w2", r_w2, r_w2 / r_raw);
  weir_bench::write_results("kafka", {{"raw", r_raw}, {"weir_w1", r_w1}, {"weir_w2", r_w2}});
  return 0;
}
