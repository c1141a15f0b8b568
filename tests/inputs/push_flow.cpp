// The dataflow the push crash tests kill: a StatefulProducer per partition counting 0..N-1
// (its state is the next number; it flushes every 100 numbers) -> a line per number in an
// exactly-once FileSink: "N" with one partition, "P:N" with several.
//
//   push_flow [run flags] N OUT [PARTITIONS [isolate]]
//
// With "isolate", each partition's run() runs in a child process of its own.

#include <chrono>
#include <string>
#include <thread>

#include <weir/inputs/push_source.hpp>
#include <weir/weir.hpp>

namespace {

class Counter final : public weir::push::StatefulProducer<std::string> {
 public:
  Counter(long n, std::string prefix) : n_(n), prefix_(std::move(prefix)) {}
  void run() override {
    for (long i = std::stol(state().get("next").value_or("0")); i < n_ && running(); ++i) {
      produce(prefix_ + std::to_string(i));
      state().set("next", std::to_string(i + 1));
      if (i % 100 == 99) {
        flush();
        std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
    }
  }

 private:
  long n_;
  std::string prefix_;
};

}  // namespace

int main(int argc, char** argv) {
  weir::CommandLine cli;
  std::string items;
  std::string out;
  std::optional<std::string> partitions;
  std::optional<std::string> isolate;
  cli.positional("N", items, "items a partition");
  cli.positional("OUT", out, "the output file");
  cli.positional("PARTITIONS", partitions, "how many partitions (default 1)");
  cli.positional("ISOLATE", isolate, "'isolate': one thread a partition");
  if (auto exit_code = cli.parse(argc, argv)) return *exit_code;
  const long n = std::stol(items);
  const long parts = partitions ? std::stol(*partitions) : 1;
  std::vector<std::string> names;
  for (long p = 0; p < parts; ++p) {
    names.push_back(std::to_string(p));
  }
  weir::push::PushOptions options;
  options.isolate = isolate == "isolate";
  weir::Dataflow flow("push_flow");
  auto numbers =
      weir::op::input("count", flow,
                      weir::push::PushSource<Counter>(
                          names,
                          [n, parts](const std::string& part) {
                            return std::make_unique<Counter>(n, parts > 1 ? part + ":" : "");
                          },
                          options));
  auto lines = weir::op::key_on("key", numbers, [](const std::string&) { return std::string(); });
  weir::op::output("file", lines, weir::files::FileSink<std::string>(out));
  return cli.run(flow);
}
