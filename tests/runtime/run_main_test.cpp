#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

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
    CHECK(r.out == std::string("weir: error: --workers is at most 1024, got '") + count + "'\n");
  }
  weir::Dataflow flow("big");
  auto in = weir::op::input("in", flow, weir::testing::TestingSource<int>({1}));
  weir::op::output("out", in, weir::testing::TestingSink<int>{});
  CHECK_THROWS_WITH(weir::run(flow, {.workers = 5000}),
                    "the worker count must be from 1 to 1024, not 5000");
}
