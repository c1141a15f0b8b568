#include "weir/connectors/kafka/kafka_source.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "fetch_waker.hpp"
#include "kafka_client.hpp"
#include "weir/core/log.hpp"

namespace weir::kafka {

namespace {

using Ms = std::chrono::milliseconds;
constexpr Ms kFirstIdle{1};
constexpr Ms kMaxIdle{10};

// How much librdkafka fetches ahead per partition (its defaults are 100,000 messages and
// 64 MiB per partition, the whole of a topic for most): what keeps a consumer's memory near
// what it reads at once. FetchWaker keeps a queue held at these limits from stalling.
constexpr std::int64_t kQueuedMinMessages = 2000;
constexpr std::int64_t kQueuedMaxKBytes = 1024;

/// `name`'s value in `properties` as a number, or `fallback`.
std::int64_t number_or(const std::map<std::string, std::string>& properties,
                       const std::string& name, std::int64_t fallback) {
  const auto it = properties.find(name);
  return it == properties.end() ? fallback : std::stoll(it->second);
}

struct MessageDeleter {
  void operator()(rd_kafka_message_t* m) const noexcept { rd_kafka_message_destroy(m); }
};
using Message = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;

struct ListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const noexcept {
    rd_kafka_topic_partition_list_destroy(l);
  }
};
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, ListDeleter>;

PartitionList one_partition(const std::string& topic, std::int32_t partition, std::int64_t offset) {
  PartitionList list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition)->offset = offset;
  return list;
}

std::string text_of(rd_kafka_error_t* error) {
  std::string s = rd_kafka_error_string(error);
  rd_kafka_error_destroy(error);
  return s;
}

/// The result of an asynchronous offset commit (served by rd_kafka_poll): a failure is
/// worth a warning, not the run (the offsets weir resumes from are in its own store).
void commit_result(rd_kafka_t* /*rk*/, rd_kafka_resp_err_t err,
                   rd_kafka_topic_partition_list_t* offsets, void* /*opaque*/) {
  for (int i = 0; offsets != nullptr && i < offsets->cnt; ++i) {
    const rd_kafka_topic_partition_t& p = offsets->elems[i];
    const rd_kafka_resp_err_t e = err != RD_KAFKA_RESP_ERR_NO_ERROR ? err : p.err;
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR && e != RD_KAFKA_RESP_ERR__NO_OFFSET) {
      log::warn("kafka topic '{}' partition {}: the consumer group did not take offset {}: {}",
                p.topic, p.partition, p.offset, rd_kafka_err2str(e));
    }
  }
}

/// "<partition>-<topic>" -> (topic, partition)
std::pair<std::string, std::int32_t> parse_part(const std::string& name) {
  const auto dash = name.find('-');
  if (dash == std::string::npos || dash == 0 || dash + 1 == name.size()) {
    throw std::invalid_argument(
        fmt::format("'{}' is not a Kafka partition name (<partition>-<topic>)", name));
  }
  return {name.substr(dash + 1), static_cast<std::int32_t>(std::stol(name.substr(0, dash)))};
}

}  // namespace

class KafkaSource::Consumer {
 public:
  explicit Consumer(const KafkaSourceOptions& o)
      : brokers_(o.brokers),
        rk_(detail::make_client(RD_KAFKA_CONSUMER, "kafka source",
                                {{"bootstrap.servers", o.brokers},
                                 {"group.id", "weir"},
                                 {"enable.auto.commit", "false"},
                                 {"enable.auto.offset.store", "false"},
                                 {"auto.offset.reset", "error"},
                                 {"fetch.wait.max.ms", "100"},
                                 {"queued.min.messages", std::to_string(kQueuedMinMessages)},
                                 {"queued.max.messages.kbytes", std::to_string(kQueuedMaxKBytes)},
                                 {"log_level", "3"}},
                                o.properties,
                                [](rd_kafka_conf_t* conf) {
                                  rd_kafka_conf_set_offset_commit_cb(conf, commit_result);
                                })),
        // (librdkafka has taken both as numbers by now)
        queued_messages_(number_or(o.properties, "queued.min.messages", kQueuedMinMessages)),
        queued_bytes_(1024 *
                      number_or(o.properties, "queued.max.messages.kbytes", kQueuedMaxKBytes)),
        waker_(rk_.get()) {}
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;
  ~Consumer() {
    waker_.stop();  // no watermark query in flight once the consumer closes
    rd_kafka_consumer_close(rk_.get());
  }

  [[nodiscard]] rd_kafka_t* get() const { return rk_.get(); }
  [[nodiscard]] const std::string& brokers() const { return brokers_; }

  /// A partition's queue has drained after `messages` messages (`bytes` of keys and values)
  /// were taken since it was last empty: if that is half its limits or more, librdkafka has
  /// likely stopped fetching it, and is asked to look again now (see FetchWaker).
  void drained(const std::string& topic, std::int32_t partition, std::int64_t messages,
               std::int64_t bytes) {
    if (2 * messages >= queued_messages_ || 2 * bytes >= queued_bytes_) {
      waker_.wake(topic, partition);
    }
  }

 private:
  std::string brokers_;
  detail::Handle rk_;
  std::int64_t queued_messages_;  // librdkafka's per-partition limits, as configured
  std::int64_t queued_bytes_;
  detail::FetchWaker waker_;
};

namespace {

class KafkaPartition final : public StatefulSourcePartition<KafkaMessage, std::int64_t> {
 public:
  KafkaPartition(std::shared_ptr<KafkaSource::Consumer> consumer, std::string topic,
                 std::int32_t partition, std::int64_t start, std::optional<std::int64_t> end,
                 const KafkaSourceOptions& o)
      : consumer_(std::move(consumer)),
        topic_(std::move(topic)),
        partition_(partition),
        next_(start),
        end_(end),
        batch_size_(std::max<std::size_t>(o.batch_size, 1)),
        on_error_(o.on_error),
        buffer_(batch_size_) {
    rd_kafka_t* rk = consumer_->get();
    // the partition's messages go to its own queue, not the consumer's
    queue_.reset(rd_kafka_queue_get_partition(rk, topic_.c_str(), partition_));
    if (!queue_) {
      throw std::runtime_error(fmt::format("{}: no such partition", where()));
    }
    rd_kafka_queue_forward(queue_.get(), nullptr);
    if (!ended()) {
      auto list = one_partition(topic_, partition_, start);
      if (rd_kafka_error_t* e = rd_kafka_incremental_assign(rk, list.get())) {
        throw std::runtime_error(fmt::format("{}: cannot assign: {}", where(), text_of(e)));
      }
      assigned_ = true;
    }
  }
  KafkaPartition(const KafkaPartition&) = delete;
  KafkaPartition& operator=(const KafkaPartition&) = delete;
  ~KafkaPartition() override { release(); }

  NextBatch<KafkaMessage> next_batch() override {
    if (ended()) {
      return end_of_partition;
    }
    rd_kafka_poll(consumer_->get(), 0);  // serves error and log callbacks
    const ssize_t n = rd_kafka_consume_batch_queue(queue_.get(), 0, buffer_.data(), buffer_.size());
    if (n < 0) {
      throw std::runtime_error(
          fmt::format("{}: {}", where(), rd_kafka_err2str(rd_kafka_last_error())));
    }
    std::vector<KafkaMessage> out;
    out.reserve(static_cast<std::size_t>(n));
    std::vector<Message> owned;
    owned.reserve(static_cast<std::size_t>(n));
    std::int64_t bytes = 0;
    for (ssize_t i = 0; i < n; ++i) {
      owned.emplace_back(buffer_[static_cast<std::size_t>(i)]);
      bytes += static_cast<std::int64_t>(owned.back()->len + owned.back()->key_len);
    }
    note_taken(n, bytes);
    for (auto& m : owned) {
      if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        continue;
      }
      if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        const std::string text = rd_kafka_message_errstr(m.get());
        if (on_error_ == OnError::raise) {
          throw std::runtime_error(fmt::format("{}: {}", where(), text));
        }
        KafkaMessage e;
        e.topic = topic_;
        e.partition = partition_;
        e.offset = m->offset;
        e.error = KafkaError{static_cast<int>(m->err), text};
        out.push_back(std::move(e));
        continue;
      }
      if (end_ && m->offset >= *end_) {
        next_ = *end_;
        break;  // past the end as of the start: not this run's
      }
      out.push_back(convert(*m));
      next_ = m->offset + 1;
    }
    idle_ =
        out.empty() ? std::min(idle_ == Ms::zero() ? kFirstIdle : idle_ * 2, kMaxIdle) : Ms::zero();
    return out;
  }

  [[nodiscard]] std::optional<Instant> next_awake() override {
    if (idle_ == Ms::zero() || ended()) {
      return std::nullopt;
    }
    return clock().now() + idle_;
  }

  [[nodiscard]] std::int64_t snapshot() override {
    snapshotted_ = next_;
    return next_;
  }

  /// The offset the epoch stored is durable: the consumer group hears it, so Kafka's lag
  /// tools see where weir is. Asynchronously (a failure is logged), but at the end of the
  /// partition synchronously, since the consumer may close right after.
  void on_epoch_committed(Epoch /*epoch*/) override {
    if (!snapshotted_ || snapshotted_ == group_offset_) {
      return;
    }
    auto list = one_partition(topic_, partition_, *snapshotted_);
    const rd_kafka_resp_err_t err = rd_kafka_commit(consumer_->get(), list.get(), ended() ? 0 : 1);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      log::warn("{}: cannot commit offset {} to the consumer group: {}", where(), *snapshotted_,
                rd_kafka_err2str(err));
      return;
    }
    group_offset_ = snapshotted_;
  }

  /// The high watermark librdkafka last heard in a fetch response (cached: no broker call)
  /// minus the next offset to read.
  [[nodiscard]] std::optional<std::int64_t> lag() const override {
    std::int64_t low = 0;
    std::int64_t high = 0;
    if (rd_kafka_get_watermark_offsets(consumer_->get(), topic_.c_str(), partition_, &low, &high) !=
            RD_KAFKA_RESP_ERR_NO_ERROR ||
        high < 0) {
      return std::nullopt;
    }
    return std::max<std::int64_t>(high - next_, 0);
  }

  void close() override { release(); }

 private:
  [[nodiscard]] bool ended() const { return end_ && next_ >= *end_; }

  /// Counts what the last consume took (`n` messages, `bytes` of keys and values); a consume
  /// that found fewer messages than it asked for drained the queue, which the consumer hears
  /// with the count since the last drain.
  void note_taken(ssize_t n, std::int64_t bytes) {
    taken_ += n;
    taken_bytes_ += bytes;
    if (static_cast<std::size_t>(n) < buffer_.size()) {
      if (taken_ > 0) {
        consumer_->drained(topic_, partition_, taken_, taken_bytes_);
      }
      taken_ = 0;
      taken_bytes_ = 0;
    }
  }
  [[nodiscard]] std::string where() const {
    return fmt::format("kafka topic '{}' partition {}", topic_, partition_);
  }
  void release() {
    queue_.reset();
    if (assigned_) {
      assigned_ = false;
      auto list = one_partition(topic_, partition_, RD_KAFKA_OFFSET_INVALID);
      if (rd_kafka_error_t* e = rd_kafka_incremental_unassign(consumer_->get(), list.get())) {
        rd_kafka_error_destroy(e);  // closing: nothing left to tell
      }
    }
  }

  KafkaMessage convert(const rd_kafka_message_t& m) const {
    KafkaMessage out;
    if (m.key != nullptr) {
      out.key.emplace(static_cast<const char*>(m.key), m.key_len);
    }
    if (m.payload != nullptr) {
      out.value.emplace(static_cast<const char*>(m.payload), m.len);
    }
    out.topic = topic_;
    out.partition = partition_;
    out.offset = m.offset;
    rd_kafka_timestamp_type_t type{};
    out.timestamp_ms = rd_kafka_message_timestamp(&m, &type);
    rd_kafka_headers_t* headers = nullptr;
    if (rd_kafka_message_headers(&m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* name = nullptr;
      const void* value = nullptr;
      std::size_t size = 0;
      for (std::size_t i = 0;
           rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
           ++i) {
        Header h{name, std::nullopt};
        if (value != nullptr) {
          h.value.emplace(static_cast<const char*>(value), size);
        }
        out.headers.push_back(std::move(h));
      }
    }
    return out;
  }

  std::shared_ptr<KafkaSource::Consumer> consumer_;
  std::string topic_;
  std::int32_t partition_;
  std::int64_t next_;
  std::optional<std::int64_t> end_;
  std::size_t batch_size_;
  OnError on_error_;
  std::vector<rd_kafka_message_t*> buffer_;
  detail::Queue queue_;
  bool assigned_ = false;
  std::optional<std::int64_t> snapshotted_;   // the offset the last snapshot() gave
  std::optional<std::int64_t> group_offset_;  // the offset last committed to the group
  Ms idle_{0};
  std::int64_t taken_ = 0;  // messages taken since the queue was last found drained
  std::int64_t taken_bytes_ = 0;
};

}  // namespace

KafkaSource::KafkaSource(KafkaSourceOptions options) : options_(std::move(options)) {
  if (options_.topics.empty()) {
    throw std::invalid_argument("kafka source: no topics given");
  }
  if (options_.brokers.empty()) {
    throw std::invalid_argument("kafka source: no brokers given");
  }
}

KafkaSource::~KafkaSource() = default;

std::shared_ptr<KafkaSource::Consumer> KafkaSource::consumer() const {
  // the caller holds mutex_
  if (!consumer_) {
    consumer_ = std::make_shared<Consumer>(options_);
  }
  return consumer_;
}

std::vector<std::string> KafkaSource::list_parts() const {
  std::lock_guard lock(mutex_);
  if (parts_) {
    return *parts_;
  }
  auto c = consumer();
  const rd_kafka_metadata_t* raw = nullptr;
  const rd_kafka_resp_err_t err =
      rd_kafka_metadata(c->get(), 1, nullptr, &raw, static_cast<int>(options_.timeout.count()));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw std::runtime_error(fmt::format("kafka source: cannot list the topics of brokers {}: {}",
                                         options_.brokers, rd_kafka_err2str(err)));
  }
  const detail::Metadata md(raw);
  std::vector<std::string> parts;
  for (const std::string& topic : options_.topics) {
    const rd_kafka_metadata_topic_t* found = nullptr;
    for (int i = 0; i < md->topic_cnt; ++i) {
      if (topic == md->topics[i].topic) {
        found = &md->topics[i];
      }
    }
    if (found == nullptr || found->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
      throw std::runtime_error(fmt::format("kafka source: topic '{}' does not exist on brokers {}",
                                           topic, options_.brokers));
    }
    if (found->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      throw std::runtime_error(fmt::format("kafka source: topic '{}' on brokers {}: {}", topic,
                                           options_.brokers, rd_kafka_err2str(found->err)));
    }
    for (int p = 0; p < found->partition_cnt; ++p) {
      parts.push_back(fmt::format("{}-{}", found->partitions[p].id, topic));
    }
  }
  parts_ = parts;
  return parts;
}

std::unique_ptr<KafkaSource::partition_type> KafkaSource::build_part(
    const std::string& /*step_id*/, const std::string& for_part,
    std::optional<std::int64_t> resume_state) const {
  const auto [topic, partition] = parse_part(for_part);
  std::shared_ptr<Consumer> c;
  {
    std::lock_guard lock(mutex_);
    c = consumer();
  }
  const int timeout = static_cast<int>(options_.timeout.count());
  std::int64_t lo = 0;
  std::int64_t hi = 0;
  const bool need_marks = !resume_state || !options_.tail;
  if (need_marks) {
    const rd_kafka_resp_err_t err =
        rd_kafka_query_watermark_offsets(c->get(), topic.c_str(), partition, &lo, &hi, timeout);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      throw std::runtime_error(
          fmt::format("kafka topic '{}' partition {}: cannot read its offsets from brokers {}: {}",
                      topic, partition, options_.brokers, rd_kafka_err2str(err)));
    }
  }
  std::int64_t start = lo;
  if (resume_state) {
    start = *resume_state;
  } else if (options_.start == StartOffset::end) {
    start = hi;
  } else if (options_.start == StartOffset::committed) {
    auto list = one_partition(topic, partition, RD_KAFKA_OFFSET_INVALID);
    const rd_kafka_resp_err_t err = rd_kafka_committed(c->get(), list.get(), timeout);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      throw std::runtime_error(fmt::format(
          "kafka topic '{}' partition {}: cannot read the committed offset from brokers {}: {}",
          topic, partition, options_.brokers, rd_kafka_err2str(err)));
    }
    if (list->elems[0].offset >= 0) {
      start = list->elems[0].offset;
    }
  }
  std::optional<std::int64_t> end;
  if (!options_.tail) {
    end = hi;
  }
  return std::make_unique<KafkaPartition>(std::move(c), topic, partition, start, end, options_);
}

}  // namespace weir::kafka
