// idle: a source that has nothing, with next_awake 100 ms ahead, runs for SECONDS; prints the
// CPU time the whole process used meanwhile (goal: under 0.05 s for 5 s). The baseline is
// a thread that sleeps for the same time in 100 ms steps.
//
//   bench_idle [SECONDS]     (default 5)

#include <sys/resource.h>

#include <cstdlib>
#include <thread>

#include <weir/weir.hpp>

#include "bench_support.hpp"

namespace {

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

class Quiet final : public weir::FixedPartitionedSource<int, int> {
 public:
  explicit Quiet(weir::Duration d) : d_(d) {}
  std::vector<std::string> list_parts() const override { return {"quiet"}; }
  std::unique_ptr<weir::StatefulSourcePartition<int, int>> build_part(
      const std::string&, const std::string&, std::optional<int>) const override {
    return std::make_unique<Part>(weir::clock().now() + d_);
  }

 private:
  struct Part final : weir::StatefulSourcePartition<int, int> {
    explicit Part(weir::Instant end) : end(end) {}
    weir::NextBatch<int> next_batch() override {
      if (weir::clock().now() >= end) return weir::end_of_partition;
      return std::vector<int>{};
    }
    std::optional<weir::Instant> next_awake() override {
      return weir::clock().now() + std::chrono::milliseconds(100);
    }
    int snapshot() override { return 0; }
    weir::Instant end;
  };
  weir::Duration d_;
};

}  // namespace

int main(int argc, char** argv) {
  const double secs = argc > 1 ? std::atof(argv[1]) : 5.0;
  const auto d = std::chrono::duration_cast<weir::Duration>(std::chrono::duration<double>(secs));

  double c0 = cpu_seconds();
  auto t0 = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - t0 < d)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const double baseline = cpu_seconds() - c0;

  weir::Dataflow flow("idle");
  auto s = weir::op::input("quiet", flow, Quiet(d));
  weir::op::output("out", s, weir::testing::TestingSink<int>{});
  c0 = cpu_seconds();
  double wall = weir_bench::seconds([&] { weir::run(flow); });
  const double used = cpu_seconds() - c0;

  std::printf("idle: %.1f s with nothing to do, next_awake 100 ms ahead\n", secs);
  std::printf("%-10s %12s %10s\n", "run", "cpu_seconds", "wall_s");
  std::printf("%-10s %12.4f %10.2f\n", "baseline", baseline, secs);
  std::printf("%-10s %12.4f %10.2f  (goal < 0.05)\n", "weir", used, wall);
  weir_bench::write_results(
      "idle", {{"cpu_seconds", used}, {"baseline_cpu_seconds", baseline}, {"wall_seconds", wall}});
  return 0;
}
