// A program built against an installed weir: doubles 1..5 and prints the sum.
#include <cstdio>
#include <vector>

#include <weir/weir.hpp>

int main() {
  weir::Dataflow flow("consumer");
  auto nums = weir::op::input("nums", flow, weir::testing::TestingSource<int>({1, 2, 3, 4, 5}));
  auto doubled = weir::op::map("double", nums, [](int x) { return x * 2; });
  weir::testing::TestingSink<int> sink;
  weir::op::output("out", doubled, sink);
  weir::run(flow);
  int sum = 0;
  for (int x : sink.items()) sum += x;
  std::printf("sum=%d\n", sum);
  return sum == 30 ? 0 : 1;
}
