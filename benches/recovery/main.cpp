// recovery: the pipeline benchmark (pipeline/flow.hpp) over K keys (default 2,000,000; half
// of them reach the running sum), by hand (loop: std::unordered_map as it comes, whose
// identity hash keeps the bench's consecutive keys in consecutive buckets; loop_spread: the
// same map hashed as weir's state table hashes integers), with recovery off and with a SQLite
// recovery store snapshotting every second (-s 1), in the same run, each in a child process
// of its own so its peak memory is measured too; then the time a run takes to resume the
// K/2 keys of state (open the store, load, decode and route every key; its input has ended,
// so nothing else runs); the store's size on disk after those runs (store_bytes); and the size
// of a store after 3,000 small epochs (50 keys each, an epoch per batch), against the bound
// RecoveryStore::partition_bound documents (small_epochs_store_bytes).
//
//   bench_recovery [ITEMS_PER_PARTITION] [REPEATS] [ONLY] [--keys K]
//                                                     (defaults: 25000000 3, 2000000 keys)
//
// ONLY = loop, loop_spread, off or on runs just that one (for profiling) and writes no results.

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
  const weir_bench::Args args = weir_bench::parse_args(
      argc, argv, {.items = 25'000'000, .repeats = 3, .options = {{"keys", 2'000'000}}},
      "[ITEMS_PER_PARTITION] [REPEATS] [ONLY] [--keys K]");
  const std::uint64_t n = args.items;
  const std::uint64_t keys = args.keys();
  if (keys % 4 != 0) {
    return std::fprintf(stderr, "--keys must be a multiple of 4\n"), 2;
  }
  const double total = 2.0 * static_cast<double>(n);
  const weir::RunConfig off{.epoch_interval = std::chrono::seconds(1)};
  using weir_bench::Outcome;
  if (!args.only.empty()) {
    const std::string& only = args.only;
    Store store;
    double s = 0;
    Outcome o;
    if (only == "loop") {
      s = weir_bench::seconds([&] { o = weir_bench::run_loop(n, keys); });
    } else if (only == "loop_spread") {
      s = weir_bench::seconds([&] { o = weir_bench::run_loop<weir_bench::SpreadHash>(n, keys); });
    } else if (only == "off") {
      s = weir_bench::seconds([&] { o = weir_bench::run_pipeline(n, keys, off); });
    } else if (only == "on") {
      s = weir_bench::seconds(
          [&] { o = weir_bench::run_pipeline(n, keys, with_recovery(store.dir)); });
    } else {
      return std::fprintf(stderr, "ONLY must be loop, loop_spread, off or on, not '%s'\n",
                          only.c_str()),
             2;
    }
    std::printf("%s: %.3e items/s (%lu counted, running sums total %lu)\n", only.c_str(), total / s,
                o.count, o.sum);
    return 0;
  }
  std::vector<double> t_loop;
  std::vector<double> t_spread;
  std::vector<double> t_off;
  std::vector<double> t_on;
  std::vector<double> t_resume;
  std::vector<double> rss_loop;
  std::vector<double> rss_off;
  std::vector<double> rss_on;
  std::vector<double> rss_resume;
  std::uintmax_t store_bytes = 0;
  const auto check = weir_bench::check_outcome;
  // Each run in a child process of its own, so each peak memory figure is that run's.
  for (int r = 0; r < args.repeats; ++r) {
    const auto loop = weir_bench::in_child([&] { return weir_bench::run_loop(n, keys); });
    t_loop.push_back(loop.seconds);
    rss_loop.push_back(loop.peak_rss_bytes);
    const auto spread =
        weir_bench::in_child([&] { return weir_bench::run_loop<weir_bench::SpreadHash>(n, keys); });
    check("loop_spread", spread.result, loop.result);
    t_spread.push_back(spread.seconds);
    const auto o = weir_bench::in_child([&] { return weir_bench::run_pipeline(n, keys, off); });
    check("recovery off", o.result, loop.result);
    t_off.push_back(o.seconds);
    rss_off.push_back(o.peak_rss_bytes);
    Store store;
    const auto on = weir_bench::in_child(
        [&] { return weir_bench::run_pipeline(n, keys, with_recovery(store.dir)); });
    check("recovery on", on.result, loop.result);
    t_on.push_back(on.seconds);
    rss_on.push_back(on.peak_rss_bytes);
    const auto resumed = weir_bench::in_child(
        [&] { return weir_bench::run_pipeline(n, keys, with_recovery(store.dir)); });
    check("the resumed run", resumed.result, Outcome{});
    t_resume.push_back(resumed.seconds);
    rss_resume.push_back(resumed.peak_rss_bytes);
    store_bytes = dir_bytes(store.dir);
  }
  const std::uintmax_t epochs_bytes = small_epochs();
  const std::uintmax_t epochs_bound =
      3 * weir::recovery::RecoveryStore::partition_bound(
              weir::recovery::RecoveryStore::Options{}.log_cap, 1024, 1U << 20U);
  using weir_bench::median;
  const double r_loop = total / median(t_loop);
  const double r_spread = total / median(t_spread);
  const double r_off = total / median(t_off);
  const double r_on = total / median(t_on);
  const double resume = median(t_resume);
  const double m_loop = median(rss_loop) / 1e6;
  const double m_off = median(rss_off) / 1e6;
  const double m_on = median(rss_on) / 1e6;
  const double m_resume = median(rss_resume) / 1e6;
  const std::uint64_t in_state = keys / 2;
  std::printf("recovery: 2 partitions x %lu items, %lu keys (%lu in state), median of %d runs\n", n,
              keys, in_state, args.repeats);
  std::printf("%-16s %14s %10s %10s\n", "run", "items/s", "ratio", "peak RSS");
  std::printf("%-16s %14.3e %10s %8.0fMB  (the pipeline by hand, std::unordered_map)\n", "loop",
              r_loop, "1.00", m_loop);
  std::printf("%-16s %14.3e %10.2f %10s  (the same, keys hashed as weir's state table does)\n",
              "loop_spread", r_spread, r_spread / r_loop, "");
  std::printf("%-16s %14.3e %10.2f %8.0fMB  (%.2f x loop_spread; goal >= 0.50 x loop)\n", "off",
              r_off, r_off / r_loop, m_off, r_off / r_spread);
  std::printf("%-16s %14.3e %10.2f %8.0fMB  (%.2f x off; goals >= 0.90 x off, memory <= 1.5 x)\n",
              "on (-s 1)", r_on, r_on / r_loop, m_on, r_on / r_off);
  std::printf("%-16s %13.3fs %10s %8.0fMB  (goal < 2 s)\n", "resume", resume, "", m_resume);
  std::printf("%-16s %12.1fMB %10s  (%lu keys of state, after the runs)\n", "store",
              store_bytes / 1e6, "", in_state);
  std::printf("%-16s %12.1fMB %10s  (3 partitions after 3,000 epochs of 50 keys; bound %.1f MB)\n",
              "store, epochs", epochs_bytes / 1e6, "", epochs_bound / 1e6);
  weir_bench::write_results(weir_bench::results_name("recovery", keys, 2'000'000),
                            {{"loop", r_loop},
                             {"loop_spread", r_spread},
                             {"off_over_loop_spread", r_off / r_spread},
                             {"off", r_off},
                             {"on", r_on},
                             {"off_over_loop", r_off / r_loop},
                             {"on_over_off", r_on / r_off},
                             {"loop_peak_rss_bytes", m_loop * 1e6},
                             {"off_peak_rss_bytes", m_off * 1e6},
                             {"on_peak_rss_bytes", m_on * 1e6},
                             {"on_over_off_rss", m_on / m_off},
                             {"resume_seconds", resume},
                             {"resume_peak_rss_bytes", m_resume * 1e6},
                             {"keys", static_cast<double>(keys)},
                             {"store_bytes", static_cast<double>(store_bytes)},
                             {"small_epochs_store_bytes", static_cast<double>(epochs_bytes)}});
  return 0;
}
