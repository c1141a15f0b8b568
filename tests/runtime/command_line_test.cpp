// CommandLine: weir's flags in every spelling, a program's own flags and positional
// arguments, the WEIR_ variables, and the exact messages for a bad command line.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>

#include "support.hpp"
#include "weir/runtime/command_line.hpp"

namespace {

/// weir's flags from `argv` (the program name first); throws as parse_or_throw does.
weir::RunArgs parse(std::initializer_list<const char*> argv) {
  weir::CommandLine cli;
  const std::vector<const char*> v(argv);
  if (!cli.parse_or_throw(static_cast<int>(v.size()), v.data())) {
    throw std::logic_error("asked for help or the version");
  }
  return cli.args();
}

/// Sets environment variables for its lifetime.
struct Env {
  explicit Env(std::initializer_list<std::pair<const char*, const char*>> vars) {
    for (const auto& [k, v] : vars) {
      ::setenv(k, v, 1);
      names.emplace_back(k);
    }
  }
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;
  ~Env() {
    for (const auto& n : names) ::unsetenv(n.c_str());
  }
  std::vector<std::string> names;
};

}  // namespace

TEST_CASE("the worker count reads as -w 2, -w2, --workers 2 and --workers=2") {
  CHECK(parse({"prog", "-w", "2"}).config.workers == 2);
  CHECK(parse({"prog", "-w3"}).config.workers == 3);
  CHECK(parse({"prog", "--workers", "4"}).config.workers == 4);
  CHECK(parse({"prog", "--workers=5"}).config.workers == 5);
  CHECK(parse({"prog"}).config.workers == 1);
}

TEST_CASE("the recovery flags") {
  auto a = parse({"prog", "-r", "/tmp/store", "-s", "0.5", "--backup-interval=30"});
  CHECK(a.config.recovery_directory == "/tmp/store");
  CHECK(a.config.epoch_interval == std::chrono::milliseconds(500));
  CHECK(a.config.backup_interval == std::chrono::seconds(30));
  auto z = parse({"prog", "--snapshot-interval", "0", "--recovery-directory=d", "--adopt-store"});
  CHECK(z.config.epoch_interval == weir::Duration::zero());
  CHECK(z.config.recovery_directory == "d");
  CHECK(z.config.adopt_store);
  CHECK_THROWS_WITH(parse({"prog", "-s", "-1"}),
                    "--snapshot-interval expects a number of seconds (0 or more), got '-1'");
  CHECK_THROWS_WITH(parse({"prog", "--recovery-directory="}), "--recovery-directory needs a value");
}

TEST_CASE("unknown flags, absurd values and missing values are refused with a message") {
  CHECK_THROWS_WITH(parse({"prog", "--frobnicate"}), "unknown flag '--frobnicate'; see --help");
  CHECK_THROWS_WITH(parse({"prog", "-w", "0"}),
                    "--workers expects a positive whole number, got '0'");
  CHECK_THROWS_WITH(parse({"prog", "-w", "100000"}), "--workers is at most 1024, got '100000'");
  CHECK_THROWS_WITH(parse({"prog", "--workers=100000000000000000000000"}),
                    "--workers is at most 1024, got '100000000000000000000000'");
  CHECK_THROWS_WITH(parse({"prog", "-w", "two"}),
                    "--workers expects a positive whole number, got 'two'");
  CHECK_THROWS_WITH(parse({"prog", "--workers"}), "--workers needs a value");
  CHECK_THROWS_WITH(parse({"prog", "file.txt"}), "unexpected argument 'file.txt'; see --help");
}

TEST_CASE("the cluster flags, and the ones that do not go together") {
  const std::string file =
      (std::filesystem::temp_directory_path() / ("weir-addresses-" + std::to_string(::getpid())))
          .string();
  {
    std::ofstream out(file);
    out << "# the cluster\nhost-a:7000\n\n[::1]:7001\n";
  }
  auto a = parse({"prog", "-i", "1", "-a", file.c_str(), "--connect-timeout", "2.5"});
  CHECK(a.config.process_id == 1);
  CHECK(a.config.addresses == std::vector<std::string>{"host-a:7000", "::1:7001"});
  CHECK(a.config.connect_timeout == std::chrono::milliseconds(2500));
  CHECK(parse({"prog", "-p", "3", "-w", "2"}).processes == 3);

  CHECK_THROWS_WITH(parse({"prog", "-a", file.c_str()}),
                    "-a needs this process's id: -i (or WEIR_PROCESS_ID)");
  CHECK_THROWS_WITH(parse({"prog", "-i", "0"}),
                    "-i needs the cluster's addresses: -a FILE (or WEIR_ADDRESSES)");
  CHECK_THROWS_WITH(parse({"prog", "-p", "2", "-i", "0", "-a", file.c_str()}),
                    "-p starts a cluster's processes itself; it does not go with -i or -a");
  CHECK_THROWS_WITH(parse({"prog", "-i", "2", "-a", file.c_str()}),
                    "-i 2 is not a line of the addresses file (2 lines)");
  CHECK_THROWS_WITH(parse({"prog", "-i", "0", "-a", "/nonexistent/addresses"}),
                    "--addresses: cannot read '/nonexistent/addresses'");
  {
    std::ofstream out(file);
    out << "host-a:7000\nhost-b\n";
  }
  CHECK_THROWS_WITH(parse({"prog", "-i", "0", "-a", file.c_str()}),
                    file + " line 2: 'host-b' is not host:port");
  std::filesystem::remove(file);
}

TEST_CASE("the metrics address is host:port, port 0 for any, and the last one given wins") {
  CHECK(parse({"prog", "--metrics", "0.0.0.0:9100"}).metrics_address == "0.0.0.0:9100");
  CHECK(parse({"prog", "--metrics=127.0.0.1:0", "--metrics", "[::1]:9101"}).metrics_address ==
        "::1:9101");
  CHECK_THROWS_WITH(parse({"prog", "--metrics", "9100"}), "--metrics: '9100' is not host:port");
  CHECK_THROWS_WITH(parse({"prog", "--metrics", "h:70000"}),
                    "--metrics: 'h:70000' has a port outside 0-65535");
}

TEST_CASE("every flag reads a WEIR_ variable, and the command line wins") {
  const Env env{{"WEIR_WORKERS", "3"},
                {"WEIR_SNAPSHOT_INTERVAL", "0.25"},
                {"WEIR_RECOVERY_DIRECTORY", "/tmp/from-env"},
                {"WEIR_ADOPT_STORE", "yes"}};
  auto a = parse({"prog"});
  CHECK(a.config.workers == 3);
  CHECK(a.config.epoch_interval == std::chrono::milliseconds(250));
  CHECK(a.config.recovery_directory == "/tmp/from-env");
  CHECK(a.config.adopt_store);
  CHECK(parse({"prog", "-w", "2"}).config.workers == 2);
  ::setenv("WEIR_WORKERS", "many", 1);
  CHECK_THROWS_WITH(parse({"prog"}),
                    "WEIR_WORKERS=many: --workers expects a positive whole number, got 'many'");
}

TEST_CASE("a program's own flags and positional arguments") {
  weir::CommandLine cli("Does things.");
  std::string brokers = "localhost:9092";
  std::size_t events = 10;
  std::int64_t offset = 0;
  double rate = 1.5;
  bool dry = false;
  std::string file;
  std::optional<std::string> mode;
  std::vector<std::string> extra;
  cli.option("--brokers", brokers, "the Kafka cluster", "WEIR_TEST_BROKERS");
  cli.option("-n,--events", events, "how many events");
  cli.option("--offset", offset, "where to start");
  cli.option("--rate", rate, "events a second");
  cli.flag("--dry-run", dry, "do nothing");
  cli.positional("FILE", file, "the input file");
  cli.positional("MODE", mode, "fast or slow");
  cli.rest("EXTRA", extra, "anything else");

  SECTION("given") {
    const char* argv[] = {"prog", "-w2",    "--brokers=b:1", "-n",        "7",    "--offset", "-3",
                          "in",   "--rate", "0.25",          "--dry-run", "fast", "x",        "y"};
    REQUIRE(cli.parse_or_throw(14, argv));
    CHECK(cli.args().config.workers == 2);
    CHECK(brokers == "b:1");
    CHECK(events == 7);
    CHECK(offset == -3);
    CHECK(rate == 0.25);
    CHECK(dry);
    CHECK(file == "in");
    CHECK(mode == "fast");
    CHECK(extra == std::vector<std::string>{"x", "y"});
  }
  SECTION("defaults and the environment") {
    const Env env{{"WEIR_TEST_BROKERS", "env:2"}};
    const char* argv[] = {"prog", "in"};
    REQUIRE(cli.parse_or_throw(2, argv));
    CHECK(brokers == "env:2");
    CHECK(events == 10);
    CHECK(file == "in");
    CHECK_FALSE(mode);
    CHECK(extra.empty());
  }
  SECTION("a missing positional argument is named") {
    const char* argv[] = {"prog", "-n", "3"};
    CHECK_THROWS_WITH(cli.parse_or_throw(3, argv),
                      "missing argument FILE (the input file); see --help");
  }
  SECTION("a bad value is named with its flag") {
    const char* argv[] = {"prog", "in", "--events", "-2"};
    CHECK_THROWS_WITH(cli.parse_or_throw(4, argv),
                      "--events expects a whole number (0 or more), got '-2'");
    const char* rate_argv[] = {"prog", "in", "--rate", "fast"};
    CHECK_THROWS_WITH(cli.parse_or_throw(4, rate_argv), "--rate expects a number, got 'fast'");
  }
  SECTION("--help lists weir's flags and the program's, with their variables") {
    const char* argv[] = {"prog", "--help"};
    CHECK_FALSE(cli.parse_or_throw(2, argv));
    const std::string help = cli.help();
    CHECK(help.find("Does things.") != std::string::npos);
    CHECK(help.find("--brokers") != std::string::npos);
    CHECK(help.find("the Kafka cluster (default localhost:9092) [env WEIR_TEST_BROKERS]") !=
          std::string::npos);
    CHECK(help.find("-w,--workers") != std::string::npos);
    CHECK(help.find("[env WEIR_WORKERS]") != std::string::npos);
    CHECK(help.find("FILE") != std::string::npos);
  }
}

TEST_CASE("an executable prints its version and its help, and names a missing argument") {
  auto version = weir_test::sh(std::string(WEIR_WORDCOUNT_BIN) + " --version");
  CHECK(version.code == 0);
  CHECK(version.out == std::string(WEIR_WORDCOUNT_BIN) + " (weir " + WEIR_VERSION + ")\n");
  auto help = weir_test::sh(std::string(WEIR_WORDCOUNT_BIN) + " -h");
  CHECK(help.code == 0);
  CHECK(help.out.find("Counts the words of a text file.") == 0);
  auto none = weir_test::sh(std::string(WEIR_WORDCOUNT_BIN));
  CHECK(none.code == 2);
  CHECK(none.out == "weir: error: missing argument FILE (the text file); see --help\n");
}

TEST_CASE("an error while the dataflow is defined is printed like a run's") {
  weir::CommandLine cli;
  const char* argv[] = {"prog"};
  REQUIRE(cli.parse_or_throw(1, argv));
  const std::string log =
      (std::filesystem::temp_directory_path() / ("weir-stderr-" + std::to_string(::getpid())))
          .string();
  int code = 0;
  {
    std::fflush(stderr);
    const int saved = ::dup(2);
    std::FILE* f = std::fopen(log.c_str(), "w");
    ::dup2(::fileno(f), 2);
    code = cli.run("twice", [](weir::Dataflow& flow) {
      auto in = weir::op::input("in", flow, weir::testing::TestingSource<int>({1}));
      weir::op::output("in", in, weir::testing::TestingSink<int>{});
    });
    std::fflush(stderr);
    ::dup2(saved, 2);
    ::close(saved);
    std::fclose(f);
  }
  CHECK(code == 1);
  std::ifstream in(log);
  std::string printed((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::filesystem::remove(log);
  CHECK(printed ==
        "weir: error: while defining the dataflow: step 'twice.in' already exists; do you have "
        "two steps with the same id?\n");
}
