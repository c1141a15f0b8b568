#include <catch2/catch.hpp>
#include <mutex>
#include <set>

#include "support.hpp"

namespace {

// Each worker lists the partitions in `lists[worker]`; every partition yields its own name.
class Listed final : public weir::FixedPartitionedSource<std::string, int> {
 public:
  struct Log {
    std::mutex m;
    std::vector<std::size_t> listed_by;
    std::multiset<std::string> built;
    std::multiset<std::string> closed;
  };
  Listed(std::vector<std::vector<std::string>> lists, std::shared_ptr<Log> log)
      : lists_(std::move(lists)), log_(std::move(log)) {}

  std::vector<std::string> list_parts() const override {
    // which worker is asking: the n-th call
    std::lock_guard lock(log_->m);
    std::size_t w = log_->listed_by.size();
    log_->listed_by.push_back(w);
    return lists_[w];
  }
  std::unique_ptr<weir::StatefulSourcePartition<std::string, int>> build_part(
      const std::string&, const std::string& part, std::optional<int>) const override {
    std::lock_guard lock(log_->m);
    log_->built.insert(part);
    return std::make_unique<Part>(part, log_);
  }

 private:
  struct Part final : weir::StatefulSourcePartition<std::string, int> {
    Part(std::string n, std::shared_ptr<Log> l) : name(std::move(n)), log(std::move(l)) {}
    weir::NextBatch<std::string> next_batch() override {
      if (done) return weir::end_of_partition;
      done = true;
      return std::vector<std::string>{name};
    }
    int snapshot() override { return done ? 1 : 0; }
    void close() override {
      std::lock_guard lock(log->m);
      log->closed.insert(name);
    }
    std::string name;
    std::shared_ptr<Log> log;
    bool done = false;
  };
  std::vector<std::vector<std::string>> lists_;
  std::shared_ptr<Log> log_;
};

}  // namespace

TEST_CASE("partition assignment: least-listed first - then least loaded - deterministic") {
  using weir::detail::assign_partitions;
  using A = std::vector<std::pair<std::string, std::size_t>>;
  CHECK(assign_partitions({{"a", "b", "c", "d"}, {"a", "b", "c", "d"}}) ==
        A{{"a", 0}, {"b", 1}, {"c", 0}, {"d", 1}});
  // "x" is only on worker 1, so it goes there first; the rest balance around it
  CHECK(assign_partitions({{"a", "b"}, {"a", "b", "x"}}) == A{{"a", 0}, {"b", 0}, {"x", 1}});
  CHECK(assign_partitions({{}, {}}).empty());
}

TEST_CASE("list_parts runs on every worker and each partition is built on exactly one") {
  auto log = std::make_shared<Listed::Log>();
  weir::Dataflow flow("parts");
  auto s = weir::op::input("in", flow,
                           Listed({{"p1", "p2", "p3"}, {"p1", "p2", "p3", "p4"}, {"p4"}}, log));
  auto tagged = weir::op::inspect_debug("where", s, [](auto&&...) {});
  weir::testing::TestingSink<std::string> sink;
  weir::op::output("out", tagged, sink);
  weir::run(flow, {.workers = 3});
  CHECK(log->listed_by.size() == 3);
  CHECK(log->built == std::multiset<std::string>{"p1", "p2", "p3", "p4"});
  CHECK(log->closed == log->built);
  CHECK(weir_test::sorted(sink.items()) == std::vector<std::string>{"p1", "p2", "p3", "p4"});
}

TEST_CASE("no partition on any worker is an error that says so") {
  auto log = std::make_shared<Listed::Log>();
  weir::Dataflow flow("parts");
  auto s = weir::op::input("in", flow, Listed({{}, {}}, log));
  weir::op::output("out", s, weir::testing::TestingSink<std::string>{});
  auto msg = weir_test::error_of([&] { weir::run(flow, {.workers = 2}); });
  CHECK_THAT(
      msg,
      Catch::Matches(
          "step 'parts.in' failed in list_parts of op::input\\(\"in\"\\) \\(worker [01]\\): no "
          "partitions found on any worker"));
}
