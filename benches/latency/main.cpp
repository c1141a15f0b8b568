// latency: how long an item takes from its source to its sink. A source of 2 partitions
// emits items at a fixed total rate, each stamped with the instant it was due (so a run that
// falls behind shows the wait, not only the processing); map -> key_on (1,000 keys) ->
// running sum per key (stateful_batch) -> a sink that records, per batch, now minus each
// item's stamp. Each case first measures the flow's maximum throughput (the same source
// unpaced), then runs it paced at 10 %, 50 % and 90 % of that for SECONDS seconds and reports
// p50, p99, p99.9 and the max; on 1 and 2 workers, recovery off and on (a store snapshotting
// every second, -s 1). Items due in the first WARMUP_MS (250 ms) are left out (threads
// starting, first allocations). Every run must deliver every item exactly once (count and
// total of the values checked).
//
//   bench_latency [SECONDS] [REPEATS] [ONLY] [--keys K]      (defaults: 5 1, 1000 keys)
//
// ONLY = w1_off, w1_on, w2_off or w2_on runs that case alone (its maximum and three loads)
// and writes no results. Goal at 50 %: p99.9 < 1 ms, max < 5 ms.
//
// loopN is the same work by hand paced at weir's rates (several times weir's headroom);
// loopN_own paces it at 50 % and 90 % of its own maximum, the same headroom as weir's loads.

#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <weir/weir.hpp>

#include "bench_support.hpp"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::system_clock;  // weir::Instant's clock: next_awake speaks it

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

struct Item {
  std::uint64_t key;
  std::uint64_t value;
  std::int64_t due_ns;  // when the source was due to emit it
  template <class Ar>
  void serialize(Ar& ar, unsigned /*version*/) {
    ar& key& value& due_ns;
  }
};
using Sum = std::pair<std::uint64_t, std::int64_t>;  // (running sum, due_ns)
constexpr std::size_t kMaxBatch = 1024;
constexpr std::int64_t kWarmupNs = 250'000'000;

/// Partition p emits n items; item i is due at start + i / rate. Batches hold every item due
/// so far, at most kMaxBatch. Rate 0 (the maximum's run): every item is due at once, through
/// the same code, so the maximum is measured with the per-item cost of the paced runs.
class Paced final : public weir::FixedPartitionedSource<Item, std::uint64_t> {
 public:
  Paced(std::uint64_t n, double items_per_s, std::uint64_t keys)
      : n_(n), rate_(items_per_s), keys_(keys) {}
  [[nodiscard]] std::vector<std::string> list_parts() const override { return {"p0", "p1"}; }
  std::unique_ptr<partition_type> build_part(const std::string&, const std::string& part,
                                             std::optional<std::uint64_t> at) const override {
    return std::make_unique<Part>(part == "p0" ? 0 : 1, n_, rate_, keys_, at.value_or(0));
  }

 private:
  struct Part final : weir::StatefulSourcePartition<Item, std::uint64_t> {
    Part(std::uint64_t p, std::uint64_t n, double rate, std::uint64_t keys, std::uint64_t at)
        : n(n),
          ns_per_item(rate > 0 ? 1e9 / rate : 1e-6),
          keys(at, keys / 2),
          first_key(p * (keys / 2)),
          at(at) {}
    [[nodiscard]] std::int64_t due(std::uint64_t i) const {
      return start + static_cast<std::int64_t>(static_cast<double>(i) * ns_per_item);
    }
    weir::NextBatch<Item> next_batch() override {
      if (at >= n) {
        return weir::end_of_partition;
      }
      const std::int64_t now = now_ns();
      if (start == 0) {
        start = now;
      }
      const auto due_by =
          static_cast<std::uint64_t>(static_cast<double>(now - start) / ns_per_item) + 1;
      const std::uint64_t end = std::min({n, at + kMaxBatch, std::max(due_by, at)});
      std::vector<Item> out;
      out.reserve(end - at);
      for (; at < end; ++at) {
        out.push_back({first_key + keys.next(), at, due(at)});
      }
      return out;
    }
    [[nodiscard]] std::optional<weir::Instant> next_awake() override {
      if (at >= n || start == 0) {
        return std::nullopt;
      }
      return weir::Instant(
          std::chrono::duration_cast<weir::Duration>(std::chrono::nanoseconds(due(at))));
    }
    std::uint64_t snapshot() override { return at; }
    std::uint64_t n;
    double ns_per_item;
    weir_bench::Cycle keys;
    std::uint64_t first_key;
    std::uint64_t at;
    std::int64_t start = 0;
  };
  std::uint64_t n_;
  double rate_;
  std::uint64_t keys_;
};

struct RunningSum {
  using output_type = Sum;
  std::uint64_t sum = 0;
  weir::StateAction on_batch(weir::Values<std::uint64_t, Item> vs,
                             weir::Emit<std::uint64_t, Sum>& emit) {
    for (const auto& v : vs) {
      emit(Sum{sum += v.value, v.due_ns});
    }
    return weir::StateAction::retain;
  }
  std::uint64_t snapshot() const { return sum; }
};

/// Counts of values in buckets 1/32 of a power of two wide (values below 32 exactly): a
/// quantile read from it is at most ~3 % above the true one. The max is kept exactly.
/// Recording is an index computation and an increment: no allocation, so the bench's own
/// bookkeeping adds no stall to what it measures.
class Histogram {
 public:
  void add(std::uint64_t v) {
    ++counts_[index(v)];
    ++total_;
    max_ = std::max(max_, v);
  }
  void merge(const Histogram& o) {
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      counts_[i] += o.counts_[i];
    }
    total_ += o.total_;
    max_ = std::max(max_, o.max_);
  }
  [[nodiscard]] std::uint64_t count() const { return total_; }
  [[nodiscard]] std::uint64_t max() const { return max_; }
  /// The upper bound of the bucket holding the q-quantile (0 when empty).
  [[nodiscard]] std::uint64_t quantile(double q) const {
    const auto rank = static_cast<std::uint64_t>(q * static_cast<double>(total_));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen > rank) {
        return std::min(upper(i), max_);
      }
    }
    return max_;
  }

 private:
  static constexpr int kBits = 5;  // 32 buckets per power of two
  static std::size_t index(std::uint64_t v) {
    if (v < 32) {
      return v;
    }
    const int e = 63 - __builtin_clzll(v);  // >= kBits
    return static_cast<std::size_t>(e - kBits + 1) * 32 + ((v >> (e - kBits)) - 32);
  }
  static std::uint64_t upper(std::size_t i) {
    if (i < 32) {
      return i;
    }
    const std::size_t e = i / 32 + kBits - 1;
    const std::uint64_t m = i % 32 + 32;
    return ((m + 1) << (e - kBits)) - 1;
  }
  std::array<std::uint64_t, std::size_t{64} * 32> counts_{};
  std::uint64_t total_ = 0;
  std::uint64_t max_ = 0;
};

/// What the sink partitions saw: every latency (ns) of an item due after the warm-up, the
/// item count and the total of the running sums.
struct Seen {
  std::mutex mutex;
  Histogram latencies_ns;
  std::uint64_t count = 0;
  std::uint64_t total = 0;
  std::int64_t warmup_end = 0;  // set before the run: items due earlier are left out
};

/// The count and total of running sums a run of `per_partition` items a partition must give.
std::pair<std::uint64_t, std::uint64_t> expected(std::uint64_t per_partition, std::uint64_t keys) {
  std::vector<std::uint64_t> sums(keys);
  std::uint64_t total = 0;
  for (std::uint64_t p = 0; p < 2; ++p) {
    weir_bench::Cycle cycle(0, keys / 2);
    for (std::uint64_t i = 0; i < per_partition; ++i) {
      total += (sums[p * (keys / 2) + cycle.next()] += i + 1);
    }
  }
  return {2 * per_partition, total};
}

class LatencySink final : public weir::DynamicSink<std::pair<std::uint64_t, Sum>> {
 public:
  explicit LatencySink(Seen& seen) : seen_(&seen) {}
  std::unique_ptr<partition_type> build(const std::string&, std::size_t,
                                        std::size_t) const override {
    return std::make_unique<Part>(*seen_);
  }

 private:
  struct Part final : partition_type {
    explicit Part(Seen& s) : seen(s), warmup_end(s.warmup_end) {}
    void write_batch(std::vector<std::pair<std::uint64_t, Sum>>&& items) override {
      const std::int64_t now = now_ns();
      for (const auto& [key, s] : items) {
        total += s.first;
        if (s.second < warmup_end) {
          continue;
        }
        mine.add(static_cast<std::uint64_t>(std::max<std::int64_t>(now - s.second, 0)));
      }
      count += items.size();
    }
    void close() override {
      std::lock_guard lock(seen.mutex);
      seen.latencies_ns.merge(mine);
      seen.count += count;
      seen.total += total;
    }
    Seen& seen;
    std::int64_t warmup_end;
    Histogram mine;
    std::uint64_t count = 0;
    std::uint64_t total = 0;
  };
  Seen* seen_;
};

struct Case {
  std::size_t workers;
  bool recovery;
  [[nodiscard]] std::string name() const {
    return "w" + std::to_string(workers) + (recovery ? "_on" : "_off");
  }
};

struct Percentiles {
  double p50_us = 0, p99_us = 0, p999_us = 0, max_us = 0;
  std::uint64_t count = 0;
};

/// Exits 1 unless `seen` holds what a run of `per_partition` items a partition must give.
void check_seen(const std::string& run, const Seen& seen, std::uint64_t per_partition,
                std::uint64_t keys) {
  if (const auto [count, total] = expected(per_partition, keys);
      seen.count != count || seen.total != total) {
    std::fprintf(stderr,
                 "%s: the sink saw %lu items, running sums totalling %lu; expected %lu and %lu\n",
                 run.c_str(), seen.count, seen.total, count, total);
    std::exit(1);
  }
}

Percentiles percentiles(const Histogram& h) {
  return {static_cast<double>(h.quantile(0.50)) / 1e3, static_cast<double>(h.quantile(0.99)) / 1e3,
          static_cast<double>(h.quantile(0.999)) / 1e3, static_cast<double>(h.max()) / 1e3,
          h.count()};
}

/// One run of `c` at `rate` items/s (0: unpaced) with `per_partition` items in each
/// partition; returns its latencies and its duration in seconds.
std::pair<Percentiles, double> run_case(const Case& c, double rate, std::uint64_t per_partition,
                                        std::uint64_t keys) {
  const fs::path dir =
      fs::temp_directory_path() / ("weir_bench_latency_" + std::to_string(::getpid()));
  if (c.recovery) {
    fs::remove_all(dir);
    fs::create_directories(dir);
    weir::recovery::init_store(dir, 2);
  }
  Seen seen;
  seen.warmup_end = now_ns() + kWarmupNs;
  weir::Dataflow flow("latency");
  auto items = weir::op::input("gen", flow, Paced(per_partition, rate / 2, keys));
  auto bumped = weir::op::map("bump", items, [](Item x) {
    x.value += 1;
    return x;
  });
  auto keyed = weir::op::key_on("key", bumped, [](const Item& x) { return x.key; });
  auto sums = weir::op::stateful_batch(
      "sum", keyed, [](std::optional<std::uint64_t> s) { return RunningSum{s.value_or(0)}; });
  weir::op::output("record", sums, LatencySink(seen));
  weir::RunConfig config{.workers = c.workers, .epoch_interval = std::chrono::seconds(1)};
  if (c.recovery) {
    config.recovery_directory = dir;
  }
  const double s = weir_bench::seconds([&] { weir::run(flow, config); });
  if (c.recovery) {
    fs::remove_all(dir);
  }
  check_seen(c.name(), seen, per_partition, keys);
  return {percentiles(seen.latencies_ns), s};
}

}  // namespace

/// The same work by hand on `threads` threads (1 or 2), paced like the source (rate 0:
/// unpaced, for the loop's own maximum): thread t
/// emits partition t (with 1 thread, both in turn), adds 1 to each value, keeps the running
/// sum of each key it owns (stable_hash(key) % threads) in a std::unordered_map and hands
/// the other thread's items over in one locked batch per chunk; an item's latency is taken
/// when its chunk is summed, as weir's sink takes it per batch. What this machine's threads
/// give without weir: the floor under weir's figures.
Percentiles run_loop(std::size_t threads, double rate, std::uint64_t per_partition,
                     std::uint64_t keys) {
  struct Box {
    std::mutex mutex;
    std::vector<std::vector<Item>> batches;
  };
  Box boxes[2];
  std::atomic<std::size_t> done{0};
  Seen seen;
  seen.warmup_end = now_ns() + kWarmupNs;
  const double ns_per_item = rate > 0 ? 1e9 / (rate / 2) : 1e-6;  // 0: every item due at once
  const std::int64_t start = now_ns();
  auto thread = [&](std::size_t self) {
    std::unordered_map<std::uint64_t, std::uint64_t> sums;
    Histogram h;
    std::uint64_t count = 0;
    std::uint64_t total = 0;
    auto apply = [&](const std::vector<Item>& items) {
      for (const Item& x : items) {
        total += (sums[x.key] += x.value);
      }
      const std::int64_t now = now_ns();
      for (const Item& x : items) {
        if (x.due_ns >= seen.warmup_end) {
          h.add(static_cast<std::uint64_t>(now - x.due_ns));
        }
      }
      count += items.size();
    };
    struct Emitter {
      std::uint64_t p, at = 0;
      weir_bench::Cycle keys;
    };
    std::vector<Emitter> mine;
    for (std::uint64_t p = 0; p < 2; ++p) {
      if (p % threads == self) {
        mine.push_back({p, 0, weir_bench::Cycle(0, keys / 2)});
      }
    }
    std::vector<Item> own;
    std::vector<Item> away;
    std::vector<std::vector<Item>> got;
    bool told = false;
    while (true) {
      bool left = false;
      for (Emitter& e : mine) {
        const std::int64_t now = now_ns();
        const auto due_by =
            static_cast<std::uint64_t>(static_cast<double>(now - start) / ns_per_item) + 1;
        const std::uint64_t end =
            std::min({per_partition, e.at + kMaxBatch, std::max(due_by, e.at)});
        own.clear();
        away.clear();
        for (; e.at < end; ++e.at) {
          Item x{e.p * (keys / 2) + e.keys.next(), e.at,
                 start + static_cast<std::int64_t>(static_cast<double>(e.at) * ns_per_item)};
          x.value += 1;
          ((weir::stable_hash(x.key) % threads) == self ? own : away).push_back(x);
        }
        if (!away.empty()) {
          std::lock_guard lock(boxes[1 - self].mutex);
          boxes[1 - self].batches.push_back(away);
        }
        apply(own);
        left = left || e.at < per_partition;
      }
      {
        std::lock_guard lock(boxes[self].mutex);
        got.swap(boxes[self].batches);
      }
      for (const auto& b : got) {
        apply(b);
      }
      got.clear();
      if (!left && !told) {
        told = true;
        ++done;
      }
      if (told && done.load() == threads) {
        std::lock_guard lock(boxes[self].mutex);
        if (boxes[self].batches.empty()) {
          break;
        }
      }
    }
    std::lock_guard lock(seen.mutex);
    seen.latencies_ns.merge(h);
    seen.count += count;
    seen.total += total;
  };
  std::vector<std::thread> ts;
  for (std::size_t t = 0; t < threads; ++t) {
    ts.emplace_back(thread, t);
  }
  for (auto& t : ts) {
    t.join();
  }
  check_seen("loop", seen, per_partition, keys);
  return percentiles(seen.latencies_ns);
}

/// Each percentile's median over `runs`.
Percentiles median_of(const std::vector<Percentiles>& runs) {
  auto med = [&](double Percentiles::*f) {
    std::vector<double> v;
    v.reserve(runs.size());
    for (const auto& p : runs) {
      v.push_back(p.*f);
    }
    return weir_bench::median(v);
  };
  return {med(&Percentiles::p50_us), med(&Percentiles::p99_us), med(&Percentiles::p999_us),
          med(&Percentiles::max_us), 0};
}

/// Prints one row and files it under NAME_LOAD_* in `results`.
void report(const std::string& name, int load, double rate, const Percentiles& m,
            std::map<std::string, double>& results) {
  std::printf("%-8s %5d%% %12.3e %10.1f %10.1f %10.1f %10.1f%s\n", name.c_str(), load, rate,
              m.p50_us, m.p99_us, m.p999_us, m.max_us,
              load == 50 && name[0] == 'w' ? "  (goal: p99.9 < 1000, max < 5000)" : "");
  const std::string key = name + "_" + std::to_string(load);
  results[key + "_items_per_s"] = rate;
  results[key + "_p50_us"] = m.p50_us;
  results[key + "_p99_us"] = m.p99_us;
  results[key + "_p999_us"] = m.p999_us;
  results[key + "_max_us"] = m.max_us;
}

/// The loop at 50 % and 90 % of its own maximum (`loopN_own`): paced at weir's rates it has
/// several times weir's headroom, and a run that stalls for a moment (this VM deschedules a
/// busy vCPU for milliseconds) catches up in stall / headroom, so its tail at weir's rates
/// says little about the machine's tail at weir's load. At its own loads it has the same
/// headroom as weir at the same load.
void report_loop_at_own_loads(std::size_t threads, double seconds, int repeats, std::uint64_t keys,
                              std::map<std::string, double>& results) {
  const std::uint64_t probe = 20'000'000;
  const double guess = static_cast<double>(probe) /
                       weir_bench::seconds([&] { run_loop(threads, 0, probe / 2, keys); });
  std::vector<double> maxima;
  maxima.reserve(static_cast<std::size_t>(repeats));
  for (int r = 0; r < repeats; ++r) {
    const auto n = static_cast<std::uint64_t>(guess * seconds / 2) * 2;
    const double s = weir_bench::seconds([&] { run_loop(threads, 0, n / 2, keys); });
    maxima.push_back(static_cast<double>(n) / s);
  }
  const double max_rate = weir_bench::median(maxima);
  const std::string name = "loop" + std::to_string(threads) + "_own";
  std::printf("%-8s %6s %12.3e\n", name.c_str(), "max", max_rate);
  results[name + "_max_items_per_s"] = max_rate;
  for (const int load : {50, 90}) {
    const double rate = max_rate * load / 100.0;
    const auto per_partition = static_cast<std::uint64_t>(rate * seconds / 2);
    std::vector<Percentiles> runs;
    runs.reserve(static_cast<std::size_t>(repeats));
    for (int r = 0; r < repeats; ++r) {
      runs.push_back(run_loop(threads, rate, per_partition, keys));
    }
    report(name, load, rate, median_of(runs), results);
  }
}

int main(int argc, char** argv) {
  const weir_bench::Args args =
      weir_bench::parse_args(argc, argv, {.items = 5, .repeats = 1, .options = {{"keys", 1000}}},
                             "[SECONDS] [REPEATS] [ONLY] [--keys K]");
  const double seconds = static_cast<double>(args.items);
  std::vector<Case> cases{{1, false}, {1, true}, {2, false}, {2, true}};
  if (!args.only.empty()) {
    std::erase_if(cases, [&](const Case& c) { return c.name() != args.only; });
    if (cases.empty()) {
      return std::fprintf(stderr, "ONLY must be w1_off, w1_on, w2_off or w2_on, not '%s'\n",
                          args.only.c_str()),
             2;
    }
  }
  std::map<std::string, double> results;
  std::printf(
      "latency: 2 partitions, %lu keys, map -> key_on -> running sum -> sink, %.0f s a "
      "run, median of %d\n",
      args.keys(), seconds, args.repeats);
  std::printf("%-8s %6s %12s %10s %10s %10s %10s\n", "case", "load", "items/s", "p50 us", "p99 us",
              "p99.9 us", "max us");
  for (const Case& c : cases) {
    // the maximum: the same flow unpaced for SECONDS, sized by a first short run
    const std::uint64_t probe = 4'000'000;
    const double guess = static_cast<double>(probe) / run_case(c, 0, probe / 2, args.keys()).second;
    std::vector<double> maxima;
    for (int r = 0; r < args.repeats; ++r) {
      const auto n = static_cast<std::uint64_t>(guess * seconds / 2) * 2;
      const double s = run_case(c, 0, n / 2, args.keys()).second;
      maxima.push_back(static_cast<double>(n) / s);
    }
    const double max_rate = weir_bench::median(maxima);
    std::printf("%-8s %6s %12.3e\n", c.name().c_str(), "max", max_rate);
    results[c.name() + "_max_items_per_s"] = max_rate;
    for (const int load : {10, 50, 90}) {
      const double rate = max_rate * load / 100.0;
      const auto per_partition = static_cast<std::uint64_t>(rate * seconds / 2);
      std::vector<Percentiles> runs;
      runs.reserve(static_cast<std::size_t>(args.repeats));
      for (int r = 0; r < args.repeats; ++r) {
        runs.push_back(run_case(c, rate, per_partition, args.keys()).first);
      }
      const Percentiles m = median_of(runs);
      report(c.name(), load, rate, m, results);
      if (!c.recovery) {  // the loop has no recovery: once per worker count
        std::vector<Percentiles> loops;
        loops.reserve(static_cast<std::size_t>(args.repeats));
        for (int r = 0; r < args.repeats; ++r) {
          loops.push_back(run_loop(c.workers, rate, per_partition, args.keys()));
        }
        report("loop" + std::to_string(c.workers), load, rate, median_of(loops), results);
      }
    }
    if (!c.recovery) {
      report_loop_at_own_loads(c.workers, seconds, args.repeats, args.keys(), results);
    }
  }
  if (args.only.empty()) {
    weir_bench::write_results("latency", results);
  }
  return 0;
}
