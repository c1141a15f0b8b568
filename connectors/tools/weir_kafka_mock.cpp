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

#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "weir/connectors/kafka/mock_cluster.hpp"

namespace {

int usage(const std::string& problem) {
  std::cerr << "weir-kafka-mock: " << problem
            << "\nusage: weir-kafka-mock [--brokers N] [--topic NAME:PARTITIONS]...\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  int brokers = 1;
  std::vector<std::pair<std::string, int>> topics;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string arg = argv[i];
      if (arg == "--brokers" && i + 1 < argc) {
        brokers = std::stoi(argv[++i]);
        if (brokers < 1 || brokers > 3) {
          return usage("--brokers must be 1, 2 or 3");
        }
      } else if (arg == "--topic" && i + 1 < argc) {
        const std::string spec = argv[++i];
        const auto colon = spec.rfind(':');
        if (colon == std::string::npos || colon == 0) {
          return usage("--topic wants NAME:PARTITIONS, not '" + spec + "'");
        }
        topics.emplace_back(spec.substr(0, colon), std::stoi(spec.substr(colon + 1)));
      } else {
        return usage("unknown argument '" + arg + "'");
      }
    }
  } catch (const std::exception&) {
    return usage("a number was expected");
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
