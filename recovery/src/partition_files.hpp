#pragma once
// The files of a recovery store, below SQLite: how partitions are named, made atomically, and
// checked before SQLite opens them.
//
// A partition is the file `part-<i>.sqlite3`. While a run writes it, it is in WAL mode and its
// latest commits sit in `part-<i>.sqlite3-wal` beside it; a run that closes cleanly folds the
// log back in and switches the file to rollback-journal mode, so a closed partition is one
// self-contained file whose header says so. A log found beside such a file cannot be its own
// (SQLite would otherwise replay it over the file): check_log refuses it.
//
// Partitions are made under a temporary name (`part-<i>.sqlite3.init`), synced, and renamed
// into place only once all of them are complete, so a partition file that exists is whole.

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weir::recovery::files {

/// `part-<i>.sqlite3`.
std::string part_name(std::size_t i);
/// The index in a file name `part-<i>.sqlite3`, if it is one.
std::optional<std::size_t> part_index_of(std::string_view name);
/// Whether `name` is a partition made by an init that has not finished (`part-<i>.sqlite3.init`).
bool is_unfinished_part(std::string_view name);
/// The temporary name a partition is made under.
std::string unfinished_name(std::size_t i);

/// The partition files in a directory, finished or not.
struct DirScan {
  std::vector<std::filesystem::path> parts;       // part-<i>.sqlite3
  std::vector<std::filesystem::path> unfinished;  // part-<i>.sqlite3.init
};
DirScan scan(const std::filesystem::path& dir);

/// Throws NoPartitions unless `dir` is a directory.
void check_dir(const std::filesystem::path& dir);

/// Throws InconsistentPartitions if a non-empty write-ahead log lies beside the partition
/// file `part`, whose header says it was closed cleanly (so it has no log of its own).
void check_log(const std::filesystem::path& dir, const std::string& part);

/// Writes a file's data and the directory entry that names it to the disk.
void sync_file(const std::filesystem::path& file);
void sync_dir(const std::filesystem::path& dir);

}  // namespace weir::recovery::files
