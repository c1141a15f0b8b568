// kafka_window: per-user 10-second tumbling-window totals of purchase events read from
// Kafka, written exactly once to a file, with recovery on.
//
//   kafka_window [--brokers HOST:PORT] [--topic NAME] [--events N] [--out FILE]
//                [-w WORKERS] [-r DIR] [-s SECS] [-b SECS]
//
// Events are "user,amount,timestamp_ms" values keyed by user. Without --brokers the program
// starts a Kafka cluster of its own (librdkafka's mock brokers, on 127.0.0.1) and fills
// topic NAME (4 partitions) with N generated events (default 200000, 20 users, one event
// every 3 ms of event time, the same every time); with --brokers it reads NAME from there.
// Each closed window becomes one line of FILE (default kafka_window.out):
//   <window start, UTC> <user> count=<events> sum=<amount>
// and each late event (one whose window had already closed when it arrived) a line of
// FILE.late:
//   <window start, UTC> <user> late amount=<amount> ts_ms=<event time>
// State lives in the recovery directory (default kafka_window.state, created on first
// use). Interrupt it and run it again: it continues where the last committed epoch left
// it, and the files hold every line exactly once: every event is counted once, in a window
// or as a late line. Delete them to start over.
//
// Why events turn late: the event clock's watermark advances with system time while no
// event arrives (2 s after the newest event, plus the time since it was seen). Across a
// crash that time includes the downtime, so the events replayed on resume, and events
// held up by a stalled broker, may find their window closed: they go to the late file,
// never lost, never counted twice.

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <weir/connectors/kafka/kafka_sink.hpp>
#include <weir/connectors/kafka/kafka_source.hpp>
#include <weir/connectors/kafka/mock_cluster.hpp>
#include <weir/weir.hpp>

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr int kUsers = 20;
constexpr std::int64_t kStepMs = 3;
// event time starts at 2026-01-01T00:00:00Z
constexpr std::int64_t kStartMs = 1'767'225'600'000;

struct Event {
  std::string user;
  std::int64_t amount = 0;
  std::int64_t ts_ms = 0;
  template <class Ar>
  void serialize(Ar& ar, unsigned /*version*/) {
    ar& user& amount& ts_ms;
  }
};

struct Totals {
  std::int64_t count = 0;
  std::int64_t sum = 0;
  template <class Ar>
  void serialize(Ar& ar, unsigned /*version*/) {
    ar& count& sum;
  }
};

struct Options {
  std::string brokers;
  std::string topic = "events";
  std::int64_t events = 200'000;
  fs::path out = "kafka_window.out";
};

std::string value_of(const Event& e) {
  return e.user + "," + std::to_string(e.amount) + "," + std::to_string(e.ts_ms);
}

Event parse(const weir::kafka::KafkaMessage& m) {
  auto fail = [&] {
    return std::runtime_error("partition " + std::to_string(m.partition) + " offset " +
                              std::to_string(m.offset) + ": not user,amount,timestamp_ms: '" +
                              m.value.value_or("") + "'");
  };
  if (m.error) {
    throw std::runtime_error(m.error->message);
  }
  const std::string& v = m.value.value_or("");
  const auto c1 = v.find(',');
  const auto c2 = v.find(',', c1 == std::string::npos ? c1 : c1 + 1);
  if (c1 == std::string::npos || c2 == std::string::npos) {
    throw fail();
  }
  Event e{v.substr(0, c1)};
  if (std::from_chars(v.data() + c1 + 1, v.data() + c2, e.amount).ec != std::errc{} ||
      std::from_chars(v.data() + c2 + 1, v.data() + v.size(), e.ts_ms).ec != std::errc{}) {
    throw fail();
  }
  return e;
}

std::string utc(std::int64_t ms) {
  const std::time_t t = ms / 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Fills the topic with the generated events, through a dataflow writing to KafkaSink.
void fill(const Options& o) {
  std::vector<Event> events;
  events.reserve(static_cast<std::size_t>(o.events));
  std::mt19937_64 rng(7);
  for (std::int64_t i = 0; i < o.events; ++i) {
    events.push_back({"user-" + std::to_string(rng() % kUsers),
                      static_cast<std::int64_t>(1 + rng() % 1000), kStartMs + i * kStepMs});
  }
  weir::Dataflow flow("fill");
  auto s = weir::op::input("events", flow, weir::testing::TestingSource<Event>(events, 10000));
  auto m = weir::op::map("encode", s, [](Event&& e) {
    weir::kafka::KafkaSinkMessage msg;
    msg.key = e.user;  // a user's events stay in one partition, in order
    msg.value = value_of(e);
    return msg;
  });
  weir::op::output("kafka", m, weir::kafka::KafkaSink({.brokers = o.brokers, .topic = o.topic}));
  weir::run(flow);
}

void build_windows(weir::Dataflow& flow, const Options& o) {
  weir::kafka::KafkaSourceOptions in;
  in.brokers = o.brokers;
  in.topics = {o.topic};
  in.properties = {{"fetch.wait.max.ms", "10"}};
  auto msgs = weir::op::input("events", flow, std::make_shared<weir::kafka::KafkaSource>(in));
  auto events = weir::op::map("parse", msgs, parse);
  auto keyed = weir::op::key_on("by_user", events, [](const Event& e) { return e.user; });
  auto clock = weir::window::EventClock(
      [](const Event& e) { return weir::Instant{} + std::chrono::milliseconds(e.ts_ms); }, 2s);
  const weir::window::TumblingWindower tumbling(
      10s, weir::Instant{} + std::chrono::milliseconds(kStartMs));
  auto totals = weir::window::fold_window(
      "totals", keyed, clock, tumbling, [] { return Totals{}; },
      [](Totals t, const Event& e) {
        ++t.count;
        t.sum += e.amount;
        return t;
      },
      [](Totals a, const Totals& b) {
        a.count += b.count;
        a.sum += b.sum;
        return a;
      });
  auto lines = weir::op::map(
      "format", totals.down,
      [](std::pair<std::string, std::pair<weir::window::WindowId, Totals>>&& w) {
        const auto& [id, t] = w.second;
        std::string line = utc(kStartMs + id * 10'000);
        line.append(" ").append(w.first);
        line.append(" count=").append(std::to_string(t.count));
        line.append(" sum=").append(std::to_string(t.sum));
        return std::pair<std::string, std::string>(std::move(w.first), std::move(line));
      });
  weir::op::output("file", lines, weir::files::FileSink<std::string>(o.out));
  auto late = weir::op::map(
      "format_late", totals.late,
      [](std::pair<std::string, std::pair<weir::window::WindowId, Event>>&& l) {
        const auto& [id, e] = l.second;
        std::string line = utc(kStartMs + id * 10'000);
        line.append(" ").append(l.first);
        line.append(" late amount=").append(std::to_string(e.amount));
        line.append(" ts_ms=").append(std::to_string(e.ts_ms));
        return std::pair<std::string, std::string>(std::move(l.first), std::move(line));
      });
  weir::op::output("late_file", late, weir::files::FileSink<std::string>(o.out.string() + ".late"));
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  std::string out = o.out.string();
  weir::CommandLine cli(
      "Per-user 10-second tumbling-window totals of purchase events read from Kafka, written "
      "exactly once to a file, with recovery on.");
  cli.option("--brokers", o.brokers,
             "the Kafka cluster to read (default: a mock cluster of its own, filled with "
             "--events events)",
             "WEIR_BROKERS");
  cli.option("--topic", o.topic, "the topic to read", "WEIR_TOPIC");
  cli.option("--events", o.events, "how many events to write into the mock cluster");
  cli.option("--out", out, "the file of window totals (late events go to FILE.late)");
  if (auto exit_code = cli.parse(argc, argv)) return *exit_code;
  if (o.events < 1) {
    std::fprintf(stderr, "weir: error: --events must be at least 1, got %lld\n",
                 static_cast<long long>(o.events));
    return 2;
  }
  o.out = out;
  weir::RunArgs& args = cli.args();
  std::unique_ptr<weir::kafka::MockCluster> cluster;  // lives until the run ends
  try {
    if (args.graph && o.brokers.empty()) {
      o.brokers = "localhost:9092";  // the picture alone connects to nothing
    } else if (!args.graph) {        // a run: the store, and Kafka if none is given
      if (args.config.recovery_directory.empty()) {
        args.config.recovery_directory = "kafka_window.state";
      }
      // made on the first run (a run killed while making it leaves what the next one redoes)
      weir::recovery::ensure_store(args.config.recovery_directory, 2);
      if (o.brokers.empty()) {
        cluster = std::make_unique<weir::kafka::MockCluster>(1);
        cluster->create_topic(o.topic, 4);
        o.brokers = cluster->bootstrap();
        fill(o);
        std::fprintf(stderr,
                     "kafka_window: started a mock Kafka cluster at %s and wrote %lld events to "
                     "'%s'\n",
                     o.brokers.c_str(), static_cast<long long>(o.events), o.topic.c_str());
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "weir: error: %s\n", e.what());
    return 1;
  }
  const int code = cli.run("kafka_window", [&](weir::Dataflow& flow) { build_windows(flow, o); });
  if (code == 0 && !args.graph) {
    std::fprintf(stderr, "kafka_window: window totals are in %s, late events in %s.late\n",
                 o.out.c_str(), o.out.c_str());
  }
  return code;
}
