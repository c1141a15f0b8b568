#include <catch2/catch.hpp>

#include "support.hpp"

using weir::testing::TestingSink;
using weir::testing::TestingSource;

TEST_CASE("map - filter - flat_map - key_on and inspect compose") {
  weir::Dataflow flow("ops");
  auto s = weir::op::input("in", flow, TestingSource<std::string>({"a b", "", "c d e"}, 2));
  auto words = weir::op::flat_map("split", s, [](std::string&& line) {
    std::vector<std::string> out;
    std::string w;
    for (char c : line) {
      if (c == ' ') {
        out.push_back(std::move(w));
        w.clear();
      } else {
        w.push_back(c);
      }
    }
    if (!w.empty()) out.push_back(w);
    return out;
  });
  auto no_c = weir::op::filter("no_c", words, [](const std::string& w) { return w != "c"; });
  auto upper = weir::op::map("upper", no_c, [](std::string w) {
    for (auto& c : w) c = static_cast<char>(c - 'a' + 'A');
    return w;
  });
  auto lens = weir::op::map("len", upper, [](std::string&& w) { return w.size() + 10; });
  std::vector<std::string> seen;
  auto upper2 = weir::op::inspect("see", upper, [&](const std::string& step, const std::string& w) {
    seen.push_back(step + ":" + w);
  });
  auto keyed = weir::op::key_on("key", upper2, [](const std::string& w) { return w + w; });
  TestingSink<std::size_t> lens_out;
  TestingSink<std::pair<std::string, std::string>> keyed_out;
  weir::op::output("lens", lens, lens_out);
  weir::op::output("keyed", keyed, keyed_out);
  weir::run(flow);
  CHECK(lens_out.items() == std::vector<std::size_t>{11, 11, 11, 11});
  CHECK(seen == std::vector<std::string>{"ops.see:A", "ops.see:B", "ops.see:D", "ops.see:E"});
  using P = std::pair<std::string, std::string>;
  CHECK(keyed_out.items() == std::vector<P>{{"AA", "A"}, {"BB", "B"}, {"DD", "D"}, {"EE", "E"}});
}
