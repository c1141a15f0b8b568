#include "weir/runtime/run_main.hpp"

#include <fmt/format.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string_view>

#include "weir/core/errors.hpp"
#include "weir/runtime/run.hpp"

namespace weir {

namespace {

/// A whole number from 1 to `most`.
std::size_t parse_count(std::string_view flag, std::string_view value, std::size_t most) {
  std::size_t n = 0;
  bool ok = !value.empty();
  bool big = false;
  for (char c : value) {
    if (c < '0' || c > '9') {
      ok = false;
      break;
    }
    n = big ? n : n * 10 + static_cast<std::size_t>(c - '0');
    big = big || n > most;
  }
  if (!ok || n == 0) {
    throw std::invalid_argument(
        fmt::format("{} expects a positive whole number, got '{}'", flag, value));
  }
  if (big) {
    throw std::invalid_argument(fmt::format("{} is at most {}, got '{}'", flag, most, value));
  }
  return n;
}

/// A number of seconds, 0 or more, with an optional fraction ("10", "0.5", "0").
Duration parse_seconds(std::string_view flag, std::string_view value) {
  bool ok = !value.empty() && value.size() <= 20;
  bool dot = false;
  for (char c : value) {
    if (c == '.' && !dot) {
      dot = true;
    } else if (c < '0' || c > '9') {
      ok = false;
    }
  }
  if (!ok || value == ".") {
    throw std::invalid_argument(
        fmt::format("{} expects a number of seconds (0 or more), got '{}'", flag, value));
  }
  const double seconds = std::stod(std::string(value));
  if (seconds > 1e9) {
    throw std::invalid_argument(fmt::format("{} is too long: '{}' seconds", flag, value));
  }
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(seconds));
}

void on_sigint(int /*sig*/) { interrupt(); }

void print_error(const std::exception& e) { std::fprintf(stderr, "weir: error: %s\n", e.what()); }

}  // namespace

RunArgs RunArgs::parse(int argc, const char* const* argv) {
  RunArgs args;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&](std::string_view flag) -> std::string_view {
      if (i + 1 >= argc) {
        throw std::invalid_argument(fmt::format("{} needs a value", flag));
      }
      return argv[++i];
    };
    // "--flag=value" is the same as "--flag value"
    std::string_view inline_value;
    bool has_inline = false;
    if (a.starts_with("--")) {
      if (auto eq = a.find('='); eq != std::string_view::npos) {
        inline_value = a.substr(eq + 1);
        a = a.substr(0, eq);
        has_inline = true;
      }
    }
    auto arg = [&](std::string_view flag) { return has_inline ? inline_value : value(flag); };
    if (a == "-h" || a == "--help") {
      args.help = true;
    } else if (a == "-w" || a == "--workers") {
      args.config.workers = parse_count(a, arg(a), kMaxWorkers);
    } else if (a == "-r" || a == "--recovery-directory") {
      std::string_view dir = arg(a);
      if (dir.empty()) {
        throw std::invalid_argument(fmt::format("{} needs a directory", a));
      }
      args.config.recovery_directory = std::string(dir);
    } else if (a == "-s" || a == "--snapshot-interval") {
      args.config.epoch_interval = parse_seconds(a, arg(a));
    } else if (a == "-b" || a == "--backup-interval") {
      args.config.backup_interval = parse_seconds(a, arg(a));
    } else if (a == "--adopt-store") {
      args.config.adopt_store = true;
    } else if (a == "--") {
      for (++i; i < argc; ++i) {
        args.positional.emplace_back(argv[i]);
      }
    } else if (a.size() > 1 && a[0] == '-') {
      throw std::invalid_argument(fmt::format("unknown flag '{}'; see --help", a));
    } else {
      args.positional.emplace_back(a);
    }
  }
  return args;
}

std::string RunArgs::help_text(const std::string& program, const std::string& usage) {
  return fmt::format(
      "usage: {} [flags]{}{}\n"
      "\n"
      "flags:\n"
      "  -w, --workers N                 worker threads in this process (default 1, at\n"
      "                                  most 1024)\n"
      "  -r, --recovery-directory DIR    resume from and snapshot into the recovery store in\n"
      "                                  DIR (made by `weir-recovery init DIR N`)\n"
      "  -s, --snapshot-interval SECS    epoch length: how often state is snapshotted\n"
      "                                  (default 10; 0 = after every batch)\n"
      "  -b, --backup-interval SECS      how long superseded snapshots are kept (default 0)\n"
      "      --adopt-store               resume from a recovery store another dataflow (or\n"
      "                                  another version of this one) wrote, by step id\n"
      "  -h, --help                      show this help\n",
      program, usage.empty() ? "" : " ", usage);
}

std::optional<RunArgs> RunArgs::parse_program(int argc, const char* const* argv,
                                              std::size_t positional, const std::string& usage,
                                              int& exit_code) {
  return parse_program(argc, argv, positional, positional, usage, exit_code);
}

std::optional<RunArgs> RunArgs::parse_program(int argc, const char* const* argv, std::size_t fewest,
                                              std::size_t most, const std::string& usage,
                                              int& exit_code) {
  RunArgs args;
  try {
    args = parse(argc, argv);
  } catch (const std::invalid_argument& e) {
    print_error(e);
    exit_code = 2;
    return std::nullopt;
  }
  if (args.help || args.positional.size() < fewest || args.positional.size() > most) {
    std::fputs(help_text(argc > 0 ? argv[0] : "dataflow", usage).c_str(),
               args.help ? stdout : stderr);
    exit_code = args.help ? 0 : 2;
    return std::nullopt;
  }
  return args;
}

int run_main(const Dataflow& flow, int argc, const char* const* argv) {
  RunArgs args;
  try {
    args = RunArgs::parse(argc, argv);
    if (!args.positional.empty() && !args.help) {
      throw std::invalid_argument(
          fmt::format("unexpected argument '{}'; see --help", args.positional.front()));
    }
  } catch (const std::invalid_argument& e) {
    print_error(e);
    return 2;
  }
  if (args.help) {
    std::fputs(RunArgs::help_text(argc > 0 ? argv[0] : "dataflow").c_str(), stdout);
    return 0;
  }
  return run_main(flow, args);
}

int run_main(const Dataflow& flow, const RunArgs& args) {
  struct sigaction action {};
  struct sigaction previous {};
  action.sa_handler = on_sigint;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, &previous);
  int code = 0;
  try {
    if (run(flow, args.config) == RunOutcome::aborted) {
      std::fprintf(stderr, "weir: execution aborted\n");
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
  return code;
}

}  // namespace weir
