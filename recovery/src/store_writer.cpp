// The recovery store's writer: begin() starts the thread that commits the workers' state
// changes and frontiers round by round; finish() stops it and folds the logs (store.hpp).
#include "store_impl.hpp"

namespace weir::recovery {

namespace {

/// SQLite's page cache per partition file, in KiB. The writer appends segments and reads back
/// only what compaction folds, which the operating system's cache serves as well: 32 MiB per
/// file held about 24 MB more at the peak of a 1M-key run (benches/recovery) and bought no
/// speed.
constexpr int kPageCacheKiB = 4096;

}  // namespace

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
                           "journal_size_limit = {}; PRAGMA cache_size = -{};",
                           m.options.log_cap, kPageCacheKiB)
                   .c_str());
    p.db->watch_log();
    p.page_size = static_cast<std::size_t>(p.db->query_int("PRAGMA page_size"));
    p.insert = sqlite::Stmt(*p.db,
                            "INSERT INTO snapshots (step_id, bucket, epoch, seq, segment) "
                            "VALUES (?1, ?2, ?3, ?4, ?5)");
    p.upsert_front =
        sqlite::Stmt(*p.db,
                     "INSERT OR REPLACE INTO frontiers (execution, worker_index, frontier) "
                     "VALUES (?1, ?2, ?3)");
    p.upsert_commit = sqlite::Stmt(
        *p.db, "INSERT OR REPLACE INTO commits (part_index, commit_epoch) VALUES (?1, ?2)");
    p.read_through = sqlite::Stmt(*p.db,
                                  "SELECT epoch, segment FROM snapshots WHERE step_id = ?1 AND "
                                  "bucket = ?2 AND epoch <= ?3 ORDER BY epoch, seq");
    p.delete_through = sqlite::Stmt(
        *p.db, "DELETE FROM snapshots WHERE step_id = ?1 AND bucket = ?2 AND epoch <= ?3");
    sqlite::Transaction t(*p.db);
    sqlite::Stmt forget(*p.db, "DELETE FROM snapshots WHERE epoch >= ?1");
    forget.bind(1, to_db(m.resume)).run();
    sqlite::Stmt ex(
        *p.db,
        "INSERT INTO executions (execution, worker_count, resume_epoch, flow_id, stateful_steps) "
        "VALUES (?1, ?2, ?3, ?4, ?5)");
    ex.bind(1, static_cast<std::int64_t>(m.next_execution))
        .bind(2, static_cast<std::int64_t>(workers))
        .bind(3, to_db(m.resume))
        .bind_text(4, identity.flow_id)
        .bind_text(5, steps)
        .run();
    t.commit();
    sqlite::Stmt rows(*p.db, "SELECT step_id, bucket, epoch FROM snapshots ORDER BY epoch, seq");
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
      bytes_written.add(r.segment.size());
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
  const auto started = std::chrono::steady_clock::now();
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
  round_seconds.observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
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
  committed_epoch.set(static_cast<double>(low - 1));
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

}  // namespace weir::recovery
