// A recovery store's files: a closed partition is one self-contained file, a log that is not
// its partition's is refused, backups are consistent copies, init is atomic (an interrupted
// one is redone), and each refusal has its own error type.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <random>
#include <thread>

#include <weir/recovery/store.hpp>

#include "store_support.hpp"
#include "support.hpp"

namespace fs = std::filesystem;
using weir::recovery::RecoveryStore;
using weir::recovery::StateChanges;
using weir_test::await_commit;
using weir_test::TempDir;
using States = std::vector<std::pair<std::string, std::string>>;

namespace {

/// Epoch e of step flow.sum: keys k0..k(n-1), each with the state "e".
StateChanges epoch_of(weir::Epoch e, int keys) {
  StateChanges c("flow.sum", e);
  for (int k = 0; k < keys; ++k) {
    c.put("k" + std::to_string(k), std::to_string(e));
  }
  return c;
}

/// Runs epochs [from, to) on one worker, each committed before the next.
void run_epochs(RecoveryStore& store, weir::Epoch from, weir::Epoch to, int keys = 20) {
  for (weir::Epoch e = from; e < to; ++e) {
    store.write(0, epoch_of(e, keys));
    store.progress(0, e + 1, false);
    await_commit(store, e + 1);
  }
}

std::vector<std::string> files_in(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

States all_at(int keys, weir::Epoch e) {
  States out;
  for (int k = 0; k < keys; ++k) {
    out.emplace_back("k" + std::to_string(k), std::to_string(e));
  }
  return weir_test::sorted(out);
}

/// A run writing `store` on a thread of its own, an epoch of 200 keys at a time from epoch 4
/// (after run_epochs(store, 1, 4, 200)), each committed before the next, until stop().
class RunGoingOn {
 public:
  explicit RunGoingOn(RecoveryStore& store)
      : thread_([this, &store] {
          for (weir::Epoch e = 4; !stop_.load(); ++e) {
            store.write(0, epoch_of(e, 200));
            store.progress(0, e + 1, false);
            await_commit(store, e + 1);
          }
        }) {}
  RunGoingOn(const RunGoingOn&) = delete;
  RunGoingOn& operator=(const RunGoingOn&) = delete;
  ~RunGoingOn() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace

TEST_CASE("a run that ends folds its logs in: each partition is one self-contained file") {
  TempDir dir;
  weir::recovery::init_store(dir.path(), 2);
  {
    auto store = RecoveryStore::open(dir.path());
    store->begin(1);
    run_epochs(*store, 1, 6);
    CHECK(fs::exists(dir / "part-0.sqlite3-wal"));  // while it runs, the log holds commits
    store->finish();
    CHECK(files_in(dir.path()) == std::vector<std::string>{"part-0.sqlite3", "part-1.sqlite3"});
  }
  auto store = RecoveryStore::open(dir.path());
  CHECK(store->resume_epoch() == 6);
  CHECK(weir_test::sorted(store->load().of("flow.sum")) == all_at(20, 5));
}

TEST_CASE("a log beside a partition restored from a copy is refused, not replayed") {
  TempDir dir;
  TempDir saved;
  weir::recovery::init_store(dir.path(), 1);
  {
    auto store = RecoveryStore::open(dir.path());
    store->begin(1);
    run_epochs(*store, 1, 3);
  }
  fs::copy_file(dir / "part-0.sqlite3", saved / "part-0.sqlite3");  // a clean copy at epoch 3
  {
    auto store = RecoveryStore::open(dir.path());
    store->begin(1);
    run_epochs(*store, 3, 8);
    // a crash now would leave this log: keep it as the crash would
    fs::copy_file(dir / "part-0.sqlite3-wal", saved / "newer.wal");
  }
  fs::copy_file(saved / "part-0.sqlite3", dir / "part-0.sqlite3",
                fs::copy_options::overwrite_existing);
  fs::copy_file(saved / "newer.wal", dir / "part-0.sqlite3-wal");
  const std::string m = weir_test::error_of([&] { RecoveryStore::open(dir.path()); });
  CHECK(m == "'part-0.sqlite3-wal' in recovery directory '" + dir.path().string() +
                 "' does not belong to 'part-0.sqlite3': the partition was closed cleanly, so it "
                 "has no log; the log is left from another copy of the store (remove it to "
                 "resume from 'part-0.sqlite3' as it is)");
  CHECK_THROWS_AS(RecoveryStore::open(dir.path()), weir::recovery::InconsistentPartitions);
  fs::remove(dir / "part-0.sqlite3-wal");
  auto store = RecoveryStore::open(dir.path());
  CHECK(store->resume_epoch() == 3);
  CHECK(weir_test::sorted(store->load().of("flow.sum")) == all_at(20, 2));
}

TEST_CASE("a backup taken while a run writes is one consistent point of every partition") {
  TempDir dir;
  TempDir copy;
  weir::recovery::init_store(dir.path(), 3);
  auto store = RecoveryStore::open(dir.path(), {.compact_after = 2});
  store->begin(1);
  run_epochs(*store, 1, 4, 200);
  RunGoingOn run(*store);  // the run goes on through the backup
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  weir::Epoch at = 0;
  std::string failed;
  try {
    at = weir::recovery::backup_store(dir.path(), copy.path());
  } catch (const std::exception& e) {
    failed = e.what();
  }
  run.stop();
  store->finish();
  REQUIRE(failed == "");
  CHECK(at >= 4);
  CHECK(files_in(copy.path()) ==
        std::vector<std::string>{"part-0.sqlite3", "part-1.sqlite3", "part-2.sqlite3"});
  auto restored = RecoveryStore::open(copy.path());
  CHECK(restored->resume_epoch() == at);
  // every key as of the epoch before the copy's resume point, in every partition
  CHECK(weir_test::sorted(restored->load().of("flow.sum")) == all_at(200, at - 1));
  // a destination that holds partitions is refused
  CHECK(weir_test::error_of([&] { weir::recovery::backup_store(dir.path(), copy.path()); }) ==
        "backup destination '" + copy.path().string() +
            "' already holds partitions (part-0.sqlite3)");
}

TEST_CASE("a store opened while a run writes it is seen at one point in time") {
  TempDir dir;
  weir::recovery::init_store(dir.path(), 3);
  auto store = RecoveryStore::open(dir.path(), {.compact_after = 2});
  store->begin(1);
  run_epochs(*store, 1, 4, 200);
  RunGoingOn run(*store);
  std::string failed;
  weir::Epoch last = 0;
  bool monotonic = true;
  for (int i = 0; i < 300 && failed.empty(); ++i) {
    try {
      const weir::Epoch at = RecoveryStore::open(dir.path())->resume_epoch();
      monotonic = monotonic && at >= last;
      last = at;
    } catch (const std::exception& e) {
      failed = e.what();
    }
  }
  run.stop();
  store->finish();
  CHECK(failed == "");
  CHECK(monotonic);
  CHECK(last >= 4);
}

TEST_CASE("weir-recovery backup copies a store and says where it resumes") {
  TempDir dir;
  TempDir copy;
  weir::recovery::init_store(dir.path(), 2);
  {
    auto store = RecoveryStore::open(dir.path());
    store->begin(1);
    run_epochs(*store, 1, 5);
  }
  const std::string tool = WEIR_RECOVERY_BIN;
  auto r = weir_test::sh(tool + " backup " + dir.path().string() + " " + copy.path().string());
  CHECK(r.code == 0);
  CHECK(r.out == "copied the store in " + dir.path().string() + " into " + copy.path().string() +
                     ": it resumes at epoch 5\n");
  CHECK(weir_test::sorted(RecoveryStore::open(copy.path())->load().of("flow.sum")) ==
        all_at(20, 4));
  CHECK(weir_test::sh(tool + " backup " + dir.path().string()).code == 2);
  CHECK(weir_test::sh(tool + " backup " + dir.path().string() + " " + copy.path().string()).code ==
        1);
}

TEST_CASE("an interrupted init is redone, and a store it left is refused until then") {
  TempDir dir;
  weir::recovery::init_store(dir.path(), 3);
  // a kill between the renames: part-2 is still under its temporary name
  fs::rename(dir / "part-2.sqlite3", dir / "part-2.sqlite3.init");
  const std::string m = weir_test::error_of([&] { RecoveryStore::open(dir.path()); });
  CHECK(m == "recovery directory '" + dir.path().string() +
                 "' is missing 1 of its 3 partitions: part-2.sqlite3 (an interrupted init left 1 "
                 "unfinished partition(s): run `weir-recovery init " +
                 dir.path().string() + " N` again)");
  CHECK_THROWS_AS(RecoveryStore::open(dir.path()), weir::recovery::MissingPartitions);
  weir::recovery::init_store(dir.path(), 3);
  CHECK(RecoveryStore::open(dir.path())->partition_count() == 3);

  // a kill while the first partition was written: only a torn temporary file
  TempDir torn;
  std::ofstream(torn / "part-0.sqlite3.init") << "SQLite format 3";
  CHECK_THROWS_AS(RecoveryStore::open(torn.path()), weir::recovery::NoPartitions);
  CHECK(weir::recovery::ensure_store(torn.path(), 2));
  CHECK(files_in(torn.path()) == std::vector<std::string>{"part-0.sqlite3", "part-1.sqlite3"});
  CHECK_FALSE(weir::recovery::ensure_store(torn.path(), 2));  // whole: used as it is

  // a store that ran is never redone, even with a partition missing
  {
    auto store = RecoveryStore::open(dir.path());
    store->begin(1);
    run_epochs(*store, 1, 2);
  }
  fs::remove(dir / "part-1.sqlite3");
  CHECK_THROWS_AS(weir::recovery::init_store(dir.path(), 3), weir::recovery::RecoveryError);
  CHECK_FALSE(weir::recovery::ensure_store(dir.path(), 3));
  CHECK_THROWS_AS(RecoveryStore::open(dir.path()), weir::recovery::MissingPartitions);
}

TEST_CASE("weir-recovery init killed at random moments leaves a store that opens or is redone") {
  const std::string tool = WEIR_RECOVERY_BIN;
  std::mt19937 rng(7);
  // how long an uninterrupted init of 8 partitions takes here: kills are spread over it
  TempDir timing;
  const auto t0 = std::chrono::steady_clock::now();
  REQUIRE(weir_test::sh(tool + " init " + timing.path().string() + " 8").code == 0);
  const auto took =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  int interrupted = 0;
  for (int round = 0; round < 20; ++round) {
    TempDir dir;
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid == 0) {
      std::freopen("/dev/null", "w", stdout);
      ::execl(tool.c_str(), tool.c_str(), "init", dir.path().c_str(), "8",
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(
        std::uniform_int_distribution<long>(0, std::max<long>(took, 1))(rng)));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    interrupted += WIFSIGNALED(status) ? 1 : 0;
    // whatever the kill left, the store is whole or made whole, never unusable
    weir::recovery::ensure_store(dir.path(), 8);
    CHECK(RecoveryStore::open(dir.path())->partition_count() == 8);
  }
  WARN(interrupted << " of 20 inits were killed before they ended");
}
