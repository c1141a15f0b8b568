// push: 20M small items (u64) pushed by a Subject from its own thread (committing every
// 1,024 items) into a counting sink, against the same items from a pull source (a fixed
// partition generating them in batches of 1,024), in the same run.
//
//   bench_push [ITEMS] [REPEATS] [ONLY]    (defaults: 20000000 5; ONLY = push or pull)

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>

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
  const std::uint64_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 20'000'000;
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 5;
  const std::string only = argc > 3 ? argv[3] : "";
  const std::uint64_t expected = n * (n - 1) / 2;
  auto push = [&] {
    return run_with(weir::push::PushSource<Pushing>(
        "push", [n](const std::string&) { return std::make_unique<Pushing>(n); }));
  };
  auto pull = [&] { return run_with(Pulling(n)); };
  std::vector<double> t_push;
  std::vector<double> t_pull;
  auto timed = [&](const char* name, auto&& f, std::vector<double>& into) {
    std::uint64_t got = 0;
    into.push_back(weir_bench::seconds([&] { got = f(); }));
    if (got != expected) {
      throw std::runtime_error(std::string(name) + ": wrong sum");
    }
  };
  for (int r = 0; r < repeats; ++r) {
    if (only.empty() || only == "pull") {
      timed("pull", pull, t_pull);
    }
    if (only.empty() || only == "push") {
      timed("push", push, t_push);
    }
  }
  const double items = static_cast<double>(n);
  if (!only.empty()) {
    std::printf("%s: %.3e items/s\n", only.c_str(),
                items / weir_bench::median(only == "push" ? t_push : t_pull));
    return 0;
  }
  const double r_pull = items / weir_bench::median(t_pull);
  const double r_push = items / weir_bench::median(t_push);
  std::printf("push: %lu u64 items into a summing sink, median of %d\n",
              static_cast<unsigned long>(n), repeats);
  std::printf("%-8s %14s %10s\n", "source", "items/s", "ratio");
  std::printf("%-8s %14.3e %10s\n", "pull", r_pull, "1.00");
  std::printf("%-8s %14.3e %10.2f  (goal >= 0.50 x pull)\n", "push", r_push, r_push / r_pull);
  weir_bench::write_results("push", {{"pull", r_pull}, {"push", r_push}});
  return 0;
}
