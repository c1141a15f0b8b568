#include "spawn.hpp"

#include "weir/core/log.hpp"
#include "weir/runtime/detail/mesh.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX, for posix_spawn

namespace weir::detail {

namespace {

std::atomic<int> g_signal{0};

void remember(int sig) { g_signal.store(sig); }

}  // namespace

std::vector<std::uint16_t> free_loopback_ports(std::size_t n) {
  std::vector<int> fds;
  std::vector<std::uint16_t> ports;
  for (std::size_t i = 0; i < n; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||  // NOLINT
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {         // NOLINT
      throw std::runtime_error(std::string("cannot find a free port: ") + std::strerror(errno));
    }
    fds.push_back(fd);
    ports.push_back(ntohs(a.sin_port));
  }
  for (int fd : fds) {
    ::close(fd);
  }
  return ports;
}

namespace {

/// argv less "-p N", "--processes N", "--processes=N" and "-pN".
std::vector<std::string> without_processes(const std::vector<std::string>& argv) {
  const auto argc = static_cast<int>(argv.size());
  std::vector<std::string> out;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[static_cast<std::size_t>(i)];
    if (a == "--") {
      for (; i < argc; ++i) {
        out.emplace_back(argv[static_cast<std::size_t>(i)]);
      }
      break;
    }
    if (a == "-p" || a == "--processes") {
      ++i;
      continue;
    }
    if (a.starts_with("--processes=") || (a.starts_with("-p") && !a.starts_with("--"))) {
      continue;
    }
    out.emplace_back(a);
  }
  return out;
}

int exit_code(int status) {
  if (WIFEXITED(status)) {
    return WEXITSTATUS(status);
  }
  if (WIFSIGNALED(status)) {
    return 128 + WTERMSIG(status);
  }
  return 1;
}

}  // namespace

int run_local_cluster(std::size_t processes, const std::vector<std::string>& argv,
                      const std::string& metrics_address) {
  std::optional<Address> metrics;
  if (!metrics_address.empty()) {
    metrics = parse_address(metrics_address, true);
  }
  const std::vector<std::uint16_t> ports = free_loopback_ports(processes);
  char path[] = "/tmp/weir-cluster-XXXXXX";
  const int fd = ::mkstemp(path);
  if (fd < 0) {
    throw std::runtime_error(std::string("cannot write the addresses file: ") +
                             std::strerror(errno));
  }
  std::string text;
  for (auto port : ports) {
    text += fmt::format("127.0.0.1:{}\n", port);
  }
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!written) {
    ::unlink(path);
    throw std::runtime_error(std::string("cannot write the addresses file ") + path);
  }
  ::unsetenv("WEIR_PROCESSES");  // the children are the cluster; they spawn nothing

  struct sigaction action {};
  struct sigaction old_int {};
  struct sigaction old_term {};
  action.sa_handler = remember;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, &old_int);  // no SA_RESTART: waitpid returns to pass it on
  sigaction(SIGTERM, &action, &old_term);

  const std::vector<std::string> base = without_processes(argv);
  std::vector<pid_t> children;
  int code = 0;
  for (std::size_t k = 0; k < processes && code == 0; ++k) {
    std::vector<std::string> args{"/proc/self/exe"};
    args.insert(args.end(), base.begin(), base.end());
    // flags before any "--" that ends them
    auto at = std::find(args.begin(), args.end(), "--");
    args.insert(at, {"-i", std::to_string(k), "-a", path});
    if (metrics) {  // process k serves on the port after k others' (the last --metrics wins)
      const auto port = metrics->port == 0 ? 0 : metrics->port + k;
      at = std::find(args.begin(), args.end(), "--");
      args.insert(at, {"--metrics", fmt::format("{}:{}", metrics->host, port)});
    }
    std::vector<char*> cargs;
    cargs.reserve(args.size() + 1);
    for (auto& a : args) {
      cargs.push_back(a.data());
    }
    cargs.push_back(nullptr);
    pid_t pid = 0;
    if (const int err =
            ::posix_spawn(&pid, "/proc/self/exe", nullptr, nullptr, cargs.data(), environ);
        err != 0) {
      log::error("cannot start process {}: {}", k, std::strerror(err));
      code = 1;
      break;
    }
    children.push_back(pid);
  }

  std::size_t running = children.size();
  std::optional<std::chrono::steady_clock::time_point> kill_at;
  auto signal_all = [&](int sig) {
    for (pid_t p : children) {
      if (p > 0) {
        ::kill(p, sig);
      }
    }
  };
  if (code != 0) {
    signal_all(SIGTERM);
    kill_at = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  }
  while (running > 0) {
    if (const int sig = g_signal.exchange(0); sig != 0) {
      signal_all(sig);
    }
    int status = 0;
    const pid_t done = ::waitpid(-1, &status, WNOHANG);
    if (done <= 0) {
      if (kill_at && std::chrono::steady_clock::now() >= *kill_at) {
        signal_all(SIGKILL);
        kill_at.reset();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    for (auto& p : children) {
      if (p != done) {
        continue;
      }
      p = -1;
      --running;
      const int c = exit_code(status);
      if (c != 0 && code == 0) {
        code = c;
        signal_all(SIGTERM);
        kill_at = std::chrono::steady_clock::now() + std::chrono::seconds(5);
      }
    }
  }
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  ::unlink(path);
  return code;
}

}  // namespace weir::detail
