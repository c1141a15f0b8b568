// window: in-memory source (2 partitions x N events over K keys: each partition owns K/2,
// event time advancing 1 ms per event in each partition) -> tumbling windows (1 s) on
// event time (per-key watermark, no wait) -> sum per key and window -> a counting sink;
// weir on 1 and 2 workers against a hand-written loop doing the same work, on one thread
// and on two (baseline_2t, handing events over as two workers must); and weir_keyed,
// the same events summed per key with no windows (what the runtime alone costs); and two w1
// runs side by side in two processes (what this machine gives two workers that share nothing).
//
//   bench_window [EVENTS_PER_PARTITION] [REPEATS] [ONLY] [--keys K] [--window-ms MS]
//                                           (defaults: 10000000 3, 1000 keys, 1000 ms windows)
//
// Every run must give the loop's window count and total; weir_keyed the loop's total.
//
// ONLY = baseline, baseline_2t, keyed, w1 or w2 runs just that one (for profiling) and writes no
// results.

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <unordered_map>

#include <weir/weir.hpp>

#include "bench_support.hpp"
#include "two_threads.hpp"
#include "window/events.hpp"

namespace {

using namespace std::chrono_literals;
using window_bench::Event;
using window_bench::Events;
using window_bench::Generated;
using window_bench::Item;
using Result = std::pair<std::uint64_t, std::pair<weir::window::WindowId, std::uint64_t>>;
const weir::Instant kStart = weir::Instant{} + std::chrono::hours(24 * 365 * 50);

struct Tally {
  std::atomic<std::uint64_t> windows{0};
  std::atomic<std::uint64_t> sum{0};
};

class CountingSink final : public weir::DynamicSink<Result> {
 public:
  explicit CountingSink(Tally& t) : t_(&t) {}
  std::unique_ptr<weir::StatelessSinkPartition<Result>> build(const std::string&, std::size_t,
                                                              std::size_t) const override {
    return std::make_unique<Part>(*t_);
  }

 private:
  struct Part final : weir::StatelessSinkPartition<Result> {
    explicit Part(Tally& t) : t(t) {}
    void write_batch(std::vector<Result>&& items) override {
      std::uint64_t s = 0;
      for (const auto& r : items) {
        s += r.second.second;
      }
      t.windows.fetch_add(items.size(), std::memory_order_relaxed);
      t.sum.fetch_add(s, std::memory_order_relaxed);
    }
    Tally& t;
  };
  Tally* t_;
};

struct Outcome {
  std::uint64_t windows = 0;
  std::uint64_t sum = 0;
  bool operator==(const Outcome&) const = default;
};

Outcome run_weir(std::uint64_t n, std::uint64_t per_partition, std::uint64_t window_ms,
                 std::size_t workers) {
  Tally tally;
  std::atomic<std::uint64_t> late{0};
  weir::Dataflow flow("window");
  auto events = weir::op::input("gen", flow, Generated(n, per_partition));
  auto clock = weir::window::EventClock(
      [](const Event& e) { return kStart + std::chrono::milliseconds(e.ms); }, 0s);
  auto sums = weir::window::fold_window(
      "sum", events, clock,
      weir::window::TumblingWindower(std::chrono::milliseconds(window_ms), kStart),
      [] { return std::uint64_t{0}; },
      [](std::uint64_t acc, const Event& e) { return acc + e.value; },
      [](std::uint64_t a, std::uint64_t b) { return a + b; }, weir::window::WindowOrder::arrival);
  weir::op::output("count", sums.down, CountingSink(tally));
  weir::op::inspect("late", sums.late, [&](const std::string&, const auto&) { ++late; });
  weir::run(flow, {.workers = workers});
  if (late.load() != 0) {
    std::fprintf(stderr, "weir: %lu late events\n", late.load());
  }
  return {tally.windows.load(), tally.sum.load()};
}

// The same events through a stateful step with no windows: a running sum per key, taking
// values one by one, each key's sum sent at the end. What the runtime alone costs per event
// (source, routing, key look-up, a logic call), so a run shows how much of weir_w1 is the
// windowing.
struct KeySum {
  using output_type = std::pair<weir::window::WindowId, std::uint64_t>;
  using E = weir::Emit<std::uint64_t, output_type>;
  std::uint64_t sum = 0;
  void on_value(Event&& e, E& /*emit*/) { sum += e.value; }
  weir::StateAction on_batch_end(E& /*emit*/) { return weir::StateAction::retain; }
  weir::StateAction on_eof(E& emit) {
    emit({0, sum});
    return weir::StateAction::discard;
  }
  std::uint64_t snapshot() const { return sum; }
};

Outcome run_keyed(std::uint64_t n, std::uint64_t per_partition) {
  Tally tally;
  weir::Dataflow flow("keyed");
  auto events = weir::op::input("gen", flow, Generated(n, per_partition));
  auto sums = weir::op::stateful_batch(
      "sum", events, [](std::optional<std::uint64_t> s) { return KeySum{s.value_or(0)}; });
  weir::op::output("count", sums, CountingSink(tally));
  weir::run(flow, {.workers = 1});
  return {tally.windows.load(), tally.sum.load()};
}

// The loop's work per key: the open window, its sum and the key's watermark; a window is
// counted when an event of a later one arrives, and the open ones at the end.
class WindowSums {
 public:
  explicit WindowSums(std::uint64_t window_ms) : window_ms_(window_ms) {}
  void apply(const Item& it) {
    Open& k = keys_[it.first];
    if (it.second.ms < k.watermark) {
      ++late_;
      return;
    }
    k.watermark = it.second.ms;
    const auto w = static_cast<std::int64_t>(it.second.ms / window_ms_);
    if (w != k.window) {
      if (k.window >= 0) {
        ++out_.windows;
        out_.sum += k.sum;
      }
      k.window = w;
      k.sum = 0;
    }
    k.sum += it.second.value;
  }
  /// Closes the open windows; what was counted, naming `run` if any event came late.
  Outcome close(const char* run) {
    for (auto& [key, k] : keys_) {
      if (k.window >= 0) {
        ++out_.windows;
        out_.sum += k.sum;
      }
    }
    keys_.clear();
    if (late_ != 0) {
      std::fprintf(stderr, "%s: %lu late events\n", run, late_);
    }
    return out_;
  }

 private:
  struct Open {
    std::int64_t window = -1;
    std::uint64_t sum = 0;
    std::uint64_t watermark = 0;
  };
  std::uint64_t window_ms_;
  std::unordered_map<std::uint64_t, Open> keys_;
  Outcome out_;
  std::uint64_t late_ = 0;
};

Outcome run_baseline(std::uint64_t n, std::uint64_t per_partition, std::uint64_t window_ms) {
  WindowSums sums(window_ms);
  for (std::uint64_t p = 0; p < 2; ++p) {
    Events events(p, per_partition, 0);
    for (std::uint64_t i = 0; i < n; ++i) {
      sums.apply(events.next());
    }
  }
  return sums.close("baseline");
}

// The same on two threads by hand: each thread runs one partition, applies the events of
// the keys it owns (stable_hash(key) % 2, as weir's exchange places them) and hands the
// others over once per batch of kBatch events (TwoThreads). `handed`, if given, is set to
// how many events crossed from one thread to the other.
Outcome run_baseline_2t(std::uint64_t n, std::uint64_t per_partition, std::uint64_t window_ms,
                        std::uint64_t* handed = nullptr) {
  weir_bench::TwoThreads<Item> hand;
  std::atomic<std::uint64_t> windows{0};
  std::atomic<std::uint64_t> sum{0};
  hand.run([&](int self) {
    WindowSums sums(window_ms);
    auto apply = [&](const Item& it) { sums.apply(it); };
    const auto p = static_cast<std::uint64_t>(self);
    Events events(p, per_partition, 0);
    for (std::uint64_t i = 0; i < n;) {
      std::vector<Item>& away = hand.away(self);
      away.reserve(window_bench::kBatch);
      const std::uint64_t end = std::min<std::uint64_t>(n, i + window_bench::kBatch);
      for (; i < end; ++i) {
        const Item it = events.next();
        if ((weir::stable_hash(it.first) & 1U) == p) {
          sums.apply(it);
        } else {
          away.push_back(it);
        }
      }
      hand.send(self);
      hand.drain(self, apply);
    }
    hand.finish(self, apply);
    const Outcome o = sums.close("baseline_2t");
    windows += o.windows;
    sum += o.sum;
  });
  if (handed != nullptr) {
    *handed = hand.crossed();
  }
  return {windows.load(), sum.load()};
}

}  // namespace

int main(int argc, char** argv) {
  const weir_bench::Args args = weir_bench::parse_args(
      argc, argv,
      {.items = 10'000'000, .repeats = 3, .options = {{"keys", 1000}, {"window-ms", 1000}}},
      "[EVENTS_PER_PARTITION] [REPEATS] [ONLY] [--keys K] [--window-ms MS]");
  const std::uint64_t window_ms = args.option("window-ms");
  const std::uint64_t n = args.items;
  const int repeats = args.repeats;
  if (args.keys() % 2 != 0) {
    return std::fprintf(stderr, "--keys must be even (2 partitions)\n"), 2;
  }
  const std::uint64_t per = args.keys() / 2;
  const double total = 2.0 * static_cast<double>(n);
  if (!args.only.empty()) {
    const std::string& only = args.only;
    Outcome o;
    double s = 0;
    if (only == "baseline") {
      s = weir_bench::seconds([&] { o = run_baseline(n, per, window_ms); });
    } else if (only == "baseline_2t") {
      s = weir_bench::seconds([&] { o = run_baseline_2t(n, per, window_ms); });
    } else if (only == "keyed") {
      s = weir_bench::seconds([&] { o = run_keyed(n, per); });
    } else if (only == "w1" || only == "w2") {
      s = weir_bench::seconds([&] { o = run_weir(n, per, window_ms, only == "w2" ? 2 : 1); });
    } else {
      return std::fprintf(stderr, "ONLY must be baseline, baseline_2t, keyed, w1 or w2, not '%s'\n",
                          only.c_str()),
             2;
    }
    std::printf("%s: %.3e events/s (%lu windows totalling %lu)\n", only.c_str(), total / s,
                o.windows, o.sum);
    return 0;
  }
  std::vector<double> base;
  std::vector<double> base2;
  std::vector<double> w1;
  std::vector<double> w2;
  std::vector<double> keyed;
  std::vector<double> pair;  // rate of two w1 runs side by side
  // CPU seconds (all threads) of the one- and two-thread runs, by hand and in weir
  std::vector<double> cpu_base;
  std::vector<double> cpu_base2;
  std::vector<double> cpu_w1;
  std::vector<double> cpu_w2;
  std::uint64_t crossed = 0;  // events handed from one thread to the other (weir's w2 alike)
  auto record = [](std::vector<double>& wall, std::vector<double>& cpu, weir_bench::Spent s) {
    wall.push_back(s.wall);
    cpu.push_back(s.cpu);
  };
  Outcome expected;
  for (int r = 0; r < repeats; ++r) {
    Outcome o;
    record(base, cpu_base, weir_bench::spent([&] { expected = run_baseline(n, per, window_ms); }));
    record(base2, cpu_base2,
           weir_bench::spent([&] { o = run_baseline_2t(n, per, window_ms, &crossed); }));
    if (!(o == expected)) {
      return std::fprintf(stderr, "baseline_2t: %lu windows summing to %lu, expected %lu and %lu\n",
                          o.windows, o.sum, expected.windows, expected.sum),
             1;
    }
    record(w1, cpu_w1, weir_bench::spent([&] { o = run_weir(n, per, window_ms, 1); }));
    if (!(o == expected)) {
      return std::fprintf(stderr, "weir w1: %lu windows summing to %lu, expected %lu and %lu\n",
                          o.windows, o.sum, expected.windows, expected.sum),
             1;
    }
    keyed.push_back(weir_bench::seconds([&] { o = run_keyed(n, per); }));
    if (o.sum != expected.sum) {
      return std::fprintf(stderr, "weir keyed: sums to %lu, expected %lu\n", o.sum, expected.sum),
             1;
    }
    record(w2, cpu_w2, weir_bench::spent([&] { o = run_weir(n, per, window_ms, 2); }));
    if (!(o == expected)) {
      return std::fprintf(stderr, "weir w2: %lu windows summing to %lu, expected %lu and %lu\n",
                          o.windows, o.sum, expected.windows, expected.sum),
             1;
    }
    const auto [a, b] = weir_bench::side_by_side([&] { return run_weir(n, per, window_ms, 1); });
    if (!(a.result == expected) || !(b.result == expected)) {
      return std::fprintf(stderr, "weir w1 side by side: not the baseline's windows\n"), 1;
    }
    pair.push_back(total / a.seconds + total / b.seconds);
  }
  const double rb = total / weir_bench::median(base);
  const double rb2 = total / weir_bench::median(base2);
  const double r1 = total / weir_bench::median(w1);
  const double r2 = total / weir_bench::median(w2);
  const double rk = total / weir_bench::median(keyed);
  const double rp = weir_bench::median(pair);
  std::printf("window: 2 partitions x %lu events, %lu keys, %lu ms tumbling, median of %d runs\n",
              n, args.keys(), window_ms, repeats);
  std::printf("%-10s %14s %10s\n", "run", "events/s", "ratio");
  std::printf("%-10s %14.3e %10s\n", "baseline", rb, "1.00");
  std::printf("%-10s %14.3e %10.2f  (two threads by hand)\n", "baseline_2t", rb2, rb2 / rb);
  std::printf("%-10s %14.3e %10.2f  (goal >= 0.40 x baseline)\n", "weir_w1", r1, r1 / rb);
  std::printf("%-10s %14.3e %10.2f  (two w1 processes at once: %.2f x weir_w1)\n", "weir_w1_x2", rp,
              rp / rb, rp / r1);
  std::printf("%-10s %14.3e %10.2f  (goal >= 1.70 x weir_w1: %.2f; %.2f x weir_w1_x2)\n", "weir_w2",
              r2, r2 / rb, r2 / r1, r2 / rp);
  std::printf("%-10s %14.3e %10.2f  (no windows: a sum per key on 1 worker)\n", "weir_keyed", rk,
              rk / rb);
  const weir_bench::CrossingCost crossing(crossed, cpu_base, cpu_base2, cpu_w1, cpu_w2);
  crossing.print("event");
  std::map<std::string, double> results{{"baseline", rb},
                                        {"baseline_2t", rb2},
                                        {"weir_w1", r1},
                                        {"weir_w2", r2},
                                        {"w2_over_w1", r2 / r1},
                                        {"weir_w1_x2", rp},
                                        {"w1_x2_over_w1", rp / r1},
                                        {"w2_over_w1_x2", r2 / rp},
                                        {"weir_keyed", rk},
                                        {"keys", static_cast<double>(args.keys())},
                                        {"events", total}};
  crossing.add_to(results);
  weir_bench::write_results(weir_bench::results_name("window", args.keys(), 1000), results);
  return 0;
}
