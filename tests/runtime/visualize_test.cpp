// The dataflow's picture: exact text for a flow with every kind of step, a nested scope and
// every exchange, and the examples' pictures against the golden files in golden/ (the ones
// docs/operability.md shows rendered).
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "support.hpp"
#include "weir/operators/stateless.hpp"
#include "weir/runtime/visualize.hpp"

namespace {

std::string golden(const std::string& name) {
  std::ifstream in(std::string(WEIR_GOLDEN_DIR) + "/" + name);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// in -> twice (a scope: double, then redistribute) -> key -> sum (by key) -> out, and an
/// inspect step reading `in`.
void define(weir::Dataflow& flow) {
  auto in = weir::op::input("in", flow, weir::testing::TestingSource<int>({1, 2}));
  weir::Stream<int> spread = [&] {
    auto scope = flow.scope("twice");
    auto doubled = weir::op::map("double", in, [](int x) { return 2 * x; });
    return weir::op::redistribute("spread", doubled);
  }();
  auto keyed = weir::op::key_on("key", spread, [](int x) { return std::to_string(x % 2); });
  auto sums = weir::op::stateful_map<int>("sum", keyed, [](std::optional<int>& s, int v) {
    s = s.value_or(0) + v;
    return *s;
  });
  weir::op::output("out", sums, weir::testing::TestingSink<std::pair<std::string, int>>{});
  weir::op::inspect("look", in, [](const std::string&, const int&) {});
}

}  // namespace

TEST_CASE("the mermaid picture shows steps in their scopes, their kinds and the exchanges") {
  weir::Dataflow flow("pic");
  define(flow);
  CHECK(weir::visualize(flow, weir::GraphFormat::mermaid) ==
        "flowchart TD\n"
        "subgraph c0[\"pic\"]\n"
        "  s0[/\"in<br/><i>input</i>\"/]\n"
        "  s3[\"key<br/><i>transform</i>\"]\n"
        "  s4[\"sum<br/><i>transform</i>\"]\n"
        "  s5[\\\"out<br/><i>output</i>\"\\]\n"
        "  s6{{\"look<br/><i>inspect</i>\"}}\n"
        "  subgraph c1[\"twice\"]\n"
        "    s1[\"double<br/><i>transform</i>\"]\n"
        "    s2[\"spread<br/><i>transform</i>\"]\n"
        "  end\n"
        "end\n"
        "s0 --> s1\n"
        "s1 == \"round robin\" ==> s2\n"
        "s2 --> s3\n"
        "s3 == \"key\" ==> s4\n"
        "s4 --> s5\n"
        "s0 --> s6\n");
}

TEST_CASE("the dot picture nests a cluster per scope") {
  weir::Dataflow flow("pic");
  define(flow);
  CHECK(weir::visualize(flow, weir::GraphFormat::dot) ==
        "digraph \"pic\" {\n"
        "  graph [fontname=\"Helvetica\"];\n"
        "  node [fontname=\"Helvetica\"];\n"
        "  edge [fontname=\"Helvetica\"];\n"
        "  subgraph \"cluster_pic\" {\n"
        "    label=\"pic\";\n"
        "    s0 [label=\"in\\n(input)\", shape=invhouse];\n"
        "    s3 [label=\"key\\n(transform)\", shape=box];\n"
        "    s4 [label=\"sum\\n(transform)\", shape=box];\n"
        "    s5 [label=\"out\\n(output)\", shape=house];\n"
        "    s6 [label=\"look\\n(inspect)\", shape=hexagon];\n"
        "    subgraph \"cluster_pic.twice\" {\n"
        "      label=\"twice\";\n"
        "      s1 [label=\"double\\n(transform)\", shape=box];\n"
        "      s2 [label=\"spread\\n(transform)\", shape=box];\n"
        "    }\n"
        "  }\n"
        "  s0 -> s1;\n"
        "  s1 -> s2 [label=\"round robin\", style=bold];\n"
        "  s2 -> s3;\n"
        "  s3 -> s4 [label=\"key\", style=bold];\n"
        "  s4 -> s5;\n"
        "  s0 -> s6;\n"
        "}\n");
}

TEST_CASE("an executable given --graph prints its picture and exits without running") {
  for (const char* format : {"mermaid", "dot"}) {
    const std::string ext = std::string(format) == "dot" ? ".dot" : ".mmd";
    auto wc = weir_test::sh(std::string(WEIR_WORDCOUNT_BIN) + " --graph " + format +
                            " /nonexistent/words.txt");
    CHECK(wc.code == 0);
    CHECK(wc.out == golden("wordcount" + ext));
    auto kw = weir_test::sh(std::string(WEIR_KAFKA_WINDOW_BIN) + " --graph=" + format +
                            " -r /nonexistent/store");
    CHECK(kw.code == 0);
    CHECK(kw.out == golden("kafka_window" + ext));
  }
  auto bad = weir_test::sh(std::string(WEIR_WORDCOUNT_BIN) + " --graph svg x");
  CHECK(bad.code == 2);
  CHECK(bad.out == "weir: error: --graph expects mermaid or dot, got 'svg'\n");
}
