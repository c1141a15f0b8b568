// Making a store: partitions made under temporary names, synced, then renamed into place, so
// that a kill at any moment leaves whole partitions or an unfinished init that the next init
// (or ensure_store) redoes.
#include <fmt/format.h>

#include <optional>
#include <string>
#include <vector>

#include "partition_files.hpp"
#include "schema.hpp"
#include "sqlite.hpp"
#include "weir/recovery/store.hpp"

namespace weir::recovery {

namespace fs = std::filesystem;
using files::DirScan;
using files::part_name;
using files::scan;

namespace {

/// Whether the partitions found are what an interrupted init left: a partition still under
/// its temporary name, or fewer partitions than their count, all from one init, never run.
bool unfinished_init(const DirScan& found) {
  if (!found.unfinished.empty()) {
    return true;
  }
  std::optional<std::string> store;
  std::size_t count = 0;
  for (const auto& path : found.parts) {
    try {
      sqlite::Db db(path.string(), false);
      sqlite::Stmt q(db, "SELECT part_count, store_id FROM partitions");
      if (!q.step() || (store && *store != q.bytes(1)) ||
          db.query_int("SELECT count(*) FROM executions") != 0) {
        return false;
      }
      count = static_cast<std::size_t>(q.int64(0));
      store = q.bytes(1);
    } catch (const RecoveryError&) {
      return false;  // not a partition: nothing an init of ours would leave
    }
  }
  return store.has_value() && found.parts.size() < count;
}

void remove_partition_files(const fs::path& file) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    fs::remove(fs::path(file.string() + suffix));
  }
}

}  // namespace

void init_store(const fs::path& dir, std::size_t count) {
  files::check_dir(dir);
  if (count == 0) {
    throw RecoveryError("a recovery store needs at least one partition");
  }
  const DirScan found = scan(dir);
  if (!found.parts.empty() || !found.unfinished.empty()) {
    if (!unfinished_init(found)) {
      throw RecoveryError(fmt::format("recovery directory '{}' already holds partitions ({})",
                                      dir.string(), found.parts.front().filename().string()));
    }
    for (const auto& f : found.parts) {
      remove_partition_files(f);
    }
    for (const auto& f : found.unfinished) {
      remove_partition_files(f);
    }
  }
  // every partition is made and synced under a temporary name, then all are renamed: a kill
  // at any point leaves either whole partitions or what the next init redoes
  const std::string id = schema::new_store_id();
  const std::string format = schema::format_id();
  for (std::size_t i = 0; i < count; ++i) {
    const fs::path file = dir / files::unfinished_name(i);
    remove_partition_files(file);
    {
      sqlite::Db db(file.string(), true);
      db.exec(schema::kTables);
      sqlite::Stmt ins(db,
                       "INSERT INTO partitions (part_index, part_count, store_id, format) "
                       "VALUES (?1, ?2, ?3, ?4)");
      ins.bind(1, static_cast<std::int64_t>(i))
          .bind(2, static_cast<std::int64_t>(count))
          .bind_text(3, id)
          .bind_text(4, format)
          .run();
    }
    files::sync_file(file);
  }
  for (std::size_t i = 0; i < count; ++i) {
    fs::rename(dir / files::unfinished_name(i), dir / part_name(i));
  }
  files::sync_dir(dir);
}

bool ensure_store(const fs::path& dir, std::size_t count) {
  fs::create_directories(dir);
  const DirScan found = scan(dir);
  if ((found.parts.empty() && found.unfinished.empty()) || unfinished_init(found)) {
    init_store(dir, count);
    return true;
  }
  return false;
}

}  // namespace weir::recovery
