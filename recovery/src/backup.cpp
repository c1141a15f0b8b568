// Copying a store at one consistent point while a run may write it.
//
// The cut: every partition's write lock is taken (in index order, as briefly as a commit; the
// run's writer holds one partition's at a time, so there is no cycle), a read transaction is
// opened on each, and the locks are let go. No commit lands between the first read
// transaction and the last, so the copies hold the partitions as they were at one instant:
// what a crash at that instant would have left, which the store resumes from. Each partition
// is then copied from its read transaction by SQLite's online backup, into a temporary file
// that is folded into one self-contained file and synced, and all are renamed into place.
#include <fmt/format.h>
#include <algorithm>

#include <memory>
#include <vector>

#include "partition_files.hpp"
#include "sqlite.hpp"
#include "weir/recovery/store.hpp"

namespace weir::recovery {

namespace fs = std::filesystem;

Epoch backup_store(const fs::path& dir, const fs::path& dest) {
  files::check_dir(dest);
  if (const files::DirScan there = files::scan(dest);
      !there.parts.empty() || !there.unfinished.empty()) {
    const fs::path& first = there.parts.empty() ? there.unfinished.front() : there.parts.front();
    throw RecoveryError(fmt::format("backup destination '{}' already holds partitions ({})",
                                    dest.string(), first.filename().string()));
  }
  if (fs::equivalent(dir, dest)) {
    throw RecoveryError(
        fmt::format("backup destination '{}' is the recovery directory itself", dest.string()));
  }
  // (open reads every partition at one point in time, also while a run writes)
  const std::size_t count = RecoveryStore::open(dir)->partition_count();

  std::vector<std::unique_ptr<sqlite::Db>> readers;
  {
    std::vector<std::unique_ptr<sqlite::Db>> locks;
    for (std::size_t i = 0; i < count; ++i) {
      locks.push_back(std::make_unique<sqlite::Db>((dir / files::part_name(i)).string(), false));
      locks.back()->exec("BEGIN IMMEDIATE");
    }
    for (std::size_t i = 0; i < count; ++i) {
      readers.push_back(std::make_unique<sqlite::Db>((dir / files::part_name(i)).string(), false));
      readers.back()->exec("BEGIN");
      readers.back()->query_int("SELECT count(*) FROM partitions");  // the read transaction starts
    }
    for (auto& l : locks) {
      l->exec("ROLLBACK");
    }
  }
  for (std::size_t i = 0; i < count; ++i) {
    const fs::path tmp = dest / files::unfinished_name(i);
    {
      sqlite::Db to(tmp.string(), true);
      sqlite::copy_database(*readers[i], to);
    }
    {
      // the copy's header still says WAL mode, as its source's did: open it as such, and fold
      sqlite::Db to(tmp.string(), false);
      if (!to.fold_log()) {
        throw RecoveryError(
            fmt::format("cannot make the copy '{}' a self-contained file: it is "
                        "in use",
                        tmp.string()));
      }
    }
    readers[i].reset();
    files::sync_file(tmp);
  }
  for (std::size_t i = 0; i < count; ++i) {
    fs::rename(dest / files::unfinished_name(i), dest / files::part_name(i));
  }
  files::sync_dir(dest);
  return RecoveryStore::open(dest)->resume_epoch();
}

}  // namespace weir::recovery
