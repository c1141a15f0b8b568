// weir's own flags (RunArgs) on a CommandLine, and the conversions of values that every flag,
// weir's or a program's, goes through.
#include "run_flags.hpp"

#include <fmt/format.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "weir/runtime/command_line.hpp"
#include "weir/runtime/detail/mesh.hpp"

namespace weir {

namespace detail {

namespace {

/// The whole of `value` as a T, or none.
template <class T>
std::optional<T> whole_of(const std::string& value) {
  T n{};
  const char* end = value.data() + value.size();
  auto [at, ec] = std::from_chars(value.data(), end, n);
  if (ec != std::errc() || at != end) {
    return std::nullopt;
  }
  return n;
}

/// "host:port" lines of an addresses file.
std::vector<std::string> read_addresses(const std::string& flag, const std::string& file) {
  std::ifstream in(file);
  if (!in) {
    throw std::invalid_argument(fmt::format("{}: cannot read '{}'", flag, file));
  }
  std::stringstream text;
  text << in.rdbuf();
  std::vector<std::string> out;
  for (const auto& a : parse_addresses(text.str(), file)) {
    out.push_back(a.text());
  }
  return out;
}

}  // namespace

std::size_t parse_whole(const std::string& flag, const std::string& value) {
  const bool digits = !value.empty() && value.find_first_not_of("0123456789") == std::string::npos;
  const auto n = digits ? whole_of<std::size_t>(value) : std::nullopt;
  if (!n) {
    throw std::invalid_argument(
        fmt::format("{} expects a whole number (0 or more), got '{}'", flag, value));
  }
  return *n;
}

std::int64_t parse_integer(const std::string& flag, const std::string& value) {
  const auto n = whole_of<std::int64_t>(value);
  if (!n) {
    throw std::invalid_argument(fmt::format("{} expects a whole number, got '{}'", flag, value));
  }
  return *n;
}

double parse_number(const std::string& flag, const std::string& value) {
  double d = 0;
  const char* end = value.data() + value.size();
  auto [at, ec] = std::from_chars(value.data(), end, d);
  if (ec != std::errc() || at != end || !std::isfinite(d)) {
    throw std::invalid_argument(fmt::format("{} expects a number, got '{}'", flag, value));
  }
  return d;
}

bool parse_bool(const std::string& flag, const std::string& value) {
  if (value == "1" || value == "true" || value == "yes") {
    return true;
  }
  if (value == "0" || value == "false" || value == "no") {
    return false;
  }
  throw std::invalid_argument(
      fmt::format("{} expects 1, true, yes, 0, false or no, got '{}'", flag, value));
}

std::size_t parse_count(const std::string& flag, const std::string& value, std::size_t most) {
  const bool digits = !value.empty() && value.find_first_not_of("0123456789") == std::string::npos;
  if (!digits || value.find_first_not_of('0') == std::string::npos) {
    throw std::invalid_argument(
        fmt::format("{} expects a positive whole number, got '{}'", flag, value));
  }
  const auto n = whole_of<std::size_t>(value);
  if (!n || *n > most) {
    throw std::invalid_argument(fmt::format("{} is at most {}, got '{}'", flag, most, value));
  }
  return *n;
}

Duration parse_seconds(const std::string& flag, const std::string& value) {
  const bool ok = !value.empty() && value.size() <= 20 &&
                  value.find_first_not_of("0123456789.") == std::string::npos &&
                  value.find('.') == value.rfind('.') && value != ".";
  if (!ok) {
    throw std::invalid_argument(
        fmt::format("{} expects a number of seconds (0 or more), got '{}'", flag, value));
  }
  const double seconds = std::stod(value);
  if (seconds > 1e9) {
    throw std::invalid_argument(fmt::format("{} is too long: '{}' seconds", flag, value));
  }
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(seconds));
}

void check_run_flags(const RunArgs& args) {
  const bool cluster = !args.config.addresses.empty();
  if (args.processes > 1 && (cluster || args.has_process_id)) {
    throw std::invalid_argument(
        "-p starts a cluster's processes itself; it does not go with -i or -a");
  }
  if (cluster && !args.has_process_id) {
    throw std::invalid_argument("-a needs this process's id: -i (or WEIR_PROCESS_ID)");
  }
  if (args.has_process_id && !cluster) {
    throw std::invalid_argument("-i needs the cluster's addresses: -a FILE (or WEIR_ADDRESSES)");
  }
  if (cluster && args.config.process_id >= args.config.addresses.size()) {
    throw std::invalid_argument(fmt::format("-i {} is not a line of the addresses file ({} lines)",
                                            args.config.process_id, args.config.addresses.size()));
  }
}

}  // namespace detail

void CommandLine::add_run_flags() {
  RunArgs& a = args_;
  RunConfig& c = a.config;
  add_setting("-w,--workers", "N", "worker threads in this process (default 1, at most 1024)",
              "WEIR_WORKERS", [&c](const std::string& flag, const std::string& v) {
                c.workers = detail::parse_count(flag, v, kMaxWorkers);
              });
  add_setting("-r,--recovery-directory", "DIR",
              "resume from and snapshot into the recovery store in this directory (made by "
              "`weir-recovery init DIR N`)",
              "WEIR_RECOVERY_DIRECTORY", [&c](const std::string& flag, const std::string& v) {
                if (v.empty()) {
                  throw std::invalid_argument(fmt::format("{} needs a directory", flag));
                }
                c.recovery_directory = v;
              });
  add_setting("-s,--snapshot-interval", "SECS",
              "epoch length in seconds: how often state is snapshotted (default 10; 0 = after "
              "every batch)",
              "WEIR_SNAPSHOT_INTERVAL", [&c](const std::string& flag, const std::string& v) {
                c.epoch_interval = detail::parse_seconds(flag, v);
              });
  add_setting("-b,--backup-interval", "SECS",
              "how long superseded snapshots are kept, in seconds (default 0)",
              "WEIR_BACKUP_INTERVAL", [&c](const std::string& flag, const std::string& v) {
                c.backup_interval = detail::parse_seconds(flag, v);
              });
  add_setting("--adopt-store", "",
              "resume from a recovery store another dataflow (or another version of this one) "
              "wrote, by step id",
              "WEIR_ADOPT_STORE", [&c](const std::string& flag, const std::string& v) {
                c.adopt_store = detail::parse_bool(flag, v);
              });
  add_setting("-p,--processes", "N",
              "run this many local processes of this program as one cluster (each with -w "
              "workers)",
              "WEIR_PROCESSES", [&a](const std::string& flag, const std::string& v) {
                a.processes = detail::parse_count(flag, v, kMaxWorkers);
              });
  add_setting("-i,--process-id", "I", "this process's line in the addresses file (from 0)",
              "WEIR_PROCESS_ID", [&a](const std::string& flag, const std::string& v) {
                a.config.process_id = v == "0" ? 0 : detail::parse_count(flag, v, kMaxWorkers - 1);
                a.has_process_id = true;
              });
  add_setting("-a,--addresses", "FILE",
              "the cluster: a file of one host:port per process, the same file in every process",
              "WEIR_ADDRESSES", [&c](const std::string& flag, const std::string& v) {
                c.addresses = detail::read_addresses(flag, v);
              });
  add_setting("--log-level", "LEVEL",
              "the lowest level logged: trace, debug, info, warn, error or off (default info)",
              "WEIR_LOG", [&a](const std::string& flag, const std::string& v) {
                try {
                  a.log_level = log::parse_level(v);
                } catch (const std::invalid_argument& e) {
                  throw std::invalid_argument(fmt::format("{} {}", flag, e.what()));
                }
              });
  add_setting("--metrics", "HOST:PORT",
              "serve Prometheus metrics on http://HOST:PORT/metrics (with -p N, process i on "
              "PORT + i)",
              "WEIR_METRICS", [&a](const std::string& flag, const std::string& v) {
                try {
                  a.metrics_address = detail::parse_address(v, true).text();
                } catch (const std::invalid_argument& e) {
                  throw std::invalid_argument(fmt::format("{}: {}", flag, e.what()));
                }
              });
  add_setting(
      "--graph", "FORMAT", "print the dataflow's picture (mermaid or dot) and exit without running",
      "WEIR_GRAPH", [&a](const std::string& flag, const std::string& v) {
        if (v == "mermaid") {
          a.graph = GraphFormat::mermaid;
        } else if (v == "dot") {
          a.graph = GraphFormat::dot;
        } else {
          throw std::invalid_argument(fmt::format("{} expects mermaid or dot, got '{}'", flag, v));
        }
      });
  add_setting("--connect-timeout", "SECS",
              "how long to wait for the other processes at start, in seconds (default 30)",
              "WEIR_CONNECT_TIMEOUT", [&c](const std::string& flag, const std::string& v) {
                c.connect_timeout = detail::parse_seconds(flag, v);
              });
}

}  // namespace weir
