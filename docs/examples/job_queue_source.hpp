#pragma once
// Dynamic pull: a client that hands each reader its own share and remembers what was taken.
//
// The table jobs(id, body) is a work queue: each worker's partition claims up to 100 jobs by
// deleting them, so no two workers ever see the same job and nothing is left for weir to
// snapshot. A job claimed but not yet written when the process dies is gone: at-most-once.

#include <weir/inputs/source.hpp>

#include "sqlite.hpp"

namespace guide {

class JobQueuePartition final : public weir::StatelessSourcePartition<std::string> {
 public:
  explicit JobQueuePartition(const std::string& path)
      : db_(path),
        claim_(db_,
               "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs ORDER BY id LIMIT 100) "
               "RETURNING body") {}

  weir::NextBatch<std::string> next_batch() override {
    claim_.reset();
    std::vector<std::string> batch;
    while (claim_.step()) {
      batch.push_back(claim_.text(0));
    }
    if (batch.empty()) {
      return weir::end_of_partition;  // the queue is drained
    }
    return batch;
  }

 private:
  sql::Db db_;
  sql::Query claim_;
};

class JobQueueSource final : public weir::DynamicSource<std::string> {
 public:
  explicit JobQueueSource(std::string path) : path_(std::move(path)) {}

  // Built once on every worker; the queue itself keeps the shares disjoint.
  std::unique_ptr<partition_type> build(const std::string& /*step_id*/,
                                        std::size_t /*worker_index*/,
                                        std::size_t /*worker_count*/) const override {
    return std::make_unique<JobQueuePartition>(path_);
  }

 private:
  std::string path_;
};

}  // namespace guide
