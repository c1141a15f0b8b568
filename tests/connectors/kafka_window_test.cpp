// The kafka_window example: interrupted (Ctrl-C) or killed at any moment and run again, its
// output file ends up exactly as one uninterrupted run writes it.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <thread>

#include "support.hpp"

namespace {

/// Runs kafka_window in `dir` with `args`; sends `signal` after `after` unless it ended.
/// Returns its exit status (as waitpid gives it).
int run_demo(const std::filesystem::path& dir, const std::vector<std::string>& args,
             std::optional<std::chrono::milliseconds> after = std::nullopt, int signal = SIGINT) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (::chdir(dir.c_str()) != 0) {
      ::_exit(126);
    }
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 2);
    std::vector<std::string> copy = args;
    std::string bin = WEIR_KAFKA_WINDOW_BIN;
    std::vector<char*> argv{bin.data()};
    for (auto& a : copy) {
      argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    ::execv(bin.c_str(), argv.data());
    ::_exit(127);
  }
  int status = 0;
  if (after) {
    const auto deadline = std::chrono::steady_clock::now() + *after;
    while (std::chrono::steady_clock::now() < deadline) {
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        return status;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ::kill(pid, signal);
  }
  ::waitpid(pid, &status, 0);
  return status;
}

std::vector<std::string> lines_of(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);) {
    out.push_back(l);
  }
  return out;
}

}  // namespace

TEST_CASE("kafka_window interrupted or killed mid-run continues to exactly the full output") {
  const std::vector<std::string> args{"--events", "60000", "-s", "0.02"};
  weir_test::TempDir clean;
  REQUIRE(run_demo(clean.path(), args) == 0);
  const auto expected = lines_of(clean / "kafka_window.out");
  REQUIRE(expected.size() == 360);  // 180 s of event time: 18 windows x 20 users

  weir_test::TempDir dir;
  // stops at different moments (filling Kafka, reading, after the end); each run goes on
  // from the last one's committed epoch
  int stopped = 0;
  for (int ms : {150, 600, 900, 1200}) {
    const int status =
        run_demo(dir.path(), args, std::chrono::milliseconds(ms), ms % 300 == 0 ? SIGKILL : SIGINT);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      ++stopped;
    }
  }
  CHECK(stopped > 0);
  REQUIRE(run_demo(dir.path(), args) == 0);
  CHECK(weir_test::sorted(lines_of(dir / "kafka_window.out")) == weir_test::sorted(expected));
}
