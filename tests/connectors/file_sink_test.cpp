#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <weir/connectors/files/file_sink.hpp>

#include "support.hpp"

using namespace std::chrono_literals;
using weir_test::TempDir;
using KS = std::pair<std::string, std::string>;

using weir_test::read_file;

TEST_CASE("FileSink writes a line per value - starts fresh - and truncates to its snapshot") {
  TempDir dir;
  const auto path = dir / "out.txt";
  std::ofstream(path) << "left over\n";
  weir::files::FileSink<std::string> sink(path);
  CHECK(sink.list_parts() == std::vector<std::string>{path.string()});
  auto p = sink.build_part("s", path.string(), std::nullopt);
  p->write_batch({"alpha", "", "beta"});
  CHECK(p->snapshot() == 12);
  p->write_batch({"gamma"});
  p->close();
  CHECK(read_file(path) == "alpha\n\nbeta\ngamma\n");
  auto resumed = sink.build_part("s", path.string(), 12);
  resumed->write_batch({"delta"});
  resumed->close();
  CHECK(read_file(path) == "alpha\n\nbeta\ndelta\n");
}

TEST_CASE("FileSink refuses to resume a file shorter than its snapshot") {
  TempDir dir;
  const auto path = dir / "out.txt";
  std::ofstream(path) << "abc\n";
  weir::files::FileSink<std::string> sink(path);
  CHECK_THROWS_WITH(sink.build_part("s", path.string(), 10),
                    "file '" + path.string() +
                        "' holds 4 bytes but its snapshot says 10 were written: it was changed "
                        "outside the dataflow");
}

TEST_CASE("FileSink is exactly-once across an abort and a resume") {
  weir::ManualClock manual;
  weir::ScopedClock scoped(manual);
  TempDir dir;
  weir::recovery::init_store(dir.path(), 1);
  const auto path = dir / "out.txt";
  using weir::testing::Abort;
  using weir::testing::Pause;
  // epoch 1: a, b; epoch 2 (open when the run aborts): c
  weir::testing::TestingSource<KS> src(
      {KS{"k", "a"}, KS{"k", "b"}, Pause{11s}, KS{"k", "c"}, Abort{}, KS{"k", "d"}}, 10);
  auto run = [&] {
    weir::Dataflow flow("fs");
    auto s = weir::op::input("in", flow, src);
    weir::op::output("out", s, weir::files::FileSink<std::string>(path));
    return weir::run(flow, {.epoch_interval = 10s, .recovery_directory = dir.path()});
  };
  CHECK(run() == weir::RunOutcome::aborted);
  CHECK(read_file(path) == "a\nb\nc\n");  // c was written, but its epoch never committed
  CHECK(run() == weir::RunOutcome::completed);
  CHECK(read_file(path) == "a\nb\nc\nd\n");
}
