// Kills a dataflow fed by a StatefulProducer (push_flow) with SIGKILL at random moments and
// resumes it each time: the resumed run() starts from the state of the last committed epoch,
// and the exactly-once file ends up holding every number once, in order.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <random>
#include <thread>

#include <weir/recovery/store.hpp>

#include "support.hpp"

namespace {

constexpr int kNumbers = 100'000;

pid_t start(const weir_test::TempDir& dir) {
  const std::string bin = WEIR_PUSH_FLOW_BIN;
  const std::string store = (dir / "store").string();
  const std::string out = (dir / "out.txt").string();
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::freopen("/dev/null", "w", stdout);
    std::freopen("/dev/null", "w", stderr);
    ::execl(bin.c_str(), bin.c_str(), "-s", "0.01", "-r", store.c_str(),
            std::to_string(kNumbers).c_str(), out.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

}  // namespace

TEST_CASE(
    "a StatefulProducer killed at random moments resumes from its committed state, "
    "exactly once") {
  weir_test::TempDir dir;
  std::filesystem::create_directory(dir / "store");
  weir::recovery::init_store(dir / "store", 2);
  std::mt19937 rng(1126);
  int killed = 0;
  for (int i = 0; i < 20; ++i) {
    const pid_t pid = start(dir);
    std::this_thread::sleep_for(std::chrono::milliseconds(5 + rng() % 60));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    killed += WIFSIGNALED(status) ? 1 : 0;
  }
  CHECK(killed > 10);
  int status = 0;
  ::waitpid(start(dir), &status, 0);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  std::ifstream in(dir / "out.txt");
  int expected = 0;
  bool in_order = true;
  for (std::string line; std::getline(in, line); ++expected) {
    if (line != std::to_string(expected)) {
      in_order = false;
      break;
    }
  }
  CHECK(in_order);
  CHECK(expected == kNumbers);
}
