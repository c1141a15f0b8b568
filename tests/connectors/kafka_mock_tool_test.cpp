// weir-kafka-mock's command line: --help, and the exact refusals of bad arguments.
#include <catch2/catch.hpp>

#include "support.hpp"

namespace {
const std::string kBin = WEIR_KAFKA_MOCK_BIN;
}

TEST_CASE("weir-kafka-mock --help prints its usage and exits 0") {
  auto r = weir_test::sh(kBin + " --help");
  CHECK(r.code == 0);
  CHECK(r.out.starts_with("usage: weir-kafka-mock [--brokers N] [--topic NAME:PARTITIONS]...\n"));
  CHECK(r.out.find("  down ID | up ID ") != std::string::npos);
}

TEST_CASE("weir-kafka-mock refuses bad arguments, naming them, before starting brokers") {
  const std::pair<const char*, const char*> cases[] = {
      {"--brokers 4", "--brokers must be 1, 2 or 3, not '4'"},
      {"--brokers two", "--brokers must be 1, 2 or 3, not 'two'"},
      {"--brokers", "--brokers needs a value"},
      {"--topic t:0", "--topic wants NAME:PARTITIONS (1 or more partitions), not 't:0'"},
      {"--topic t:3x", "--topic wants NAME:PARTITIONS (1 or more partitions), not 't:3x'"},
      {"--topic t", "--topic wants NAME:PARTITIONS (1 or more partitions), not 't'"},
      {"--frob", "unknown argument '--frob'"},
  };
  for (const auto& [args, message] : cases) {
    auto r = weir_test::sh(kBin + " " + args + " </dev/null");
    INFO(args);
    CHECK(r.code == 2);
    CHECK(r.out.starts_with(std::string("weir-kafka-mock: ") + message + "\nusage: "));
  }
}
