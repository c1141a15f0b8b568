// The kafka_window example: interrupted (Ctrl-C) or killed at any moment and run again, every
// event is counted exactly once, in a window line or a late line, and each window is written
// once; an uninterrupted run has no late event and writes every window.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
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

/// Per user: events counted and amounts summed over the window lines and the late lines of
/// one output; and whether any (window, user) line was written twice.
struct Tally {
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> by_user;
  std::int64_t events = 0;
  bool repeated_window = false;
};

Tally tally(const std::filesystem::path& dir) {
  Tally t;
  std::set<std::string> windows;
  for (const auto& line : lines_of(dir / "kafka_window.out")) {
    // <start> <user> count=<n> sum=<s>
    std::istringstream in(line);
    std::string start;
    std::string user;
    std::string count;
    std::string sum;
    in >> start >> user >> count >> sum;
    t.repeated_window = !windows.insert(start + " " + user).second || t.repeated_window;
    const std::int64_t n = std::stoll(count.substr(6));
    t.by_user[user].first += n;
    t.by_user[user].second += std::stoll(sum.substr(4));
    t.events += n;
  }
  for (const auto& line : lines_of(dir / "kafka_window.out.late")) {
    // <start> <user> late amount=<a> ts_ms=<t>
    std::istringstream in(line);
    std::string start;
    std::string user;
    std::string late;
    std::string amount;
    in >> start >> user >> late >> amount;
    t.by_user[user].first += 1;
    t.by_user[user].second += std::stoll(amount.substr(7));
    t.events += 1;
  }
  return t;
}

}  // namespace

TEST_CASE("kafka_window interrupted or killed mid-run continues to exactly the full output") {
  const std::vector<std::string> args{"--events", "60000", "-s", "0.02"};
  weir_test::TempDir clean;
  REQUIRE(run_demo(clean.path(), args) == 0);
  const auto expected = lines_of(clean / "kafka_window.out");
  REQUIRE(expected.size() == 360);  // 180 s of event time: 18 windows x 20 users
  CHECK(lines_of(clean / "kafka_window.out.late").empty());
  const Tally all = tally(clean.path());
  CHECK(all.events == 60000);

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
  // events replayed after a stop may find their window closed (the event clock ran on while
  // the process was down): then they are late lines, and their window's line lacks them
  const Tally got = tally(dir.path());
  CHECK_FALSE(got.repeated_window);
  CHECK(got.events == 60000);
  CHECK(got.by_user == all.by_user);
}
TEST_CASE("librdkafka's logs go through weir's log: a broker down is a warning, never raw") {
  weir_test::TempDir dir;
  auto r = weir_test::sh("cd " + dir.path().string() + " && timeout --preserve-status -s INT 2 " +
                         WEIR_KAFKA_WINDOW_BIN + " --brokers 127.0.0.1:1 -w 1");
  INFO(r.out);
  CHECK(r.code == 130);
  CHECK_THAT(r.out, Catch::Contains("weir: warn: kafka rdkafka#consumer-1 FAIL: "
                                    "[thrd:127.0.0.1:1/bootstrap]: 127.0.0.1:1/bootstrap: Connect "
                                    "to ipv4#127.0.0.1:1 failed: Connection refused"));
  CHECK(r.out.find("%3|") == std::string::npos);
  CHECK_THAT(r.out, Catch::EndsWith("weir: error: interrupt signal received, all workers have "
                                    "been shut down\n"));
}
