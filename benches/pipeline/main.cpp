// pipeline: in-memory source (2 partitions x N (key, value) items over K keys, each
// partition owning half) -> map (value x 2) -> filter (even keys) -> key_on -> running sum
// per key (stateful_batch) -> a sink adding up count and running sums; weir on 1 and 2
// workers against a hand-written loop doing the same work (pipeline/flow.hpp), and the same
// by hand on two threads, and two w1 runs side by side in two processes (what this machine
// gives two workers that share nothing). Every run must give the loop's count and total.
//
//   bench_pipeline [ITEMS_PER_PARTITION] [REPEATS] [ONLY] [--keys K]
//                                                       (defaults: 25000000 3, 1000 keys)
//
// ONLY = baseline, baseline_2t, w1, w1_metrics or w2 runs just that one (for profiling) and
// writes no results. w1_metrics is w1 while a MetricsServer serves (--metrics: steps' busy
// time counted too): its ratio to w1 is what watching a run costs.

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <thread>
#include <unordered_map>

#include <weir/weir.hpp>

#include "bench_support.hpp"
#include "pipeline/flow.hpp"
#include "two_threads.hpp"

namespace {

using weir_bench::Item;
using weir_bench::kBatch;
using weir_bench::Outcome;

Outcome run_weir(std::uint64_t n, std::uint64_t keys, std::size_t workers) {
  return weir_bench::run_pipeline(n, keys, {.workers = workers});
}

/// run_weir with metrics served, as `--metrics 127.0.0.1:0` does.
Outcome run_weir_metrics(std::uint64_t n, std::uint64_t keys) {
  const weir::MetricsServer server("127.0.0.1:0");
  return run_weir(n, keys, 1);
}

// The same work on two threads by hand: each thread runs one partition, applies the items
// of the keys it owns and hands the others over once per batch of kBatch source items
// (TwoThreads: the hand-off a two-worker engine needs, with no engine around it).
// `handed`, if given, is set to how many items crossed from one thread to the other.
Outcome run_baseline_2t(std::uint64_t n, std::uint64_t keys, std::uint64_t* handed = nullptr) {
  weir_bench::TwoThreads<Item> hand;
  std::atomic<std::uint64_t> count{0};
  std::atomic<std::uint64_t> total{0};
  hand.run([&](int self) {
    std::unordered_map<std::uint64_t, std::uint64_t> sums;
    Outcome out;
    auto apply = [&](const Item& x) {
      out.sum += (sums[x.first] += x.second);
      ++out.count;
    };
    const auto p = static_cast<std::uint64_t>(self);
    weir_bench::Items items(p, keys, 0);
    for (std::uint64_t i = 0; i < n;) {
      std::vector<Item>& away = hand.away(self);
      away.reserve(kBatch);
      const std::uint64_t end = std::min(n, i + kBatch);
      for (; i < end; ++i) {
        Item x = items.next();
        if (!weir_bench::map_and_filter(x)) {
          continue;
        }
        if ((weir::stable_hash(x.first) & 1U) == p) {
          apply(x);
        } else {
          away.push_back(x);
        }
      }
      hand.send(self);
      hand.drain(self, apply);
    }
    hand.finish(self, apply);
    count += out.count;
    total += out.sum;
  });
  if (handed != nullptr) {
    *handed = hand.crossed();
  }
  return {count.load(), total.load()};
}

}  // namespace

int main(int argc, char** argv) {
  const weir_bench::Args args = weir_bench::parse_args(
      argc, argv, {.items = 25'000'000, .repeats = 3, .options = {{"keys", 1000}}},
      "[ITEMS_PER_PARTITION] [REPEATS] [ONLY] [--keys K]");
  const std::uint64_t n = args.items;
  const std::uint64_t keys = args.keys();
  if (keys % 2 != 0) {
    return std::fprintf(stderr, "--keys must be even (2 partitions)\n"), 2;
  }
  if (!args.only.empty()) {
    const std::string& only = args.only;
    double s = 0;
    Outcome o;
    if (only == "baseline") {
      s = weir_bench::seconds([&] { o = weir_bench::run_loop(n, keys); });
    } else if (only == "baseline_2t") {
      s = weir_bench::seconds([&] { o = run_baseline_2t(n, keys); });
    } else if (only == "w1" || only == "w2") {
      s = weir_bench::seconds([&] { o = run_weir(n, keys, only == "w2" ? 2 : 1); });
    } else if (only == "w1_metrics") {
      s = weir_bench::seconds([&] { o = run_weir_metrics(n, keys); });
    } else {
      return std::fprintf(stderr,
                          "ONLY must be baseline, baseline_2t, w1, w1_metrics or w2, not '%s'\n",
                          only.c_str()),
             2;
    }
    std::printf("%s: %.3e items/s (%lu counted, running sums total %lu)\n", only.c_str(),
                2.0 * static_cast<double>(n) / s, o.count, o.sum);
    return 0;
  }
  const double total = 2.0 * static_cast<double>(n);
  std::vector<double> w1;
  std::vector<double> w1m;
  std::vector<double> w2;
  std::vector<double> pair;  // rate of two w1 runs side by side
  std::vector<double> base;
  std::vector<double> base2;
  // CPU seconds (all threads) of the one- and two-thread runs, by hand and in weir
  std::vector<double> cpu_base;
  std::vector<double> cpu_base2;
  std::vector<double> cpu_w1;
  std::vector<double> cpu_w2;
  std::uint64_t crossed = 0;  // items handed from one thread to the other (weir's w2 alike)
  Outcome expected;
  auto check = [&](const char* run, const Outcome& o) {
    weir_bench::check_outcome(run, o, expected);
  };
  for (int r = 0; r < args.repeats; ++r) {
    Outcome o;
    auto record = [](std::vector<double>& wall, std::vector<double>& cpu, weir_bench::Spent s) {
      wall.push_back(s.wall);
      cpu.push_back(s.cpu);
    };
    record(base, cpu_base, weir_bench::spent([&] { expected = weir_bench::run_loop(n, keys); }));
    record(base2, cpu_base2, weir_bench::spent([&] { o = run_baseline_2t(n, keys, &crossed); }));
    check("baseline_2t", o);
    record(w1, cpu_w1, weir_bench::spent([&] { o = run_weir(n, keys, 1); }));
    check("weir w1", o);
    w1m.push_back(weir_bench::seconds([&] { o = run_weir_metrics(n, keys); }));
    check("weir w1 with metrics", o);
    record(w2, cpu_w2, weir_bench::spent([&] { o = run_weir(n, keys, 2); }));
    check("weir w2", o);
    const auto [a, b] = weir_bench::side_by_side([&] { return run_weir(n, keys, 1); });
    check("weir w1 side by side", a.result);
    check("weir w1 side by side", b.result);
    pair.push_back(total / a.seconds + total / b.seconds);
  }
  const double rb = total / weir_bench::median(base);
  const double rb2 = total / weir_bench::median(base2);
  const double r1 = total / weir_bench::median(w1);
  const double r2 = total / weir_bench::median(w2);
  const double r1m = total / weir_bench::median(w1m);
  const double rp = weir_bench::median(pair);
  std::printf("pipeline: 2 partitions x %lu items, %lu keys, median of %d runs\n", n, keys,
              args.repeats);
  std::printf("%-16s %14s %10s\n", "run", "items/s", "ratio");
  std::printf("%-16s %14.3e %10s\n", "baseline", rb, "1.00");
  std::printf("%-16s %14.3e %10.2f  (two threads by hand)\n", "baseline_2t", rb2, rb2 / rb);
  std::printf("%-16s %14.3e %10.2f  (goal >= 0.50 x baseline)\n", "weir_w1", r1, r1 / rb);
  std::printf("%-16s %14.3e %10.2f  (metrics served: %.3f x weir_w1; goal >= 0.98)\n",
              "weir_w1_metrics", r1m, r1m / rb, r1m / r1);
  std::printf("%-16s %14.3e %10.2f  (two w1 processes at once: %.2f x weir_w1)\n", "weir_w1_x2", rp,
              rp / rb, rp / r1);
  std::printf(
      "%-16s %14.3e %10.2f  (goal >= 1.70 x weir_w1: %.2f; %.2f x baseline_2t; %.2f x "
      "weir_w1_x2)\n",
      "weir_w2", r2, r2 / rb, r2 / r1, r2 / rb2, r2 / rp);
  const weir_bench::CrossingCost crossing(crossed, cpu_base, cpu_base2, cpu_w1, cpu_w2);
  crossing.print("item");
  std::map<std::string, double> results{{"baseline", rb},
                                        {"baseline_2t", rb2},
                                        {"weir_w1", r1},
                                        {"weir_w1_metrics", r1m},
                                        {"weir_w2", r2},
                                        {"w2_over_w1", r2 / r1},
                                        {"weir_w1_x2", rp},
                                        {"w1_x2_over_w1", rp / r1},
                                        {"w2_over_w1_x2", r2 / rp},
                                        {"keys", static_cast<double>(keys)},
                                        {"items", total}};
  crossing.add_to(results);
  weir_bench::write_results(weir_bench::results_name("pipeline", keys, 1000), results);
  return 0;
}
