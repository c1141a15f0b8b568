// Push-style sources: Subject, Producer and StatefulProducer run on threads of their own.
#include <dirent.h>
#include <unistd.h>

#include <array>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>

#include <weir/inputs/push_source.hpp>

#include "support.hpp"

using namespace std::chrono_literals;
using weir::push::Producer;
using weir::push::PushOptions;
using weir::push::PushSource;
using weir::push::StatefulProducer;
using weir::push::Subject;
using Ints = std::vector<int>;

namespace {

/// Waits (up to 20 s) until `done()`.
template <class F>
bool eventually(F&& done) {
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return false;
    }
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

// Pushes 0..n-1, committing every `group` items, then closes.
class Counting final : public Subject<int> {
 public:
  Counting(int n, int group) : n_(n), group_(group) {}
  void run() override {
    for (int i = 0; i < n_; ++i) {
      next(i);
      if ((i + 1) % group_ == 0) {
        commit();
      }
    }
    close();
  }

 private:
  int n_;
  int group_;
};

template <class T>
std::vector<T> drain(weir::StatefulSourcePartition<T, std::string>& p) {
  std::vector<T> got;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (auto batch = p.next_batch()) {
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    got.insert(got.end(), batch->begin(), batch->end());
    if (batch->empty()) {
      std::this_thread::sleep_for(1ms);
    }
  }
  return got;
}

}  // namespace

TEST_CASE("a Subject's items reach the dataflow in order, a committed group within one epoch") {
  weir::Dataflow flow("push");
  auto s = weir::op::input(
      "in", flow,
      PushSource<Counting>(
          "subject", [](const std::string&) { return std::make_unique<Counting>(10'000, 7); },
          PushOptions{.backlog = 64}));  // many batches
  std::mutex m;
  std::map<int, weir::Epoch> epoch_of;
  weir::op::inspect_debug("epochs", s,
                          [&](const std::string&, const int& x, weir::Epoch e, std::size_t) {
                            std::lock_guard lock(m);
                            epoch_of[x] = e;
                          });
  weir::testing::TestingSink<int> sink;
  weir::op::output("out", s, sink);
  // an epoch per batch: groups may only share an epoch, never be split
  weir::run(flow, {.epoch_interval = weir::Duration::zero()});
  Ints expected(10'000);
  for (int i = 0; i < 10'000; ++i) {
    expected[i] = i;
  }
  CHECK(sink.items() == expected);
  int split = 0;
  for (int g = 0; g + 7 <= 10'000; g += 7) {
    for (int i = g; i < g + 7; ++i) {
      split += epoch_of[i] != epoch_of[g] ? 1 : 0;
    }
  }
  CHECK(split == 0);
  CHECK(epoch_of[9'999] > epoch_of[0]);  // it did span several epochs
}

TEST_CASE("a Subject's uncommitted items are released by autocommit; close() ends it") {
  struct Waiting final : Subject<std::string> {
    std::mutex m;
    std::condition_variable cv;
    bool go = false;
    std::atomic<bool> stopped{false};
    void run() override {
      next("a");
      next("b");  // never committed by hand
      std::unique_lock lock(m);
      cv.wait(lock, [&] { return go; });
      next("c");
      close();
    }
    void on_stop() override { stopped = true; }
  };
  Waiting* subject = nullptr;
  weir::Dataflow flow("push");
  auto s = weir::op::input("in", flow,
                           PushSource<Waiting>(
                               "w",
                               [&](const std::string&) {
                                 auto w = std::make_unique<Waiting>();
                                 subject = w.get();
                                 return w;
                               },
                               PushOptions{.autocommit = 20ms}));
  weir::testing::TestingSink<std::string> sink;
  weir::op::output("out", s, sink);
  std::thread run([&] { weir::run(flow); });
  CHECK(eventually([&] { return sink.items().size() == 2; }));
  {
    // notified under the lock: once released, the subject may end and be destroyed
    std::lock_guard lock(subject->m);
    subject->go = true;
    subject->cv.notify_all();
  }
  run.join();
  CHECK(sink.items() == std::vector<std::string>{"a", "b", "c"});
}

TEST_CASE("a Producer runs until the dataflow stops it; one ignoring running() is reported") {
  struct Endless final : Producer<int> {
    void run() override {
      for (int i = 0; running(); ++i) {
        produce(i);
      }
    }
  };
  weir::Dataflow flow("push");
  auto s = weir::op::input("in", flow, PushSource<Endless>("p", [](const std::string&) {
                             return std::make_unique<Endless>();
                           }));
  auto checked = weir::op::map("stop", s, [](int x) {
    if (x == 5000) {
      throw weir::AbortExecution();
    }
    return x;
  });
  weir::testing::TestingSink<int> sink;
  weir::op::output("out", checked, sink);
  CHECK(weir::run(flow) == weir::RunOutcome::aborted);
  const Ints got = sink.items();
  REQUIRE(got.size() <= 5000);
  for (std::size_t i = 0; i < got.size(); ++i) {
    REQUIRE(got[i] == static_cast<int>(i));
  }

  struct Deaf final : Producer<int> {
    std::atomic<bool> release{false};
    void run() override {
      produce(1);
      while (!release) {
        std::this_thread::sleep_for(1ms);
      }
    }
  };
  Deaf* deaf = nullptr;
  PushSource<Deaf> src(
      "deaf",
      [&](const std::string&) {
        auto d = std::make_unique<Deaf>();
        deaf = d.get();
        return d;
      },
      PushOptions{.shutdown_timeout = 50ms});
  auto part = src.build_part("s", "deaf", std::nullopt);
  CHECK(eventually([&] { return part->next_batch() == Ints{1}; }));
  CHECK(weir_test::error_of([&] { part->close(); }) ==
        "run() did not return within the shutdown timeout of 50 ms after the source was stopped");
  deaf->release = true;  // the detached thread may now end
  std::this_thread::sleep_for(20ms);
}

TEST_CASE("a full backlog blocks the pushing thread until the worker takes items") {
  std::atomic<int> pushed{0};
  struct Fast final : Producer<int> {
    std::atomic<int>* pushed = nullptr;
    void run() override {
      for (int i = 0; i < 1000; ++i) {
        produce(i);
        ++*pushed;
      }
    }
  };
  PushSource<Fast> src(
      "fast",
      [&](const std::string&) {
        auto f = std::make_unique<Fast>();
        f->pushed = &pushed;
        return f;
      },
      PushOptions{.backlog = 64});
  auto part = src.build_part("s", "fast", std::nullopt);
  std::this_thread::sleep_for(50ms);
  CHECK(pushed == 64);  // the ring is full: produce() blocks
  Ints expected(1000);
  for (int i = 0; i < 1000; ++i) {
    expected[i] = i;
  }
  CHECK(drain(*part) == expected);
}

TEST_CASE("partitions of a push source each run on their own thread with their own object") {
  struct Range final : Producer<std::string> {
    explicit Range(std::string p) : part(std::move(p)) {}
    std::string part;
    void run() override {
      for (int i = 0; i < 100; ++i) {
        produce(part + "-" + std::to_string(i));
      }
    }
  };
  weir::Dataflow flow("push");
  auto s = weir::op::input(
      "in", flow,
      PushSource<Range>(std::vector<std::string>{"a", "b", "c"},
                        [](const std::string& p) { return std::make_unique<Range>(p); }));
  weir::testing::TestingSink<std::string> sink;
  weir::op::output("out", s, sink);
  weir::run(flow, {.workers = 2});
  std::vector<std::string> expected;
  for (const char* p : {"a", "b", "c"}) {
    for (int i = 0; i < 100; ++i) {
      expected.push_back(std::string(p) + "-" + std::to_string(i));
    }
  }
  CHECK(weir_test::sorted(sink.items()) == weir_test::sorted(expected));
}

TEST_CASE(
    "an exception in run() stops the dataflow naming step and partition, after every "
    "committed item") {
  struct Failing final : Subject<int> {
    void run() override {
      for (int i = 0; i < 5; ++i) {
        next(i);
      }
      commit();
      next(98);  // never committed: lost with the failure
      next(99);
      throw std::runtime_error("client lost");
    }
  };
  weir::Dataflow flow("push");
  auto s = weir::op::input("in", flow, PushSource<Failing>("ws", [](const std::string&) {
                             return std::make_unique<Failing>();
                           }));
  weir::testing::TestingSink<int> sink;
  weir::op::output("out", s, sink);
  CHECK(weir_test::error_of([&] { weir::run(flow); }) ==
        "step 'push.in' failed in next_batch of op::input(\"in\") (partition 'ws', worker 0): "
        "client lost");
  CHECK(sink.items() == Ints{0, 1, 2, 3, 4});
}

TEST_CASE("a StatefulProducer's snapshot is the state flushed with the items delivered") {
  // counts up to `upto`, flushing every third item; then waits to be stopped
  struct Counter final : StatefulProducer<int> {
    int upto = 10;
    void run() override {
      for (int n = std::stoi(state().get("n").value_or("0")); n < upto; ++n) {
        produce(n);
        state().set("n", std::to_string(n + 1));
        if (n % 3 == 2) {
          flush();
        }
      }
      while (running()) {
        std::this_thread::sleep_for(1ms);
      }
    }
  };
  PushSource<Counter> src("c", [](const std::string&) { return std::make_unique<Counter>(); });
  auto part = src.build_part("s", "c", std::nullopt);
  Ints got;
  CHECK(eventually([&] {
    auto b = part->next_batch();
    got.insert(got.end(), b->begin(), b->end());
    return got.size() == 9;
  }));
  CHECK(got == Ints{0, 1, 2, 3, 4, 5, 6, 7, 8});  // 9 is produced but not flushed
  const std::string snap = part->snapshot();
  CHECK(weir::push::KeyValueState::decode(snap).get("n") == "9");
  part->close();  // stopped: 9 is dropped
  // resumed from the snapshot, run() starts at 9; returning flushes what it produced
  struct Finite final : StatefulProducer<int> {
    void run() override {
      for (int n = std::stoi(state().get("n").value_or("0")); n < 12; ++n) {
        produce(n);
        state().set("n", std::to_string(n + 1));
      }
    }
  };
  PushSource<Finite> finite("c", [](const std::string&) { return std::make_unique<Finite>(); });
  auto resumed = finite.build_part("s", "c", snap);
  CHECK(drain(*resumed) == Ints{9, 10, 11});
  CHECK(weir::push::KeyValueState::decode(resumed->snapshot()).get("n") == "12");

  struct Hoarder final : StatefulProducer<int> {
    void run() override {
      for (int i = 0; i < 1000; ++i) {
        produce(i);
      }
    }
  };
  PushSource<Hoarder> hoard(
      "h", [](const std::string&) { return std::make_unique<Hoarder>(); },
      PushOptions{.backlog = 64});
  auto h = hoard.build_part("s", "h", std::nullopt);
  CHECK(weir_test::error_of([&] { drain(*h); }) ==
        "64 items are waiting for a flush() that would release them: flush more often, or give "
        "the source a larger backlog");
}

TEST_CASE("an isolated push source runs in a child process: items cross, a crash is named") {
  struct Words final : Producer<std::string> {
    void run() override {
      for (int i = 0; i < 100; ++i) produce(std::string("w").append(std::to_string(i)));
    }
  };
  {
    weir::Dataflow flow("push");
    auto s =
        weir::op::input("in", flow,
                        PushSource<Words>(
                            "words", [](const std::string&) { return std::make_unique<Words>(); },
                            PushOptions{.isolate = true}));
    weir::testing::TestingSink<std::string> sink;
    weir::op::output("out", s, sink);
    REQUIRE(weir::run(flow) == weir::RunOutcome::completed);
    std::vector<std::string> expected;
    for (int i = 0; i < 100; ++i) expected.push_back(std::string("w").append(std::to_string(i)));
    CHECK(sink.items() == expected);
  }
  struct Crashing final : Producer<int> {
    void run() override {
      for (int i = 0; i < 10; ++i) produce(i);
      std::this_thread::sleep_for(100ms);
      std::abort();  // a client library gone wrong
    }
  };
  weir::Dataflow flow("push");
  auto s =
      weir::op::input("in", flow,
                      PushSource<Crashing>(
                          "crashy", [](const std::string&) { return std::make_unique<Crashing>(); },
                          PushOptions{.isolate = true}));
  weir::testing::TestingSink<int> sink;
  weir::op::output("out", s, sink);
  CHECK(weir_test::error_of([&] { weir::run(flow); }) ==
        "step 'push.in' failed in next_batch of op::input(\"in\") (partition 'crashy', worker 0): "
        "its process was "
        "killed by signal 6 (Aborted)");
  const Ints got = sink.items();
  REQUIRE(got.size() <= 10);
  for (std::size_t i = 0; i < got.size(); ++i) CHECK(got[i] == static_cast<int>(i));
}

TEST_CASE("an isolated push source reports run()'s exception and carries a flushed state") {
  struct Failing final : Subject<int> {
    void run() override {
      next(1);
      commit();
      throw std::runtime_error("client lost");
    }
  };
  weir::Dataflow flow("push");
  auto s = weir::op::input("in", flow,
                           PushSource<Failing>(
                               "ws", [](const std::string&) { return std::make_unique<Failing>(); },
                               PushOptions{.isolate = true}));
  weir::op::output("out", s, weir::testing::TestingSink<int>{});
  CHECK(weir_test::error_of([&] { weir::run(flow); }) ==
        "step 'push.in' failed in next_batch of op::input(\"in\") (partition 'ws', worker 0): "
        "client lost");

  struct Finite final : StatefulProducer<int> {
    void run() override {
      for (int n = std::stoi(state().get("n").value_or("0")); n < 5; ++n) {
        produce(n);
        state().set("n", std::to_string(n + 1));
      }
    }
  };
  PushSource<Finite> src(
      "c", [](const std::string&) { return std::make_unique<Finite>(); },
      PushOptions{.isolate = true});
  auto part = src.build_part("s", "c", weir::push::KeyValueState{}.encode());
  CHECK(drain(*part) == Ints{0, 1, 2, 3, 4});
  CHECK(weir::push::KeyValueState::decode(part->snapshot()).get("n") == "5");
}

TEST_CASE("an isolated push source's process holds no descriptor but its own two pipes") {
  // run() reports what its process has open beyond stdin, stdout and stderr
  struct Descriptors final : Producer<std::string> {
    void run() override {
      std::vector<std::string> open;
      DIR* d = ::opendir("/proc/self/fd");
      if (d == nullptr) throw std::runtime_error("cannot list /proc/self/fd");
      const int listing = ::dirfd(d);
      while (const dirent* e = ::readdir(d)) {
        const int fd = std::atoi(e->d_name);
        if (e->d_name[0] == '.' || fd < 3 || fd == listing) continue;
        std::array<char, 256> target{};
        const auto n = ::readlink((std::string("/proc/self/fd/") + e->d_name).c_str(),
                                  target.data(), target.size() - 1);
        const std::string what(target.data(), n > 0 ? static_cast<std::size_t>(n) : 0);
        open.push_back(what.starts_with("pipe:") ? "pipe" : what);
      }
      ::closedir(d);
      std::sort(open.begin(), open.end());
      std::string all;
      for (const auto& o : open) all += (all.empty() ? "" : " ") + o;
      produce(all);
    }
  };
  weir::Dataflow flow("push");
  auto s = weir::op::input("in", flow,
                           PushSource<Descriptors>(
                               std::vector<std::string>{"a", "b", "c"},
                               [](const std::string&) { return std::make_unique<Descriptors>(); },
                               PushOptions{.isolate = true}));
  weir::testing::TestingSink<std::string> sink;
  weir::op::output("out", s, sink);
  REQUIRE(weir::run(flow) == weir::RunOutcome::completed);
  CHECK(sink.items() == std::vector<std::string>{"pipe pipe", "pipe pipe", "pipe pipe"});
}
