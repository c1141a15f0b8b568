// pipeline: in-memory source (2 partitions x N (key, value) items, 1,000 keys) -> map
// (value x 2) -> filter (even keys) -> key_on -> running sum per key (stateful_batch) -> a
// counting sink; weir on 1 and 2 workers against a hand-written loop doing the same work.
//
//   bench_pipeline [ITEMS_PER_PARTITION] [REPEATS] [ONLY]     (defaults: 25000000 3)
//
// ONLY = baseline, baseline_2t, w1, w1_metrics or w2 runs just that one (for profiling) and
// writes no results. w1_metrics is w1 while a MetricsServer serves (--metrics: steps' busy
// time counted too): its ratio to w1 is what watching a run costs.

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include <weir/weir.hpp>

#include "bench_support.hpp"
#include "pipeline/flow.hpp"

namespace {

using weir_bench::Item;
using weir_bench::kBatch;
constexpr std::uint64_t kKeys = 1000;

std::uint64_t run_weir(std::uint64_t n, std::size_t workers) {
  return weir_bench::run_pipeline(n, kKeys, {.workers = workers});
}

/// run_weir with metrics served, as `--metrics 127.0.0.1:0` does.
std::uint64_t run_weir_metrics(std::uint64_t n, std::size_t workers) {
  const weir::MetricsServer server("127.0.0.1:0");
  return run_weir(n, workers);
}

std::uint64_t run_baseline(std::uint64_t n) {
  std::unordered_map<std::uint64_t, std::uint64_t> sums;
  std::uint64_t count = 0;
  std::uint64_t check = 0;
  for (int p = 0; p < 2; ++p) {
    for (std::uint64_t i = 0; i < n; ++i) {
      Item x{i % kKeys, i};
      x.second *= 2;
      if (x.first % 2 != 0) continue;
      check += (sums[x.first] += x.second);
      ++count;
    }
  }
  if (check == 42) std::puts("");  // keeps the work observable
  return count;
}

// The same work on two threads, hand-written: each thread runs one partition and hands the
// items of keys the other thread owns over in batches (a locked queue per thread, buffers
// not recycled). What any two-worker engine pays to move items between cores on this
// machine is in this figure too.
std::uint64_t run_baseline_2t(std::uint64_t n) {
  struct Queue {
    std::mutex mutex;
    std::vector<std::vector<Item>> batches;
    std::atomic<bool> sender_done{false};
  };
  Queue queues[2];
  std::atomic<std::uint64_t> count{0};
  auto worker = [&](int self) {
    std::unordered_map<std::uint64_t, std::uint64_t> sums;
    std::uint64_t counted = 0;
    std::uint64_t check = 0;
    auto apply = [&](const Item& x) {
      check += (sums[x.first] += x.second);
      ++counted;
    };
    auto drain = [&] {
      std::vector<std::vector<Item>> got;
      {
        std::lock_guard lock(queues[self].mutex);
        got.swap(queues[self].batches);
      }
      for (auto& b : got) {
        for (const auto& x : b) apply(x);
      }
      return !got.empty();
    };
    Queue& other = queues[1 - self];
    for (std::uint64_t i = 0; i < n;) {
      const std::uint64_t end = std::min(n, i + kBatch);
      std::vector<Item> away;
      away.reserve(kBatch / 2);
      for (; i < end; ++i) {
        Item x{i % kKeys, i};
        x.second *= 2;
        if (x.first % 2 != 0) continue;
        if ((weir::stable_hash(x.first) & 1U) == static_cast<std::uint64_t>(self)) {
          apply(x);
        } else {
          away.push_back(x);
        }
      }
      {
        std::lock_guard lock(other.mutex);
        other.batches.push_back(std::move(away));
      }
      drain();
    }
    other.sender_done.store(true);
    while (!queues[self].sender_done.load()) drain();
    drain();
    if (check == 42) std::puts("");
    count += counted;
  };
  std::thread a(worker, 0);
  std::thread b(worker, 1);
  a.join();
  b.join();
  return count.load();
}

}  // namespace

int main(int argc, char** argv) {
  const std::uint64_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 25'000'000;
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 3;
  if (argc > 3) {
    const std::string only = argv[3];
    const std::size_t workers = only == "w2" ? 2 : 1;
    double s = 0;
    std::uint64_t c = 0;
    if (only == "baseline") {
      s = weir_bench::seconds([&] { c = run_baseline(n); });
    } else if (only == "baseline_2t") {
      s = weir_bench::seconds([&] { c = run_baseline_2t(n); });
    } else if (only == "w1" || only == "w2") {
      s = weir_bench::seconds([&] { c = run_weir(n, workers); });
    } else if (only == "w1_metrics") {
      s = weir_bench::seconds([&] { c = run_weir_metrics(n, 1); });
    } else {
      return std::fprintf(stderr,
                          "ONLY must be baseline, baseline_2t, w1, w1_metrics or w2, not '%s'\n",
                          argv[3]),
             2;
    }
    std::printf("%s: %.3e items/s (%lu counted)\n", argv[3], 2.0 * static_cast<double>(n) / s, c);
    return 0;
  }
  const double total = 2.0 * static_cast<double>(n);
  std::vector<double> w1;
  std::vector<double> w1m;
  std::vector<double> w2;
  std::vector<double> base;
  std::vector<double> base2;
  std::uint64_t expected = 0;
  for (int r = 0; r < repeats; ++r) {
    std::uint64_t c = 0;
    base.push_back(weir_bench::seconds([&] { expected = run_baseline(n); }));
    base2.push_back(weir_bench::seconds([&] { c = run_baseline_2t(n); }));
    if (c != expected)
      return std::fprintf(stderr, "baseline_2t counted %lu, expected %lu\n", c, expected), 1;
    w1.push_back(weir_bench::seconds([&] { c = run_weir(n, 1); }));
    if (c != expected)
      return std::fprintf(stderr, "weir w1 counted %lu, expected %lu\n", c, expected), 1;
    w1m.push_back(weir_bench::seconds([&] { c = run_weir_metrics(n, 1); }));
    if (c != expected)
      return std::fprintf(stderr, "weir w1 with metrics counted %lu, expected %lu\n", c, expected),
             1;
    w2.push_back(weir_bench::seconds([&] { c = run_weir(n, 2); }));
    if (c != expected)
      return std::fprintf(stderr, "weir w2 counted %lu, expected %lu\n", c, expected), 1;
  }
  const double rb = total / weir_bench::median(base);
  const double rb2 = total / weir_bench::median(base2);
  const double r1 = total / weir_bench::median(w1);
  const double r2 = total / weir_bench::median(w2);
  const double r1m = total / weir_bench::median(w1m);
  std::printf("pipeline: 2 partitions x %lu items, 1,000 keys, median of %d runs\n", n, repeats);
  std::printf("%-12s %14s %10s\n", "run", "items/s", "ratio");
  std::printf("%-12s %14.3e %10s\n", "baseline", rb, "1.00");
  std::printf("%-12s %14.3e %10.2f  (two threads: %.2f x baseline)\n", "baseline_2t", rb2, rb2 / rb,
              rb2 / rb);
  std::printf("%-12s %14.3e %10.2f  (goal >= 0.50 x baseline)\n", "weir_w1", r1, r1 / rb);
  std::printf("%-12s %14.3e %10.2f  (metrics served: %.3f x weir_w1; goal >= 0.98)\n",
              "weir_w1_metrics", r1m, r1m / rb, r1m / r1);
  std::printf("%-12s %14.3e %10.2f  (goal >= 1.70 x weir_w1: %.2f; %.2f x baseline_2t)\n",
              "weir_w2", r2, r2 / rb, r2 / r1, r2 / rb2);
  weir_bench::write_results("pipeline", {{"baseline", rb},
                                         {"baseline_2t", rb2},
                                         {"weir_w1", r1},
                                         {"weir_w1_metrics", r1m},
                                         {"weir_w2", r2},
                                         {"items", total}});
  return 0;
}
