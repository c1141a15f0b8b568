#pragma once
// run_main: the command line every dataflow executable shares.
//
//   int main(int argc, char** argv) {
//     weir::Dataflow flow("wordcount");
//     ...
//     return weir::run_main(flow, argc, argv);
//   }
//
// run_main parses weir's flags (weir/runtime/command_line.hpp lists them; a program with
// arguments of its own declares them on a CommandLine) and runs. An unknown flag or a bad
// value prints a message and exits with 2. Ctrl-C or SIGTERM stops every worker (of every
// process of a cluster) within a second, keeping committed state, and exits with 130. A failed
// run prints its error (naming step, worker and partition, or the process a cluster lost) and
// exits with 1. docs/cluster.md describes running on several processes and hosts.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "weir/core/log.hpp"
#include "weir/runtime/dataflow.hpp"
#include "weir/runtime/run.hpp"
#include "weir/runtime/visualize.hpp"

namespace weir {

/// weir's flags, as a CommandLine parsed them.
struct RunArgs {
  RunConfig config;
  /// -p N: run N local processes of this program as one cluster (1: this process alone).
  std::size_t processes = 1;
  /// Whether -i gave config.process_id.
  bool has_process_id = false;
  /// The command line as given (-p starts the processes with it).
  std::vector<std::string> argv;
  /// --log-level: the lowest level logged.
  log::Level log_level = log::Level::info;
  /// --metrics: where to serve the metrics ("host:port"; empty: nowhere).
  std::string metrics_address;
  /// --graph: print the dataflow's picture in this format and exit instead of running.
  std::optional<GraphFormat> graph;
};

/// Parses the flags (no positional arguments allowed) and runs.
int run_main(const Dataflow& flow, int argc, const char* const* argv);
/// Runs with arguments already parsed; prints errors and returns the exit code.
int run_main(const Dataflow& flow, const RunArgs& args);

}  // namespace weir
