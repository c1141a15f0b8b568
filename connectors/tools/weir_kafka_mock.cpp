// weir-kafka-mock: a Kafka cluster of 1-3 mock brokers in its own process, for tests and
// demos that need a broker and have none.
//
//   weir-kafka-mock [--brokers N] [--topic NAME:PARTITIONS]...
//
// Prints the bootstrap servers on the first line of standard output once the cluster is up,
// then reads commands, one per line, from standard input, answering "ok" or "error: ...":
//   down ID | up ID            take broker ID down, or bring it back
//   topic NAME PARTITIONS      create a topic
// Stops at the end of standard input, or on SIGTERM / SIGINT.

#include <charconv>
#include <cstdio>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "weir/connectors/kafka/mock_cluster.hpp"

namespace {

constexpr const char* kUsage =
    "usage: weir-kafka-mock [--brokers N] [--topic NAME:PARTITIONS]...\n"
    "\n"
    "Starts a Kafka cluster of N (1-3, default 1) mock brokers, creates each --topic with its\n"
    "partitions (1 or more), prints the bootstrap servers on the first line, then reads\n"
    "commands from standard input, answering \"ok\" or \"error: ...\":\n"
    "  down ID | up ID          take broker ID down, or bring it back\n"
    "  topic NAME PARTITIONS    create a topic\n"
    "It stops at the end of standard input, or on SIGTERM or SIGINT.\n";

int usage(const std::string& problem) {
  std::cerr << "weir-kafka-mock: " << problem << "\n" << kUsage;
  return 2;
}

/// The whole of `text` as a number from `least` to `most`, or none.
std::optional<int> number_in(const std::string& text, int least, int most) {
  int n = 0;
  const char* end = text.data() + text.size();
  auto [at, ec] = std::from_chars(text.data(), end, n);
  if (ec != std::errc() || at != end || text.empty() || n < least || n > most) {
    return std::nullopt;
  }
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  int brokers = 1;
  std::vector<std::pair<std::string, int>> topics;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::cout << kUsage;
      return 0;
    }
    if ((arg == "--brokers" || arg == "--topic") && i + 1 >= argc) {
      return usage(arg + " needs a value");
    }
    if (arg == "--brokers") {
      const std::string value = argv[++i];
      const auto n = number_in(value, 1, 3);
      if (!n) {
        return usage("--brokers must be 1, 2 or 3, not '" + value + "'");
      }
      brokers = *n;
    } else if (arg == "--topic") {
      const std::string spec = argv[++i];
      const auto colon = spec.rfind(':');
      const auto partitions =
          colon == std::string::npos ? std::nullopt : number_in(spec.substr(colon + 1), 1, 1000000);
      if (colon == std::string::npos || colon == 0 || !partitions) {
        return usage("--topic wants NAME:PARTITIONS (1 or more partitions), not '" + spec + "'");
      }
      topics.emplace_back(spec.substr(0, colon), *partitions);
    } else {
      return usage("unknown argument '" + arg + "'");
    }
  }
  try {
    weir::kafka::MockCluster cluster(brokers);
    for (const auto& [name, partitions] : topics) {
      cluster.create_topic(name, partitions);
    }
    std::cout << cluster.bootstrap() << std::endl;  // flushed: the caller waits for it
    std::string line;
    while (std::getline(std::cin, line)) {
      std::istringstream in(line);
      std::string cmd;
      in >> cmd;
      try {
        if (cmd == "down" || cmd == "up") {
          int id = 0;
          if (!(in >> id)) {
            throw std::invalid_argument(cmd + " wants a broker id");
          }
          cmd == "down" ? cluster.broker_down(id) : cluster.broker_up(id);
        } else if (cmd == "topic") {
          std::string name;
          int partitions = 0;
          if (!(in >> name >> partitions)) {
            throw std::invalid_argument("topic wants NAME PARTITIONS");
          }
          cluster.create_topic(name, partitions);
        } else {
          throw std::invalid_argument("unknown command '" + cmd + "'");
        }
        std::cout << "ok" << std::endl;
      } catch (const std::exception& e) {
        std::cout << "error: " << e.what() << std::endl;
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "weir-kafka-mock: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
