// Kills a real dataflow process (crash_flow) with SIGKILL at random moments, resumes it each
// time, and checks that what it finally wrote equals a run that never crashed: exactly once
// in the FileSink, at least once (duplicates only from the epochs open at each kill) in the
// appending sink.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include <weir/recovery/store.hpp>

#include "support.hpp"

using weir_test::TempDir;

namespace {

constexpr int kLines = 100000;
constexpr int kBatch = 50;  // crash_flow's FileSource batch: one epoch with -s 0

std::vector<std::string> read_lines(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);) {
    out.push_back(l);
  }
  return out;
}

/// Starts crash_flow; `kill_at_snapshot` > 0 makes it kill itself in that snapshot.
pid_t start(const TempDir& dir, int kill_at_snapshot) {
  const std::string bin = WEIR_CRASH_FLOW_BIN;
  const std::string store = (dir / "store").string();
  const std::string in = (dir / "in.txt").string();
  const std::string exact = (dir / "exact.txt").string();
  const std::string loose = (dir / "loose.txt").string();
  std::fflush(nullptr);  // the child must not write this process's buffered output again
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (kill_at_snapshot > 0) {
      ::setenv("WEIR_KILL_AT_SNAPSHOT", std::to_string(kill_at_snapshot).c_str(), 1);
    }
    std::freopen("/dev/null", "w", stdout);
    std::freopen("/dev/null", "w", stderr);
    ::execl(bin.c_str(), bin.c_str(), "-w", "2", "-s", "0", "-r", store.c_str(), in.c_str(),
            exact.c_str(), loose.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

int wait_status(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

}  // namespace

TEST_CASE(
    "a dataflow killed at random moments 20 times resumes to exactly the output of an uncrashed "
    "run") {
  TempDir dir;
  std::filesystem::create_directory(dir / "store");
  weir::recovery::init_store(dir / "store", 3);
  std::mt19937 rng(20261126);
  std::multiset<std::string> expected;
  std::map<std::string, long> sums;
  {
    std::ofstream in(dir / "in.txt");
    for (int i = 0; i < kLines; ++i) {
      std::string key = "k";
      key.append(std::to_string(rng() % 50));
      const long v = 1 + static_cast<long>(rng() % 1000);
      in << key << ' ' << v << '\n';
      sums[key] += v;
      std::string line = key;
      line.push_back(' ');
      line.append(std::to_string(sums[key]));
      expected.insert(line);
    }
  }

  // first, while most of the input is ahead: a kill in the middle of an epoch's snapshot
  // (the sink's file synced, the epoch not committed)
  const int during_snapshot = wait_status(start(dir, 3));
  CHECK(WIFSIGNALED(during_snapshot));
  CHECK(WTERMSIG(during_snapshot) == SIGKILL);

  int kills = 0;
  std::uniform_int_distribution<int> delay_ms(20, 120);
  for (int round = 0; round < 24; ++round) {
    const pid_t pid = start(dir, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      break;  // it finished before the kill
    }
    ::kill(pid, SIGKILL);
    status = wait_status(pid);
    REQUIRE(WIFSIGNALED(status));
    ++kills;
  }
  CHECK(kills >= 20);
  std::printf("crash test: %d kills\n", kills);

  const int last = wait_status(start(dir, 0));
  REQUIRE(WIFEXITED(last));
  REQUIRE(WEXITSTATUS(last) == 0);

  // exactly once: the same lines, each key's totals in order
  const auto exact = read_lines(dir / "exact.txt");
  CHECK(std::multiset<std::string>(exact.begin(), exact.end()) == expected);
  std::map<std::string, long> last_total;
  bool ordered = true;
  for (const auto& l : exact) {
    const auto space = l.find(' ');
    const long total = std::stol(l.substr(space + 1));
    long& prev = last_total[l.substr(0, space)];
    ordered = ordered && total > prev;
    prev = total;
  }
  CHECK(ordered);

  // at least once: everything, plus at most one epoch (a batch) per crashed run again
  const auto loose = read_lines(dir / "loose.txt");
  std::multiset<std::string> got(loose.begin(), loose.end());
  std::size_t missing = 0;
  for (const auto& l : expected) {
    if (got.count(l) == 0) {
      ++missing;
    }
  }
  CHECK(missing == 0);
  CHECK(loose.size() >= expected.size());
  std::printf("crash test: %zu duplicates in the at-least-once output\n",
              loose.size() - expected.size());
  CHECK(loose.size() - expected.size() <= static_cast<std::size_t>(kills + 1) * kBatch);
}
