#include "weir/core/metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <variant>

namespace weir::metrics {

namespace {

enum Type { kCounter, kGauge, kHistogram };
constexpr const char* kTypeNames[] = {"counter", "gauge", "histogram"};

bool valid_name(std::string_view n, bool label) {
  auto first = [&](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (!label && c == ':');
  };
  auto rest = [&](char c) { return first(c) || (c >= '0' && c <= '9'); };
  if (n.empty() || !first(n[0]) || (label && n.starts_with("__"))) {
    return false;
  }
  return std::all_of(n.begin() + 1, n.end(), rest);
}

/// A double as Prometheus reads it: shortest round-trip digits, +Inf, -Inf, NaN.
std::string number(double v) {
  if (std::isnan(v)) {
    return "NaN";
  }
  if (std::isinf(v)) {
    return v > 0 ? "+Inf" : "-Inf";
  }
  return fmt::format("{}", v);
}

/// Escapes `\`, `"` (label values only) and newlines.
std::string escape(std::string_view s, bool quotes) {
  std::string out;
  for (char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quotes) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

/// `{a="x",b="y"}` with `extra` (the histogram's `le`) last; empty without labels.
std::string label_text(const Labels& labels, std::string_view extra = {}) {
  std::string out;
  for (const auto& [k, v] : labels) {
    out += fmt::format("{}{}=\"{}\"", out.empty() ? "{" : ",", k, escape(v, true));
  }
  if (!extra.empty()) {
    out += fmt::format("{}{}", out.empty() ? "{" : ",", extra);
  }
  return out.empty() ? out : out + "}";
}

}  // namespace

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)),
      counts_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {}

void Histogram::observe(double v) noexcept {
  const auto at = std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();
  counts_[static_cast<std::size_t>(at)].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

std::vector<double> seconds_buckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
}

struct Registry::Family {
  std::string name;
  std::string help;
  Type type;
  double scale = 1;  // a counter's value times this prints (seconds_counter: 1e-9)
  struct Series {
    Labels labels;
    std::variant<std::unique_ptr<Counter>, std::unique_ptr<Gauge>, std::unique_ptr<Histogram>> cell;
  };
  std::vector<Series> series;
};

Registry::Registry() = default;
Registry::~Registry() = default;

template <class Cell>
Cell& Registry::series(std::string_view name, std::string_view help, int type, const Labels& labels,
                       const std::function<std::unique_ptr<Cell>()>& make, double scale) {
  if (!valid_name(name, false)) {
    throw std::invalid_argument(fmt::format("'{}' is not a metric name", name));
  }
  for (const auto& [k, v] : labels) {
    if (!valid_name(k, true)) {
      throw std::invalid_argument(fmt::format("metric '{}': '{}' is not a label name", name, k));
    }
  }
  std::lock_guard lock(mutex_);
  auto f = std::find_if(families_.begin(), families_.end(),
                        [&](const auto& fam) { return fam->name == name; });
  if (f == families_.end()) {
    families_.push_back(std::make_unique<Family>());
    f = families_.end() - 1;
    (*f)->name = name;
    (*f)->help = help;
    (*f)->type = static_cast<Type>(type);
    (*f)->scale = scale;
  } else if ((*f)->type != type || (*f)->scale != scale) {
    throw std::invalid_argument(fmt::format("metric '{}' is a {}, not a {}", name,
                                            kTypeNames[(*f)->type], kTypeNames[type]));
  } else if ((*f)->help != help) {
    throw std::invalid_argument(
        fmt::format("metric '{}' has the help text '{}', not '{}'", name, (*f)->help, help));
  }
  for (auto& s : (*f)->series) {
    if (s.labels == labels) {
      return *std::get<std::unique_ptr<Cell>>(s.cell);
    }
  }
  auto cell = make();
  Cell& ref = *cell;
  (*f)->series.push_back({labels, std::move(cell)});
  return ref;
}

Counter& Registry::counter(std::string_view name, std::string_view help, const Labels& labels) {
  return series<Counter>(name, help, kCounter, labels, [] { return std::make_unique<Counter>(); });
}

Counter& Registry::seconds_counter(std::string_view name, std::string_view help,
                                   const Labels& labels) {
  return series<Counter>(
      name, help, kCounter, labels, [] { return std::make_unique<Counter>(); }, 1e-9);
}

Gauge& Registry::gauge(std::string_view name, std::string_view help, const Labels& labels) {
  return series<Gauge>(name, help, kGauge, labels, [] { return std::make_unique<Gauge>(); });
}

Histogram& Registry::histogram(std::string_view name, std::string_view help,
                               const std::vector<double>& upper_bounds, const Labels& labels) {
  if (upper_bounds.empty() || !std::is_sorted(upper_bounds.begin(), upper_bounds.end()) ||
      std::adjacent_find(upper_bounds.begin(), upper_bounds.end()) != upper_bounds.end()) {
    throw std::invalid_argument(
        fmt::format("histogram '{}': its bucket bounds must rise strictly", name));
  }
  Histogram& h = series<Histogram>(name, help, kHistogram, labels,
                                   [&] { return std::make_unique<Histogram>(upper_bounds); });
  if (h.upper_bounds() != upper_bounds) {
    throw std::invalid_argument(
        fmt::format("histogram '{}' exists with other bucket bounds", name));
  }
  return h;
}

std::size_t Registry::add_refresh(std::function<void()> refresh) {
  std::lock_guard lock(refresh_mutex_);
  refreshes_.emplace_back(next_refresh_, std::move(refresh));
  return next_refresh_++;
}

void Registry::remove_refresh(std::size_t handle) {
  std::lock_guard lock(refresh_mutex_);
  std::erase_if(refreshes_, [&](const auto& r) { return r.first == handle; });
}

std::string Registry::text() {
  {
    // refreshes may register series (mutex_), so they run under refresh_mutex_ alone
    std::lock_guard lock(refresh_mutex_);
    for (auto& [handle, refresh] : refreshes_) {
      refresh();
    }
  }
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& f : families_) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", f->name, escape(f->help, false), f->name,
                       kTypeNames[f->type]);
    for (const auto& s : f->series) {
      if (const auto* c = std::get_if<std::unique_ptr<Counter>>(&s.cell)) {
        const std::uint64_t v = (*c)->value();
        out += f->scale == 1 ? fmt::format("{}{} {}\n", f->name, label_text(s.labels), v)
                             : fmt::format("{}{} {}\n", f->name, label_text(s.labels),
                                           number(static_cast<double>(v) * f->scale));
      } else if (const auto* g = std::get_if<std::unique_ptr<Gauge>>(&s.cell)) {
        out += fmt::format("{}{} {}\n", f->name, label_text(s.labels), number((*g)->value()));
      } else {
        const Histogram& h = *std::get<std::unique_ptr<Histogram>>(s.cell);
        std::uint64_t total = 0;
        const auto& bounds = h.upper_bounds();
        for (std::size_t i = 0; i <= bounds.size(); ++i) {
          total += h.bucket(i);
          const std::string le =
              fmt::format("le=\"{}\"", i < bounds.size() ? number(bounds[i]) : "+Inf");
          out += fmt::format("{}_bucket{} {}\n", f->name, label_text(s.labels, le), total);
        }
        out += fmt::format("{}_sum{} {}\n", f->name, label_text(s.labels), number(h.sum()));
        out += fmt::format("{}_count{} {}\n", f->name, label_text(s.labels), total);
      }
    }
  }
  return out;
}

Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace weir::metrics
