#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include <weir/connectors/files/csv_source.hpp>
#include <weir/connectors/files/dir_source.hpp>
#include <weir/connectors/files/file_position.hpp>
#include <weir/connectors/files/file_source.hpp>

#include "support.hpp"

namespace fs = std::filesystem;
using V = std::vector<std::string>;

namespace {
fs::path write_file(const std::string& name, const std::string& text) {
  fs::path p = fs::temp_directory_path() / ("weir_test_" + std::to_string(::getpid()) + "_" + name);
  std::ofstream(p, std::ios::binary) << text;
  return p;
}
}  // namespace

TEST_CASE("FileSource yields lines - keeps blank ones - and resumes at a byte offset") {
  auto path = write_file("lines.txt", "alpha\n\nbeta\ngamma");
  weir::files::FileSource src(path, 2);
  CHECK(src.list_parts() == V{path.string()});
  auto p = src.build_part("s", path.string(), std::nullopt);
  CHECK(p->next_batch() == V{"alpha", ""});
  CHECK(p->snapshot().offset == 7);
  auto resumed = src.build_part("s", path.string(), p->snapshot());
  CHECK(resumed->next_batch() == V{"beta", "gamma"});
  CHECK(resumed->snapshot().offset == 17);
  CHECK_FALSE(resumed->next_batch().has_value());
  fs::remove(path);
}

TEST_CASE("FileSource on a missing file fails when the flow is built - naming the step") {
  weir::Dataflow flow("files");
  auto s = weir::op::input("read", flow, weir::files::FileSource("/nonexistent/in.txt"));
  weir::op::output("out", s, weir::testing::TestingSink<std::string>{});
  CHECK(weir_test::error_of([&] { weir::run(flow); }) ==
        "step 'files.read' failed in list_parts of op::input(\"read\") (worker 0): file "
        "'/nonexistent/in.txt' does not "
        "exist or is not a regular file");
}

TEST_CASE("FileSource in follow mode waits for appended lines - and for a line's end") {
  weir::ManualClock mc;
  weir::ScopedClock scoped(mc);
  auto path = write_file("follow.txt", "a\nb\npart");
  weir::files::FileSource src(path, 10, std::chrono::milliseconds(50));
  auto p = src.build_part("s", path.string(), std::nullopt);
  CHECK(p->next_batch() == V{"a", "b"});
  CHECK(p->next_awake() == std::nullopt);
  CHECK(p->next_batch() == V{});  // "part" has no '\n' yet
  CHECK(p->next_awake() == mc.now() + std::chrono::milliseconds(50));
  CHECK(p->snapshot().offset == 4);
  std::ofstream(path, std::ios::app) << "ial\n\nc\n";
  CHECK(p->next_batch() == V{"partial", "", "c"});
  CHECK(p->snapshot().offset == 15);
  CHECK(p->next_batch() == V{});  // still following
  fs::remove(path);
}

TEST_CASE("DirSource reads a partition per matching file and resumes each at its offset") {
  weir_test::TempDir dir;
  std::ofstream(dir / "a.log") << "a1\na2\n";
  std::ofstream(dir / "b.log") << "b1\n\nb3";
  std::ofstream(dir / "c.txt") << "not me\n";
  std::ofstream(dir / ".hidden.log") << "nor me\n";
  fs::create_directory(dir / "sub.log");
  weir::files::DirSource src(dir.path(), "*.log");
  CHECK(src.list_parts() == V{"a.log", "b.log"});

  weir::Dataflow flow("dir");
  auto s = weir::op::input("in", flow, weir::files::DirSource(dir.path(), "*.log", 1));
  weir::testing::TestingSink<std::string> sink;
  weir::op::output("out", s, sink);
  weir::run(flow, {.workers = 2});
  CHECK(weir_test::sorted(sink.items()) == V{"", "a1", "a2", "b1", "b3"});

  auto resumed =  // after "b1\n"
      src.build_part("s", "b.log", weir::files::position_in(dir / "b.log", 3));
  CHECK(resumed->next_batch() == V{"", "b3"});
  CHECK_FALSE(resumed->next_batch().has_value());
}

TEST_CASE("DirSource on a missing directory or with no matching file fails naming it") {
  auto error = [](const fs::path& dir, const std::string& glob) {
    weir::Dataflow flow("dir");
    auto s = weir::op::input("in", flow, weir::files::DirSource(dir, glob));
    weir::op::output("out", s, weir::testing::TestingSink<std::string>{});
    return weir_test::error_of([&] { weir::run(flow); });
  };
  CHECK(error("/nonexistent/logs", "*") ==
        "step 'dir.in' failed in list_parts of op::input(\"in\") (worker 0): directory "
        "'/nonexistent/logs' does not "
        "exist or is not a directory");
  weir_test::TempDir dir;
  std::ofstream(dir / "a.txt") << "x\n";
  CHECK(error(dir.path(), "*.log") ==
        "step 'dir.in' failed in list_parts of op::input(\"in\") (worker 0): directory '" +
            dir.path().string() + "' has no file matching '*.log'");
}

TEST_CASE("a file changed since its snapshot is refused on resume, or read again if asked") {
  weir_test::TempDir dir;
  const auto path = dir / "in.txt";
  std::ofstream(path, std::ios::binary) << "a\nb\nc\n";
  weir::files::FileSource src(path, 2);
  auto p = src.build_part("s", path.string(), std::nullopt);
  CHECK(p->next_batch() == V{"a", "b"});
  const weir::files::FilePosition at = p->snapshot();  // after "a\nb\n"
  // appended to: the same file, resumed where it was
  std::ofstream(path, std::ios::binary | std::ios::app) << "d\n";
  CHECK(src.build_part("s", path.string(), at)->next_batch() == V{"c", "d"});
  // replaced by a shorter file
  std::ofstream(path, std::ios::binary | std::ios::trunc) << "x\n";
  CHECK(weir_test::error_of([&] { src.build_part("s", path.string(), at); }) ==
        "file '" + path.string() +
            "' changed since the snapshot this run resumes from: it has 2 bytes, fewer than the "
            "4 read before; to read it again from its start, build the source with "
            "OnFileChanged::restart");
  // replaced by a longer file with other content
  std::ofstream(path, std::ios::binary | std::ios::trunc) << "x\ny\nz\nw\n";
  CHECK(weir_test::error_of([&] { src.build_part("s", path.string(), at); }) ==
        "file '" + path.string() +
            "' changed since the snapshot this run resumes from: its bytes before byte 4 are "
            "not those read before; to read it again from its start, build the source with "
            "OnFileChanged::restart");
  weir::files::FileSource again(path, 10, std::nullopt, weir::files::OnFileChanged::restart);
  CHECK(again.build_part("s", path.string(), at)->next_batch() == V{"x", "y", "z", "w"});

  // the same for a directory's files and for CSV files
  weir::files::DirSource in_dir(dir.path(), "*.txt", 10);
  CHECK_THROWS_WITH(in_dir.build_part("s", "in.txt", at),
                    Catch::Contains("changed since the snapshot this run resumes from"));
  const auto csv = dir / "in.csv";
  std::ofstream(csv, std::ios::binary) << "k\n1\n2\n";
  weir::files::CSVSource rows(csv, {.batch_size = 1});
  auto c = rows.build_part("s", csv.string(), std::nullopt);
  REQUIRE(c->next_batch().has_value());
  const weir::files::CsvPosition row_at = c->snapshot();
  std::ofstream(csv, std::ios::binary | std::ios::trunc) << "k\n9\n";
  CHECK_THROWS_WITH(rows.build_part("s", csv.string(), row_at),
                    Catch::Contains("changed since the snapshot this run resumes from"));
  weir::files::CSVSource rows_again(csv, {.on_changed = weir::files::OnFileChanged::restart});
  auto r = rows_again.build_part("s", csv.string(), row_at)->next_batch();
  REQUIRE(r.has_value());
  REQUIRE(r->size() == 1);
  CHECK(r->front().fields == V{"9"});
}
