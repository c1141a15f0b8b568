#pragma once
// Kafka test fixtures: a mock cluster in its own process (weir-kafka-mock: real TCP, real
// protocol), and kcat as an independent client producing and consuming.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "support.hpp"

namespace weir_test {

/// weir-kafka-mock started with `args`; stopped (end of its input) when this goes away.
class MockClusterProcess {
 public:
  explicit MockClusterProcess(const std::vector<std::string>& args) {
    int in[2];
    int out[2];
    if (::pipe(in) != 0 || ::pipe(out) != 0) throw std::runtime_error("pipe failed");
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(in[0], 0);
      ::dup2(out[1], 1);
      ::close(in[1]);
      ::close(out[0]);
      std::vector<char*> argv;
      std::string bin = WEIR_KAFKA_MOCK_BIN;
      argv.push_back(bin.data());
      std::vector<std::string> copy = args;
      for (auto& a : copy) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(bin.c_str(), argv.data());
      ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    to_ = ::fdopen(in[1], "w");
    from_ = ::fdopen(out[0], "r");
    bootstrap_ = read_line();
    if (bootstrap_.empty()) throw std::runtime_error("weir-kafka-mock did not start");
  }
  MockClusterProcess(const MockClusterProcess&) = delete;
  MockClusterProcess& operator=(const MockClusterProcess&) = delete;
  ~MockClusterProcess() {
    std::fclose(to_);  // end of input: it stops
    std::fclose(from_);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }

  [[nodiscard]] const std::string& bootstrap() const { return bootstrap_; }

  /// Sends one command line; returns its answer ("ok" or "error: ...").
  std::string command(const std::string& line) {
    std::fprintf(to_, "%s\n", line.c_str());
    std::fflush(to_);
    return read_line();
  }

 private:
  std::string read_line() {
    std::string line;
    for (int c = std::fgetc(from_); c != EOF && c != '\n'; c = std::fgetc(from_)) {
      line.push_back(static_cast<char>(c));
    }
    return line;
  }

  pid_t pid_ = -1;
  std::FILE* to_ = nullptr;
  std::FILE* from_ = nullptr;
  std::string bootstrap_;
};

/// Runs a shell command; returns its standard output. Fails the test on a non-zero exit.
inline std::string shell(const std::string& cmd) {
  std::FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) throw std::runtime_error("popen failed: " + cmd);
  std::string out;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  const int status = ::pclose(p);
  if (status != 0)
    throw std::runtime_error("command failed (" + std::to_string(status) + "): " + cmd);
  return out;
}

/// Produces `lines` ("key:value" each) to one partition with kcat; `extra` adds kcat flags.
inline void kcat_produce(const std::string& brokers, const std::string& topic, int partition,
                         const std::vector<std::string>& lines, const std::string& extra = "") {
  TempDir dir;
  const auto file = dir / "messages";
  {
    std::ofstream f(file, std::ios::binary);
    for (const auto& l : lines) f << l << '\n';
  }
  shell("kcat -P -b " + brokers + " -t " + topic + " -p " + std::to_string(partition) +
        " -K : " + extra + " -l " + file.string());
}

}  // namespace weir_test
