#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>

#include "support.hpp"

using weir_test::sh;

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
  auto missing = sh(std::string(WEIR_WORDCOUNT_BIN) + " --log-level=error /nonexistent/words.txt");
  CHECK(missing.code == 1);
  CHECK(missing.out ==
        "weir: error: step 'wordcount.lines' failed in list_parts of op::input(\"lines\") (worker "
        "0): file "
        "'/nonexistent/words.txt' does not exist or is not a regular file\n");
  auto flag = sh(std::string(WEIR_WORDCOUNT_BIN) + " --bogus x");
  CHECK(flag.code == 2);
  CHECK(flag.out == "weir: error: unknown flag '--bogus'; see --help\n");
}

TEST_CASE("a worker count past the limit is refused before any thread starts") {
  for (const char* count : {"1025", "34000", "1000001"}) {
    auto r = sh(std::string(WEIR_WORDCOUNT_BIN) + " -w " + count + " " + WEIR_WORDS_TXT);
    CHECK(r.code == 2);
    CHECK(r.out == std::string("weir: error: --workers is at most 1024, got '") + count + "'\n");
  }
  weir::Dataflow flow("big");
  auto in = weir::op::input("in", flow, weir::testing::TestingSource<int>({1}));
  weir::op::output("out", in, weir::testing::TestingSink<int>{});
  CHECK_THROWS_WITH(weir::run(flow, {.workers = 5000}),
                    "the worker count must be from 1 to 1024, not 5000");
}

TEST_CASE("a run logs its start, each partition's end and a summary, and nothing at warn") {
  // stderr alone (the counts on stdout go nowhere)
  auto info = sh("sh -c '" + std::string(WEIR_WORDCOUNT_BIN) + " -w 2 " + WEIR_WORDS_TXT +
                 " 2>&1 >/dev/null'");
  CHECK(info.code == 0);
  const std::regex expected(
      "weir: info: dataflow 'wordcount' starting: 2 workers, no recovery\n"
      "weir: info: step 'wordcount.lines' partition '[^']*words.txt' ended after 6 items\n"
      "weir: info: dataflow 'wordcount' finished: read 6 items \\('wordcount.lines'\\), "
      "wrote 38 items \\('wordcount.out'\\) in [0-9]+\\.[0-9]{3} s\n");
  INFO(info.out);
  CHECK(std::regex_match(info.out, expected));
  auto quiet = sh("sh -c 'WEIR_LOG=warn " + std::string(WEIR_WORDCOUNT_BIN) + " " + WEIR_WORDS_TXT +
                  " 2>&1 >/dev/null'");
  CHECK(quiet.code == 0);
  CHECK(quiet.out.empty());
  auto bad = sh(std::string(WEIR_WORDCOUNT_BIN) + " --log-level loud x");
  CHECK(bad.code == 2);
  CHECK(bad.out ==
        "weir: error: --log-level expects trace, debug, info, warn, error or off, got 'loud'\n");
}
