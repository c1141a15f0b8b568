// Kills a dataflow fed by a StatefulProducer (push_flow) with SIGKILL at random moments and
// resumes it each time: the resumed run() starts from the state of the last committed epoch,
// and the exactly-once file ends up holding every number once, in order; with each partition
// isolated in a child process too, and then no child outlives its killed parent.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <map>
#include <random>
#include <thread>

#include <weir/recovery/store.hpp>

#include "support.hpp"

namespace {

constexpr int kNumbers = 100'000;

/// Starts push_flow on `dir`'s store and out.txt, counting to `n`, with `more` positional
/// arguments after N OUT.
pid_t start(const weir_test::TempDir& dir, int n, std::vector<std::string> more = {}) {
  const std::string bin = WEIR_PUSH_FLOW_BIN;
  std::vector<std::string> args{bin,
                                "-s",
                                "0.01",
                                "-r",
                                (dir / "store").string(),
                                std::to_string(n),
                                (dir / "out.txt").string()};
  args.insert(args.end(), more.begin(), more.end());
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::freopen("/dev/null", "w", stdout);
    std::freopen("/dev/null", "w", stderr);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(bin.c_str(), argv.data());
    ::_exit(127);
  }
  return pid;
}

/// Kills push_flow at random moments, resuming it each time, until it was killed `kills`
/// times (a run may end before its kill) or `rounds` runs were started; returns the kills.
/// `after_kill` runs after each run.
template <class F>
int kill_rounds(const weir_test::TempDir& dir, int n, const std::vector<std::string>& more,
                int kills, int rounds, std::mt19937& rng, F after_kill) {
  int killed = 0;
  for (int i = 0; i < rounds && killed < kills; ++i) {
    const pid_t pid = start(dir, n, more);
    std::this_thread::sleep_for(std::chrono::milliseconds(5 + rng() % 60));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    killed += WIFSIGNALED(status) ? 1 : 0;
    after_kill();
  }
  return killed;
}

/// Runs push_flow to its end, then checks that `out.txt` holds, for each prefix, the numbers
/// 0..n-1 once each, in order.
void check_complete(const weir_test::TempDir& dir, int n, const std::vector<std::string>& more,
                    const std::vector<std::string>& prefixes) {
  int status = 0;
  ::waitpid(start(dir, n, more), &status, 0);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  std::map<std::string, int> next;
  std::vector<std::string> wrong;
  std::ifstream in(dir / "out.txt");
  for (std::string line; std::getline(in, line);) {
    const auto colon = line.find(':');
    const std::string prefix = colon == std::string::npos ? "" : line.substr(0, colon + 1);
    int& n = next[prefix];
    if (line != prefix + std::to_string(n) && wrong.size() < 5) {
      wrong.push_back(line + " where " + prefix + std::to_string(n) + " was due");
    }
    ++n;
  }
  CHECK(wrong.empty());
  for (const auto& p : prefixes) {
    CHECK(next[p] == n);
  }
  CHECK(next.size() == prefixes.size());
}

}  // namespace

TEST_CASE(
    "a StatefulProducer killed at random moments resumes from its committed state, "
    "exactly once") {
  weir_test::TempDir dir;
  std::filesystem::create_directory(dir / "store");
  weir::recovery::init_store(dir / "store", 2);
  std::mt19937 rng(1126);
  const int killed = kill_rounds(dir, kNumbers, {}, 20, 20, rng, [] {});
  CHECK(killed > 10);
  check_complete(dir, kNumbers, {}, {""});
}

TEST_CASE(
    "isolated StatefulProducers on 2 partitions killed at random moments: exactly once, and "
    "no child outlives its parent") {
  weir_test::TempDir dir;
  std::filesystem::create_directory(dir / "store");
  weir::recovery::init_store(dir / "store", 2);
  // orphans of the killed dataflow become this process's children, so they can be seen
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  std::mt19937 rng(1207);
  int orphans = 0;
  const std::vector<std::string> isolated{"2", "isolate", "-w", "2"};
  constexpr int kIsolatedNumbers = 400'000;
  const int killed = kill_rounds(dir, kIsolatedNumbers, isolated, 50, 100, rng, [&] {
    // every child of the killed process must end by itself (it dies with its parent)
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (true) {
      int status = 0;
      const pid_t r = ::waitpid(-1, &status, WNOHANG);
      if (r < 0) break;  // no children left
      if (r == 0 && std::chrono::steady_clock::now() > until) {
        ++orphans;
        break;
      }
      if (r == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  ::prctl(PR_SET_CHILD_SUBREAPER, 0);
  CHECK(orphans == 0);
  CHECK(killed == 50);
  check_complete(dir, kIsolatedNumbers, isolated, {"0:", "1:"});
}
