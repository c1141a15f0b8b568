#include <catch2/catch.hpp>
#include <map>
#include <mutex>

#include "support.hpp"

namespace {

// A fixed sink whose partitions record what they were given, on which worker side.
class Recording final : public weir::FixedPartitionedSink<int, int, std::string> {
 public:
  struct Log {
    std::mutex m;
    std::map<std::string, std::vector<int>> written;
    std::map<std::string, int> built;
    std::map<std::string, int> closed;
  };
  Recording(std::vector<std::string> parts, std::shared_ptr<Log> log)
      : parts_(std::move(parts)), log_(std::move(log)) {}
  std::vector<std::string> list_parts() const override { return parts_; }
  std::optional<std::uint64_t> part_fn(const std::string& key) const override {
    return static_cast<std::uint64_t>(std::stoi(key));
  }
  std::unique_ptr<weir::StatefulSinkPartition<int, int>> build_part(
      const std::string&, const std::string& part, std::optional<int>) const override {
    std::lock_guard lock(log_->m);
    ++log_->built[part];
    return std::make_unique<Part>(part, log_);
  }

 private:
  struct Part final : weir::StatefulSinkPartition<int, int> {
    Part(std::string n, std::shared_ptr<Log> l) : name(std::move(n)), log(std::move(l)) {}
    void write_batch(std::vector<int>&& items) override {
      std::lock_guard lock(log->m);
      auto& w = log->written[name];
      w.insert(w.end(), items.begin(), items.end());
    }
    int snapshot() override { return 0; }
    void close() override {
      std::lock_guard lock(log->m);
      ++log->closed[name];
    }
    std::string name;
    std::shared_ptr<Log> log;
  };
  std::vector<std::string> parts_;
  std::shared_ptr<Log> log_;
};

}  // namespace

TEST_CASE("a fixed sink routes each key by part_fn over the sorted partition list") {
  for (std::size_t workers : {1, 2, 3}) {
    auto log = std::make_shared<Recording::Log>();
    weir::Dataflow flow("fixed");
    std::vector<std::pair<std::string, int>> input;
    for (int i = 0; i < 30; ++i) input.emplace_back(std::to_string(i % 6), i);
    auto s = weir::op::input("in", flow,
                             weir::testing::TestingSource<std::pair<std::string, int>>(input, 4));
    weir::op::output("out", s, Recording({"c", "a", "b"}, log));  // sorted: a, b, c
    weir::run(flow, {.workers = workers});
    INFO("workers " << workers);
    std::map<std::string, std::vector<int>> expected;
    for (auto& [k, v] : input) expected[std::string(1, "abc"[std::stoi(k) % 3])].push_back(v);
    CHECK(log->written == expected);  // per partition, in arrival order
    CHECK(log->built == std::map<std::string, int>{{"a", 1}, {"b", 1}, {"c", 1}});
    CHECK(log->closed == log->built);
  }
}

TEST_CASE("a dynamic sink has one partition per worker - each closed once") {
  weir::Dataflow flow("dyn");
  auto s = weir::op::input("in", flow, weir::testing::TestingSource<int>({1, 2, 3}));
  weir::testing::TestingSink<int> sink;
  weir::op::output("out", weir::op::redistribute("spread", s), sink);
  weir::run(flow, {.workers = 4});
  CHECK(weir_test::sorted(sink.items()) == std::vector<int>{1, 2, 3});
  CHECK(sink.closed() == 4);
}

TEST_CASE("an exception in write_batch names the sink step") {
  struct Failing final : weir::DynamicSink<int> {
    struct P final : weir::StatelessSinkPartition<int> {
      void write_batch(std::vector<int>&&) override { throw std::runtime_error("disk full"); }
    };
    std::unique_ptr<weir::StatelessSinkPartition<int>> build(const std::string&, std::size_t,
                                                             std::size_t) const override {
      return std::make_unique<P>();
    }
  };
  weir::Dataflow flow("fail");
  auto s = weir::op::input("in", flow, weir::testing::TestingSource<int>({1}));
  weir::op::output("out", s, Failing{});
  CHECK(weir_test::error_of([&] { weir::run(flow); }) ==
        "step 'fail.out' failed in write_batch of op::output(\"out\") (worker 0): disk full");
}
