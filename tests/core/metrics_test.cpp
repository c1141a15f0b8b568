// The metrics registry: the exposition text exactly, one series per name and labels, and the
// refusals.
#include <catch2/catch.hpp>

#include <thread>
#include <vector>

#include "weir/core/metrics.hpp"

using weir::metrics::Registry;

TEST_CASE("the registry prints counters, gauges and histograms in the exposition format") {
  Registry r;
  r.counter("app_lines_total", "Lines read", {{"step", "wc.in"}, {"worker", "0"}}).add(3);
  r.counter("app_lines_total", "Lines read", {{"step", "wc.in"}, {"worker", "1"}}).add();
  r.gauge("app_lag", "Messages behind\nthe end", {{"partition", "a\"b\\c"}}).set(2.5);
  auto& h = r.histogram("app_commit_seconds", "Commit time", {0.1, 1});
  h.observe(0.05);
  h.observe(0.5);
  h.observe(0.5);
  h.observe(7);
  CHECK(r.text() ==
        "# HELP app_lines_total Lines read\n"
        "# TYPE app_lines_total counter\n"
        "app_lines_total{step=\"wc.in\",worker=\"0\"} 3\n"
        "app_lines_total{step=\"wc.in\",worker=\"1\"} 1\n"
        "# HELP app_lag Messages behind\\nthe end\n"
        "# TYPE app_lag gauge\n"
        "app_lag{partition=\"a\\\"b\\\\c\"} 2.5\n"
        "# HELP app_commit_seconds Commit time\n"
        "# TYPE app_commit_seconds histogram\n"
        "app_commit_seconds_bucket{le=\"0.1\"} 1\n"
        "app_commit_seconds_bucket{le=\"1\"} 3\n"
        "app_commit_seconds_bucket{le=\"+Inf\"} 4\n"
        "app_commit_seconds_sum 8.05\n"
        "app_commit_seconds_count 4\n");
}

TEST_CASE("asking again for a series gives the same one, from any thread") {
  Registry r;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) r.counter("app_n_total", "N").add();
    });
  }
  for (auto& t : threads) t.join();
  CHECK(r.counter("app_n_total", "N").value() == 40000);
}

TEST_CASE("refreshes run before each text and can be removed") {
  Registry r;
  int calls = 0;
  const auto handle = r.add_refresh([&] { r.gauge("app_calls", "Calls").set(++calls); });
  CHECK(r.text().find("app_calls 1\n") != std::string::npos);
  CHECK(r.text().find("app_calls 2\n") != std::string::npos);
  r.remove_refresh(handle);
  CHECK(r.text().find("app_calls 2\n") != std::string::npos);
}

TEST_CASE("malformed names, another type, another help and falling bounds are refused") {
  Registry r;
  CHECK_THROWS_WITH(r.counter("9lives", "x"), "'9lives' is not a metric name");
  CHECK_THROWS_WITH(r.counter("app_x_total", "x", {{"__name", "v"}}),
                    "metric 'app_x_total': '__name' is not a label name");
  r.counter("app_y_total", "Y");
  CHECK_THROWS_WITH(r.gauge("app_y_total", "Y"), "metric 'app_y_total' is a counter, not a gauge");
  CHECK_THROWS_WITH(r.counter("app_y_total", "Why"),
                    "metric 'app_y_total' has the help text 'Y', not 'Why'");
  CHECK_THROWS_WITH(r.histogram("app_h", "H", {1, 0.5}),
                    "histogram 'app_h': its bucket bounds must rise strictly");
}
