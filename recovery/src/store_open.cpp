// Opening a recovery store: finding and checking its partitions, reading its executions and
// frontiers, and computing where the next run resumes (store.hpp).
#include <set>

#include "partition_files.hpp"
#include "schema.hpp"
#include "store_impl.hpp"
#include "weir/core/stable_hash.hpp"

namespace weir::recovery {

namespace fs = std::filesystem;
using files::part_index_of;
using files::part_name;

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
  std::vector<std::size_t> named;  // the index each file's name says
  std::size_t unfinished = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string file = entry.path().filename().string();
    const auto index = part_index_of(file);
    if (!index) {
      unfinished += files::is_unfinished_part(file) ? 1 : 0;
      continue;
    }
    files::check_log(dir, file);
    found.push_back(
        Found{file, std::make_unique<sqlite::Db>(entry.path().string(), false), *index, 0, {}, {}});
  }
  std::sort(found.begin(), found.end(),
            [](const Found& a, const Found& b) { return a.index < b.index; });
  auto not_a_partition = [&](const Found& f, const std::string& why) {
    return CorruptStore(
        fmt::format("'{}' in recovery directory '{}' is not a recovery partition: {}", f.file,
                    dir.string(), why));
  };
  // Every partition is read at one point in time, also while a run writes the store: each
  // one's write lock is taken (in index order, as backup_store does; the run's writer holds
  // one at a time), a read transaction is opened on each, and the locks are let go. Read one
  // after another instead, partitions could come from different rounds of the writer (a later
  // commit beside an earlier frontier) and be refused as inconsistent.
  {
    std::vector<std::unique_ptr<sqlite::Db>> locks;
    for (const Found& f : found) {
      try {
        locks.push_back(std::make_unique<sqlite::Db>((dir / f.file).string(), false));
        locks.back()->exec("BEGIN IMMEDIATE");
      } catch (const RecoveryError& e) {
        throw not_a_partition(f, e.what());
      }
    }
    for (Found& f : found) {
      named.push_back(f.index);
      try {
        f.db->exec("BEGIN");
        sqlite::Stmt q(*f.db, "SELECT part_index, part_count, store_id, format FROM partitions");
        if (!q.step()) {
          throw RecoveryError("its parts table is empty");
        }
        f.index = static_cast<std::size_t>(q.int64(0));
        f.count = static_cast<std::size_t>(q.int64(1));
        f.store_id = q.bytes(2);
        f.format = q.bytes(3);
      } catch (const RecoveryError& e) {
        throw not_a_partition(f, e.what());
      }
    }
    for (auto& l : locks) {
      l->exec("ROLLBACK");
    }
  }
  for (std::size_t k = 0; k < found.size(); ++k) {
    if (found[k].index != named[k]) {
      throw CorruptStore(fmt::format("'{}' in recovery directory '{}' says it is partition {}",
                                     found[k].file, dir.string(), found[k].index));
    }
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
  hash::FieldDigest d;
  d.add(flow_id);
  for (const auto& line : stateful_steps) {
    d.add(line);
  }
  return d.hex();
}

std::shared_ptr<RecoveryStore> RecoveryStore::open(const fs::path& dir, Options options) {
  files::check_dir(dir);
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  std::vector<Found> found = open_partitions(dir);

  // Executions and frontiers, from every partition.
  std::map<std::uint64_t, ExecutionInfo> executions_found;
  // (execution, worker) -> the lowest frontier any partition records, and how many do
  std::map<std::pair<std::uint64_t, std::size_t>, std::pair<Epoch, std::size_t>> frontiers_found;
  std::vector<std::pair<std::string, Epoch>> commits;
  for (Found& f : found) {
    sqlite::Stmt qe(
        *f.db,
        "SELECT execution, worker_count, resume_epoch, flow_id, stateful_steps FROM executions");
    while (qe.step()) {
      const auto n = static_cast<std::uint64_t>(qe.int64(0));
      executions_found[n] = ExecutionInfo{n,
                                          static_cast<std::size_t>(qe.int64(1)),
                                          static_cast<Epoch>(qe.int64(2)),
                                          {},
                                          {qe.bytes(3), split_lines(qe.bytes(4))}};
    }
    sqlite::Stmt qf(*f.db, "SELECT execution, worker_index, frontier FROM frontiers");
    while (qf.step()) {
      auto [it, fresh] = frontiers_found.try_emplace(
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
  for (auto& [n, ex] : executions_found) {
    ex.frontiers.resize(ex.workers);
    for (std::size_t w = 0; w < ex.workers; ++w) {
      auto it = frontiers_found.find({n, w});
      // a partition without the row never committed it: the worker's frontier is unknown
      if (it != frontiers_found.end() && it->second.second == found.size()) {
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
    f.db->exec("COMMIT");  // the read transaction open_partitions began
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

}  // namespace weir::recovery
