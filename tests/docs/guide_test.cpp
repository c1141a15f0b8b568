// The examples of docs/sources.md, run as dataflows: what each shape delivers after a clean
// run and after a run that failed part-way and resumed (exactly-once, at-most-once,
// at-least-once), with FileSink as the exactly-once sink.
#include <catch2/catch.hpp>
#include <set>

#include <weir/recovery/store.hpp>

#include <weir/connectors/files/file_sink.hpp>
#include <weir/inputs/push_source.hpp>

#include "doc_excerpts.hpp"
#include "job_queue_source.hpp"
#include "shard_source.hpp"
#include "support.hpp"
#include "table_export.hpp"

using weir_test::Lines;
using weir_test::lines_of;
using weir_test::read_file;
using weir_test::TempDir;

namespace {

constexpr int kPerShard = 1500;
const std::vector<std::string> kShards{"a", "b", "c"};

/// events(shard, seq, body): kPerShard rows per shard, body "<shard><seq>", inserted shard by
/// shard (rowid order = shard, seq order). Returns the bodies in that order.
Lines make_events(const std::filesystem::path& path) {
  guide::sql::Db db(path.string(), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  db.exec("CREATE TABLE events(shard TEXT, seq INTEGER, body TEXT); BEGIN");
  guide::sql::Query insert(db, "INSERT INTO events VALUES (?1, ?2, ?3)");
  Lines bodies;
  for (const auto& shard : kShards) {
    for (int seq = 1; seq <= kPerShard; ++seq) {
      bodies.push_back(shard + std::to_string(seq));
      insert.reset();
      insert.bind(1, shard).bind(2, std::int64_t{seq}).bind(3, bodies.back());
      insert.step();
    }
  }
  db.exec("COMMIT");
  return bodies;
}

/// jobs(id, body) with `n` jobs "job<i>"; returns them.
Lines make_jobs(const std::filesystem::path& path, int n) {
  guide::sql::Db db(path.string(), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  db.exec(
      "PRAGMA journal_mode=WAL; CREATE TABLE IF NOT EXISTS jobs(id INTEGER PRIMARY KEY, "
      "body TEXT); BEGIN");
  guide::sql::Query insert(db, "INSERT INTO jobs(body) VALUES (?1)");
  Lines jobs;
  for (int i = 0; i < n; ++i) {
    jobs.push_back("job" + std::to_string(i));
    insert.reset();
    insert.bind(1, jobs.back());
    insert.step();
  }
  db.exec("COMMIT");
  return jobs;
}

std::int64_t jobs_left(const std::filesystem::path& path) {
  guide::sql::Db db(path.string());
  guide::sql::Query count(db, "SELECT count(*) FROM jobs");
  count.step();
  return count.int64(0);
}

/// source -> a step that fails once `fail_after` items went through (if set) -> FileSink at
/// `out`, with an epoch per batch and the store in `store`.
template <class Source>
void run_to_file(const Source& source, const TempDir& store, const std::filesystem::path& out,
                 std::size_t workers, std::optional<int> fail_after = std::nullopt) {
  weir::Dataflow flow("guide");
  auto items = weir::op::input("in", flow, source);
  std::atomic<int> seen{0};
  auto checked = weir::op::map("fault", items, [&](std::string x) {
    if (fail_after && seen.fetch_add(1) >= *fail_after) {
      throw std::runtime_error("injected failure");
    }
    return x;
  });
  auto keyed =
      weir::op::key_on("one_file", checked, [](const std::string&) { return std::string("out"); });
  weir::op::output("out", keyed, weir::files::FileSink<std::string>(out));
  const weir::RunConfig config{.workers = workers,
                               .epoch_interval = weir::Duration::zero(),
                               .recovery_directory = store.path()};
  if (fail_after) {
    CHECK_THROWS_WITH(weir::run(flow, config), Catch::Contains("injected failure"));
  } else {
    CHECK(weir::run(flow, config) == weir::RunOutcome::completed);
  }
}

/// What a run of `source` that does not fail writes, on a fresh store.
template <class Source>
Lines clean_run(const Source& source, std::size_t workers) {
  TempDir store;
  weir::recovery::init_store(store.path(), workers);
  run_to_file(source, store, store / "out.txt", workers);
  return lines_of(store / "out.txt");
}

/// The lines of one shard, in the order they appear.
Lines of_shard(const Lines& lines, const std::string& shard) {
  Lines out;
  std::copy_if(lines.begin(), lines.end(), std::back_inserter(out),
               [&](const std::string& l) { return l.rfind(shard, 0) == 0; });
  return out;
}

}  // namespace

TEST_CASE("guide: fixed-partitioned pull (ShardSource) is exactly-once across a failure") {
  TempDir dir;
  const auto events = make_events(dir / "events.db");
  guide::ShardSource source((dir / "events.db").string());
  CHECK(source.list_parts() == kShards);
  for (std::optional<int> fail_after : {std::optional<int>(), std::optional<int>(2000)}) {
    TempDir store;
    weir::recovery::init_store(store.path(), 2);
    const auto out = store / "out.txt";
    if (fail_after) {
      run_to_file(source, store, out, 2, fail_after);
      CHECK(lines_of(out).size() < events.size());
    }
    run_to_file(source, store, out, 2);
    const auto got = lines_of(out);
    CHECK(weir_test::sorted(got) == weir_test::sorted(events));
    for (const auto& shard : kShards) {  // each shard in its own order
      CHECK(of_shard(got, shard) == of_shard(events, shard));
    }
  }
}

TEST_CASE("guide: dynamic pull (JobQueueSource) shares the queue and is at-most-once") {
  TempDir dir;
  const auto db = dir / "jobs.db";
  const auto jobs = make_jobs(db, 3000);
  guide::JobQueueSource source(db.string());
  CHECK(weir_test::sorted(clean_run(source, 3)) == weir_test::sorted(jobs));
  CHECK(jobs_left(db) == 0);
  make_jobs(db, 3000);
  TempDir store;
  weir::recovery::init_store(store.path(), 3);
  const auto out = store / "out.txt";
  run_to_file(source, store, out, 3, 500);
  run_to_file(source, store, out, 3);
  const auto got = lines_of(out);
  CHECK(jobs_left(db) == 0);
  CHECK(std::set<std::string>(got.begin(), got.end()).size() == got.size());  // no duplicate
  const std::set<std::string> known(jobs.begin(), jobs.end());
  CHECK(std::all_of(got.begin(), got.end(),
                    [&](const std::string& l) { return known.count(l) == 1; }));
  // the job that met the failure was claimed and never written: lost
  CHECK(got.size() < jobs.size());
}

TEST_CASE("guide: a push Subject (TableExport) is at-least-once, a group never split") {
  TempDir dir;
  const auto events = make_events(dir / "events.db");
  const auto path = (dir / "events.db").string();
  weir::push::PushSource<guide::TableExport> source(
      "events", [&](const std::string&) { return std::make_unique<guide::TableExport>(path); });
  CHECK(clean_run(source, 1) == events);
  TempDir store;
  weir::recovery::init_store(store.path(), 1);
  const auto out = store / "out.txt";
  run_to_file(source, store, out, 1, 2000);
  run_to_file(source, store, out, 1);
  // what the failed run committed, whole shards only, then the whole table again
  const auto got = lines_of(out);
  REQUIRE(got.size() >= events.size());
  const auto committed = got.size() - events.size();
  CHECK(committed % kPerShard == 0);
  CHECK(Lines(got.begin(), got.begin() + static_cast<std::ptrdiff_t>(committed)) ==
        Lines(events.begin(), events.begin() + static_cast<std::ptrdiff_t>(committed)));
  CHECK(Lines(got.begin() + static_cast<std::ptrdiff_t>(committed), got.end()) == events);
}

TEST_CASE("guide: a StatefulProducer (TableCopy) resumes from its state: exactly-once") {
  TempDir dir;
  const auto events = make_events(dir / "events.db");
  const auto path = (dir / "events.db").string();
  weir::push::PushSource<guide::TableCopy> source(
      "events", [&](const std::string&) { return std::make_unique<guide::TableCopy>(path); });
  CHECK(clean_run(source, 1) == events);
  TempDir store;
  weir::recovery::init_store(store.path(), 1);
  const auto out = store / "out.txt";
  run_to_file(source, store, out, 1, 2000);
  const auto partial = lines_of(out).size();
  CHECK(partial < events.size());
  run_to_file(source, store, out, 1);
  CHECK(lines_of(out) == events);
}

TEST_CASE("guide: every code excerpt in docs/sources.md is part of the file it names") {
  CHECK(weir_test::check_excerpts(WEIR_SOURCE_DIR, "docs/sources.md") == 9);
}
