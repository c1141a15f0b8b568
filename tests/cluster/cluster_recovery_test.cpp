// Recovery across processes (tests/cluster/cluster_flows.cpp's `running` flow: a running sum
// per key, written exactly once): resuming with another cluster shape, and SIGKILLs of one
// process at random moments, end with the output of one uncrashed process.
#include <catch2/catch.hpp>

#include <fmt/format.h>
#include <signal.h>

#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "cluster/cluster_support.hpp"
#include "weir/recovery/store.hpp"

namespace fs = std::filesystem;
using namespace cluster_test;

namespace {

/// The uncrashed output: one process, one worker, its own store.
std::multiset<std::string> reference(const fs::path& dir) {
  const fs::path out = dir / "reference";
  const fs::path store = dir / "reference-store";
  fs::create_directories(out);
  fs::create_directories(store);
  weir::recovery::init_store(store, 3);
  for (auto& c : start_cluster("running", 1, 1, out, dir, {"-r", store.string()})) {
    INFO(c->output());
    REQUIRE(c->wait() == 0);
  }
  return lines_in(out);
}

/// Makes the output directory `out` and a new store in `dir`; returns the flags naming it.
std::vector<std::string> fresh_store(const fs::path& dir, const fs::path& out) {
  const fs::path store = dir / "store";
  fs::create_directories(out);
  fs::create_directories(store);
  weir::recovery::init_store(store, 3);
  return {"-r", store.string()};
}

/// Sets CLUSTER_ITEMS (per partition) and CLUSTER_PACE_US (per batch of 50) for the
/// processes started while it lives.
struct Paced {
  Paced(const char* items, const char* pace_us) {
    ::setenv("CLUSTER_ITEMS", items, 1);
    ::setenv("CLUSTER_PACE_US", pace_us, 1);
  }
  Paced(const Paced&) = delete;
  Paced& operator=(const Paced&) = delete;
  ~Paced() {
    ::unsetenv("CLUSTER_ITEMS");
    ::unsetenv("CLUSTER_PACE_US");
  }
};

/// Waits until the files in `out` hold at least `n` lines; false if they do not within 30 s.
bool wait_for_lines(const fs::path& out, std::size_t n) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (lines_in(out).size() < n) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace

TEST_CASE("a cluster resumes with another shape: 1x2, then 3x1, then 2x2") {
  Scratch s;
  std::multiset<std::string> want;
  {
    const Paced full("40000", "0");
    want = reference(s.dir);
  }
  REQUIRE(want.size() == 6 * 40000);
  const fs::path out = s.dir / "out";
  const std::vector<std::string> recovery = fresh_store(s.dir, out);
  const Paced paced("40000", "1000");  // 800 batches a partition: 2.4 s a worker of 1x2
  // two shapes stopped part way by Ctrl-C and by SIGTERM (each keeps what it committed), then
  // a third to the end; each is stopped once it has written a tenth of the output, not after
  // a fixed time, which a slow or a fast machine would turn into no progress or the end
  for (auto [processes, workers, sig] : {std::tuple{1, 2, SIGINT}, std::tuple{3, 1, SIGTERM}}) {
    INFO(processes << "x" << workers);
    const std::size_t before = lines_in(out).size();
    auto children = start_cluster("running", processes, workers, out, s.dir, recovery);
    REQUIRE(wait_for_lines(out, before + want.size() / 10));
    children.back()->signal(sig);
    for (auto& c : children) {
      INFO(c->output());
      REQUIRE(c->wait(std::chrono::seconds(5)) == 130);
    }
    const auto so_far = lines_in(out);
    CHECK(so_far.size() < want.size());  // stopped before the end
  }
  for (auto& c : start_cluster("running", 2, 2, out, s.dir, recovery)) {
    INFO(c->output());
    REQUIRE(c->wait() == 0);
  }
  CHECK(lines_in(out) == want);
}

TEST_CASE(
    "SIGKILL of one process at 10 random moments, each time restarting all, loses and "
    "repeats nothing") {
  Scratch s;
  std::multiset<std::string> want;
  {
    const Paced full("60000", "0");
    want = reference(s.dir);
  }
  const fs::path out = s.dir / "out";
  const std::vector<std::string> recovery = fresh_store(s.dir, out);
  const Paced paced("60000", "3000");  // 1200 batches a partition: 7.2 s for 2x2 workers,
  // more than 10 kills at most 600 ms apart can reach
  std::mt19937 random(std::random_device{}());
  int kills = 0;
  while (kills < 10) {
    auto children = start_cluster("running", 2, 2, out, s.dir, recovery);
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(100, 600)(random)));
    const std::size_t victim = std::uniform_int_distribution<std::size_t>(0, 1)(random);
    if (children[victim]->wait(std::chrono::milliseconds(0))) break;  // it had finished
    children[victim]->signal(SIGKILL);
    ++kills;
    for (std::size_t i = 0; i < children.size(); ++i) {
      INFO("kill " << kills << ", process " << i << ": " << children[i]->output());
      const std::optional<int> code = children[i]->wait(std::chrono::seconds(5));
      REQUIRE(code);
      if (i == victim) {
        CHECK(*code == 128 + SIGKILL);
      } else {
        CHECK(*code == 1);
      }
    }
  }
  CHECK(kills == 10);
  for (auto& c : start_cluster("running", 2, 2, out, s.dir, recovery)) {
    INFO(c->output());
    REQUIRE(c->wait() == 0);
  }
  CHECK(lines_in(out) == want);
}

TEST_CASE("processes that do not share one recovery directory are refused") {
  Scratch s;
  const fs::path out = s.dir / "out";
  fs::create_directories(out);
  // the same store layout twice, one a run further on
  for (const char* name : {"a", "b"}) {
    fs::create_directories(s.dir / name);
    weir::recovery::init_store(s.dir / name, 1);
  }
  for (auto& c : start_cluster("fold", 1, 1, out, s.dir, {"-r", (s.dir / "b").string()})) {
    REQUIRE(c->wait() == 0);
  }
  std::vector<std::string> a;
  const fs::path file = addresses_file(s.dir, 2, &a);
  Child p0(flow_args("fold", out, {"-i", "0", "-a", file.string(), "-r", (s.dir / "a").string()}),
           s.dir / "log0");
  Child p1(flow_args("fold", out, {"-i", "1", "-a", file.string(), "-r", (s.dir / "b").string()}),
           s.dir / "log1");
  REQUIRE(p0.wait() == 1);
  REQUIRE(p1.wait() == 1);
  CHECK_THAT(p0.output(),
             Catch::StartsWith("weir: error: process 1 (" + a[1] + ") resumes from epoch "));
  CHECK_THAT(p0.output(), Catch::EndsWith(" but process 0 (" + a[0] +
                                          ") from epoch 1: the "
                                          "processes do not share one recovery directory\n"));
  CHECK(p1.output() == p0.output());
}

TEST_CASE("a process with a recovery directory and one without are refused by both") {
  Scratch s;
  const fs::path out = s.dir / "out";
  const std::vector<std::string> recovery = fresh_store(s.dir, out);
  std::vector<std::string> a;
  const fs::path file = addresses_file(s.dir, 2, &a);
  std::vector<std::string> with{"-i", "0", "-a", file.string()};
  with.insert(with.end(), recovery.begin(), recovery.end());
  Child p0(flow_args("fold", out, with), s.dir / "log0");
  Child p1(flow_args("fold", out, {"-i", "1", "-a", file.string()}), s.dir / "log1");
  REQUIRE(p0.wait() == 1);
  REQUIRE(p1.wait() == 1);
  CHECK_THAT(p0.output(), Catch::EndsWith(", 2 processes x 1 workers, recovery on)\n"));
  CHECK_THAT(p0.output(), Catch::Contains("weir: error: process 1 (" + a[1] + ") runs dataflow"));
  CHECK_THAT(p1.output(), Catch::Contains(", 2 processes x 1 workers, recovery on); process 1 (" +
                                          a[1] + ") runs dataflow"));
}
