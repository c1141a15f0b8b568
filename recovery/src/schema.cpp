#include "schema.hpp"

#include <fmt/format.h>

#include <bit>
#include <boost/archive/basic_archive.hpp>
#include <cstddef>
#include <random>

#include "weir/recovery/snapshot.hpp"

namespace weir::recovery::schema {

// Pages of 64 KiB: large rounds insert few, large rows.
const char* const kTables = R"sql(
PRAGMA page_size = 65536;
CREATE TABLE IF NOT EXISTS partitions (
  part_index INTEGER PRIMARY KEY CHECK (part_index >= 0),
  part_count INTEGER NOT NULL CHECK (part_count > 0),
  store_id TEXT NOT NULL,
  format TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CHECK (part_index < part_count)
) STRICT;
CREATE TABLE IF NOT EXISTS executions (
  execution INTEGER PRIMARY KEY,
  worker_count INTEGER NOT NULL CHECK (worker_count > 0),
  resume_epoch INTEGER NOT NULL,
  flow_id TEXT NOT NULL,
  stateful_steps TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS frontiers (
  execution INTEGER NOT NULL,
  worker_index INTEGER NOT NULL,
  frontier INTEGER NOT NULL,
  PRIMARY KEY (execution, worker_index)
) STRICT;
CREATE TABLE IF NOT EXISTS commits (
  part_index INTEGER PRIMARY KEY,
  commit_epoch INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS snapshots (
  step_id TEXT NOT NULL,
  bucket INTEGER NOT NULL,
  epoch INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  segment BLOB NOT NULL,
  PRIMARY KEY (step_id, bucket, epoch, seq)
) STRICT, WITHOUT ROWID;
)sql";

std::string format_id() {
  return fmt::format("weir-snapshot-7 buckets-{} boost-archive-{} {}-endian long-{} size_t-{}",
                     kSnapshotBuckets,
                     static_cast<unsigned>(boost::archive::BOOST_ARCHIVE_VERSION()),
                     std::endian::native == std::endian::little ? "little" : "big", sizeof(long),
                     sizeof(std::size_t));
}

std::string new_store_id() {
  std::random_device rd;
  return fmt::format("{:08x}{:08x}{:08x}{:08x}", rd(), rd(), rd(), rd());
}

}  // namespace weir::recovery::schema
