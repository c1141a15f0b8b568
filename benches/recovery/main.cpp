// recovery: the pipeline benchmark (pipeline/flow.hpp) over 2,000,000 keys (1,000,000 of them
// reach the running sum), with recovery off and with a SQLite recovery store snapshotting
// every second (-s 1), in the same run; then the time a run takes to resume the 1,000,000
// keys of state (open the store, load, decode and route every key; its input has ended, so
// nothing else runs); the store's size on disk after those runs (store_bytes); and the size
// of a store after 3,000 small epochs (50 keys each, an epoch per batch), against the bound
// RecoveryStore::partition_bound documents (small_epochs_store_bytes).
//
//   bench_recovery [ITEMS_PER_PARTITION] [REPEATS] [ONLY]    (defaults: 25000000 3)
//
// ONLY = off or on runs just that one (for profiling) and writes no results.

#include <unistd.h>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

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

std::uintmax_t dir_bytes(const fs::path& dir) {
  std::uintmax_t n = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    n += e.is_regular_file() ? e.file_size() : 0;
  }
  return n;
}

/// 3,000 epochs of 50 keys (a running sum each) on a 3-partition store; returns the store's
/// size at the end and checks the sums.
std::uintmax_t small_epochs() {
  constexpr int kEpochs = 3000;
  constexpr int kKeysPerEpoch = 50;
  std::vector<std::pair<std::string, std::int64_t>> items;
  std::int64_t expected = 0;
  for (int e = 0; e < kEpochs; ++e) {
    for (int k = 0; k < kKeysPerEpoch; ++k) {
      items.emplace_back("key" + std::to_string(k), e);
      expected += e;
    }
  }
  const fs::path dir =
      fs::temp_directory_path() / ("weir_bench_epochs_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  weir::recovery::init_store(dir, 3);
  weir::Dataflow flow("epochs");
  auto in = weir::op::input("in", flow, weir::testing::TestingSource(items, kKeysPerEpoch));
  auto sums = weir::op::stateful_map<std::int64_t>(
      "sum", in, [](std::optional<std::int64_t>& st, std::int64_t v) {
        st = st.value_or(0) + v;
        return *st;
      });
  weir::testing::TestingSink<std::pair<std::string, std::int64_t>> sink;
  weir::op::output("out", sums, sink);
  weir::run(flow, {.epoch_interval = weir::Duration::zero(), .recovery_directory = dir});
  std::map<std::string, std::int64_t> last;
  for (const auto& [k, v] : sink.items()) {
    last[k] = v;
  }
  std::int64_t got = 0;
  for (const auto& [k, v] : last) {
    got += v;
  }
  if (got != expected) {
    std::fprintf(stderr, "small epochs: the sums add up to %ld, expected %ld\n",
                 static_cast<long>(got), static_cast<long>(expected));
    std::exit(1);
  }
  const std::uintmax_t bytes = dir_bytes(dir);
  fs::remove_all(dir);
  return bytes;
}

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
  std::uintmax_t store_bytes = 0;
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
    store_bytes = dir_bytes(store.dir);
  }
  const std::uintmax_t epochs_bytes = small_epochs();
  const std::uintmax_t epochs_bound =
      3 * weir::recovery::RecoveryStore::partition_bound(
              weir::recovery::RecoveryStore::Options{}.log_cap, 1024, 1U << 20U);
  const double r_off = total / weir_bench::median(t_off);
  const double r_on = total / weir_bench::median(t_on);
  const double resume = weir_bench::median(t_resume);
  std::printf("recovery: 2 partitions x %lu items, %lu keys (%lu in state), median of %d runs\n", n,
              kKeys, kKeys / 2, repeats);
  std::printf("%-16s %14s %10s\n", "run", "items/s", "ratio");
  std::printf("%-16s %14.3e %10s\n", "off", r_off, "1.00");
  std::printf("%-16s %14.3e %10.2f  (goal >= 0.90 x off)\n", "on (-s 1)", r_on, r_on / r_off);
  std::printf("%-16s %13.3fs %10s  (goal < 2 s)\n", "resume 1M keys", resume, "");
  std::printf("%-16s %12.1fMB %10s  (1M keys of state, after the runs)\n", "store",
              store_bytes / 1e6, "");
  std::printf("%-16s %12.1fMB %10s  (3 partitions after 3,000 epochs of 50 keys; bound %.1f MB)\n",
              "store, epochs", epochs_bytes / 1e6, "", epochs_bound / 1e6);
  weir_bench::write_results("recovery",
                            {{"off", r_off},
                             {"on", r_on},
                             {"resume_seconds", resume},
                             {"store_bytes", static_cast<double>(store_bytes)},
                             {"small_epochs_store_bytes", static_cast<double>(epochs_bytes)}});
  return 0;
}
