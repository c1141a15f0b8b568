#pragma once
// Fixed-partitioned pull: a client that reads a partition from a position.
//
// The table events(shard, seq, body) holds one ordered log per shard. Each shard is a
// partition; its state is the last seq handed to the dataflow, so a resumed partition
// reads right after it: exactly-once with an exactly-once sink.

#include <weir/inputs/source.hpp>

#include "sqlite.hpp"

namespace guide {

class ShardPartition final : public weir::StatefulSourcePartition<std::string, std::int64_t> {
 public:
  ShardPartition(const std::string& path, std::string shard, std::int64_t last)
      : db_(path, SQLITE_OPEN_READONLY),
        next_rows_(db_,
                   "SELECT seq, body FROM events WHERE shard = ?1 AND seq > ?2 "
                   "ORDER BY seq LIMIT 1000"),
        shard_(std::move(shard)),
        last_(last) {}

  // Never blocks: one bounded query per call.
  weir::NextBatch<std::string> next_batch() override {
    next_rows_.reset();
    next_rows_.bind(1, shard_).bind(2, last_);
    std::vector<std::string> batch;
    while (next_rows_.step()) {
      last_ = next_rows_.int64(0);
      batch.push_back(next_rows_.text(1));
    }
    if (batch.empty()) {
      return weir::end_of_partition;  // read to its end (a tail would return {} and wait)
    }
    return batch;
  }

  // Where build_part resumes: right after the last item next_batch returned.
  std::int64_t snapshot() override { return last_; }

 private:
  sql::Db db_;
  sql::Query next_rows_;
  std::string shard_;
  std::int64_t last_;
};

class ShardSource final : public weir::FixedPartitionedSource<std::string, std::int64_t> {
 public:
  explicit ShardSource(std::string path) : path_(std::move(path)) {}

  // Every worker sees every shard: the runtime builds each on exactly one worker.
  [[nodiscard]] std::vector<std::string> list_parts() const override {
    sql::Db db(path_, SQLITE_OPEN_READONLY);
    sql::Query shards(db, "SELECT DISTINCT shard FROM events ORDER BY shard");
    std::vector<std::string> parts;
    while (shards.step()) {
      parts.push_back(shards.text(0));
    }
    return parts;
  }

  std::unique_ptr<partition_type> build_part(const std::string& /*step_id*/,
                                             const std::string& shard,
                                             std::optional<std::int64_t> resume) const override {
    return std::make_unique<ShardPartition>(path_, shard, resume.value_or(0));
  }

 private:
  std::string path_;
};

}  // namespace guide
