// The dataflow the push crash test kills: a StatefulProducer counting 0..N-1 (its state is
// the next number; it flushes every 100 numbers) -> a line per number in an exactly-once
// FileSink.
//
//   push_flow [run flags] N OUT

#include <chrono>
#include <string>
#include <thread>

#include <weir/inputs/push_source.hpp>
#include <weir/weir.hpp>

namespace {

class Counter final : public weir::push::StatefulProducer<std::string> {
 public:
  explicit Counter(long n) : n_(n) {}
  void run() override {
    for (long i = std::stol(state().get("next").value_or("0")); i < n_ && running(); ++i) {
      produce(std::to_string(i));
      state().set("next", std::to_string(i + 1));
      if (i % 100 == 99) {
        flush();
        std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
    }
  }

 private:
  long n_;
};

}  // namespace

int main(int argc, char** argv) {
  int exit_code = 0;
  auto args = weir::RunArgs::parse_program(argc, argv, 2, "N OUT", exit_code);
  if (!args) {
    return exit_code;
  }
  const long n = std::stol(args->positional[0]);
  weir::Dataflow flow("push_flow");
  auto numbers = weir::op::input(
      "count", flow, weir::push::PushSource<Counter>("counter", [n](const std::string&) {
        return std::make_unique<Counter>(n);
      }));
  auto lines = weir::op::key_on("key", numbers, [](const std::string&) { return std::string(); });
  weir::op::output("file", lines, weir::files::FileSink<std::string>(args->positional[1]));
  return weir::run_main(flow, *args);
}
