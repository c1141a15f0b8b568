// The SQLite recovery store on its own: what a run writes, where the next run resumes, what
// it loads, garbage collection, and every way a store is refused.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include <weir/recovery/store.hpp>

#include "support.hpp"

namespace fs = std::filesystem;
using weir::recovery::RecoveryError;
using weir::recovery::RecoveryStore;
using weir::recovery::ResumeState;
using weir::recovery::StateChanges;
using weir_test::TempDir;
using States = std::vector<std::pair<std::string, std::string>>;

namespace {

using Entry = std::pair<std::string, std::optional<std::string>>;

/// Step flow.sum's changes in epoch e: each key's state, or its discard (none).
StateChanges at(weir::Epoch e, const std::vector<Entry>& entries) {
  StateChanges c("flow.sum", e);
  for (const auto& [key, state] : entries) {
    if (state) {
      c.put(key, *state);
    } else {
      c.discard(key);
    }
  }
  return c;
}

States sorted_states(const ResumeState& r, const std::string& step) {
  return weir_test::sorted(r.of(step));
}

std::string message_of_open(const fs::path& dir) {
  return weir_test::error_of([&] { RecoveryStore::open(dir); });
}

}  // namespace

TEST_CASE("a fresh store starts execution 0 at epoch 1 with nothing to load") {
  TempDir dir;
  weir::recovery::init_store(dir.path(), 3);
  for (int i = 0; i < 3; ++i) {
    CHECK(fs::exists(dir / ("part-" + std::to_string(i) + ".sqlite3")));
  }
  auto store = RecoveryStore::open(dir.path());
  CHECK(store->partition_count() == 3);
  CHECK(store->next_execution() == 0);
  CHECK(store->resume_epoch() == 1);
  CHECK(store->load().states.empty());
  CHECK(store->executions().empty());
}

TEST_CASE("resume is at the lowest worker frontier and loads each key's newest state before it") {
  TempDir dir;
  weir::recovery::init_store(dir.path(), 2);
  {
    auto store = RecoveryStore::open(dir.path());
    store->begin(2);
    store->write(0, at(1, {{"a", "a1"}, {"b", "b1"}}));
    store->write(1, at(1, {{"c", "c1"}}));
    store->progress(0, 2, false);
    store->progress(1, 2, false);
    store->write(0, at(2, {{"a", "a2"}, {"b", std::nullopt}}));
    store->write(1, at(2, {{"c", "c2"}}));
    store->progress(0, 3, false);  // worker 1 never completes epoch 2
    store->write(0, at(3, {{"a", "a3"}}));
    store->finish();
    CHECK(store->committed() == 2);
  }
  auto store = RecoveryStore::open(dir.path());
  CHECK(store->next_execution() == 1);
  CHECK(store->resume_epoch() == 2);
  CHECK(sorted_states(store->load(), "flow.sum") == States{{"a", "a1"}, {"b", "b1"}, {"c", "c1"}});
  auto exs = store->executions();
  REQUIRE(exs.size() == 1);
  CHECK(exs[0].workers == 2);
  CHECK(exs[0].frontiers == std::vector<std::optional<weir::Epoch>>{3, 2});

  // the next execution forgets what the crashed one wrote for epochs it never completed
  store->begin(1);
  store->write(0, at(2, {{"c", "c2'"}}));
  store->progress(0, 4, false);
  store->finish();
  auto again = RecoveryStore::open(dir.path());
  CHECK(again->resume_epoch() == 4);
  CHECK(sorted_states(again->load(), "flow.sum") == States{{"a", "a1"}, {"b", "b1"}, {"c", "c2'"}});
}

TEST_CASE("a run that ended on every worker resumes after the last epoch any of them used") {
  TempDir dir;
  weir::recovery::init_store(dir.path(), 1);
  {
    auto store = RecoveryStore::open(dir.path());
    store->begin(2);
    store->write(0, at(1, {{"a", "a1"}}));
    store->progress(0, 2, true);  // worker 0 ended after epoch 1: it holds nothing back
    store->write(1, at(4, {{"b", "b4"}}));
    store->progress(1, 5, false);
    store->finish();
  }
  {
    auto store = RecoveryStore::open(dir.path());
    CHECK(store->resume_epoch() == 5);
    store->begin(2);
    store->progress(1, 7, true);
    store->progress(0, 5, true);
    store->finish();
    CHECK(store->committed() == 7);
  }
  auto store = RecoveryStore::open(dir.path());
  CHECK(store->resume_epoch() == 7);
  CHECK(sorted_states(store->load(), "flow.sum") == States{{"a", "a1"}, {"b", "b4"}});
}

TEST_CASE("epochs of many changes (written on parallel threads, logs checkpointed) load back") {
  TempDir dir;
  weir::recovery::init_store(dir.path(), 3);
  constexpr int kKeys = 150'000;  // ~11 MB per epoch: several MB per partition
  const std::string pad(60, '.');
  // (built by appending: GCC 12 warns falsely about "k" + std::to_string(i))
  auto with = [](const char* prefix, int i) {
    return std::string(prefix).append(std::to_string(i));
  };
  auto key = [&](int i) { return with("k", i); };
  {
    auto store = RecoveryStore::open(dir.path());
    store->begin(1);
    StateChanges first("flow.sum", 1);
    for (int i = 0; i < kKeys; ++i) first.put(key(i), std::to_string(i) + pad);
    store->write(0, std::move(first));
    store->progress(0, 2, false);
    // epoch 2: every third key is discarded, every other key below 100,000 changes
    StateChanges second("flow.sum", 2);
    for (int i = 0; i < 100'000; ++i) {
      if (i % 3 == 0) {
        second.discard(key(i));
      } else {
        second.put(key(i), with("x", i));
      }
    }
    store->write(0, std::move(second));
    store->progress(0, 3, false);
    store->finish();
    CHECK(store->committed() == 3);
  }
  States expected;
  for (int i = 0; i < kKeys; ++i) {
    if (i >= 100'000) {
      expected.emplace_back(key(i), std::to_string(i) + pad);
    } else if (i % 3 != 0) {
      expected.emplace_back(key(i), with("x", i));
    }
  }
  std::sort(expected.begin(), expected.end());
  auto store = RecoveryStore::open(dir.path());
  CHECK(store->resume_epoch() == 3);
  CHECK(sorted_states(store->load(), "flow.sum") == expected);
}

TEST_CASE("superseded snapshots are collected once the backup interval has passed") {
  TempDir dir;
  weir::recovery::init_store(dir.path(), 2);
  auto epochs = [&](RecoveryStore::Options options) {
    auto store = RecoveryStore::open(dir.path(), options);
    store->begin(1);
    const weir::Epoch start = store->resume_epoch();
    for (weir::Epoch e = start; e < start + 4; ++e) {
      store->write(0, at(e, {{"a", "a"}, {"b", "b"}}));
      store->progress(0, e + 1, false);
    }
    store->finish();
    return store->stored_snapshots();
  };
  // kept for an hour: nothing collected, and the store still resumes after its last epoch
  CHECK(epochs({std::chrono::hours(1), 2}) == 8);
  CHECK(RecoveryStore::open(dir.path())->resume_epoch() == 5);
  // no backup, compacting any two rows: only each key's newest committed snapshot is left
  CHECK(epochs({std::chrono::nanoseconds(0), 2}) == 2);
  auto store = RecoveryStore::open(dir.path());
  CHECK(store->resume_epoch() == 9);
  CHECK(sorted_states(store->load(), "flow.sum") == States{{"a", "a"}, {"b", "b"}});
}

TEST_CASE("a missing or empty recovery directory is refused with what to do") {
  TempDir dir;
  CHECK(message_of_open(dir / "nope") ==
        "recovery directory '" + (dir / "nope").string() +
            "' does not exist; create it, then run `weir-recovery init " + (dir / "nope").string() +
            " N`");
  CHECK(message_of_open(dir.path()) ==
        "recovery directory '" + dir.path().string() +
            "' holds no partitions; create them with `weir-recovery init " + dir.path().string() +
            " N`");
}

TEST_CASE("a store missing partitions is refused naming them") {
  TempDir dir;
  weir::recovery::init_store(dir.path(), 4);
  fs::remove(dir / "part-1.sqlite3");
  fs::remove(dir / "part-3.sqlite3");
  CHECK(message_of_open(dir.path()) ==
        "recovery directory '" + dir.path().string() +
            "' is missing 2 of its 4 partitions: part-1.sqlite3, part-3.sqlite3");
}

TEST_CASE("partitions from different inits or counts are refused") {
  TempDir a;
  TempDir b;
  TempDir c;
  weir::recovery::init_store(a.path(), 2);
  weir::recovery::init_store(b.path(), 2);
  weir::recovery::init_store(c.path(), 3);
  fs::copy_file(b / "part-1.sqlite3", a / "part-1.sqlite3", fs::copy_options::overwrite_existing);
  CHECK(message_of_open(a.path()) == "partitions of recovery directory '" + a.path().string() +
                                         "' come from different inits: 'part-0.sqlite3' and "
                                         "'part-1.sqlite3'");
  fs::copy_file(c / "part-2.sqlite3", b / "part-2.sqlite3");
  CHECK(message_of_open(b.path()) == "partitions of recovery directory '" + b.path().string() +
                                         "' disagree on their count: 'part-0.sqlite3' says 2, "
                                         "'part-2.sqlite3' says 3");
}

TEST_CASE("a file that is not a partition is refused") {
  TempDir dir;
  weir::recovery::init_store(dir.path(), 1);
  std::ofstream(dir / "part-0.sqlite3", std::ios::binary | std::ios::trunc)
      << std::string(4096, 'x');
  const std::string m = message_of_open(dir.path());
  CHECK_THAT(m, Catch::StartsWith("'part-0.sqlite3' in recovery directory '" + dir.path().string() +
                                  "' is not a recovery partition: "));
  CHECK_THAT(m, Catch::Contains("file is not a database"));
  CHECK_THROWS_AS(weir::recovery::init_store(dir.path(), 1), RecoveryError);
}

TEST_CASE("partitions restored from different points in time are refused") {
  TempDir dir;
  TempDir old;
  weir::recovery::init_store(dir.path(), 2);
  auto run_epochs = [&](weir::Epoch n) {
    auto store = RecoveryStore::open(dir.path());
    store->begin(2);
    const weir::Epoch start = store->resume_epoch();
    for (weir::Epoch e = start; e < start + n; ++e) {
      store->write(0, at(e, {{"a", "a"}}));
      store->progress(0, e + 1, false);
      store->progress(1, e + 1, false);
    }
  };
  // a partition is its database file and its write-ahead log
  auto copy_part0 = [](const fs::path& from, const fs::path& to) {
    for (const char* file : {"part-0.sqlite3", "part-0.sqlite3-wal"}) {
      fs::remove(to / file);
      if (fs::exists(from / file)) fs::copy_file(from / file, to / file);
    }
    fs::remove(to / "part-0.sqlite3-shm");
  };
  run_epochs(2);  // frontiers at 3, commits at 2
  copy_part0(dir.path(), old.path());
  run_epochs(5);  // frontiers at 8, commits at 7
  // part-0 (worker 0's frontier) goes back in time; part-1 still says epoch 7 is committed
  copy_part0(old.path(), dir.path());
  CHECK(message_of_open(dir.path()) ==
        "'part-1.sqlite3' in recovery directory '" + dir.path().string() +
            "' has committed epoch 7, but the workers' frontiers resume at epoch 3: the "
            "partitions come from different points in time");
}

TEST_CASE("weir-recovery init makes a store and refuses bad arguments") {
  TempDir dir;
  const std::string tool = WEIR_RECOVERY_BIN;
  using weir_test::sh;
  CHECK(sh(tool + " init " + dir.path().string() + " 2").code == 0);
  CHECK(RecoveryStore::open(dir.path())->partition_count() == 2);
  CHECK(sh(tool + " init " + dir.path().string() + " 2").code == 1);  // already there
  CHECK(sh(tool + " init " + dir.path().string() + " zero").code == 2);
  CHECK(sh(tool + " frobnicate").code == 2);
  CHECK(sh(tool + " info " + dir.path().string()).code == 0);
}
