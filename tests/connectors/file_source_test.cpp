#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

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
  CHECK(p->snapshot() == 7);
  auto resumed = src.build_part("s", path.string(), p->snapshot());
  CHECK(resumed->next_batch() == V{"beta", "gamma"});
  CHECK(resumed->snapshot() == 17);
  CHECK_FALSE(resumed->next_batch().has_value());
  fs::remove(path);
}

TEST_CASE("FileSource on a missing file fails when the flow is built - naming the step") {
  weir::Dataflow flow("files");
  auto s = weir::op::input("read", flow, weir::files::FileSource("/nonexistent/in.txt"));
  weir::op::output("out", s, weir::testing::TestingSink<std::string>{});
  CHECK(weir_test::error_of([&] { weir::run(flow); }) ==
        "step 'files.read' failed in list_parts (worker 0): file '/nonexistent/in.txt' does not "
        "exist or is not a regular file");
}
