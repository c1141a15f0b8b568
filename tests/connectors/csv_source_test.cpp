#include <catch2/catch.hpp>
#include <fstream>

#include <weir/connectors/files/csv_source.hpp>

#include "support.hpp"

using weir::files::CsvOptions;
using weir::files::CsvPosition;
using weir::files::CsvRow;
using weir::files::CSVSource;
using weir::files::OnMalformed;
using Fields = std::vector<std::vector<std::string>>;

namespace {

/// Every row of `path` (fields, or "!" + error for malformed ones), read partition-direct.
std::vector<std::string> read_all(const CSVSource& src, const std::string& part,
                                  std::optional<CsvPosition> from = std::nullopt) {
  auto p = src.build_part("s", part, from);
  std::vector<std::string> out;
  while (auto batch = p->next_batch()) {
    for (const CsvRow& r : *batch) {
      if (r.error) {
        out.push_back("!" + *r.error);
        continue;
      }
      std::string line = std::to_string(r.line) + ":";
      for (const auto& f : r.fields) {
        line.append("[").append(f).append("]");
      }
      out.push_back(line);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("CSVSource names fields by the header - quotes hold separators, newlines and quotes") {
  weir_test::TempDir dir;
  const auto path = dir / "people.csv";
  std::ofstream(path, std::ios::binary) << "name,city,note\r\n"
                                        << "ann,Oslo,plain\r\n"
                                        << "\n"
                                        << "\"bob, jr\",\"New\nYork\",\"said \"\"hi\"\"\"\n"
                                        << "cy,,\"\"\n"
                                        << "dee,Rome,last";
  CSVSource src(path, {.batch_size = 2});
  CHECK(read_all(src, path.string()) ==
        std::vector<std::string>{"2:[ann][Oslo][plain]", "4:[bob, jr][New\nYork][said \"hi\"]",
                                 "6:[cy][][]", "7:[dee][Rome][last]"});
  auto p = src.build_part("s", path.string(), std::nullopt);
  auto first = p->next_batch();
  REQUIRE(first.has_value());
  REQUIRE(first->size() == 2);
  CHECK((*first)[1]["city"] == "New\nYork");
  CHECK(*(*first)[0].header == std::vector<std::string>{"name", "city", "note"});
  CHECK(weir_test::error_of([&] { (void)(*first)[0]["age"]; }) ==
        "the CSV row of line 2 has no field 'age'");
  // resumes after the rows delivered, header still known
  const CsvPosition at = p->snapshot();
  CHECK(at.line == 6);
  CHECK(read_all(src, path.string(), at) ==
        std::vector<std::string>{"6:[cy][][]", "7:[dee][Rome][last]"});
}

TEST_CASE("CSVSource malformed rows stop the run naming file and line, or go downstream") {
  weir_test::TempDir dir;
  const auto path = dir / "bad.csv";
  std::ofstream(path, std::ios::binary) << "a;b\n"
                                        << "1;2\n"
                                        << "1;2;3\n"
                                        << "x\"y;2\n"
                                        << "\"q\"z;2\n"
                                        << "5;6\n"
                                        << "\"open;7\n"
                                        << "8;9\n";
  const std::string f = "file '" + path.string() + "' line ";
  CSVSource emit(path, {.separator = ';', .on_malformed = OnMalformed::emit});
  CHECK(read_all(emit, path.string()) ==
        std::vector<std::string>{"2:[1][2]", "!" + f + "3: 3 fields, but the header has 2",
                                 "!" + f + "4: a quote inside an unquoted field",
                                 "!" + f + "5: text after a closing quote", "6:[5][6]",
                                 "!" + f +
                                     "7: a quoted field is not closed before the end of the "
                                     "file"});

  weir::Dataflow flow("csv");
  auto s = weir::op::input("in", flow, CSVSource(path, {.separator = ';'}));
  weir::op::output("out", s, weir::testing::TestingSink<CsvRow>{});
  CHECK(weir_test::error_of([&] { weir::run(flow); }) ==
        "step 'csv.in' failed in next_batch of op::input(\"in\") (partition '" + path.string() +
            "', worker 0): " + f + "3: 3 fields, but the header has 2");
}

TEST_CASE("CSVSource on a missing file fails when the flow is built; an empty file has no rows") {
  weir::Dataflow flow("csv");
  auto s = weir::op::input("in", flow, CSVSource("/nonexistent/in.csv"));
  weir::op::output("out", s, weir::testing::TestingSink<CsvRow>{});
  CHECK(weir_test::error_of([&] { weir::run(flow); }) ==
        "step 'csv.in' failed in list_parts of op::input(\"in\") (worker 0): file "
        "'/nonexistent/in.csv' does not "
        "exist or is not a regular file");
  weir_test::TempDir dir;
  std::ofstream(dir / "empty.csv");
  CSVSource empty(dir / "empty.csv");
  CHECK(read_all(empty, (dir / "empty.csv").string()).empty());
}

TEST_CASE("CSVSource reads rows that end with a lone carriage return (old Mac files)") {
  weir_test::TempDir dir;
  const auto path = dir / "mac.csv";
  std::ofstream(path, std::ios::binary) << "a,b\r1,2\r\r3,\"x\ry\"\r4,5";
  CSVSource src(path);
  CHECK(read_all(src, path.string()) ==
        std::vector<std::string>{"2:[1][2]", "4:[3][x\ry]", "5:[4][5]"});
}

TEST_CASE("a CSV row past max_row_bytes is malformed, however it is made, without its memory") {
  weir_test::TempDir dir;
  const auto path = dir / "commas.csv";
  {
    std::ofstream out(path, std::ios::binary);
    out << "a,b\n" << std::string(20'000'000, ',') << "\n1,2\n";  // 20M empty fields
    out << "\"" << std::string(5000, 'q') << "\",x\n";            // a long quoted field
  }
  CSVSource raise(path, {.max_row_bytes = 4096});
  CHECK(weir_test::error_of([&] { read_all(raise, path.string()); }) ==
        "file '" + path.string() +
            "' line 2: the row takes more than 4096 bytes (CsvOptions::max_row_bytes)");
  CSVSource emit(path, {.on_malformed = OnMalformed::emit, .max_row_bytes = 4096});
  CHECK(read_all(emit, path.string()) ==
        std::vector<std::string>{
            "!file '" + path.string() +
                "' line 2: the row takes more than 4096 bytes (CsvOptions::max_row_bytes)",
            "3:[1][2]",
            "!file '" + path.string() +
                "' line 4: the row takes more than 4096 bytes (CsvOptions::max_row_bytes)"});
}
