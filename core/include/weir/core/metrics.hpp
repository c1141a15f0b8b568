#pragma once
// Metrics: the counters, gauges and histograms of one process, and their text in the
// Prometheus exposition format (0.0.4), which `--metrics ADDR:PORT` serves on /metrics.
//
//   auto& parsed = weir::metrics::registry().counter(
//       "myapp_lines_parsed_total", "Lines parsed", {{"step", "parse"}});
//   parsed.add();   // from any thread, any step, any worker
//
// weir's own series (docs/operability.md lists them) live in the same registry: per step and
// worker items in and out and seconds spent, per source partition items read and lag, per
// worker the epochs, the store's commits, the exchange's backlog, and the process's CPU,
// memory and open files.
//
// A series is one metric name and one set of label values. Asking again for a series that
// exists returns the same one (so every worker may ask for it); series live as long as the
// process, so a second run in the same process goes on counting where the first stopped.
//
// Thread safety: Counter, Gauge and Histogram are updated and read from any thread without a
// lock (relaxed atomics: a scrape sees each value as of some recent moment, not one instant
// for all). Registry's methods take its mutex; register series while building, not per item.
// Errors: a malformed metric or label name, a name registered as another type or with another
// help text, or histogram bounds that do not rise throw std::invalid_argument.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace weir::metrics {

/// Label names and values, in the order they print.
using Labels = std::vector<std::pair<std::string, std::string>>;

/// A count that only rises.
class Counter {
 public:
  void add(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  /// add() for a series only one thread ever adds to (a step's count on its worker): a load
  /// and a store, no locked instruction, since it runs for every batch of every step.
  /// REQUIRES: no other thread adds to this counter.
  void add_single_writer(std::uint64_t n) noexcept {
    value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t value() const noexcept {
    return value_.load(std::memory_order_relaxed);
  }

 private:
  std::atomic<std::uint64_t> value_{0};
};

/// A value that goes up and down.
class Gauge {
 public:
  void set(double v) noexcept { value_.store(v, std::memory_order_relaxed); }
  void add(double v) noexcept { value_.fetch_add(v, std::memory_order_relaxed); }
  [[nodiscard]] double value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

/// Observations counted into buckets by upper bound (Prometheus's cumulative `le` buckets
/// are computed when printed), with their sum and count.
class Histogram {
 public:
  /// REQUIRES: `upper_bounds` rise strictly (checked by Registry::histogram).
  explicit Histogram(std::vector<double> upper_bounds);
  void observe(double v) noexcept;
  [[nodiscard]] const std::vector<double>& upper_bounds() const noexcept { return bounds_; }
  /// Observations in bucket i alone (i == bounds: above the last bound).
  [[nodiscard]] std::uint64_t bucket(std::size_t i) const noexcept {
    return counts_[i].load(std::memory_order_relaxed);
  }
  [[nodiscard]] double sum() const noexcept { return sum_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // bounds_.size() + 1
  std::atomic<double> sum_{0};
};

/// Durations from 1 ms to 60 s, for commits and snapshots.
std::vector<double> seconds_buckets();

class Registry {
 public:
  Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;
  ~Registry();

  Counter& counter(std::string_view name, std::string_view help, const Labels& labels = {});
  /// A counter of nanoseconds that prints in seconds (Prometheus's unit), so that code timing
  /// itself adds whole numbers.
  Counter& seconds_counter(std::string_view name, std::string_view help, const Labels& labels = {});
  Gauge& gauge(std::string_view name, std::string_view help, const Labels& labels = {});
  Histogram& histogram(std::string_view name, std::string_view help,
                       const std::vector<double>& upper_bounds, const Labels& labels = {});

  /// Calls `refresh` before each text() (to read values kept elsewhere into gauges); returns
  /// a handle for remove_refresh.
  std::size_t add_refresh(std::function<void()> refresh);
  void remove_refresh(std::size_t handle);

  /// Every series, families in the order first registered, in the exposition format.
  [[nodiscard]] std::string text();

 private:
  struct Family;
  template <class Cell>
  Cell& series(std::string_view name, std::string_view help, int type, const Labels& labels,
               const std::function<std::unique_ptr<Cell>()>& make, double scale = 1);
  std::mutex mutex_;  // families_
  std::vector<std::unique_ptr<Family>> families_;
  std::mutex refresh_mutex_;  // refreshes_; held while they run
  std::vector<std::pair<std::size_t, std::function<void()>>> refreshes_;
  std::size_t next_refresh_ = 0;
};

/// The process's registry.
Registry& registry();

}  // namespace weir::metrics
