#pragma once
// weir-kafka-mock (the mock cluster of mock_cluster.hpp as a program) started in a process of
// its own, for tests and benchmarks that want real TCP and the real protocol without sharing
// their process with the brokers (their threads, their memory).
//
//   weir::kafka::MockClusterProcess cluster("/path/to/weir-kafka-mock", {"--topic", "t:4"});
//   options.brokers = cluster.bootstrap();
//
// The program prints its bootstrap servers first, then answers commands ("down 1", "up 1",
// "topic NAME PARTITIONS") with "ok" or "error: ..."; it stops at the end of its input,
// which the destructor closes before waiting for it.
//
// Thread safety: one thread at a time.

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

namespace weir::kafka {

class MockClusterProcess {
 public:
  /// Starts `program` with `args`; throws std::runtime_error if it prints no bootstrap line.
  MockClusterProcess(const std::string& program, const std::vector<std::string>& args) {
    int in[2];
    int out[2];
    if (::pipe(in) != 0 || ::pipe(out) != 0) throw std::runtime_error("pipe failed");
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(in[0], 0);
      ::dup2(out[1], 1);
      ::close(in[1]);
      ::close(out[0]);
      std::vector<std::string> copy = args;
      std::string bin = program;
      std::vector<char*> argv{bin.data()};
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
    if (bootstrap_.empty()) throw std::runtime_error(program + " did not start");
  }
  MockClusterProcess(const MockClusterProcess&) = delete;
  MockClusterProcess& operator=(const MockClusterProcess&) = delete;
  ~MockClusterProcess() {
    std::fclose(to_);  // end of input: it stops
    std::fclose(from_);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }

  /// "host:port[,host:port...]"
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

}  // namespace weir::kafka
