// push: 20M small items (u64) pushed by a Subject from its own thread (committing every
// 1,024 items) into a summing sink, against the same items handed between two threads
// through a plain ring by hand (handoff: the hardware's limit for a push source) and from a
// pull source (a fixed partition generating them in batches of 1,024 in the worker), in the
// same run; every run must give the same sum.
//
//   bench_push [ITEMS] [REPEATS] [ONLY]   (defaults: 20000000 5; ONLY = push, pull or handoff)

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <weir/inputs/push_source.hpp>
#include <weir/weir.hpp>

#include "bench_support.hpp"

namespace {

constexpr std::uint64_t kGroup = 1024;

class Pushing final : public weir::push::Subject<std::uint64_t> {
 public:
  explicit Pushing(std::uint64_t n) : n_(n) {}
  void run() override {
    for (std::uint64_t i = 0; i < n_; ++i) {
      next(i);
      if ((i + 1) % kGroup == 0) {
        commit();
      }
    }
    close();
  }

 private:
  std::uint64_t n_;
};

class Pulling final : public weir::FixedPartitionedSource<std::uint64_t, std::uint64_t> {
 public:
  explicit Pulling(std::uint64_t n) : n_(n) {}
  [[nodiscard]] std::vector<std::string> list_parts() const override { return {"pull"}; }
  std::unique_ptr<partition_type> build_part(const std::string&, const std::string&,
                                             std::optional<std::uint64_t> at) const override {
    return std::make_unique<Part>(n_, at.value_or(0));
  }

 private:
  struct Part final : weir::StatefulSourcePartition<std::uint64_t, std::uint64_t> {
    Part(std::uint64_t n, std::uint64_t at) : n(n), at(at) {}
    weir::NextBatch<std::uint64_t> next_batch() override {
      if (at >= n) {
        return weir::end_of_partition;
      }
      std::vector<std::uint64_t> out;
      const std::uint64_t end = std::min(n, at + kGroup);
      out.reserve(end - at);
      for (; at < end; ++at) {
        out.push_back(at);
      }
      return out;
    }
    std::uint64_t snapshot() override { return at; }
    std::uint64_t n;
    std::uint64_t at;
  };
  std::uint64_t n_;
};

class SumSink final : public weir::DynamicSink<std::uint64_t> {
 public:
  explicit SumSink(std::atomic<std::uint64_t>& sum) : sum_(&sum) {}
  struct Part final : weir::StatelessSinkPartition<std::uint64_t> {
    explicit Part(std::atomic<std::uint64_t>* s) : sum(s) {}
    void write_batch(std::vector<std::uint64_t>&& items) override {
      std::uint64_t s = 0;
      for (auto x : items) {
        s += x;
      }
      sum->fetch_add(s, std::memory_order_relaxed);
    }
    std::atomic<std::uint64_t>* sum;
  };
  std::unique_ptr<partition_type> build(const std::string&, std::size_t,
                                        std::size_t) const override {
    return std::make_unique<Part>(sum_);
  }

 private:
  std::atomic<std::uint64_t>* sum_;
};

/// Spin-wait hint: lets the other hyperthread run and saves power while a loop polls.
inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#else
  std::this_thread::yield();
#endif
}

// The same items through a plain single-producer single-consumer ring between two threads,
// by hand: a ring as large as a push source's default backlog, the producer publishing its
// tail every kGroup items (a Subject's commit), the consumer moving everything published
// into a batch vector (as a worker drains a push ring) and summing it. Both spin while they
// wait, never sleeping: what moving items between two threads costs on this machine.
std::uint64_t run_handoff(std::uint64_t n) {
  constexpr std::uint64_t kCap = weir::push::PushOptions{}.backlog;
  static_assert((kCap & (kCap - 1)) == 0, "a power of two, as the push ring rounds it");
  struct Ends {
    alignas(64) std::atomic<std::uint64_t> tail{0};
    alignas(64) std::atomic<std::uint64_t> head{0};
  } ends;
  std::vector<std::uint64_t> ring(kCap);
  std::thread producer([&] {
    std::uint64_t head_seen = 0;
    for (std::uint64_t t = 0; t < n;) {
      if (t - head_seen >= kCap) {
        while (t - (head_seen = ends.head.load(std::memory_order_acquire)) >= kCap) {
          cpu_relax();
        }
      }
      ring[t & (kCap - 1)] = t;
      ++t;
      if (t % kGroup == 0) {
        ends.tail.store(t, std::memory_order_release);
      }
    }
    ends.tail.store(n, std::memory_order_release);
  });
  std::uint64_t sum = 0;
  std::vector<std::uint64_t> batch;
  for (std::uint64_t h = 0; h < n;) {
    const std::uint64_t t = ends.tail.load(std::memory_order_acquire);
    if (t == h) {
      cpu_relax();
      continue;
    }
    batch.clear();
    for (; h < t; ++h) {
      batch.push_back(ring[h & (kCap - 1)]);
    }
    ends.head.store(h, std::memory_order_release);
    for (const std::uint64_t x : batch) {
      sum += x;
    }
  }
  producer.join();
  return sum;
}

template <class Src>
std::uint64_t run_with(Src src) {
  std::atomic<std::uint64_t> sum{0};
  weir::Dataflow flow("bench");
  auto s = weir::op::input("in", flow, std::move(src));
  weir::op::output("sum", s, SumSink(sum));
  weir::run(flow);
  return sum.load();
}

}  // namespace

int main(int argc, char** argv) {
  const weir_bench::Args args = weir_bench::parse_args(
      argc, argv, {.items = 20'000'000, .repeats = 5, .options = {}}, "[ITEMS] [REPEATS] [ONLY]");
  const std::uint64_t n = args.items;
  const std::string& only = args.only;
  if (!only.empty() && only != "push" && only != "pull" && only != "handoff") {
    return std::fprintf(stderr, "ONLY must be push, pull or handoff, not '%s'\n", only.c_str()), 2;
  }
  const std::uint64_t expected = n * (n - 1) / 2;
  auto push = [&] {
    return run_with(weir::push::PushSource<Pushing>(
        "push", [n](const std::string&) { return std::make_unique<Pushing>(n); }));
  };
  auto pull = [&] { return run_with(Pulling(n)); };
  auto handoff = [&] { return run_handoff(n); };
  std::map<std::string, std::vector<double>> times;
  auto timed = [&](const std::string& name, auto&& f) {
    if (!only.empty() && only != name) {
      return;
    }
    std::uint64_t got = 0;
    times[name].push_back(weir_bench::seconds([&] { got = f(); }));
    if (got != expected) {
      std::fprintf(stderr, "%s: the sum is %lu, expected %lu\n", name.c_str(), got, expected);
      std::exit(1);
    }
  };
  for (int r = 0; r < args.repeats; ++r) {
    timed("pull", pull);
    timed("handoff", handoff);
    timed("push", push);
  }
  const double items = static_cast<double>(n);
  auto rate = [&](const std::string& name) { return items / weir_bench::median(times[name]); };
  if (!only.empty()) {
    std::printf("%s: %.3e items/s\n", only.c_str(), rate(only));
    return 0;
  }
  const double r_pull = rate("pull");
  const double r_handoff = rate("handoff");
  const double r_push = rate("push");
  std::printf("push: %lu u64 items into a summing sink, median of %d\n",
              static_cast<unsigned long>(n), args.repeats);
  std::printf("%-8s %14s %10s %12s\n", "source", "items/s", "ratio", "ns/item");
  std::printf("%-8s %14.3e %10s %12.2f  (two threads, a plain ring, spinning)\n", "handoff",
              r_handoff, "1.00", 1e9 / r_handoff);
  std::printf("%-8s %14.3e %10.2f %12.2f  (goal >= 0.80 x handoff; %.2f x pull)\n", "push", r_push,
              r_push / r_handoff, 1e9 / r_push, r_push / r_pull);
  std::printf("%-8s %14.3e %10.2f %12.2f  (one thread: items made in the worker)\n", "pull", r_pull,
              r_pull / r_handoff, 1e9 / r_pull);
  weir_bench::write_results("push", {{"pull", r_pull},
                                     {"push", r_push},
                                     {"handoff", r_handoff},
                                     {"push_over_handoff", r_push / r_handoff},
                                     {"push_over_pull", r_push / r_pull}});
  return 0;
}
