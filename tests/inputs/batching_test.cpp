#include <catch2/catch.hpp>
#include <queue>

#include <weir/inputs/batching.hpp>

using V = std::vector<int>;

TEST_CASE("batch slices a range and then ends") {
  std::vector<int> items{1, 2, 3, 4, 5};
  auto b = weir::batch(items, 2);
  CHECK(b.next() == V{1, 2});
  CHECK(b.next() == V{3, 4});
  CHECK(b.next() == V{5});
  CHECK_FALSE(b.next().has_value());
  CHECK_FALSE(b.next().has_value());
}

TEST_CASE("batch owns an rvalue range and rejects a zero size") {
  auto b = weir::batch(std::vector<int>{7, 8}, 5);
  CHECK(b.next() == V{7, 8});
  CHECK_FALSE(b.next().has_value());
  CHECK_THROWS_WITH(weir::batch(std::vector<int>{1}, 0), "batch size must be at least 1");
}

TEST_CASE("batch_getter yields when the getter returns the sentinel - ends on EndOfInput") {
  std::queue<int> q;
  for (int x : {1, 2, -1, 3, -1}) q.push(x);
  bool done = false;
  auto g = weir::batch_getter(
      [&] {
        if (q.empty()) {
          if (done) throw weir::EndOfInput();
          return -1;
        }
        int x = q.front();
        q.pop();
        return x;
      },
      10, -1);
  CHECK(g.next() == V{1, 2});
  CHECK(g.next() == V{3});
  CHECK(g.next() == V{});  // nothing now is not the end
  done = true;
  CHECK(g.next() == V{});  // the getter ended: the last (empty) batch
  CHECK_FALSE(g.next().has_value());
}

TEST_CASE("batch_getter stops at the batch size") {
  int n = 0;
  auto g = weir::batch_getter([&] { return n++; }, 3, -1);
  CHECK(g.next() == V{0, 1, 2});
  CHECK(g.next() == V{3, 4, 5});
}

struct Empty {};

TEST_CASE("batch_getter_ex yields on the exception type and keeps items before the end") {
  std::vector<int> feed{1, 2, 0, 3};
  std::size_t i = 0;
  auto g = weir::batch_getter_ex<Empty>(
      [&] {
        if (i == feed.size()) throw weir::EndOfInput();
        int x = feed[i++];
        if (x == 0) throw Empty{};
        return x;
      },
      10);
  CHECK(g.next() == V{1, 2});
  CHECK(g.next() == V{3});
  CHECK_FALSE(g.next().has_value());
}
