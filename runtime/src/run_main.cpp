#include "weir/runtime/run_main.hpp"

#include <fmt/format.h>

#include <csignal>
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string_view>

#include "weir/runtime/errors.hpp"

namespace weir {

namespace {

std::size_t parse_count(std::string_view flag, std::string_view value) {
  std::size_t n = 0;
  bool ok = !value.empty();
  for (char c : value) {
    if (c < '0' || c > '9' || n > 100000) {
      ok = false;
      break;
    }
    n = n * 10 + static_cast<std::size_t>(c - '0');
  }
  if (!ok || n == 0) {
    throw std::invalid_argument(
        fmt::format("{} expects a positive whole number, got '{}'", flag, value));
  }
  return n;
}

void on_sigint(int /*sig*/) { interrupt(); }

void print_error(const std::exception& e) { std::fprintf(stderr, "weir: error: %s\n", e.what()); }

}  // namespace

RunArgs RunArgs::parse(int argc, const char* const* argv) {
  RunArgs args;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&](std::string_view flag) -> std::string_view {
      if (i + 1 >= argc) throw std::invalid_argument(fmt::format("{} needs a value", flag));
      return argv[++i];
    };
    if (a == "-h" || a == "--help") {
      args.help = true;
    } else if (a == "-w" || a == "--workers") {
      args.config.workers = parse_count(a, value(a));
    } else if (a.starts_with("--workers=")) {
      args.config.workers = parse_count("--workers", a.substr(10));
    } else if (a == "--") {
      for (++i; i < argc; ++i) args.positional.emplace_back(argv[i]);
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
      "  -w, --workers N   worker threads in this process (default 1)\n"
      "  -h, --help        show this help\n",
      program, usage.empty() ? "" : " ", usage);
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
