#include <catch2/catch.hpp>

#include "support.hpp"

using weir::testing::TestingSource;
using Entry = TestingSource<int>::Entry;
using V = std::vector<int>;

TEST_CASE("TestingSource batches - stops at Eof - and its snapshot resumes after the marker") {
  TestingSource<int> src(std::vector<Entry>{1, 2, 3, weir::testing::Eof{}, 4, 5}, 2);
  auto p = src.build_part("s", "iterable", std::nullopt);
  CHECK(p->next_batch() == V{1, 2});
  CHECK(p->snapshot() == 2);
  CHECK(p->next_batch() == V{3});
  CHECK_FALSE(p->next_batch().has_value());
  auto resumed = src.build_part("s", "iterable", p->snapshot());
  CHECK(resumed->next_batch() == V{4, 5});
  CHECK_FALSE(resumed->next_batch().has_value());
}

TEST_CASE("TestingSource Pause sets next_awake - Abort fires once") {
  weir::ManualClock mc;
  weir::ScopedClock scoped(mc);
  TestingSource<int> src(std::vector<Entry>{1, weir::testing::Pause{std::chrono::seconds(3)}, 2,
                                            weir::testing::Abort{}, 3},
                         5);
  auto p = src.build_part("s", "iterable", std::nullopt);
  CHECK(p->next_batch() == V{1});
  CHECK(p->next_awake() == mc.now() + std::chrono::seconds(3));
  CHECK(p->next_batch() == V{2});
  CHECK_FALSE(p->next_awake().has_value());
  CHECK(p->snapshot() == 3);
  CHECK_THROWS_AS(p->next_batch(), weir::AbortExecution);
  auto again = src.build_part("s", "iterable", 3);
  CHECK(again->next_batch() == V{3});
}
