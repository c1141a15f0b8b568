#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include <weir/connectors/files/dir_sink.hpp>

#include "support.hpp"

using KS = std::pair<std::string, std::string>;

using weir_test::read_file;

TEST_CASE("DirSink writes each item to the file its key chooses, exactly once across resumes") {
  weir_test::TempDir dir;
  weir::files::DirSink<std::string> sink(dir.path(), std::vector<std::string>{"odd", "even"},
                                         [](const std::string& k) { return k.size() % 2 == 0; });
  CHECK(sink.list_parts() == std::vector<std::string>{"even", "odd"});
  weir::Dataflow flow("dirs");
  auto s = weir::op::input(
      "in", flow,
      weir::testing::TestingSource<KS>({{"a", "1"}, {"bb", "2"}, {"c", "3"}, {"dd", "4"}}));
  weir::op::output("out", s, sink);
  weir::run(flow, {.workers = 2});
  CHECK(read_file(dir / "odd") == "1\n3\n");
  CHECK(read_file(dir / "even") == "2\n4\n");

  auto even = sink.build_part("s", "even", 2);  // as of its snapshot after "2\n"
  even->write_batch({"5"});
  even->close();
  CHECK(read_file(dir / "even") == "2\n5\n");
}

TEST_CASE(
    "DirSink with numbered files spreads keys by their stable hash; a missing directory "
    "fails naming it") {
  weir_test::TempDir dir;
  weir::files::DirSink<std::string> sink(dir.path(), 3);
  CHECK(sink.list_parts() == std::vector<std::string>{"part-0", "part-1", "part-2"});
  weir::Dataflow flow("dirs");
  std::vector<KS> items;
  for (int i = 0; i < 30; ++i) {
    items.emplace_back(std::to_string(i), std::to_string(i));
  }
  auto s = weir::op::input("in", flow, weir::testing::TestingSource<KS>(items));
  weir::op::output("out", s, sink);
  weir::run(flow);
  std::size_t lines = 0;
  for (const char* f : {"part-0", "part-1", "part-2"}) {
    const std::string text = read_file(dir / f);
    CHECK_FALSE(text.empty());
    lines += static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
  }
  CHECK(lines == 30);

  weir::Dataflow missing("dirs");
  auto m = weir::op::input("in", missing, weir::testing::TestingSource<KS>({{"a", "1"}}));
  weir::op::output("out", m, weir::files::DirSink<std::string>("/nonexistent/out", 2));
  CHECK(weir_test::error_of([&] { weir::run(missing); }) ==
        "step 'dirs.out' failed in list_parts of op::output(\"out\") (worker 0): directory "
        "'/nonexistent/out' does not "
        "exist or is not a directory");
}
