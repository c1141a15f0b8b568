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
#include "weir/connectors/kafka/mock_cluster_process.hpp"

namespace weir_test {

/// weir-kafka-mock started with `args`; stopped (end of its input) when this goes away.
class MockClusterProcess : public weir::kafka::MockClusterProcess {
 public:
  explicit MockClusterProcess(const std::vector<std::string>& args)
      : weir::kafka::MockClusterProcess(WEIR_KAFKA_MOCK_BIN, args) {}
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
