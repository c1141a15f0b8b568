// kafka: a mock cluster (weir-kafka-mock, a process of its own) holding 32 partitions x
// 40,000 messages of 100 random bytes; weir's KafkaSource -> counting sink on 1 and 2
// workers, against a plain librdkafka consumer loop (assign every partition at the
// beginning, batch consume from the consumer queue, same consumer settings) reading the same
// messages; rounds of raw, w1, w2 back to back, each run in a child process of its own (its
// time, its peak RSS); every run must read every message and the same values (the sum of
// each value's first 8 bytes).
//
//   bench_kafka [MESSAGES_PER_PARTITION] [REPEATS] [ONLY]    (defaults: 40000 5)
//
// ONLY = raw, w1 or w2 runs just that one (for profiling) and writes no results.

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <random>
#include <stdexcept>
#include <string>

#include <weir/connectors/kafka/kafka_source.hpp>
#include <weir/connectors/kafka/mock_cluster_process.hpp>
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

// The settings KafkaSource uses, for the raw loop, but for its prefetch bounds
// (queued.min.messages, queued.max.messages.kbytes): a plain loop bounded so would wait out
// librdkafka 2.0.2's one-second fetch back-off each time a queue filled, where KafkaSource
// wakes the fetcher. The raw loop reads every partition from the one consumer queue (each
// partition's queue forwarded to it), which librdkafka's default limits bound as a whole.
const std::map<std::string, std::string> kConsumerSettings{{"group.id", "weir"},
                                                           {"enable.auto.commit", "false"},
                                                           {"enable.auto.offset.store", "false"},
                                                           {"auto.offset.reset", "error"},
                                                           {"fetch.wait.max.ms", "100"},
                                                           {"log_level", "3"}};

/// What a run read: messages, and the sum of each value's first 8 bytes (as a number).
struct Read {
  std::uint64_t count = 0;
  std::uint64_t checksum = 0;
  bool operator==(const Read&) const = default;
};

std::uint64_t first_word(const void* value, std::size_t len) {
  std::uint64_t w = 0;
  std::memcpy(&w, value, std::min(len, sizeof w));
  return w;
}

Read raw(const std::string& brokers, std::uint64_t total) {
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
  Read read;
  while (read.count < total) {
    const ssize_t n = rd_kafka_consume_batch_queue(q, 100, batch.data(), batch.size());
    for (ssize_t i = 0; i < n; ++i) {
      rd_kafka_message_t* m = batch[static_cast<std::size_t>(i)];
      if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw std::runtime_error(rd_kafka_message_errstr(m));
      }
      ++read.count;
      read.checksum += first_word(m->payload, m->len);
      rd_kafka_message_destroy(m);
    }
  }
  rd_kafka_queue_destroy(q);
  rd_kafka_consumer_close(c);
  rd_kafka_destroy(c);
  return read;
}

// Counts the messages it is given and sums their values' first words.
class CountSink final : public weir::DynamicSink<weir::kafka::KafkaMessage> {
 public:
  explicit CountSink(std::atomic<std::uint64_t>& n, std::atomic<std::uint64_t>& sum)
      : n_(&n), sum_(&sum) {}
  class Part final : public weir::StatelessSinkPartition<weir::kafka::KafkaMessage> {
   public:
    Part(std::atomic<std::uint64_t>& n, std::atomic<std::uint64_t>& sum) : n_(&n), sum_(&sum) {}
    void write_batch(std::vector<weir::kafka::KafkaMessage>&& items) override {
      std::uint64_t sum = 0;
      for (const auto& m : items) {
        if (m.value) {
          sum += first_word(m.value->data(), m.value->size());
        }
      }
      n_->fetch_add(items.size(), std::memory_order_relaxed);
      sum_->fetch_add(sum, std::memory_order_relaxed);
    }

   private:
    std::atomic<std::uint64_t>* n_;
    std::atomic<std::uint64_t>* sum_;
  };
  std::unique_ptr<partition_type> build(const std::string&, std::size_t,
                                        std::size_t) const override {
    return std::make_unique<Part>(*n_, *sum_);
  }

 private:
  std::atomic<std::uint64_t>* n_;
  std::atomic<std::uint64_t>* sum_;
};

Read weir_run(const std::string& brokers, std::size_t workers) {
  weir::kafka::KafkaSourceOptions o;
  o.brokers = brokers;
  o.topics = {kTopic};
  o.batch_size = 1000;
  std::atomic<std::uint64_t> n{0};
  std::atomic<std::uint64_t> sum{0};
  weir::Dataflow flow("kafka");
  auto s = weir::op::input("in", flow, std::make_shared<weir::kafka::KafkaSource>(o));
  weir::op::output("count", s, CountSink(n, sum));
  weir::run(flow, {.workers = workers});
  return {n.load(), sum.load()};
}

}  // namespace

int main(int argc, char** argv) {
  const weir_bench::Args args =
      weir_bench::parse_args(argc, argv, {.items = 40'000, .repeats = 5, .options = {}},
                             "[MESSAGES_PER_PARTITION] [REPEATS] [ONLY]");
  const std::string& only = args.only;
  if (!only.empty() && only != "raw" && only != "w1" && only != "w2") {
    return std::fprintf(stderr, "ONLY must be raw, w1 or w2, not '%s'\n", only.c_str()), 2;
  }
  const std::uint64_t total = args.items * kPartitions;
  // the brokers in a process of their own, so each run's peak memory is the client's alone
  const weir::kafka::MockClusterProcess mock(
      WEIR_KAFKA_MOCK_BIN, {"--topic", std::string(kTopic) + ":" + std::to_string(kPartitions)});
  const std::string& brokers = mock.bootstrap();
  fill(brokers, static_cast<std::int64_t>(args.items));

  // Interleaved: raw, w1, w2 in each round, each in a child process of its own.
  std::map<std::string, std::vector<weir_bench::ChildRun<Read>>> runs;
  const std::map<std::string, std::function<Read()>> cases{
      {"raw", [&] { return raw(brokers, total); }},
      {"w1", [&] { return weir_run(brokers, 1); }},
      {"w2", [&] { return weir_run(brokers, 2); }}};
  Read expected;
  for (int r = 0; r < args.repeats; ++r) {
    for (const char* name : {"raw", "w1", "w2"}) {
      if (!only.empty() && only != name) {
        continue;
      }
      const auto run = weir_bench::in_child(cases.at(name));
      if (run.result.count != total || (expected.count != 0 && !(run.result == expected))) {
        std::fprintf(stderr, "%s read %lu messages (first words summing to %lu), expected %lu\n",
                     name, run.result.count, run.result.checksum, total);
        return 1;
      }
      expected = run.result;
      runs[name].push_back(run);
    }
  }
  const double n = static_cast<double>(total);
  auto rate = [&](const std::string& name) {
    std::vector<double> t;
    for (const auto& r : runs[name]) {
      t.push_back(r.seconds);
    }
    return n / weir_bench::median(t);
  };
  auto rss = [&](const std::string& name) {
    std::vector<double> m;
    for (const auto& r : runs[name]) {
      m.push_back(r.peak_rss_bytes);
    }
    return weir_bench::median(m);
  };
  if (!only.empty()) {
    std::printf("%s: %.3e messages/s, peak RSS %.0f MB\n", only.c_str(), rate(only),
                rss(only) / 1e6);
    return 0;
  }
  // the goal is on the median of the pairs' ratios (each pair ran back to back)
  std::vector<double> pairs;
  for (std::size_t i = 0; i < runs["raw"].size(); ++i) {
    pairs.push_back(runs["raw"][i].seconds / runs["w1"][i].seconds);
  }
  const double r_raw = rate("raw");
  const double r_w1 = rate("w1");
  const double r_w2 = rate("w2");
  const double pair_median = weir_bench::median(pairs);
  std::printf("kafka: mock cluster, %d partitions x %lu messages of %zu bytes, median of %d\n",
              kPartitions, args.items, kValueBytes, args.repeats);
  std::printf("%-12s %14s %10s %10s\n", "run", "messages/s", "ratio", "peak RSS");
  std::printf("%-12s %14.3e %10s %8.0fMB\n", "raw", r_raw, "1.00", rss("raw") / 1e6);
  std::printf(
      "%-12s %14.3e %10.2f %8.0fMB  (pairs: median %.2f x raw, goal >= 0.90; memory "
      "%.2f x raw, goal <= 1.5)\n",
      "weir_w1", r_w1, r_w1 / r_raw, rss("w1") / 1e6, pair_median, rss("w1") / rss("raw"));
  std::printf("%-12s %14.3e %10.2f %8.0fMB\n", "weir_w2", r_w2, r_w2 / r_raw, rss("w2") / 1e6);
  weir_bench::write_results("kafka", {{"raw", r_raw},
                                      {"weir_w1", r_w1},
                                      {"weir_w2", r_w2},
                                      {"w1_over_raw_pair_median", pair_median},
                                      {"raw_peak_rss_bytes", rss("raw")},
                                      {"w1_peak_rss_bytes", rss("w1")},
                                      {"w2_peak_rss_bytes", rss("w2")},
                                      {"w1_over_raw_rss", rss("w1") / rss("raw")}});
  return 0;
}
