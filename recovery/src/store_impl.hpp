#pragma once
// RecoveryStore's state, shared by its parts: opening (store_open.cpp), loading
// (store_load.cpp), the writer (store_writer.cpp) and compaction (store_compaction.cpp).
//
// Thread safety: after begin(), the writer thread alone touches the partitions; the workers
// hand it messages through `queue` (guarded by `mutex`) and read `committed`.

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "sqlite.hpp"
#include "weir/core/metrics.hpp"
#include "weir/recovery/store.hpp"

namespace weir::recovery {

// A step's keys are spread over kSnapshotBuckets buckets (snapshot.hpp); bucket b lives in
// partition b % N.

// A round with at least this many state changes writes its partitions on parallel threads.
inline constexpr std::size_t kLaneThreshold = 65536;

// Stored for a worker that ended while others still run: it holds no commit back.
inline constexpr std::int64_t kEndedFrontier = std::numeric_limits<std::int64_t>::max();

inline std::int64_t to_db(Epoch e) { return static_cast<std::int64_t>(e); }

struct RecoveryStore::Impl {
  using BucketKey = std::pair<std::string, std::uint32_t>;  // (step id, bucket)
  struct Part {
    std::unique_ptr<sqlite::Db> db;
    sqlite::Stmt insert;
    sqlite::Stmt upsert_front;
    sqlite::Stmt upsert_commit;
    sqlite::Stmt read_through;
    sqlite::Stmt delete_through;
    std::size_t page_size = 0;
    // the epochs of the rows each bucket holds, ascending
    std::map<BucketKey, std::vector<Epoch>> rows;
  };
  struct Message {
    std::size_t worker;
    StateChanges changes;
    bool is_progress;
    Epoch frontier;
    bool ended;
  };
  struct Row {
    std::string step_id;
    std::uint32_t bucket;
    Epoch epoch;
    std::int64_t seq;
    std::string_view segment;  // in the round's StateChanges
  };

  std::filesystem::path dir;
  Options options;
  std::vector<Part> parts;
  std::vector<ExecutionInfo> executions;
  std::uint64_t next_execution = 0;
  Epoch resume = 1;

  // writer
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<Message> queue;
  bool stopping = false;
  std::string failure;
  std::function<void()> wake;
  std::thread thread;
  std::atomic<Epoch> committed{1};
  std::vector<Epoch> frontiers;  // per worker, durable; ended workers hold kEnded
  std::vector<Epoch> ended_at;   // per worker: its frontier when it ended, 0 if running
  std::deque<std::pair<Epoch, std::chrono::steady_clock::time_point>> committed_at;
  Epoch collected = 0;
  std::int64_t next_seq = 1;  // compacted rows have seq 0
  // what the store's writer did, for --metrics
  metrics::Histogram& round_seconds = metrics::registry().histogram(
      "weir_store_write_seconds",
      "Seconds to write and commit one round of snapshots and frontiers to the recovery store",
      metrics::seconds_buckets());
  metrics::Counter& bytes_written = metrics::registry().counter(
      "weir_store_bytes_written_total", "Bytes of snapshots written to the recovery store");
  metrics::Gauge& committed_epoch = metrics::registry().gauge(
      "weir_store_committed_epoch", "The last epoch committed in the recovery store");
  // A lane writes the partitions i with i % lanes == its index; a round large enough runs its
  // lanes on threads of their own.
  std::size_t lanes = 1;
  std::vector<std::uint8_t> lane_of_bucket;  // the lane writing each bucket's partition
  std::vector<std::vector<Row>> routed;      // per partition, this round's rows
  bool began = false;                        // begin() ran: the partitions are in WAL mode
  bool folded = false;                       // finish() folded the logs

  void run_writer();
  void write_round(std::vector<Message>& round);
  void write_lane(std::size_t lane, const std::vector<Message>& round, bool moved);
  void fold_full_logs();
  void collect_garbage(Epoch through);
  void compact(Part& p, const BucketKey& b, Epoch through);
};

}  // namespace weir::recovery
