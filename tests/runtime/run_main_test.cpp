#include <sys/wait.h>
#include <catch2/catch.hpp>
#include <cstdio>

#include "support.hpp"

namespace {
struct Result {
  int code;
  std::string out;
};
Result sh(const std::string& cmd) {
  Result r{-1, {}};
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  std::size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}
}  // namespace

TEST_CASE("RunArgs reads the worker count and positional arguments") {
  const char* argv[] = {"prog", "-w", "3", "file.txt"};
  auto a = weir::RunArgs::parse(4, argv);
  CHECK(a.config.workers == 3);
  CHECK(a.positional == std::vector<std::string>{"file.txt"});
  const char* eq[] = {"prog", "--workers=2"};
  CHECK(weir::RunArgs::parse(2, eq).config.workers == 2);
}

TEST_CASE("RunArgs rejects unknown flags and bad values with a message") {
  const char* bad[] = {"prog", "--frobnicate"};
  CHECK_THROWS_WITH(weir::RunArgs::parse(2, bad), "unknown flag '--frobnicate'; see --help");
  const char* zero[] = {"prog", "-w", "0"};
  CHECK_THROWS_WITH(weir::RunArgs::parse(3, zero), "-w expects a positive whole number, got '0'");
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
