// docs/operators.md: its operators (docs/examples/debounce.hpp) run here, and its excerpts are
// checked against that file.
#include <catch2/catch.hpp>

#include <weir/recovery/store.hpp>

#include <weir/connectors/files/file_sink.hpp>

#include "debounce.hpp"
#include "doc_excerpts.hpp"
#include "support.hpp"

using weir::testing::TestingSink;
using weir::testing::TestingSource;
using KV = std::pair<std::string, int>;
using Entries = std::vector<TestingSource<KV>::Entry>;
using namespace std::chrono_literals;

namespace {

/// source -> clamp to [0, 10] -> debounce by an hour -> "key=value" lines in `out`, one epoch
/// per batch, the store in `store`. Returns how the run ended.
weir::RunOutcome run_debounce(const TestingSource<KV>& source, const std::filesystem::path& store,
                              const std::filesystem::path& out) {
  weir::Dataflow flow("ops");
  auto in = weir::op::input("in", flow, source);
  auto clamped = guide::clamp("clamp", in, 0, 10);
  auto quiet = guide::debounce("settled", clamped, 1h);
  auto lines = weir::op::map("line", quiet, [](KV kv) {
    return std::pair<std::string, std::string>{"out", kv.first + "=" + std::to_string(kv.second)};
  });
  weir::op::output("out", lines, weir::files::FileSink<std::string>(out));
  return weir::run(
      flow, {.workers = 1, .epoch_interval = weir::Duration::zero(), .recovery_directory = store});
}

}  // namespace

TEST_CASE("operators guide: debounce emits a key's latest value once it has been quiet") {
  weir::ManualClock mc;
  weir::ScopedClock scoped(mc);
  weir::Dataflow flow("ops");
  auto in = weir::op::input(
      "in", flow,
      TestingSource<KV>(Entries{KV{"a", 1}, KV{"a", 20}, KV{"b", -3},    // a: 10, b: 0, due at 5 s
                                weir::testing::Pause{3s}, KV{"a", 3},    // a: 3, due at 8 s
                                weir::testing::Pause{10s}, KV{"c", 7}},  // c: at the end
                        10));
  auto quiet = guide::debounce("settled", guide::clamp("clamp", in, 0, 10), 5s);
  TestingSink<KV> sink;
  weir::op::output("out", quiet, sink);
  weir::run(flow);
  CHECK(sink.items() == std::vector<KV>{{"b", 0}, {"a", 3}, {"c", 7}});
}

TEST_CASE("operators guide: debounce's pending values survive a failure exactly once") {
  // the real clock: an hour never passes here, so only the end of input emits
  const Entries entries{KV{"a", 1}, KV{"b", 2}, KV{"a", 4}, weir::testing::Abort{},
                        KV{"a", 5}, KV{"c", 6}};
  weir_test::TempDir store;
  weir::recovery::init_store(store.path(), 1);
  const auto out = store / "out.txt";
  // aborted right after a = 4: a and b pending, nothing written
  REQUIRE(run_debounce(TestingSource<KV>(entries, 10), store.path(), out) ==
          weir::RunOutcome::aborted);
  CHECK(weir_test::read_file(out).empty());
  // resumed: the abort fires once per marker; b's pending value comes out once, at the end
  REQUIRE(run_debounce(TestingSource<KV>(entries, 10), store.path(), out) ==
          weir::RunOutcome::completed);
  CHECK(weir_test::read_file(out) == "a=5\nb=2\nc=6\n");
}

TEST_CASE("operators guide: every code excerpt in docs/operators.md is part of the file it names") {
  CHECK(weir_test::check_excerpts(WEIR_SOURCE_DIR, "docs/operators.md") == 4);
}
