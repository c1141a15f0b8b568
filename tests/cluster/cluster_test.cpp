// Dataflows run as clusters of separate processes on loopback (tests/cluster/cluster_flows.cpp):
// the same outputs as one process, -p from one command, and how a cluster fails.
#include <catch2/catch.hpp>

#include <fmt/format.h>
#include <signal.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "cluster/cluster_support.hpp"

namespace fs = std::filesystem;
using namespace cluster_test;

namespace {

/// Runs `flow` on `processes` processes of `workers` workers each; returns the output lines.
std::multiset<std::string> run_cluster(const std::string& flow, std::size_t processes,
                                       std::size_t workers, const fs::path& dir) {
  const fs::path out = dir / fmt::format("{}-{}x{}", flow, processes, workers);
  fs::create_directories(out);
  for (auto& c : start_cluster(flow, processes, workers, out, dir)) {
    INFO(c->output());
    REQUIRE(c->wait() == 0);
  }
  return lines_in(out);
}

}  // namespace

TEST_CASE("2- and 3-process clusters give exactly one process's outputs") {
  Scratch s;
  for (const std::string flow : {"wordcount", "fold", "window", "join"}) {
    INFO(flow);
    const auto one = run_cluster(flow, 1, 1, s.dir);
    REQUIRE(one.size() > 50);
    CHECK(run_cluster(flow, 2, 1, s.dir) == one);
    CHECK(run_cluster(flow, 3, 2, s.dir) == one);
  }
}

TEST_CASE("the window flow has late items, and a cluster finds the same ones") {
  Scratch s;
  const auto lines = run_cluster("window", 2, 2, s.dir);
  const auto late = std::count_if(lines.begin(), lines.end(),
                                  [](const std::string& l) { return l.starts_with("late "); });
  CHECK(late > 0);
  CHECK(lines == run_cluster("window", 1, 1, s.dir));
}

TEST_CASE("each process's closing log line counts the items its own workers read and wrote") {
  Scratch s;
  const fs::path out = s.dir / "counted";
  fs::create_directories(out);
  std::uint64_t read = 0;
  std::uint64_t wrote = 0;
  const std::regex summary(
      R"(finished: read (\d+) items \('cluster-wordcount\.words'\), wrote (\d+) items \('cluster-wordcount\.out'\))");
  for (auto& c : start_cluster("wordcount", 3, 2, out, s.dir)) {
    REQUIRE(c->wait() == 0);
    const std::string log = c->output();
    INFO(log);
    std::smatch m;
    REQUIRE(std::regex_search(log, m, summary));
    read += std::stoull(m[1]);
    wrote += std::stoull(m[2]);
  }
  CHECK(read == 6 * 3000);  // 6 partitions of 3,000 words
  CHECK(wrote == lines_in(out).size());
}

TEST_CASE("one command with -p 3 runs a cluster of three local processes") {
  Scratch s;
  const fs::path out = s.dir / "p3";
  fs::create_directories(out);
  Child c(flow_args("wordcount", out, {"-p", "3"}), s.dir / "log");
  REQUIRE(c.wait() == 0);
  CHECK(lines_in(out) == run_cluster("wordcount", 1, 1, s.dir));
}

TEST_CASE("a process whose peer never starts fails once the connect timeout passes") {
  Scratch s;
  std::vector<std::string> addresses;
  const fs::path file = addresses_file(s.dir, 2, &addresses);
  Child c(flow_args("fold", s.dir, {"-i", "0", "-a", file.string(), "--connect-timeout", "0.5"}),
          s.dir / "log");
  REQUIRE(c.wait() == 1);
  CHECK(c.output() == fmt::format("weir: error: process 0 ({}) waited 500 ms for process 1 ({}) "
                                  "to connect; it never did\n",
                                  addresses[0], addresses[1]));
}

TEST_CASE("a peer running another dataflow or another cluster shape is refused by both") {
  Scratch s;
  std::vector<std::string> a;
  const fs::path file = addresses_file(s.dir, 2, &a);
  {
    Child p0(flow_args("fold", s.dir, {"-i", "0", "-a", file.string()}), s.dir / "log0");
    Child p1(flow_args("wordcount", s.dir, {"-i", "1", "-a", file.string()}), s.dir / "log1");
    REQUIRE(p0.wait() == 1);
    REQUIRE(p1.wait() == 1);
    const std::string fold = "dataflow 'cluster-fold' (fingerprint ";
    CHECK_THAT(p0.output(), Catch::Contains("weir: error: process 1 (" + a[1] +
                                            ") runs dataflow 'cluster-wordcount'"));
    CHECK_THAT(p0.output(), Catch::Contains("; process 0 (" + a[0] + ") runs " + fold));
    CHECK_THAT(p1.output(), Catch::Contains("weir: error: process 0 (" + a[0] + ") runs " + fold));
  }
  {
    Child p0(flow_args("fold", s.dir, {"-i", "0", "-a", file.string()}), s.dir / "log0");
    Child p1(flow_args("fold", s.dir, {"-i", "1", "-a", file.string(), "-w", "2"}), s.dir / "log1");
    REQUIRE(p0.wait() == 1);
    REQUIRE(p1.wait() == 1);
    CHECK_THAT(p0.output(), Catch::Contains(", 2 processes x 2 workers); process 0 (" + a[0] +
                                            ") runs dataflow 'cluster-fold'"));
    CHECK_THAT(p0.output(), Catch::EndsWith(", 2 processes x 1 workers)\n"));
  }
  {
    // process 1 thinks the cluster has a third process
    const fs::path three = s.dir / "three";
    std::ofstream(three) << a[0] << "\n" << a[1] << "\n127.0.0.1:1\n";
    Child p0(flow_args("fold", s.dir, {"-i", "0", "-a", file.string()}), s.dir / "log0");
    Child p1(flow_args("fold", s.dir, {"-i", "1", "-a", three.string(), "--connect-timeout", "5"}),
             s.dir / "log1");
    REQUIRE(p0.wait() == 1);
    REQUIRE(p1.wait() == 1);
    CHECK_THAT(p0.output(), Catch::Contains(", 3 processes x 1 workers); process 0 (" + a[0] +
                                            ") runs dataflow 'cluster-fold'"));
    CHECK_THAT(p1.output(), Catch::Contains(", 2 processes x 1 workers); process 1 (" + a[1] +
                                            ") runs dataflow 'cluster-fold'"));
  }
}

namespace {

/// Starts a long run of the fold flow on `n` processes (about a minute unless stopped).
std::vector<std::unique_ptr<Child>> start_long(const fs::path& dir, std::size_t n,
                                               std::vector<std::string>* addresses) {
  const fs::path file = addresses_file(dir, n, addresses);
  ::setenv("CLUSTER_ITEMS", "200000000", 1);
  std::vector<std::unique_ptr<Child>> children;
  for (std::size_t i = 0; i < n; ++i) {
    children.push_back(std::make_unique<Child>(
        flow_args("fold", dir, {"-i", std::to_string(i), "-a", file.string()}),
        dir / fmt::format("log{}", i)));
  }
  ::unsetenv("CLUSTER_ITEMS");
  return children;
}

/// Waits until every child has logged that its run started (its mesh is up); false if one has
/// not within 30 s.
bool all_started(const std::vector<std::unique_ptr<Child>>& children) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (const auto& c : children) {
    while (c->output().find("' starting: ") == std::string::npos) {
      if (std::chrono::steady_clock::now() >= until) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  return true;
}

}  // namespace

TEST_CASE("SIGKILL of one process stops the others within 5 s, naming it") {
  Scratch s;
  std::vector<std::string> a;
  auto children = start_long(s.dir, 3, &a);
  REQUIRE(all_started(children));
  REQUIRE_FALSE(children[1]->wait(std::chrono::milliseconds(0)));  // running
  children[1]->signal(SIGKILL);
  for (std::size_t i : {0, 2}) {
    INFO(children[i]->output());
    REQUIRE(children[i]->wait(std::chrono::seconds(5)) == 1);
    CHECK_THAT(children[i]->output(), Catch::Contains("lost process 1 (" + a[1] + ")"));
  }
}

TEST_CASE("Ctrl-C of one process stops the whole cluster") {
  Scratch s;
  std::vector<std::string> a;
  auto children = start_long(s.dir, 3, &a);
  REQUIRE(all_started(children));  // a signal before the mesh is up stops only its process
  children[2]->signal(SIGINT);
  std::vector<std::optional<int>> codes;
  for (auto& c : children) codes.push_back(c->wait(std::chrono::seconds(5)));
  for (std::size_t i = 0; i < children.size(); ++i) {
    INFO("process " << i << ": " << children[i]->output());
    CHECK(codes[i] == 130);
    CHECK_THAT(children[i]->output(),
               Catch::EndsWith(
                   "weir: error: interrupt signal received, all workers have been shut down\n"));
  }
}
