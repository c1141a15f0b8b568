// The dataflows the cluster tests run as separate processes:
//
//   cluster_flows FLOW OUTDIR [run flags]
//
// FLOW is wordcount, fold, window, join or running. The input is generated: 6 partitions of
// a fixed source, each a deterministic sequence of ITEMS items (env CLUSTER_ITEMS, default
// 3000) in batches of 50, a batch every CLUSTER_PACE_US microseconds (default 0), so every
// process builds the same partitions and a run's output depends only on the flow. The output
// lines go exactly once to the files part-0 ... part-3 of OUTDIR (a DirSink, its partitions
// spread over the cluster's workers); the tests compare the sorted union of those lines.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "weir/connectors/files/dir_sink.hpp"
#include "weir/operators/aggregate.hpp"
#include "weir/operators/join.hpp"
#include "weir/operators/stateful.hpp"
#include "weir/operators/stateless.hpp"
#include "weir/operators/windowing/aggregates.hpp"
#include "weir/runtime/command_line.hpp"

namespace {

using namespace std::chrono_literals;

constexpr std::size_t kParts = 6;
constexpr std::size_t kBatch = 50;

std::uint64_t mixed(std::uint64_t x) { return weir::hash::mix64(x); }

std::uint64_t env_number(const char* name, std::uint64_t otherwise) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::stoull(v) : otherwise;
}

/// Partition p's item n is made by `make(p, n)`; the partition's state is its position.
template <class X, class Make>
class Generated final : public weir::FixedPartitionedSource<X, std::uint64_t> {
 public:
  Generated(std::string prefix, std::uint64_t items, Make make)
      : prefix_(std::move(prefix)), items_(items), make_(make) {}
  [[nodiscard]] std::vector<std::string> list_parts() const override {
    std::vector<std::string> parts;
    for (std::size_t p = 0; p < kParts; ++p) parts.push_back(prefix_ + std::to_string(p));
    return parts;
  }
  std::unique_ptr<weir::StatefulSourcePartition<X, std::uint64_t>> build_part(
      const std::string& /*step_id*/, const std::string& for_part,
      std::optional<std::uint64_t> resume) const override {
    const auto p = static_cast<std::uint64_t>(std::stoul(for_part.substr(prefix_.size())));
    return std::make_unique<Part>(p, resume.value_or(0), items_, make_);
  }

 private:
  class Part final : public weir::StatefulSourcePartition<X, std::uint64_t> {
   public:
    Part(std::uint64_t p, std::uint64_t at, std::uint64_t items, Make make)
        : p_(p), at_(at), items_(items), make_(make) {}
    weir::NextBatch<X> next_batch() override {
      if (at_ >= items_) return std::nullopt;
      if (pace_.count() > 0) std::this_thread::sleep_for(pace_);
      std::vector<X> batch;
      for (std::size_t i = 0; i < kBatch && at_ < items_; ++i, ++at_)
        batch.push_back(make_(p_, at_));
      return batch;
    }
    [[nodiscard]] std::uint64_t snapshot() override { return at_; }

   private:
    std::uint64_t p_;
    std::uint64_t at_;
    std::uint64_t items_;
    Make make_;
    std::chrono::microseconds pace_{env_number("CLUSTER_PACE_US", 0)};
  };
  std::string prefix_;
  std::uint64_t items_;
  Make make_;
};

/// The lines, exactly once, in four files of `dir` chosen by the line's hash.
void write_lines(const std::string& id, const weir::Stream<std::string>& lines,
                 const std::string& dir) {
  auto keyed = weir::op::key_on(id + "_key", lines, [](const std::string& l) { return l; });
  weir::op::output(
      id, keyed, weir::files::DirSink<std::string>(dir, {"part-0", "part-1", "part-2", "part-3"}));
}

template <class X, class Make>
auto generated(std::string prefix, std::uint64_t items, Make make) {
  return Generated<X, Make>(std::move(prefix), items, make);
}

void wordcount(weir::Dataflow& flow, std::uint64_t items, const std::string& out) {
  auto words = weir::op::input(
      "words", flow, generated<std::string>("p", items, [](std::uint64_t p, std::uint64_t n) {
        return "w" + std::to_string(mixed(p * 100003 + n) % 200);
      }));
  auto counts = weir::op::count_final("count", words, [](const std::string& w) { return w; });
  auto lines = weir::op::map("show", counts, [](std::pair<std::string, std::uint64_t>&& kv) {
    return kv.first + " " + std::to_string(kv.second);
  });
  write_lines("out", lines, out);
}

void fold(weir::Dataflow& flow, std::uint64_t items, const std::string& out) {
  using KV = std::pair<std::uint64_t, std::uint64_t>;
  auto kv = weir::op::input("numbers", flow,
                            generated<KV>("p", items, [](std::uint64_t p, std::uint64_t n) {
                              const std::uint64_t x = mixed(p * 7919 + n);
                              return KV{x % 97, x % 1000};
                            }));
  auto sums = weir::op::fold_final(
      "sum", kv, [] { return std::uint64_t{0}; },
      [](std::uint64_t acc, std::uint64_t v) { return acc + v; });
  auto lines = weir::op::map("show", sums, [](std::pair<std::uint64_t, std::uint64_t>&& s) {
    return std::to_string(s.first) + " " + std::to_string(s.second);
  });
  write_lines("out", lines, out);
}

// Each key's events come from one partition, in its order, so which are late is fixed: every
// 10th event is 25 s older than the one before it.
void window(weir::Dataflow& flow, std::uint64_t items, const std::string& out) {
  using Ev = std::pair<std::string, std::pair<std::int64_t, std::int64_t>>;  // (key, (t, v))
  auto events = weir::op::input(
      "events", flow, generated<Ev>("p", items, [](std::uint64_t p, std::uint64_t n) {
        const auto t = static_cast<std::int64_t>(n) - (n % 10 == 9 ? 25 : 0);
        return Ev{"k" + std::to_string(p) + "-" + std::to_string(n % 3),
                  {t, static_cast<std::int64_t>(n % 7)}};
      }));
  auto clock = weir::window::EventClock(
      [](const std::pair<std::int64_t, std::int64_t>& e) {
        return weir::Instant{} + std::chrono::seconds(e.first);
      },
      0s);
  const weir::window::TumblingWindower tumbling(20s, weir::Instant{});
  auto counted = weir::window::fold_window(
      "sum", events, clock, tumbling, [] { return std::int64_t{0}; },
      [](std::int64_t acc, const std::pair<std::int64_t, std::int64_t>& e) {
        return acc + e.second;
      },
      [](std::int64_t a, std::int64_t b) { return a + b; });
  auto down = weir::op::map("show", counted.down, [](auto&& d) {
    return "down " + d.first + " " + std::to_string(d.second.first) + " " +
           std::to_string(d.second.second);
  });
  auto late = weir::op::map("show_late", counted.late, [](auto&& l) {
    return "late " + l.first + " " + std::to_string(l.second.first) + " " +
           std::to_string(l.second.second.first);
  });
  write_lines("out", weir::op::merge("both", down, late), out);
}

void join(weir::Dataflow& flow, std::uint64_t items, const std::string& out) {
  using L = std::pair<std::string, std::int64_t>;
  using R = std::pair<std::string, std::string>;
  // each key's items come from one partition of each side, in its order, so the last value
  // of each side is fixed
  auto left =
      weir::op::input("left", flow, generated<L>("l", items, [](std::uint64_t p, std::uint64_t n) {
                        return L{"k" + std::to_string(p) + "-" + std::to_string(n % 25),
                                 static_cast<std::int64_t>(n)};
                      }));
  auto right = weir::op::input("right", flow,
                               generated<R>("r", items / 10, [](std::uint64_t p, std::uint64_t n) {
                                 return R{"k" + std::to_string(p) + "-" + std::to_string(n % 30),
                                          "r" + std::to_string(p) + "." + std::to_string(n)};
                               }));
  using weir::op::JoinEmit;
  using weir::op::JoinInsert;
  auto joined = weir::op::join("join", {JoinInsert::last, JoinEmit::final}, left, right);
  auto lines = weir::op::map("show", joined, [](auto&& j) {
    const auto& [l, r] = j.second;
    return j.first + " " + (l ? std::to_string(*l) : "-") + " " + (r ? *r : "-");
  });
  write_lines("out", lines, out);
}

// A running sum per key, emitted at every item: what a crash could duplicate or lose shows.
void running(weir::Dataflow& flow, std::uint64_t items, const std::string& out) {
  using KV = std::pair<std::string, std::uint64_t>;
  auto kv = weir::op::input("numbers", flow,
                            generated<KV>("p", items, [](std::uint64_t p, std::uint64_t n) {
                              return KV{"k" + std::to_string(p) + "-" + std::to_string(n % 40),
                                        mixed(p * 131 + n) % 1000};
                            }));
  auto sums = weir::op::stateful_map<std::uint64_t>(
      "sum", kv, [](std::optional<std::uint64_t>& total, std::uint64_t&& v) {
        total = total.value_or(0) + v;
        return *total;
      });
  auto lines = weir::op::map("show", sums, [](std::pair<std::string, std::uint64_t>&& s) {
    return s.first + " " + std::to_string(s.second);
  });
  write_lines("out", lines, out);
}

}  // namespace

int main(int argc, char** argv) {
  weir::CommandLine cli;
  std::string name;
  std::string out;
  cli.positional("FLOW", name, "wordcount, fold, window, join or running");
  cli.positional("OUTDIR", out, "the directory of output files");
  if (auto exit_code = cli.parse(argc, argv)) return *exit_code;
  const std::uint64_t items = env_number("CLUSTER_ITEMS", 3000);
  weir::Dataflow flow("cluster-" + name);
  if (name == "wordcount") {
    wordcount(flow, items, out);
  } else if (name == "fold") {
    fold(flow, items, out);
  } else if (name == "window") {
    window(flow, items, out);
  } else if (name == "join") {
    join(flow, items, out);
  } else if (name == "running") {
    running(flow, items, out);
  } else {
    std::fprintf(stderr, "unknown flow '%s'\n", name.c_str());
    return 2;
  }
  return cli.run(flow);
}
