// The cluster's TCP mesh on loopback: processes are threads here, each with a Mesh of its
// own on a port picked free at run time.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <weir/core/errors.hpp>
#include <weir/runtime/detail/mesh.hpp>

using weir::detail::Address;
using weir::detail::Hello;
using weir::detail::Mesh;
using weir::detail::MeshOptions;
using namespace std::chrono_literals;

namespace {

/// `n` loopback addresses on ports free just now.
std::vector<Address> free_addresses(std::size_t n) {
  std::vector<Address> out;
  for (auto port : weir::detail::free_loopback_ports(n)) out.push_back({"127.0.0.1", port});
  return out;
}

Hello hello(const std::string& flow = "flow") {
  Hello h;
  h.flow_id = flow;
  h.fingerprint = "f00d";
  h.version = "0.1.0";
  h.workers = 2;
  return h;
}

/// What one process received: per sender, its frames' payloads in order.
struct Inbox {
  std::mutex mutex;
  std::condition_variable cv;
  std::map<std::size_t, std::vector<std::string>> frames;
  std::vector<std::string> lost;
  std::size_t count = 0;

  Mesh::OnFrame on_frame() {
    return [this](std::size_t peer, std::uint8_t kind, std::string payload) {
      std::lock_guard lock(mutex);
      frames[peer].push_back(std::to_string(kind) + ":" + payload);
      ++count;
      cv.notify_all();
    };
  }
  Mesh::OnLost on_lost() {
    return [this](std::size_t /*peer*/, const std::string& why) {
      std::lock_guard lock(mutex);
      lost.push_back(why);
      cv.notify_all();
    };
  }
  template <class Pred>
  bool wait(Pred pred) {
    std::unique_lock lock(mutex);
    return cv.wait_for(lock, 20s, pred);
  }
};

/// Builds the meshes of `addresses.size()` processes on threads; each gets `make(i)`'s hello.
template <class Make>
std::vector<std::unique_ptr<Mesh>> form(const std::vector<Address>& addresses,
                                        std::vector<Inbox>& inboxes, Make make,
                                        std::vector<std::string>* errors = nullptr) {
  std::vector<std::unique_ptr<Mesh>> meshes(addresses.size());
  std::vector<std::string> failed(addresses.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < addresses.size(); ++i) {
    threads.emplace_back([&, i] {
      try {
        meshes[i] = std::make_unique<Mesh>(MeshOptions{addresses, i, 5s}, make(i),
                                           inboxes[i].on_frame(), inboxes[i].on_lost());
      } catch (const std::exception& e) {
        failed[i] = e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  if (errors != nullptr) *errors = failed;
  return meshes;
}

}  // namespace

TEST_CASE("mesh: three processes exchange frames, each sender's in order") {
  const auto addresses = free_addresses(3);
  std::vector<Inbox> inboxes(3);
  auto meshes = form(addresses, inboxes, [](std::size_t) { return hello(); });
  for (auto& m : meshes) REQUIRE(m != nullptr);
  constexpr int kFrames = 2000;
  const std::string big(100000, 'x');  // more than the sockets hold: senders wait for room
  std::vector<std::thread> senders;
  for (std::size_t i = 0; i < 3; ++i) {
    senders.emplace_back([&, i] {
      for (int k = 0; k < kFrames; ++k) {
        for (std::size_t j = 0; j < 3; ++j) {
          if (j == i) continue;
          meshes[i]->send(j, static_cast<std::uint8_t>(k % 7),
                          std::to_string(k) + (k % 100 == 0 ? big : ""));
        }
      }
    });
  }
  for (auto& t : senders) t.join();
  for (std::size_t j = 0; j < 3; ++j) {
    REQUIRE(inboxes[j].wait([&] { return inboxes[j].count == 2 * kFrames; }));
    for (std::size_t i = 0; i < 3; ++i) {
      if (i == j) continue;
      const auto& got = inboxes[j].frames[i];
      REQUIRE(got.size() == kFrames);
      for (int k = 0; k < kFrames; ++k) {
        REQUIRE(got[k] ==
                std::to_string(k % 7) + ":" + std::to_string(k) + (k % 100 == 0 ? big : ""));
      }
    }
  }
  CHECK(meshes[1]->processes() == 3);
  CHECK(meshes[1]->process_id() == 1);
}

TEST_CASE("mesh: a process that never starts is named once the connect timeout passes") {
  const auto addresses = free_addresses(2);
  Inbox inbox;
  const std::string want = "process 1 (" + addresses[1].text() + ") could not reach process 0 (" +
                           addresses[0].text() + ") within 300 ms: Connection refused";
  CHECK_THROWS_WITH(
      Mesh(MeshOptions{addresses, 1, 300ms}, hello(), inbox.on_frame(), inbox.on_lost()), want);
  CHECK_THROWS_WITH(
      Mesh(MeshOptions{addresses, 0, 300ms}, hello(), inbox.on_frame(), inbox.on_lost()),
      "process 0 (" + addresses[0].text() + ") waited 300 ms for process 1 (" +
          addresses[1].text() + ") to connect; it never did");
}

TEST_CASE("mesh: a peer running another dataflow is refused, naming both sides") {
  const auto addresses = free_addresses(2);
  std::vector<Inbox> inboxes(2);
  std::vector<std::string> errors;
  auto meshes = form(
      addresses, inboxes, [](std::size_t i) { return hello(i == 0 ? "orders" : "trades"); },
      &errors);
  CHECK(errors[0] == "process 1 (" + addresses[1].text() +
                         ") runs dataflow 'trades' (fingerprint f00d, weir 0.1.0, 2 processes x "
                         "2 workers); process 0 (" +
                         addresses[0].text() +
                         ") runs dataflow 'orders' (fingerprint f00d, weir 0.1.0, 2 processes x 2 "
                         "workers)");
  CHECK(errors[1] == "process 0 (" + addresses[0].text() +
                         ") runs dataflow 'orders' (fingerprint f00d, weir 0.1.0, 2 processes x "
                         "2 workers); process 1 (" +
                         addresses[1].text() +
                         ") runs dataflow 'trades' (fingerprint f00d, weir 0.1.0, 2 processes x 2 "
                         "workers)");
}

TEST_CASE("mesh: a lost peer is reported once, naming it, and sending to it fails") {
  const auto addresses = free_addresses(2);
  std::vector<Inbox> inboxes(2);
  auto meshes = form(addresses, inboxes, [](std::size_t) { return hello(); });
  REQUIRE(meshes[0] != nullptr);
  REQUIRE(meshes[1] != nullptr);
  meshes[1].reset();  // the process ends
  REQUIRE(inboxes[0].wait([&] { return !inboxes[0].lost.empty(); }));
  CHECK(inboxes[0].lost == std::vector<std::string>{"lost process 1 (" + addresses[1].text() +
                                                    "): it closed the connection"});
  CHECK_THROWS_WITH(meshes[0]->send(1, 1, "late"), "lost process 1 (" + addresses[1].text() + ")");
  CHECK(inboxes[1].lost.empty());  // a mesh that closes reports nothing
}

TEST_CASE("mesh: an addresses file is host:port lines, and a bad one names its line") {
  using weir::detail::parse_addresses;
  CHECK(parse_addresses("# cluster\nweir-0.weir:2101\n\n  10.0.0.2:2101 \r\n[::1]:7\n", "hosts") ==
        std::vector<Address>{{"weir-0.weir", 2101}, {"10.0.0.2", 2101}, {"::1", 7}});
  CHECK_THROWS_WITH(parse_addresses("a:1\nb\n", "hosts"), "hosts line 2: 'b' is not host:port");
  CHECK_THROWS_WITH(parse_addresses("a:x\n", "hosts"), "hosts line 1: 'a:x' has no port number");
  CHECK_THROWS_WITH(parse_addresses("a:70000\n", "hosts"),
                    "hosts line 1: 'a:70000' has a port outside 1-65535");
  CHECK_THROWS_WITH(parse_addresses("\n# none\n", "hosts"), "hosts lists no address");
}
