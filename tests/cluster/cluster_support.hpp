#pragma once
// What the cluster tests share: child processes (started with posix_spawn, their output in
// a file, waited for with a deadline; one still running then is killed), a scratch
// directory, addresses files on free loopback ports, and the command lines of
// tests/cluster/cluster_flows.cpp.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "weir/runtime/detail/mesh.hpp"

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX

namespace cluster_test {

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class Child {
 public:
  /// Runs `args` (args[0] the program) with stdout and stderr in `log`.
  Child(std::vector<std::string> args, const std::filesystem::path& log) : log_(log) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    if (pid_ > 0 && !code_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  /// The exit code (128 + signal if killed by one), or none if it still runs after `limit`
  /// (it is then killed).
  std::optional<int> wait(std::chrono::milliseconds limit = std::chrono::seconds(60)) {
    if (code_) return code_;
    const auto until = std::chrono::steady_clock::now() + limit;
    while (true) {
      int status = 0;
      const pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return code_;
      }
      if (std::chrono::steady_clock::now() >= until) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  void signal(int sig) const { ::kill(pid_, sig); }
  [[nodiscard]] std::string output() const { return read_file(log_); }

 private:
  pid_t pid_ = -1;
  std::filesystem::path log_;
  std::optional<int> code_;
};

/// Every line of every file in `dir`, sorted.
inline std::multiset<std::string> lines_in(const std::filesystem::path& dir) {
  std::multiset<std::string> lines;
  if (!std::filesystem::exists(dir)) return lines;
  for (const auto& f : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(f.path());
    for (std::string l; std::getline(in, l);) lines.insert(l);
  }
  return lines;
}

struct Scratch {
  std::filesystem::path dir;
  Scratch() {
    char tmpl[] = "/tmp/weir-cluster-test-XXXXXX";
    dir = ::mkdtemp(tmpl);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  ~Scratch() { std::filesystem::remove_all(dir); }
};

/// A new addresses file in `dir` for n processes on free loopback ports; the addresses go
/// to `texts` if given.
inline std::filesystem::path addresses_file(const std::filesystem::path& dir, std::size_t n,
                                            std::vector<std::string>* texts = nullptr) {
  static int made = 0;
  const std::filesystem::path file = dir / fmt::format("addresses-{}", made++);
  std::ofstream out(file);
  for (auto port : weir::detail::free_loopback_ports(n)) {
    out << "127.0.0.1:" << port << "\n";
    if (texts != nullptr) texts->push_back(fmt::format("127.0.0.1:{}", port));
  }
  return file;
}

/// cluster_flows FLOW OUT -s 0.05 MORE...
inline std::vector<std::string> flow_args(const std::string& flow, const std::filesystem::path& out,
                                          std::vector<std::string> more = {}) {
  std::vector<std::string> args{CLUSTER_FLOWS, flow, out.string(), "-s", "0.05"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

/// Starts `flow` on `processes` processes of `workers` workers each, writing to `out`, each
/// with `more` arguments; logs go to `dir`.
inline std::vector<std::unique_ptr<Child>> start_cluster(
    const std::string& flow, std::size_t processes, std::size_t workers,
    const std::filesystem::path& out, const std::filesystem::path& dir,
    const std::vector<std::string>& more = {}) {
  static int started = 0;
  const std::filesystem::path file = addresses_file(dir, processes);
  std::vector<std::unique_ptr<Child>> children;
  for (std::size_t i = 0; i < processes; ++i) {
    auto args = flow_args(flow, out, {"-w", std::to_string(workers)});
    if (processes > 1) {
      args.insert(args.end(), {"-i", std::to_string(i), "-a", file.string()});
    }
    args.insert(args.end(), more.begin(), more.end());
    children.push_back(
        std::make_unique<Child>(args, dir / fmt::format("log-{}-{}-{}", flow, started, i)));
  }
  ++started;
  return children;
}

}  // namespace cluster_test
