// A program built against weir: doubles 1..5 and prints the sum. With WEIR_CONSUMER_ALL it
// includes everything (weir/weir.hpp, weir::weir); else only the core headers it uses.
#include <cstdio>

#ifdef WEIR_CONSUMER_ALL
#include <weir/weir.hpp>
#else
#include <weir/connectors/testing/testing_sink.hpp>
#include <weir/connectors/testing/testing_source.hpp>
#include <weir/operators/stateless.hpp>
#include <weir/runtime/run.hpp>
#endif

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
