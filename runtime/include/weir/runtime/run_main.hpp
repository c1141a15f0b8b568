#pragma once
// run_main: the command line every dataflow executable shares.
//
//   int main(int argc, char** argv) {
//     weir::Dataflow flow("wordcount");
//     ...
//     return weir::run_main(flow, argc, argv);
//   }
//
// Flags (each also as --flag=value, and each read from a WEIR_ variable first, which the
// command line overrides): -w/--workers N (worker threads, default 1), -r/--recovery-directory
// DIR (recovery store), -s/--snapshot-interval SECS (epoch length, default 10, 0 = every
// batch), -b/--backup-interval SECS (how long superseded snapshots are kept, default 0),
// -p/--processes N (run N local processes of this program as one cluster), -i/--process-id I
// and -a/--addresses FILE (this process's place in a cluster, FILE one host:port per process),
// --connect-timeout SECS (how long to wait for the cluster's other processes, default 30),
// -h/--help. An unknown flag or a bad value prints a message and exits with 2. Ctrl-C or
// SIGTERM stops every worker (of every process of a cluster) within a second and exits with
// 130. A failed run prints its error (naming step, worker and partition, or the process a
// cluster lost) and exits with 1. A program that takes arguments of its own parses them with
// RunArgs first. docs/cluster.md describes running on several processes and hosts.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "weir/runtime/dataflow.hpp"
#include "weir/runtime/run.hpp"

namespace weir {

struct RunArgs {
  RunConfig config;
  /// Arguments that are not flags, in order.
  std::vector<std::string> positional;
  bool help = false;
  /// -p N: run N local processes of this program as one cluster (1: this process alone).
  std::size_t processes = 1;
  /// The command line as given (-p starts the processes with it).
  std::vector<std::string> argv;

  /// Parses argv; throws std::invalid_argument with a message for a bad command line.
  static RunArgs parse(int argc, const char* const* argv);
  /// The --help text for `program`; `usage` describes its positional arguments.
  static std::string help_text(const std::string& program, const std::string& usage = "");
  /// For a program taking exactly `positional` arguments described by `usage`: the parsed
  /// arguments, or none after printing the help (exit code 0) or the error or usage (exit
  /// code 2) into `exit_code`.
  static std::optional<RunArgs> parse_program(int argc, const char* const* argv,
                                              std::size_t positional, const std::string& usage,
                                              int& exit_code);
  /// The same for a program taking `fewest` to `most` positional arguments.
  static std::optional<RunArgs> parse_program(int argc, const char* const* argv, std::size_t fewest,
                                              std::size_t most, const std::string& usage,
                                              int& exit_code);
};

/// Parses the flags (no positional arguments allowed) and runs.
int run_main(const Dataflow& flow, int argc, const char* const* argv);
/// Runs with arguments already parsed; prints errors and returns the exit code.
int run_main(const Dataflow& flow, const RunArgs& args);

}  // namespace weir
