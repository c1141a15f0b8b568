#include "weir/recovery/store.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>
#include <utility>

#include "partition_files.hpp"
#include "schema.hpp"
#include "sqlite.hpp"

namespace weir::recovery {

namespace fs = std::filesystem;
using files::part_index_of;
using files::part_name;

namespace {

// A step's keys are spread over kSnapshotBuckets buckets (snapshot.hpp); bucket b lives in
// partition b % N.

// A round with at least this many state changes writes its partitions on parallel threads.
constexpr std::size_t kLaneThreshold = 65536;

// Stored for a worker that ended while others still run: it holds no commit back.
constexpr std::int64_t kEndedFrontier = std::numeric_limits<std::int64_t>::max();

std::int64_t to_db(Epoch e) { return static_cast<std::int64_t>(e); }

}  // namespace

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

  fs::path dir;
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

RecoveryStore::RecoveryStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

RecoveryStore::~RecoveryStore() {
  try {
    finish();
  } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor reports nothing
  }
}

namespace {

/// A partition file found in the directory, opened, with what its parts table says.
struct Found {
  std::string file;
  std::unique_ptr<sqlite::Db> db;
  std::size_t index;
  std::size_t count;
  std::string store_id;
  std::string format;
};

/// Opens every partition file of `dir`, in index order, each checked on its own.
std::vector<Found> open_partitions(const fs::path& dir) {
  std::vector<Found> found;
  std::size_t unfinished = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string file = entry.path().filename().string();
    const auto index = part_index_of(file);
    if (!index) {
      unfinished += files::is_unfinished_part(file) ? 1 : 0;
      continue;
    }
    files::check_log(dir, file);
    auto db = std::make_unique<sqlite::Db>(entry.path().string(), false);
    Found f{file, std::move(db), 0, 0, {}, {}};
    try {
      sqlite::Stmt q(*f.db, "SELECT part_index, part_count, store_id, format FROM parts");
      if (!q.step()) {
        throw RecoveryError("its parts table is empty");
      }
      f.index = static_cast<std::size_t>(q.int64(0));
      f.count = static_cast<std::size_t>(q.int64(1));
      f.store_id = q.bytes(2);
      f.format = q.bytes(3);
    } catch (const RecoveryError& e) {
      throw CorruptStore(
          fmt::format("'{}' in recovery directory '{}' is not a recovery "
                      "partition: {}",
                      file, dir.string(), e.what()));
    }
    if (f.index != *index) {
      throw CorruptStore(fmt::format("'{}' in recovery directory '{}' says it is partition {}",
                                     file, dir.string(), f.index));
    }
    found.push_back(std::move(f));
  }
  const std::string redo = unfinished > 0
                               ? fmt::format(
                                     " (an interrupted init left {} unfinished partition(s): run "
                                     "`weir-recovery init {} N` again)",
                                     unfinished, dir.string())
                               : "";
  if (found.empty()) {
    throw NoPartitions(fmt::format(
        "recovery directory '{}' holds no partitions; create them with `weir-recovery init {} N`{}",
        dir.string(), dir.string(), redo));
  }
  std::sort(found.begin(), found.end(),
            [](const Found& a, const Found& b) { return a.index < b.index; });
  const Found& first = found.front();
  for (const Found& f : found) {
    if (f.count != first.count) {
      throw InconsistentPartitions(fmt::format(
          "partitions of recovery directory '{}' disagree on their count: '{}' says {}, '{}' "
          "says {}",
          dir.string(), first.file, first.count, f.file, f.count));
    }
    if (f.store_id != first.store_id) {
      throw InconsistentPartitions(
          fmt::format("partitions of recovery directory '{}' come from different inits: '{}' and "
                      "'{}'",
                      dir.string(), first.file, f.file));
    }
    if (f.format != schema::format_id()) {
      throw ForeignStore(fmt::format(
          "'{}' in recovery directory '{}' holds snapshots in format '{}'; this build reads '{}'",
          f.file, dir.string(), f.format, schema::format_id()));
    }
  }
  std::vector<std::string> missing;
  for (std::size_t i = 0, j = 0; i < first.count; ++i) {
    if (j < found.size() && found[j].index == i) {
      ++j;
    } else {
      missing.push_back(part_name(i));
    }
  }
  if (!missing.empty()) {
    throw MissingPartitions(
        fmt::format("recovery directory '{}' is missing {} of its {} "
                    "partitions: {}{}",
                    dir.string(), missing.size(), first.count, fmt::join(missing, ", "), redo));
  }
  return found;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t end = std::min(text.find('\n', at), text.size());
    out.push_back(text.substr(at, end - at));
    at = end + 1;
  }
  return out;
}

/// Refuses to resume `want` from a store whose latest execution ran `had`.
void check_identity(const fs::path& dir, const DataflowIdentity& had,
                    const DataflowIdentity& want) {
  if (had == want) {
    return;
  }
  std::vector<std::string> only_store;
  std::vector<std::string> only_this;
  std::set_difference(had.stateful_steps.begin(), had.stateful_steps.end(),
                      want.stateful_steps.begin(), want.stateful_steps.end(),
                      std::back_inserter(only_store));
  std::set_difference(want.stateful_steps.begin(), want.stateful_steps.end(),
                      had.stateful_steps.begin(), had.stateful_steps.end(),
                      std::back_inserter(only_this));
  std::string steps;
  if (!only_store.empty()) {
    steps += fmt::format("; stateful steps only in the store: {}", fmt::join(only_store, ", "));
  }
  if (!only_this.empty()) {
    steps += fmt::format("; only in this dataflow: {}", fmt::join(only_this, ", "));
  }
  throw ForeignStore(fmt::format(
      "recovery directory '{}' holds the state of dataflow '{}' (fingerprint {}), not of "
      "dataflow '{}' (fingerprint {}){}; use another directory, or adopt the store on "
      "purpose (--adopt-store) to resume from its state as it is",
      dir.string(), had.flow_id, had.fingerprint(), want.flow_id, want.fingerprint(), steps));
}

}  // namespace

std::string DataflowIdentity::fingerprint() const {
  std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a over the id and the lines
  auto mix = [&](std::string_view bytes) {
    for (const char c : bytes) {
      h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
    }
    h = (h ^ 0xFFU) * 0x100000001b3ULL;  // a separator no text byte of UTF-8 takes
  };
  mix(flow_id);
  for (const auto& line : stateful_steps) {
    mix(line);
  }
  return fmt::format("{:016x}", h);
}

std::shared_ptr<RecoveryStore> RecoveryStore::open(const fs::path& dir, Options options) {
  files::check_dir(dir);
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  std::vector<Found> found = open_partitions(dir);

  // Executions and frontiers, from every partition.
  std::map<std::uint64_t, ExecutionInfo> exs;
  // (execution, worker) -> the lowest frontier any partition records, and how many do
  std::map<std::pair<std::uint64_t, std::size_t>, std::pair<Epoch, std::size_t>> fronts;
  std::vector<std::pair<std::string, Epoch>> commits;
  for (Found& f : found) {
    sqlite::Stmt qe(*f.db,
                    "SELECT ex_num, worker_count, resume_epoch, flow_id, stateful_steps FROM exs");
    while (qe.step()) {
      const auto n = static_cast<std::uint64_t>(qe.int64(0));
      exs[n] = ExecutionInfo{n,
                             static_cast<std::size_t>(qe.int64(1)),
                             static_cast<Epoch>(qe.int64(2)),
                             {},
                             {qe.bytes(3), split_lines(qe.bytes(4))}};
    }
    sqlite::Stmt qf(*f.db, "SELECT ex_num, worker_index, worker_frontier FROM fronts");
    while (qf.step()) {
      auto [it, fresh] = fronts.try_emplace(
          {static_cast<std::uint64_t>(qf.int64(0)), static_cast<std::size_t>(qf.int64(1))},
          static_cast<Epoch>(qf.int64(2)), 0);
      it->second.first = std::min(it->second.first, static_cast<Epoch>(qf.int64(2)));
      ++it->second.second;
    }
    sqlite::Stmt qc(*f.db, "SELECT commit_epoch FROM commits");
    while (qc.step()) {
      commits.emplace_back(f.file, static_cast<Epoch>(qc.int64(0)));
    }
  }
  for (auto& [n, ex] : exs) {
    ex.frontiers.resize(ex.workers);
    for (std::size_t w = 0; w < ex.workers; ++w) {
      auto it = fronts.find({n, w});
      // a partition without the row never committed it: the worker's frontier is unknown
      if (it != fronts.end() && it->second.second == found.size()) {
        ex.frontiers[w] = it->second.first;
      }
    }
    impl->executions.push_back(ex);
  }
  if (!impl->executions.empty()) {
    const ExecutionInfo& last = impl->executions.back();
    Epoch resume = std::numeric_limits<Epoch>::max();
    for (const auto& f : last.frontiers) {
      resume = std::min(resume, std::max(f.value_or(last.resume_epoch), last.resume_epoch));
    }
    impl->resume = resume;
    impl->next_execution = last.number + 1;
    // an execution that recorded no dataflow (a tool's or a test's) is anyone's
    if (options.dataflow && !options.adopt && !last.dataflow.flow_id.empty()) {
      check_identity(dir, last.dataflow, *options.dataflow);
    }
  }
  for (const auto& [file, epoch] : commits) {
    if (epoch >= impl->resume) {
      throw InconsistentPartitions(fmt::format(
          "'{}' in recovery directory '{}' has committed epoch {}, but the workers' frontiers "
          "resume at epoch {}: the partitions come from different points in time",
          file, dir.string(), epoch, impl->resume));
    }
  }

  for (Found& f : found) {
    Impl::Part p;
    p.db = std::move(f.db);
    impl->parts.push_back(std::move(p));
  }
  impl->options = std::move(options);
  impl->committed.store(impl->resume);
  return std::shared_ptr<RecoveryStore>(new RecoveryStore(std::move(impl)));
}

std::uintmax_t RecoveryStore::partition_bound(std::size_t log_cap, std::uintmax_t live,
                                              std::uintmax_t largest_round,
                                              std::size_t compact_after) {
  // the tables' fixed pages; the live state in rows not yet compacted, each key at most
  // compact_after + 1 times, in B-tree pages at least half full; the log, which may pass its
  // cap by one round before it is folded
  constexpr std::uintmax_t kTables = std::uintmax_t{1} << 20U;
  return kTables + 2 * (compact_after + 1) * live + log_cap + largest_round;
}

std::size_t RecoveryStore::partition_count() const { return impl_->parts.size(); }
std::uint64_t RecoveryStore::next_execution() const { return impl_->next_execution; }
Epoch RecoveryStore::resume_epoch() const { return impl_->resume; }
std::vector<ExecutionInfo> RecoveryStore::executions() const { return impl_->executions; }

ResumeState RecoveryStore::load() const {
  ResumeState out;
  out.epoch = impl_->resume;
  for (auto& p : impl_->parts) {
    sqlite::Stmt q(*p.db,
                   "SELECT step_id, bucket, segment FROM snaps WHERE snap_epoch < ?1 "
                   "ORDER BY step_id, bucket, snap_epoch, seq");
    q.bind(1, to_db(impl_->resume));
    // the rows of one bucket, oldest first: a later entry of a key replaces an earlier one
    std::string step;
    std::int64_t bucket = -1;
    std::vector<std::string> segs;
    auto flush = [&] {
      if (segs.empty()) {
        return;
      }
      auto& into = out.states[step];
      try {
        if (segs.size() == 1) {  // a compacted bucket: every key once
          entries::for_each(segs[0], [&](std::string_view k, const std::string_view* st) {
            if (st != nullptr) {
              into.emplace_back(std::string(k), std::string(*st));
            }
          });
        } else {
          std::unordered_map<std::string_view, std::optional<std::string_view>> newest;
          for (const auto& seg : segs) {
            entries::for_each(seg, [&](std::string_view k, const std::string_view* st) {
              newest[k] = st != nullptr ? std::optional(*st) : std::nullopt;
            });
          }
          for (const auto& [k, st] : newest) {
            if (st) {
              into.emplace_back(std::string(k), std::string(*st));
            }
          }
        }
      } catch (const std::exception& e) {
        throw CorruptStore(fmt::format("recovery partition '{}': step '{}', bucket {}: {}",
                                       p.db->path(), step, bucket, e.what()));
      }
      segs.clear();
    };
    while (q.step()) {
      std::string s = q.bytes(0);
      const std::int64_t b = q.int64(1);
      if (s != step || b != bucket) {
        flush();
        step = std::move(s);
        bucket = b;
      }
      segs.push_back(q.bytes(2));
    }
    flush();
  }
  return out;
}

void RecoveryStore::begin(std::size_t workers) {
  Impl& m = *impl_;
  const DataflowIdentity identity = m.options.dataflow.value_or(DataflowIdentity{});
  std::string steps;
  for (const auto& line : identity.stateful_steps) {
    steps.append(line).push_back('\n');
  }
  for (auto& p : m.parts) {
    // the log is folded by the writer (watch_log), not by SQLite's automatic checkpoints
    p.db->exec(fmt::format("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA "
                           "journal_size_limit = {}; PRAGMA cache_size = -32768;",
                           m.options.log_cap)
                   .c_str());
    p.db->watch_log();
    p.page_size = static_cast<std::size_t>(p.db->query_int("PRAGMA page_size"));
    p.insert = sqlite::Stmt(*p.db,
                            "INSERT INTO snaps (step_id, bucket, snap_epoch, seq, segment) "
                            "VALUES (?1, ?2, ?3, ?4, ?5)");
    p.upsert_front =
        sqlite::Stmt(*p.db,
                     "INSERT OR REPLACE INTO fronts (ex_num, worker_index, worker_frontier) "
                     "VALUES (?1, ?2, ?3)");
    p.upsert_commit = sqlite::Stmt(
        *p.db, "INSERT OR REPLACE INTO commits (part_index, commit_epoch) VALUES (?1, ?2)");
    p.read_through = sqlite::Stmt(*p.db,
                                  "SELECT snap_epoch, segment FROM snaps WHERE step_id = ?1 AND "
                                  "bucket = ?2 AND snap_epoch <= ?3 ORDER BY snap_epoch, seq");
    p.delete_through = sqlite::Stmt(
        *p.db, "DELETE FROM snaps WHERE step_id = ?1 AND bucket = ?2 AND snap_epoch <= ?3");
    sqlite::Transaction t(*p.db);
    sqlite::Stmt forget(*p.db, "DELETE FROM snaps WHERE snap_epoch >= ?1");
    forget.bind(1, to_db(m.resume)).run();
    sqlite::Stmt ex(*p.db,
                    "INSERT INTO exs (ex_num, worker_count, resume_epoch, flow_id, stateful_steps) "
                    "VALUES (?1, ?2, ?3, ?4, ?5)");
    ex.bind(1, static_cast<std::int64_t>(m.next_execution))
        .bind(2, static_cast<std::int64_t>(workers))
        .bind(3, to_db(m.resume))
        .bind_text(4, identity.flow_id)
        .bind_text(5, steps)
        .run();
    t.commit();
    sqlite::Stmt rows(*p.db,
                      "SELECT step_id, bucket, snap_epoch FROM snaps ORDER BY snap_epoch, seq");
    while (rows.step()) {
      p.rows[{rows.bytes(0), static_cast<std::uint32_t>(rows.int64(1))}].push_back(
          static_cast<Epoch>(rows.int64(2)));
    }
  }
  m.began = true;
  m.folded = false;
  m.frontiers.assign(workers, m.resume);
  m.ended_at.assign(workers, 0);
  m.routed.resize(m.parts.size());
  m.lanes = std::min<std::size_t>(
      m.parts.size(), std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 2));
  m.lane_of_bucket.resize(kSnapshotBuckets);
  for (std::size_t b = 0; b < kSnapshotBuckets; ++b) {
    m.lane_of_bucket[b] = static_cast<std::uint8_t>((b % m.parts.size()) % m.lanes);
  }
  m.thread = std::thread([&m] { m.run_writer(); });
}

void RecoveryStore::finish() {
  Impl& m = *impl_;
  if (m.thread.joinable()) {
    {
      std::lock_guard lock(m.mutex);
      m.stopping = true;
    }
    m.cv.notify_all();
    m.thread.join();
  }
  std::lock_guard lock(m.mutex);
  if (m.began && !m.folded) {
    m.folded = true;
    // each partition becomes one self-contained file again; a partition another process
    // holds open (a backup, `weir-recovery info`) keeps its log, which stays valid
    for (auto& p : m.parts) {
      p.insert = {};
      p.upsert_front = {};
      p.upsert_commit = {};
      p.read_through = {};
      p.delete_through = {};
      try {
        p.db->fold_log();
      } catch (const RecoveryError&) {  // NOLINT(bugprone-empty-catch)
        // the log could not be copied (an I/O error): it stays, as valid as before, and the
        // next run reads it
      }
    }
  }
  if (!m.failure.empty()) {
    throw RecoveryError(m.failure);
  }
}

void RecoveryStore::write(std::size_t worker, StateChanges&& changes) {
  if (changes.empty()) {
    return;
  }
  {
    std::lock_guard lock(impl_->mutex);
    impl_->queue.push_back({worker, std::move(changes), false, 0, false});
  }
  impl_->cv.notify_one();
}

void RecoveryStore::progress(std::size_t worker, Epoch frontier, bool ended) {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->queue.push_back({worker, StateChanges({}, 0), true, frontier, ended});
  }
  impl_->cv.notify_one();
}

Epoch RecoveryStore::committed() const { return impl_->committed.load(std::memory_order_acquire); }

void RecoveryStore::on_commit(std::function<void()> wake) {
  std::lock_guard lock(impl_->mutex);
  impl_->wake = std::move(wake);
}

std::string RecoveryStore::failure() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->failure;
}

std::size_t RecoveryStore::stored_snapshots() const {
  std::size_t n = 0;
  for (auto& p : impl_->parts) {
    sqlite::Stmt q(*p.db, "SELECT segment FROM snaps");
    while (q.step()) {
      entries::for_each(q.bytes(0), [&](std::string_view, const std::string_view*) { ++n; });
    }
  }
  return n;
}

void RecoveryStore::Impl::run_writer() {
  std::vector<Message> round;
  while (true) {
    {
      std::unique_lock lock(mutex);
      cv.wait(lock, [&] { return stopping || !queue.empty(); });
      if (queue.empty()) {
        return;  // stopping, and everything is written
      }
      round.swap(queue);
    }
    try {
      write_round(round);
      fold_full_logs();
    } catch (const std::exception& e) {
      std::function<void()> w;
      {
        std::lock_guard lock(mutex);
        failure = e.what();
        queue.clear();
        w = wake;
      }
      if (w) {
        w();
      }
      return;
    }
    round.clear();
  }
}

// Commits the round's segments (each change's buckets, as the workers packed them) for the
// partitions of `lane`.
void RecoveryStore::Impl::write_lane(std::size_t lane, const std::vector<Message>& round,
                                     bool moved) {
  const std::size_t n = parts.size();
  for (std::size_t j = 0; j < round.size(); ++j) {
    const StateChanges& c = round[j].changes;
    const std::int64_t seq = next_seq + static_cast<std::int64_t>(j);
    c.for_each_bucket([&](std::uint32_t b, std::string_view segment) {
      if (lane_of_bucket[b] == lane) {
        routed[b % n].push_back({c.step_id(), b, c.epoch(), seq, segment});
      }
    });
  }
  for (std::size_t i = lane; i < parts.size(); i += lanes) {
    if (routed[i].empty() && !moved) {
      continue;
    }
    Part& p = parts[i];
    sqlite::Transaction t(*p.db);
    for (const Row& r : routed[i]) {
      p.insert.bind_text(1, r.step_id)
          .bind(2, r.bucket)
          .bind(3, to_db(r.epoch))
          .bind(4, r.seq)
          .bind_blob(5, r.segment)
          .run();
    }
    if (moved) {
      for (std::size_t w = 0; w < frontiers.size(); ++w) {
        p.upsert_front.bind(1, static_cast<std::int64_t>(next_execution))
            .bind(2, static_cast<std::int64_t>(w))
            .bind(3, to_db(frontiers[w]))
            .run();
      }
    }
    t.commit();
    for (Row& r : routed[i]) {
      auto& epochs = p.rows[{std::move(r.step_id), r.bucket}];
      epochs.insert(std::upper_bound(epochs.begin(), epochs.end(), r.epoch), r.epoch);
    }
    routed[i].clear();
  }
}

void RecoveryStore::Impl::write_round(std::vector<Message>& round) {
  // The frontiers the round reports (each message follows the changes it covers).
  bool moved = false;
  for (const Message& m : round) {
    if (!m.is_progress) {
      continue;
    }
    if (m.ended) {
      ended_at[m.worker] = m.frontier;
      frontiers[m.worker] = static_cast<Epoch>(kEndedFrontier);
    } else {
      frontiers[m.worker] = m.frontier;
    }
    moved = true;
  }
  const bool all_ended =
      std::all_of(ended_at.begin(), ended_at.end(), [](Epoch e) { return e != 0; });
  if (moved && all_ended) {
    // a clean end: every worker resumes after the last epoch any of them used
    const Epoch last = *std::max_element(ended_at.begin(), ended_at.end());
    std::fill(frontiers.begin(), frontiers.end(), last);
  }

  // Each partition commits its share of the round's snapshots together with every worker's
  // frontier as of the round's end, in one transaction: whatever a partition keeps after a
  // crash (or a power loss, which may undo its last commits), its frontiers never cover a
  // snapshot it lacks, and resuming takes the lowest frontier over all partitions.
  std::size_t entries_in_round = 0;
  for (const Message& m : round) {
    entries_in_round += m.changes.size();
  }
  if (lanes > 1 && entries_in_round >= kLaneThreshold) {
    std::vector<std::exception_ptr> errors(lanes);
    std::vector<std::thread> helpers;
    auto lane_main = [&](std::size_t l) {
      try {
        write_lane(l, round, moved);
      } catch (...) {
        errors[l] = std::current_exception();
      }
    };
    for (std::size_t l = 1; l < lanes; ++l) {
      helpers.emplace_back(lane_main, l);
    }
    lane_main(0);
    for (auto& h : helpers) {
      h.join();
    }
    for (auto& e : errors) {
      if (e) {
        std::rethrow_exception(e);
      }
    }
  } else {
    for (std::size_t l = 0; l < lanes; ++l) {
      write_lane(l, round, moved);
    }
  }
  next_seq += static_cast<std::int64_t>(round.size());
  if (!moved) {
    return;
  }

  // 3. the epochs below every frontier are committed: the workers hear of it at once, then
  // superseded snapshots are collected (while the workers go on)
  const Epoch low = *std::min_element(frontiers.begin(), frontiers.end());
  if (low <= committed.load(std::memory_order_relaxed)) {
    return;
  }
  committed.store(low, std::memory_order_release);
  std::function<void()> w;
  {
    std::lock_guard lock(mutex);
    w = wake;
  }
  if (w) {
    w();
  }
  const auto now = std::chrono::steady_clock::now();
  committed_at.emplace_back(low - 1, now);
  Epoch through = 0;
  while (!committed_at.empty() && committed_at.front().second + options.backup_interval <= now) {
    through = committed_at.front().first;
    committed_at.pop_front();
  }
  // a run that has ended leaves the collection to the next one
  if (all_ended) {
    return;
  }
  if (through > collected) {
    collect_garbage(through);
  }
}

// Each log holding log_cap bytes or more is copied into its database file here, off the
// workers' path (SQLite's automatic checkpoints are off): once copied, the log starts over at
// the next commit and is cut back to log_cap (journal_size_limit).
void RecoveryStore::Impl::fold_full_logs() {
  for (auto& p : parts) {
    if (static_cast<std::size_t>(p.db->log_pages()) * p.page_size >= options.log_cap) {
      p.db->checkpoint();
    }
  }
}

// Compacts every bucket holding options.compact_after or more rows at or before `through` into one
// row (each key's newest state as of then; discards dropped), and records `through` as each
// partition's commit. So a superseded snapshot outlives the backup interval by at most a
// few commits, and resuming reads at most a few rows per bucket.
void RecoveryStore::Impl::collect_garbage(Epoch through) {
  for (std::size_t i = 0; i < parts.size(); ++i) {
    Part& p = parts[i];
    sqlite::Transaction t(*p.db);
    p.upsert_commit.bind(1, static_cast<std::int64_t>(i)).bind(2, to_db(through)).run();
    for (auto it = p.rows.begin(); it != p.rows.end();) {
      auto& epochs = it->second;
      const auto upto = std::upper_bound(epochs.begin(), epochs.end(), through);
      if (static_cast<std::size_t>(upto - epochs.begin()) >= options.compact_after) {
        compact(p, it->first, through);
      }
      it = epochs.empty() ? p.rows.erase(it) : std::next(it);
    }
    t.commit();
  }
  collected = through;
}

void RecoveryStore::Impl::compact(Part& p, const BucketKey& b, Epoch through) {
  std::vector<std::string> segs;
  Epoch last = 0;
  p.read_through.bind_text(1, b.first).bind(2, b.second).bind(3, to_db(through));
  while (p.read_through.step()) {
    last = static_cast<Epoch>(p.read_through.int64(0));
    segs.push_back(p.read_through.bytes(1));
  }
  p.read_through.reset();
  std::unordered_map<std::string_view, std::optional<std::string_view>> newest;
  for (const auto& seg : segs) {
    entries::for_each(seg, [&](std::string_view k, const std::string_view* st) {
      newest[k] = st != nullptr ? std::optional(*st) : std::nullopt;
    });
  }
  std::string merged;
  for (const auto& [k, st] : newest) {
    if (st) {
      entries::append(merged, k, &*st);
    }
  }
  p.delete_through.bind_text(1, b.first).bind(2, b.second).bind(3, to_db(through)).run();
  auto& epochs = p.rows[b];
  epochs.erase(epochs.begin(), std::upper_bound(epochs.begin(), epochs.end(), through));
  if (merged.empty()) {
    return;
  }
  p.insert.bind_text(1, b.first)
      .bind(2, b.second)
      .bind(3, to_db(last))
      .bind(4, 0)
      .bind_blob(5, merged)
      .run();
  epochs.insert(epochs.begin(), last);
}

}  // namespace weir::recovery
