// recovery: the pipeline benchmark (pipeline/flow.hpp) over 2,000,000 keys (1,000,000 of them
// reach the running sum), with recovery off and with a SQLite recovery store snapshotting
// every second (-s 1), in the same run; then the time a run takes to resume the 1,000,000
// keys of state (open the store, load, decode and route every key; its input has ended, so
// nothing else runs).
//
//   bench_recovery [ITEMS_PER_PARTITION] [REPEATS] [ONLY]    (defaults: 25000000 3)
//
// ONLY = off or on runs just that one (for profiling) and writes no results.

#include <unistd.h>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <weir/weir.hpp>

#include "bench_support.hpp"
#include "pipeline/flow.hpp"

namespace {

namespace fs = std::filesystem;
constexpr std::uint64_t kKeys = 2'000'000;

/// A fresh store in a scratch directory, removed afterwards.
struct Store {
  Store() {
    dir = fs::temp_directory_path() / ("weir_bench_recovery_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    weir::recovery::init_store(dir, 4);
  }
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;
  ~Store() { fs::remove_all(dir); }
  fs::path dir;
};

weir::RunConfig with_recovery(const fs::path& dir) {
  return {.epoch_interval = std::chrono::seconds(1), .recovery_directory = dir};
}

}  // namespace

int main(int argc, char** argv) {
  const std::uint64_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 25'000'000;
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 3;
  const double total = 2.0 * static_cast<double>(n);
  const weir::RunConfig off{.epoch_interval = std::chrono::seconds(1)};
  if (argc > 3) {
    const std::string only = argv[3];
    Store store;
    double s = 0;
    if (only == "off") {
      s = weir_bench::seconds([&] { weir_bench::run_pipeline(n, kKeys, off); });
    } else if (only == "on") {
      s = weir_bench::seconds(
          [&] { weir_bench::run_pipeline(n, kKeys, with_recovery(store.dir)); });
    } else {
      return std::fprintf(stderr, "ONLY must be off or on, not '%s'\n", argv[3]), 2;
    }
    std::printf("%s: %.3e items/s\n", argv[3], total / s);
    return 0;
  }
  std::vector<double> t_off;
  std::vector<double> t_on;
  std::vector<double> t_resume;
  for (int r = 0; r < repeats; ++r) {
    std::uint64_t expected = 0;
    t_off.push_back(
        weir_bench::seconds([&] { expected = weir_bench::run_pipeline(n, kKeys, off); }));
    Store store;
    std::uint64_t c = 0;
    t_on.push_back(weir_bench::seconds(
        [&] { c = weir_bench::run_pipeline(n, kKeys, with_recovery(store.dir)); }));
    if (c != expected) {
      return std::fprintf(stderr, "with recovery: counted %lu, expected %lu\n", c, expected), 1;
    }
    t_resume.push_back(weir_bench::seconds(
        [&] { c = weir_bench::run_pipeline(n, kKeys, with_recovery(store.dir)); }));
    if (c != 0) {
      return std::fprintf(stderr, "the resumed run counted %lu, expected 0\n", c), 1;
    }
  }
  const double r_off = total / weir_bench::median(t_off);
  const double r_on = total / weir_bench::median(t_on);
  const double resume = weir_bench::median(t_resume);
  std::printf("recovery: 2 partitions x %lu items, %lu keys (%lu in state), median of %d runs\n", n,
              kKeys, kKeys / 2, repeats);
  std::printf("%-16s %14s %10s\n", "run", "items/s", "ratio");
  std::printf("%-16s %14.3e %10s\n", "off", r_off, "1.00");
  std::printf("%-16s %14.3e %10.2f  (goal >= 0.90 x off)\n", "on (-s 1)", r_on, r_on / r_off);
  std::printf("%-16s %13.3fs %10s  (goal < 2 s)\n", "resume 1M keys", resume, "");
  weir_bench::write_results("recovery", {{"off", r_off}, {"on", r_on}, {"resume_seconds", resume}});
  return 0;
}
