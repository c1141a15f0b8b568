#include "weir/runtime/run_main.hpp"

#include <fmt/format.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string_view>

#include "spawn.hpp"
#include "weir/core/errors.hpp"
#include "weir/runtime/command_line.hpp"
#include "weir/runtime/detail/mesh.hpp"
#include "weir/runtime/metrics_server.hpp"
#include "weir/runtime/run.hpp"

namespace weir {

namespace {

void on_stop_signal(int /*sig*/) { interrupt(); }

void print_error(const std::exception& e) { log::error("{}", e.what()); }

}  // namespace

int run_main(const Dataflow& flow, int argc, const char* const* argv) {
  CommandLine cli;
  if (auto exit_code = cli.parse(argc, argv)) {
    return *exit_code;
  }
  return cli.run(flow);
}

int run_main(const Dataflow& flow, const RunArgs& args) {
  if (args.graph) {
    std::fputs(visualize(flow, *args.graph).c_str(), stdout);
    return 0;
  }
  if (args.processes > 1) {
    try {
      return detail::run_local_cluster(args.processes, args.argv, args.metrics_address);
    } catch (const std::exception& e) {
      print_error(e);
      return 1;
    }
  }
  struct sigaction action {};
  struct sigaction previous {};
  struct sigaction previous_term {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, &previous);
  sigaction(SIGTERM, &action, &previous_term);
  int code = 0;
  try {
    std::optional<MetricsServer> metrics;
    if (!args.metrics_address.empty()) metrics.emplace(args.metrics_address);
    if (run(flow, args.config) == RunOutcome::aborted) {
      log::warn("execution aborted");
      code = 3;
    }
  } catch (const Interrupted& e) {
    print_error(e);
    code = 130;
  } catch (const std::exception& e) {
    print_error(e);
    code = 1;
  }
  sigaction(SIGINT, &previous, nullptr);
  sigaction(SIGTERM, &previous_term, nullptr);
  return code;
}

}  // namespace weir
