#pragma once
// CommandLine: the command line of a dataflow program, weir's flags and the program's own.
//
//   int main(int argc, char** argv) {
//     weir::CommandLine cli("Counts the words of a text file.");
//     std::string file;
//     cli.positional("FILE", file, "the text file");
//     std::size_t top = 10;
//     cli.option("--top", top, "print the N commonest words", "WEIR_TOP");
//     if (auto exit_code = cli.parse(argc, argv)) return *exit_code;  // --help, an error
//     return cli.run("wordcount", [&](weir::Dataflow& flow) { /* define it with file, top */ });
//   }
//
// weir's flags (RunArgs), each also read from its WEIR_ variable when the command line does
// not give it: -w/--workers N, -r/--recovery-directory DIR, -s/--snapshot-interval SECS,
// -b/--backup-interval SECS, --adopt-store, -p/--processes N, -i/--process-id I,
// -a/--addresses FILE, --connect-timeout SECS; -h/--help and --version print and exit 0.
// A value may follow its flag as `-w 2`, `-w2` or `--workers=2`; `--` ends the flags.
//
// Errors: an unknown flag, a bad value (named with the variable it came from, as
// `WEIR_WORKERS=many: --workers expects ...`), a missing or an unexpected positional argument
// print `weir: error: ...` and parse returns 2, before any thread starts. run(id, define)
// also catches what `define` throws (a duplicate step id, say) and prints it the same way,
// returning 1.
//
// Thread safety: none; used from main before the dataflow runs.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "weir/runtime/run_main.hpp"

namespace weir {

class CommandLine {
 public:
  /// `description` heads --help.
  explicit CommandLine(std::string description = "");
  CommandLine(const CommandLine&) = delete;
  CommandLine& operator=(const CommandLine&) = delete;
  ~CommandLine();

  // The program's own flags. `names` as "-n,--name" or "--name"; `into` keeps its value
  // unless the command line or the variable `env` (if not empty) sets it; the help shows
  // the default. REQUIRES: before parse; each name used once, not one of weir's.
  void option(const std::string& names, std::string& into, const std::string& help,
              const std::string& env = "");
  /// A whole number, 0 or more.
  void option(const std::string& names, std::size_t& into, const std::string& help,
              const std::string& env = "");
  /// A whole number, possibly negative.
  void option(const std::string& names, std::int64_t& into, const std::string& help,
              const std::string& env = "");
  /// A number, possibly with a fraction.
  void option(const std::string& names, double& into, const std::string& help,
              const std::string& env = "");
  /// A flag without a value: set to true when given (the variable: 1/true/yes or 0/false/no).
  void flag(const std::string& names, bool& into, const std::string& help,
            const std::string& env = "");

  // Positional arguments, in the order declared. REQUIRES: before parse; the optional ones
  // and `rest` after every required one.
  /// Required: parse fails with "missing argument NAME (help)" without it.
  void positional(const std::string& name, std::string& into, const std::string& help);
  /// Optional: stays empty without it.
  void positional(const std::string& name, std::optional<std::string>& into,
                  const std::string& help);
  /// Every argument left, possibly none.
  void rest(const std::string& name, std::vector<std::string>& into, const std::string& help);

  /// Parses argv (argv[0] the program). None: go on and run. Otherwise the exit code after
  /// printing the help or version (0) or an error (2).
  std::optional<int> parse(int argc, const char* const* argv);
  /// Parses argv; throws std::invalid_argument with the message for a bad command line.
  /// Returns false when --help or --version asked to print and exit instead of running.
  bool parse_or_throw(int argc, const char* const* argv);

  /// weir's flags as parsed. REQUIRES: parse gave none.
  [[nodiscard]] const RunArgs& args() const noexcept { return args_; }
  /// The same, for a program that sets a default of its own (a recovery directory, say).
  [[nodiscard]] RunArgs& args() noexcept { return args_; }
  /// The --help text.
  [[nodiscard]] std::string help() const;

  /// Runs `flow` with args(): run_main(flow, args()).
  [[nodiscard]] int run(const Dataflow& flow) const;
  /// Defines a dataflow named `flow_id` with `define` and runs it; an error while defining
  /// prints like a run's error and returns 1.
  [[nodiscard]] int run(const std::string& flow_id,
                        const std::function<void(Dataflow&)>& define) const;

 private:
  struct Parser;
  /// A flag: CLI11 collects its text, `apply(flag, text)` converts it (throwing
  /// std::invalid_argument naming `flag`).
  /// `value_name` shows the value in --help ("N", "DIR"; empty for a flag without one).
  void add_setting(const std::string& names, const std::string& value_name, const std::string& help,
                   const std::string& env,
                   std::function<void(const std::string& flag, const std::string& text)> apply);
  /// weir's own flags, into args_ (run_flags.cpp).
  void add_run_flags();

  std::unique_ptr<Parser> parser_;
  RunArgs args_;
};

}  // namespace weir
