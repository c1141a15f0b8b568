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
#include "weir/runtime/detail/mesh.hpp"
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

void on_stop_signal(int /*sig*/) { interrupt(); }

/// Each flag's environment variable, read before the command line (which wins).
constexpr std::pair<const char*, const char*> kEnvironment[] = {
    {"WEIR_WORKERS", "--workers"},
    {"WEIR_RECOVERY_DIRECTORY", "--recovery-directory"},
    {"WEIR_SNAPSHOT_INTERVAL", "--snapshot-interval"},
    {"WEIR_BACKUP_INTERVAL", "--backup-interval"},
    {"WEIR_PROCESSES", "--processes"},
    {"WEIR_PROCESS_ID", "--process-id"},
    {"WEIR_ADDRESSES", "--addresses"},
    {"WEIR_CONNECT_TIMEOUT", "--connect-timeout"},
};

/// A process id: a whole number from 0.
std::size_t parse_id(std::string_view flag, std::string_view value) {
  if (value == "0") {
    return 0;
  }
  return parse_count(flag, value, kMaxWorkers - 1);
}

/// The "host:port" lines of an addresses file.
std::vector<std::string> read_addresses(std::string_view flag, const std::string& file) {
  std::ifstream in(file);
  if (!in) {
    throw std::invalid_argument(fmt::format("{}: cannot read '{}'", flag, file));
  }
  std::stringstream text;
  text << in.rdbuf();
  std::vector<std::string> out;
  for (const auto& a : detail::parse_addresses(text.str(), file)) {
    out.push_back(a.text());
  }
  return out;
}

void print_error(const std::exception& e) { std::fprintf(stderr, "weir: error: %s\n", e.what()); }

}  // namespace

RunArgs RunArgs::parse(int argc, const char* const* argv) {
  RunArgs args;
  for (int i = 0; i < argc; ++i) {
    args.argv.emplace_back(argv[i]);
  }
  // the environment first, as if its flags came before the command line's
  std::vector<std::string> env_args;
  std::vector<std::string> env_names;
  for (const auto& [var, flag] : kEnvironment) {
    if (const char* v = std::getenv(var); v != nullptr && *v != '\0') {
      env_args.push_back(std::string(flag) + "=" + v);
      env_names.push_back(std::string(var) + "=" + v);
    }
  }
  std::vector<const char*> all{argc > 0 ? argv[0] : "dataflow"};
  for (const auto& e : env_args) {
    all.push_back(e.c_str());
  }
  for (int i = 1; i < argc; ++i) {
    all.push_back(argv[i]);
  }
  argc = static_cast<int>(all.size());
  argv = all.data();
  bool has_id = false;
  for (int i = 1; i < argc; ++i) {
    const auto at = static_cast<std::size_t>(i);
    try {
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
      } else if (a == "-p" || a == "--processes") {
        args.processes = parse_count(a, arg(a), kMaxWorkers);
      } else if (a == "-i" || a == "--process-id") {
        args.config.process_id = parse_id(a, arg(a));
        has_id = true;
      } else if (a == "-a" || a == "--addresses") {
        args.config.addresses = read_addresses(a, std::string(arg(a)));
      } else if (a == "--connect-timeout") {
        args.config.connect_timeout = parse_seconds(a, arg(a));
      } else if (a == "--") {
        for (++i; i < argc; ++i) {
          args.positional.emplace_back(argv[i]);
        }
      } else if (a.size() > 1 && a[0] == '-') {
        throw std::invalid_argument(fmt::format("unknown flag '{}'; see --help", a));
      } else {
        args.positional.emplace_back(a);
      }
    } catch (const std::invalid_argument& e) {
      if (at <= env_names.size()) {  // name the variable the bad value came from
        throw std::invalid_argument(fmt::format("{}: {}", env_names[at - 1], e.what()));
      }
      throw;
    }
  }
  const bool cluster = !args.config.addresses.empty();
  if (args.processes > 1 && (cluster || has_id)) {
    throw std::invalid_argument(
        "-p starts a cluster's processes itself; it does not go with -i or -a");
  }
  if (cluster && !has_id) {
    throw std::invalid_argument("-a needs this process's id: -i (or WEIR_PROCESS_ID)");
  }
  if (has_id && !cluster) {
    throw std::invalid_argument("-i needs the cluster's addresses: -a FILE (or WEIR_ADDRESSES)");
  }
  if (cluster && args.config.process_id >= args.config.addresses.size()) {
    throw std::invalid_argument(fmt::format("-i {} is not a line of the addresses file ({} lines)",
                                            args.config.process_id, args.config.addresses.size()));
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
      "  -p, --processes N               run N local processes of this program as one\n"
      "                                  cluster (each with -w workers)\n"
      "  -i, --process-id I              this process's line in the addresses file (from 0)\n"
      "  -a, --addresses FILE            the cluster: one host:port per process, the same\n"
      "                                  file in every process\n"
      "      --connect-timeout SECS      how long to wait for the other processes at start\n"
      "                                  (default 30)\n"
      "  -h, --help                      show this help\n"
      "\n"
      "Each flag can also be set in the environment (the command line wins): WEIR_WORKERS,\n"
      "WEIR_RECOVERY_DIRECTORY, WEIR_SNAPSHOT_INTERVAL, WEIR_BACKUP_INTERVAL,\n"
      "WEIR_PROCESSES, WEIR_PROCESS_ID, WEIR_ADDRESSES, WEIR_CONNECT_TIMEOUT.\n",
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
  if (args.processes > 1) {
    try {
      return detail::run_local_cluster(args.processes, args.argv);
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
  sigaction(SIGTERM, &previous_term, nullptr);
  return code;
}

}  // namespace weir
