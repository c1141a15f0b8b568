#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "support.hpp"

using weir_test::sh;

TEST_CASE("RunArgs reads the worker count and positional arguments") {
  const char* argv[] = {"prog", "-w", "3", "file.txt"};
  auto a = weir::RunArgs::parse(4, argv);
  CHECK(a.config.workers == 3);
  CHECK(a.positional == std::vector<std::string>{"file.txt"});
  const char* eq[] = {"prog", "--workers=2"};
  CHECK(weir::RunArgs::parse(2, eq).config.workers == 2);
}

TEST_CASE("RunArgs reads the recovery flags") {
  const char* argv[] = {"prog", "-r", "/tmp/store", "-s", "0.5", "--backup-interval=30"};
  auto a = weir::RunArgs::parse(6, argv);
  CHECK(a.config.recovery_directory == "/tmp/store");
  CHECK(a.config.epoch_interval == std::chrono::milliseconds(500));
  CHECK(a.config.backup_interval == std::chrono::seconds(30));
  const char* zero[] = {"prog", "--snapshot-interval", "0", "--recovery-directory=d"};
  auto z = weir::RunArgs::parse(4, zero);
  CHECK(z.config.epoch_interval == weir::Duration::zero());
  CHECK(z.config.recovery_directory == "d");
  const char* bad[] = {"prog", "-s", "-1"};
  CHECK_THROWS_WITH(weir::RunArgs::parse(3, bad),
                    "-s expects a number of seconds (0 or more), got '-1'");
  const char* empty[] = {"prog", "--recovery-directory="};
  CHECK_THROWS_WITH(weir::RunArgs::parse(2, empty), "--recovery-directory needs a directory");
}

TEST_CASE("RunArgs rejects unknown flags and bad values with a message") {
  const char* bad[] = {"prog", "--frobnicate"};
  CHECK_THROWS_WITH(weir::RunArgs::parse(2, bad), "unknown flag '--frobnicate'; see --help");
  const char* zero[] = {"prog", "-w", "0"};
  CHECK_THROWS_WITH(weir::RunArgs::parse(3, zero), "-w expects a positive whole number, got '0'");
  const char* many[] = {"prog", "-w", "34000"};
  CHECK_THROWS_WITH(weir::RunArgs::parse(3, many), "-w is at most 1024, got '34000'");
  const char* huge[] = {"prog", "--workers=100000000000000000000000"};
  CHECK_THROWS_WITH(weir::RunArgs::parse(2, huge),
                    "--workers is at most 1024, got '100000000000000000000000'");
  const char* missing[] = {"prog", "--workers"};
  CHECK_THROWS_WITH(weir::RunArgs::parse(2, missing), "--workers needs a value");
}

TEST_CASE("wordcount counts the shipped text the same on 1 and 3 workers") {
  auto one = sh(std::string(WEIR_WORDCOUNT_BIN) + " " + WEIR_WORDS_TXT + " | sort");
  auto three = sh(std::string(WEIR_WORDCOUNT_BIN) + " -w 3 " + WEIR_WORDS_TXT + " | sort");
  CHECK(one.code == 0);
  CHECK(three.code == 0);
  CHECK(one.out == three.out);
  CHECK(one.out.find("the: 19\n") != std::string::npos);
  CHECK(one.out.find("weir: 5\n") != std::string::npos);
}

TEST_CASE("a dataflow executable exits non-zero with a message naming the failing step") {
  auto missing = sh(std::string(WEIR_WORDCOUNT_BIN) + " /nonexistent/words.txt");
  CHECK(missing.code == 1);
  CHECK(missing.out ==
        "weir: error: step 'wordcount.lines' failed in list_parts (worker 0): file "
        "'/nonexistent/words.txt' does not exist or is not a regular file\n");
  auto flag = sh(std::string(WEIR_WORDCOUNT_BIN) + " --bogus x");
  CHECK(flag.code == 2);
  CHECK(flag.out == "weir: error: unknown flag '--bogus'; see --help\n");
}

TEST_CASE("a worker count past the limit is refused before any thread starts") {
  for (const char* count : {"1025", "34000", "1000001"}) {
    auto r = sh(std::string(WEIR_WORDCOUNT_BIN) + " -w " + count + " " + WEIR_WORDS_TXT);
    CHECK(r.code == 2);
    CHECK(r.out == std::string("weir: error: -w is at most 1024, got '") + count + "'\n");
  }
  weir::Dataflow flow("big");
  auto in = weir::op::input("in", flow, weir::testing::TestingSource<int>({1}));
  weir::op::output("out", in, weir::testing::TestingSink<int>{});
  CHECK_THROWS_WITH(weir::run(flow, {.workers = 5000}),
                    "the worker count must be from 1 to 1024, not 5000");
}

TEST_CASE("RunArgs reads the cluster flags and refuses ones that do not go together") {
  const std::string file =
      (std::filesystem::temp_directory_path() / ("weir-addresses-" + std::to_string(::getpid())))
          .string();
  {
    std::ofstream out(file);
    out << "# the cluster\nhost-a:7000\n\n[::1]:7001\n";
  }
  const char* argv[] = {"prog", "-i", "1", "-a", file.c_str(), "--connect-timeout", "2.5"};
  auto a = weir::RunArgs::parse(7, argv);
  CHECK(a.config.process_id == 1);
  CHECK(a.config.addresses == std::vector<std::string>{"host-a:7000", "::1:7001"});
  CHECK(a.config.connect_timeout == std::chrono::milliseconds(2500));
  const char* spawn[] = {"prog", "-p", "3", "-w", "2"};
  CHECK(weir::RunArgs::parse(5, spawn).processes == 3);

  const char* no_id[] = {"prog", "-a", file.c_str()};
  CHECK_THROWS_WITH(weir::RunArgs::parse(3, no_id),
                    "-a needs this process's id: -i (or WEIR_PROCESS_ID)");
  const char* no_file[] = {"prog", "-i", "0"};
  CHECK_THROWS_WITH(weir::RunArgs::parse(3, no_file),
                    "-i needs the cluster's addresses: -a FILE (or WEIR_ADDRESSES)");
  const char* both[] = {"prog", "-p", "2", "-i", "0", "-a", file.c_str()};
  CHECK_THROWS_WITH(weir::RunArgs::parse(7, both),
                    "-p starts a cluster's processes itself; it does not go with -i or -a");
  const char* past[] = {"prog", "-i", "2", "-a", file.c_str()};
  CHECK_THROWS_WITH(weir::RunArgs::parse(5, past),
                    "-i 2 is not a line of the addresses file (2 lines)");
  const char* missing[] = {"prog", "-i", "0", "-a", "/nonexistent/addresses"};
  CHECK_THROWS_WITH(weir::RunArgs::parse(5, missing), "-a: cannot read '/nonexistent/addresses'");
  {
    std::ofstream out(file);
    out << "host-a:7000\nhost-b\n";
  }
  const char* bad[] = {"prog", "-i", "0", "-a", file.c_str()};
  CHECK_THROWS_WITH(weir::RunArgs::parse(5, bad), file + " line 2: 'host-b' is not host:port");
  std::filesystem::remove(file);
}

TEST_CASE("every flag reads a WEIR_ variable, and the command line wins") {
  struct Env {
    Env() {
      ::setenv("WEIR_WORKERS", "3", 1);
      ::setenv("WEIR_SNAPSHOT_INTERVAL", "0.25", 1);
      ::setenv("WEIR_RECOVERY_DIRECTORY", "/tmp/from-env", 1);
    }
    Env(const Env&) = delete;
    Env& operator=(const Env&) = delete;
    ~Env() {
      ::unsetenv("WEIR_WORKERS");
      ::unsetenv("WEIR_SNAPSHOT_INTERVAL");
      ::unsetenv("WEIR_RECOVERY_DIRECTORY");
    }
  } env;
  const char* none[] = {"prog"};
  auto a = weir::RunArgs::parse(1, none);
  CHECK(a.config.workers == 3);
  CHECK(a.config.epoch_interval == std::chrono::milliseconds(250));
  CHECK(a.config.recovery_directory == "/tmp/from-env");
  const char* wins[] = {"prog", "-w", "2"};
  CHECK(weir::RunArgs::parse(3, wins).config.workers == 2);
  ::setenv("WEIR_WORKERS", "many", 1);
  CHECK_THROWS_WITH(weir::RunArgs::parse(1, none),
                    "WEIR_WORKERS=many: --workers expects a positive whole number, got 'many'");
}
