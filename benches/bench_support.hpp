#pragma once
// Helpers for the benchmark programs: timing, medians, the results file, the command line.

#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <weir/core/log.hpp>

namespace weir_bench {

template <class F>
double seconds(F&& f) {
  auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// The CPU seconds (user and system, all threads) this process has used so far: what a run
/// costs in work, which with two busy threads is not its wall time.
inline double process_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

/// Wall and CPU seconds of f().
struct Spent {
  double wall = 0;
  double cpu = 0;
};
template <class F>
Spent spent(F&& f) {
  const double cpu0 = process_cpu_seconds();
  const double wall = seconds(std::forward<F>(f));
  return {wall, process_cpu_seconds() - cpu0};
}

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

/// i % n for i = start, start + 1, ...: a counter that wraps, so that generating a key costs
/// no division. weir's sources and the hand-written loops both use it, so neither pays a
/// division the other does not (a division by a run-time value is most of a loop's time).
class Cycle {
 public:
  /// REQUIRES: n > 0.
  Cycle(std::uint64_t start, std::uint64_t n) : at_(start % n), n_(n) {}
  std::uint64_t next() {
    const std::uint64_t k = at_;
    if (++at_ == n_) {
      at_ = 0;
    }
    return k;
  }

 private:
  std::uint64_t at_;
  std::uint64_t n_;
};

/// A run done in a child process of its own: how long it took, its peak resident memory and
/// what it returned.
template <class T>
struct ChildRun {
  double seconds = 0;
  double peak_rss_bytes = 0;
  T result{};
};

/// A child process start_child forked, not yet waited for.
template <class T>
struct Child {
  pid_t pid = -1;
  int fd = -1;  // the pipe its ChildRun comes through
};

/// Starts `f` in a forked child, which times it and sends back its result.
/// REQUIRES: no other thread is running (fork copies only the caller's).
template <class F>
auto start_child(F&& f) -> Child<decltype(f())> {
  using T = decltype(f());
  static_assert(std::is_trivially_copyable_v<T>, "the result crosses a pipe as bytes");
  int fds[2];
  if (::pipe(fds) != 0) {
    std::perror("pipe");
    std::exit(1);
  }
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    ChildRun<T> r;
    r.seconds = seconds([&] { r.result = f(); });
    const bool ok = ::write(fds[1], &r, sizeof r) == static_cast<ssize_t>(sizeof r);
    std::fflush(nullptr);
    ::_exit(ok ? 0 : 1);
  }
  ::close(fds[1]);
  return {pid, fds[0]};
}

/// Waits for `child`: its time, peak RSS and result. Exits 1 if it failed.
template <class T>
ChildRun<T> finish(Child<T> child) {
  ChildRun<T> r;
  const ssize_t got = ::read(child.fd, &r, sizeof r);
  ::close(child.fd);
  int status = 0;
  rusage usage{};
  ::wait4(child.pid, &status, 0, &usage);
  if (got != static_cast<ssize_t>(sizeof r) || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "a bench run in a child process failed (status %d)\n", status);
    std::exit(1);
  }
  r.peak_rss_bytes = static_cast<double>(usage.ru_maxrss) * 1024.0;  // ru_maxrss is in KiB
  return r;
}

/// Runs `f` in a forked child (so each run's peak memory is its own, not the most any run
/// in this process reached) and returns its time, peak RSS and result. Exits 1 if the child
/// fails. REQUIRES: no other thread is running.
template <class F>
auto in_child(F&& f) -> ChildRun<decltype(f())> {
  return finish(start_child(std::forward<F>(f)));
}

/// Two runs of `f` at once, each in a child of its own: what this machine gives two runs that
/// share nothing (no memory, no hand-off), the most two workers of one run could reach. Their
/// rates add up (items / seconds of each). REQUIRES: no other thread is running.
template <class F>
auto side_by_side(F&& f) -> std::pair<ChildRun<decltype(f())>, ChildRun<decltype(f())>> {
  auto a = start_child(f);
  auto b = start_child(f);
  auto ra = finish(a);
  return {ra, finish(b)};
}

/// Writes {"key": value, ...} to WEIR_RESULTS_DIR/name.json.
inline void write_results(const std::string& name, const std::map<std::string, double>& fields) {
  std::string path = std::string(WEIR_RESULTS_DIR) + "/" + name + ".json";
  std::ofstream out(path);
  out << "{";
  bool first = true;
  for (const auto& [k, v] : fields) {
    out << (first ? "" : ", ") << fmt::format("\"{}\": {:.6g}", k, v);
    first = false;
  }
  out << "}\n";
  std::printf("wrote %s\n", path.c_str());
}

/// `name`, or `name_KEYSkeys` when a run's key count is not the bench's default: each key
/// count keeps a results file of its own.
inline std::string results_name(const std::string& name, std::uint64_t keys,
                                std::uint64_t default_keys) {
  return keys == default_keys ? name : name + "_" + std::to_string(keys) + "keys";
}

/// The command line every workload bench takes:
///
///   bench_NAME [ITEMS] [REPEATS] [ONLY] [--OPTION N ...]
///
/// ITEMS (per partition) and the options (--keys, and what else a bench names) are read here
/// at run time, and the hand-written baselines use these values exactly as weir's dataflow
/// does, so no compiler folds a constant into a baseline that weir has to compute (a `% keys`
/// by a compile-time 1,000 is a multiply; by a run-time value it is a division). ONLY names
/// one run to do alone.
struct Args {
  std::uint64_t items = 0;
  int repeats = 3;
  std::string only;  // empty: every run, the table and the results file
  /// The options this bench takes, each a positive whole number, with its default.
  std::map<std::string, std::uint64_t> options = {{"keys", 1000}};
  [[nodiscard]] std::uint64_t option(const std::string& name) const { return options.at(name); }
  [[nodiscard]] std::uint64_t keys() const { return option("keys"); }
};

/// Sets weir's log level to warn unless WEIR_LOG names one, so that weir's info lines do
/// not split a bench's table.
inline void quiet_logs() {
  const char* level = std::getenv("WEIR_LOG");
  weir::log::set_level(level != nullptr ? weir::log::parse_level(level) : weir::log::Level::warn);
}

/// Parses argv over `defaults` (`--NAME N` or `--NAME=N` for each of its options); prints
/// `usage` and exits 2 on anything else. Calls quiet_logs().
inline Args parse_args(int argc, char** argv, Args defaults, const char* usage) {
  quiet_logs();
  Args a = std::move(defaults);
  auto fail = [&](const std::string& why) {
    std::fprintf(stderr, "%s: %s\nusage: %s %s\n", argv[0], why.c_str(), argv[0], usage);
    std::exit(2);
  };
  auto number = [&](const std::string& what, const std::string& text) {
    char* end = nullptr;
    const unsigned long long v = std::strtoull(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || text[0] == '-' || v == 0) {
      fail(what + " expects a positive whole number, not '" + text + "'");
    }
    return static_cast<std::uint64_t>(v);
  };
  int positional = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--", 0) == 0) {
      const std::size_t eq = arg.find('=');
      const std::string name = arg.substr(2, eq == std::string::npos ? eq : eq - 2);
      auto it = a.options.find(name);
      if (it == a.options.end()) {
        fail("unknown option " + arg);
      }
      std::string value;
      if (eq != std::string::npos) {
        value = arg.substr(eq + 1);
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        fail("--" + name + " expects a value");
      }
      it->second = number("--" + name, value);
    } else if (positional == 0) {
      a.items = number("ITEMS", arg);
      ++positional;
    } else if (positional == 1) {
      a.repeats = static_cast<int>(number("REPEATS", arg));
      ++positional;
    } else if (positional == 2) {
      a.only = arg;
      ++positional;
    } else {
      fail("unexpected argument '" + arg + "'");
    }
  }
  return a;
}

}  // namespace weir_bench
