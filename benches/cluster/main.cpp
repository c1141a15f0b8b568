// cluster: the pipeline workload (pipeline/flow.hpp) on 1 process x 2 workers and on 2
// processes x 1 worker over loopback, and the transport against plain TCP.
//
//   bench_cluster [ITEMS_PER_PARTITION] [REPEATS] [--keys K]  (defaults: 25000000 3, 1000 keys)
//
// w1x2 and p2x1 run the same dataflow with the same parameters; each must give the other's
// count and total of the running sums. p2x1 is timed from starting the two processes to both
// exiting, so it pays for process start and the mesh's handshake too. Each p2x1 process reports the
// frames and bytes its mesh sent (Mesh::traffic): their quotient is the batch size on the wire.
//
// The transport alone: `mesh` sends the same bytes, in frames of that size, from one mesh
// end to another (two Mesh objects in this process, over loopback), and `raw` sends them
// through one plain Asio TCP loopback connection in writes of the same size; each is timed
// until the receiver has every byte. Goals: p2x1 >= 0.5 x w1x2, mesh >= 0.7 x raw.
//
// (internal) bench_cluster --process I ADDRESSES ITEMS KEYS: one process of p2x1.

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio.hpp>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_support.hpp"
#include "pipeline/flow.hpp"
#include "weir/runtime/detail/mesh.hpp"

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX

namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

int run_process(std::size_t id, const std::string& addresses, std::uint64_t n, std::uint64_t keys) {
  weir_bench::quiet_logs();
  std::ifstream in(addresses);
  std::vector<std::string> list;
  for (std::string line; std::getline(in, line);) {
    list.push_back(line);
  }
  const weir_bench::Outcome got =
      weir_bench::run_pipeline(n, keys, {.workers = 1, .addresses = list, .process_id = id});
  const weir::detail::MeshTraffic sent = weir::detail::Mesh::traffic();
  std::printf("%lu %lu %lu %lu\n", got.count, got.sum, sent.bytes, sent.frames);
  return 0;
}

struct P2x1 {
  double seconds = 0;
  weir_bench::Outcome outcome;
  std::uint64_t bytes = 0;
  std::uint64_t writes = 0;
};

/// Runs p2x1: this program twice as the two processes of a cluster.
P2x1 run_p2x1(std::uint64_t n, std::uint64_t keys) {
  const auto ports = weir::detail::free_loopback_ports(2);
  char path[] = "/tmp/weir-bench-cluster-XXXXXX";
  const int fd = ::mkstemp(path);
  const std::string text = fmt::format("127.0.0.1:{}\n127.0.0.1:{}\n", ports[0], ports[1]);
  if (fd < 0 || ::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    throw std::runtime_error("cannot write the addresses file");
  }
  ::close(fd);
  P2x1 r;
  std::vector<pid_t> pids;
  std::vector<std::string> outs;
  r.seconds = weir_bench::seconds([&] {
    for (int i = 0; i < 2; ++i) {
      const std::string out = fmt::format("{}.{}", path, i);
      outs.push_back(out);
      posix_spawn_file_actions_t actions;
      posix_spawn_file_actions_init(&actions);
      posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                       0644);
      std::vector<std::string> args{"/proc/self/exe",  "--process",         std::to_string(i), path,
                                    std::to_string(n), std::to_string(keys)};
      std::vector<char*> argv;
      for (auto& a : args) {
        argv.push_back(a.data());
      }
      argv.push_back(nullptr);
      pid_t pid = 0;
      if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ) != 0) {
        throw std::runtime_error("cannot start a process");
      }
      posix_spawn_file_actions_destroy(&actions);
      pids.push_back(pid);
    }
    for (pid_t p : pids) {
      int status = 0;
      ::waitpid(p, &status, 0);
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        throw std::runtime_error("a p2x1 process failed");
      }
    }
  });
  for (const auto& out : outs) {
    std::ifstream in(out);
    std::uint64_t c = 0;
    std::uint64_t s = 0;
    std::uint64_t b = 0;
    std::uint64_t w = 0;
    in >> c >> s >> b >> w;
    r.outcome.count += c;
    r.outcome.sum += s;
    r.bytes += b;
    r.writes += w;
    ::unlink(out.c_str());
  }
  ::unlink(path);
  return r;
}

/// Seconds to move `total` bytes in writes of `chunk` through one plain TCP loopback
/// connection, until the reader has them all.
double run_raw(std::uint64_t total, std::size_t chunk) {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  tcp::socket writer(io);
  writer.connect(acceptor.local_endpoint());
  tcp::socket reader = acceptor.accept();
  std::uint64_t got = 0;
  const std::string block(chunk, 'x');
  return weir_bench::seconds([&] {
    std::thread t([&] {
      std::vector<char> buf(1U << 16U);
      while (got < total) {
        got += reader.read_some(asio::buffer(buf));
      }
    });
    for (std::uint64_t sent = 0; sent < total; sent += chunk) {
      asio::write(writer, asio::buffer(block.data(), std::min<std::uint64_t>(chunk, total - sent)));
    }
    t.join();
  });
}

/// Seconds to move `total` bytes in frames of `chunk` from one mesh end to the other.
double run_mesh(std::uint64_t total, std::size_t chunk) {
  std::vector<weir::detail::Address> addresses;
  for (auto port : weir::detail::free_loopback_ports(2)) {
    addresses.push_back({"127.0.0.1", port});
  }
  weir::detail::Hello hello;
  hello.flow_id = "bench";
  hello.fingerprint = "0";
  hello.version = "0";
  hello.processes = 2;
  std::mutex mutex;
  std::condition_variable cv;
  std::uint64_t got = 0;
  auto on_frame = [&](std::size_t, std::uint8_t, std::string payload) {
    std::lock_guard lock(mutex);
    got += payload.size();
    cv.notify_all();
  };
  auto on_lost = [](std::size_t, const std::string&) {};
  std::unique_ptr<weir::detail::Mesh> receiver;
  std::thread t([&] {
    weir::detail::Hello h = hello;
    h.process_id = 1;
    receiver = std::make_unique<weir::detail::Mesh>(weir::detail::MeshOptions{addresses, 1}, h,
                                                    on_frame, on_lost);
  });
  hello.process_id = 0;
  weir::detail::Mesh sender(weir::detail::MeshOptions{addresses, 0}, hello, on_frame, on_lost);
  t.join();
  const std::string block(chunk, 'x');
  return weir_bench::seconds([&] {
    for (std::uint64_t sent = 0; sent < total; sent += chunk) {
      sender.send(1, 1,
                  std::string_view(block).substr(0, std::min<std::uint64_t>(chunk, total - sent)));
    }
    std::unique_lock lock(mutex);
    cv.wait(lock, [&] { return got >= total; });
  });
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 6 && std::string(argv[1]) == "--process") {
    return run_process(std::stoul(argv[2]), argv[3], std::stoull(argv[4]), std::stoull(argv[5]));
  }
  const weir_bench::Args args = weir_bench::parse_args(
      argc, argv, {.items = 25'000'000, .repeats = 3, .options = {{"keys", 1000}}},
      "[ITEMS_PER_PARTITION] [REPEATS] [--keys K]");
  if (!args.only.empty()) {
    return std::fprintf(stderr, "bench_cluster has no ONLY argument\n"), 2;
  }
  if (args.keys() % 2 != 0) {
    return std::fprintf(stderr, "--keys must be even (2 partitions)\n"), 2;
  }
  const std::uint64_t n = args.items;
  const int repeats = args.repeats;
  const std::uint64_t keys = args.keys();
  const double total = 2.0 * static_cast<double>(n);
  std::vector<double> w1x2;
  std::vector<double> p2x1;
  std::vector<double> mesh;
  std::vector<double> raw;
  P2x1 last;
  for (int r = 0; r < repeats; ++r) {
    weir_bench::Outcome c;
    w1x2.push_back(
        weir_bench::seconds([&] { c = weir_bench::run_pipeline(n, keys, {.workers = 2}); }));
    const weir_bench::Outcome loop = weir_bench::run_loop(n, keys);
    if (!(c == loop)) {
      return std::fprintf(stderr, "w1x2: %lu items totalling %lu, the loop %lu and %lu\n", c.count,
                          c.sum, loop.count, loop.sum),
             1;
    }
    last = run_p2x1(n, keys);
    if (!(last.outcome == c)) {
      return std::fprintf(stderr, "p2x1: %lu items totalling %lu, w1x2 %lu and %lu\n",
                          last.outcome.count, last.outcome.sum, c.count, c.sum),
             1;
    }
    p2x1.push_back(last.seconds);
    const std::size_t chunk = last.writes > 0 ? last.bytes / last.writes : 1;
    mesh.push_back(run_mesh(last.bytes, chunk));
    raw.push_back(run_raw(last.bytes, chunk));
  }
  const double r12 = total / weir_bench::median(w1x2);
  const double r21 = total / weir_bench::median(p2x1);
  const auto bytes = static_cast<double>(last.bytes);
  const double wire = bytes / weir_bench::median(mesh);
  const double plain = bytes / weir_bench::median(raw);
  const double during = bytes / weir_bench::median(p2x1);
  std::printf("cluster: pipeline, 2 partitions x %lu items, %lu keys, median of %d runs\n", n, keys,
              repeats);
  std::printf("%-10s %14s %10s\n", "run", "items/s", "ratio");
  std::printf("%-10s %14.3e %10s\n", "w1x2", r12, "1.00");
  std::printf("%-10s %14.3e %10.2f  (goal >= 0.50 x w1x2)\n", "p2x1", r21, r21 / r12);
  std::printf("p2x1 sent %.3e bytes in %lu frames (%.0f bytes each), %.3e bytes/s during the run\n",
              bytes, last.writes,
              bytes / static_cast<double>(std::max<std::uint64_t>(last.writes, 1)), during);
  std::printf("%-10s %14s %10s\n", "transport", "bytes/s", "ratio");
  std::printf("%-10s %14.3e %10s\n", "raw", plain, "1.00");
  std::printf("%-10s %14.3e %10.2f  (goal >= 0.70 x raw)\n", "mesh", wire, wire / plain);
  weir_bench::write_results("cluster", {{"w1x2", r12},
                                        {"p2x1", r21},
                                        {"wire_bytes_per_s", wire},
                                        {"raw_bytes_per_s", plain},
                                        {"p2x1_bytes_per_s", during},
                                        {"items", total}});
  return 0;
}
