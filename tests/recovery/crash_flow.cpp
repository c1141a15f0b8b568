// The dataflow the crash test kills: lines "KEY VALUE" of a file -> running sum per key ->
// "KEY TOTAL" lines, written both by an exactly-once FileSink and by an at-least-once sink
// that appends every batch it is given.
//
//   crash_flow [run flags] INPUT EXACT_OUT AT_LEAST_ONCE_OUT
//
// With WEIR_KILL_AT_SNAPSHOT=N in the environment, the process kills itself (SIGKILL) in the
// middle of its N-th epoch snapshot, after the exactly-once file was synced.

#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <weir/weir.hpp>

namespace {

// FileSink's partition, with a way to die in the middle of a snapshot.
class KillableFileSink final : public weir::FixedPartitionedSink<std::string, std::uint64_t> {
 public:
  KillableFileSink(std::string path, long kill_at) : path_(std::move(path)), kill_at_(kill_at) {}
  [[nodiscard]] std::vector<std::string> list_parts() const override { return {path_}; }
  std::unique_ptr<weir::StatefulSinkPartition<std::string, std::uint64_t>> build_part(
      const std::string& /*step_id*/, const std::string& /*for_part*/,
      std::optional<std::uint64_t> resume) const override {
    return std::make_unique<Part>(path_, resume, kill_at_);
  }

 private:
  struct Part final : weir::StatefulSinkPartition<std::string, std::uint64_t> {
    Part(const std::string& path, std::optional<std::uint64_t> resume, long kill_at)
        : file(path, resume), kill_at(kill_at) {}
    void write_batch(std::vector<std::string>&& items) override { file.write_lines(items); }
    std::uint64_t snapshot() override {
      const std::uint64_t n = file.sync();
      if (++snapshots == kill_at) {
        std::raise(SIGKILL);
      }
      return n;
    }
    void close() override { file.close(); }
    weir::files::FileWriter file;
    long kill_at;
    long snapshots = 0;
  };
  std::string path_;
  long kill_at_;
};

// Appends every batch to a file as it arrives: duplicates after a resume are expected.
class AppendSink final : public weir::DynamicSink<std::string> {
 public:
  explicit AppendSink(std::string path) : path_(std::move(path)) {}
  std::unique_ptr<weir::StatelessSinkPartition<std::string>> build(
      const std::string& /*step*/, std::size_t /*worker*/, std::size_t /*n*/) const override {
    return std::make_unique<Part>(path_);
  }

 private:
  struct Part final : weir::StatelessSinkPartition<std::string> {
    explicit Part(const std::string& path)
        : fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) {
      if (fd < 0) {
        throw std::runtime_error("cannot open " + path);
      }
    }
    ~Part() override { ::close(fd); }
    Part(const Part&) = delete;
    Part& operator=(const Part&) = delete;
    void write_batch(std::vector<std::string>&& items) override {
      std::string buf;
      for (auto& s : items) {
        buf.append(s).push_back('\n');
      }
      if (::write(fd, buf.data(), buf.size()) != static_cast<ssize_t>(buf.size())) {
        throw std::runtime_error("short write");
      }
    }
    int fd;
  };
  std::string path_;
};

}  // namespace

int main(int argc, char** argv) {
  weir::CommandLine cli;
  std::string input;
  std::string exact_out;
  std::string at_least_once_out;
  cli.positional("INPUT", input, "lines 'key number'");
  cli.positional("EXACT_OUT", exact_out, "the exactly-once output");
  cli.positional("AT_LEAST_ONCE_OUT", at_least_once_out, "the at-least-once output");
  if (auto exit_code = cli.parse(argc, argv)) return *exit_code;
  const char* kill_at = std::getenv("WEIR_KILL_AT_SNAPSHOT");
  weir::Dataflow flow("crash");
  auto lines = weir::op::input("lines", flow, weir::files::FileSource(input, 50));
  auto kv = weir::op::map("parse", lines, [](std::string&& line) {
    const auto space = line.find(' ');
    return std::pair(line.substr(0, space), std::stol(line.substr(space + 1)));
  });
  auto sums = weir::op::stateful_map<long>("sum", kv, [](std::optional<long>& s, long v) {
    s = s.value_or(0) + v;
    return *s;
  });
  auto text = weir::op::map("format", sums, [](std::pair<std::string, long>&& p) {
    std::string line = p.first;
    line.push_back(' ');
    line.append(std::to_string(p.second));
    return std::pair(std::move(p.first), std::move(line));
  });
  weir::op::output("exact", text,
                   KillableFileSink(exact_out, kill_at != nullptr ? std::atol(kill_at) : 0));
  auto values = weir::op::map(
      "values", text, [](std::pair<std::string, std::string>&& p) { return std::move(p.second); });
  weir::op::output("at_least_once", values, AppendSink(at_least_once_out));
  return cli.run(flow);
}
