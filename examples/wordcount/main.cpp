// wordcount: counts the words of a text file.
//
//   wordcount [-w WORKERS] FILE
//
// Reads FILE line by line, splits lines into lowercase words, counts each word across all
// workers, and prints "word: count" lines in ascending word order per worker when the file
// ends.

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <weir/weir.hpp>

namespace {

std::vector<std::string> split_words(std::string&& line) {
  std::vector<std::string> words;
  std::string w;
  for (char c : line) {
    if (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '\'') {
      w.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    } else if (!w.empty()) {
      words.push_back(std::move(w));
      w.clear();
    }
  }
  if (!w.empty()) words.push_back(std::move(w));
  return words;
}

// Counts the values of one word; emits the total when the input ends.
struct Count {
  using output_type = std::uint64_t;
  std::uint64_t n = 0;
  weir::StateAction on_batch(weir::Values<std::string, std::string> values,
                             weir::Emit<std::string, output_type>& /*emit*/) {
    n += values.size();
    return weir::StateAction::retain;
  }
  weir::StateAction on_eof(weir::Emit<std::string, output_type>& emit) {
    emit(n);
    return weir::StateAction::discard;
  }
  [[nodiscard]] std::uint64_t snapshot() const { return n; }
};

}  // namespace

int main(int argc, char** argv) {
  weir::CommandLine cli("Counts the words of a text file.");
  std::string file;
  cli.positional("FILE", file, "the text file");
  if (auto exit_code = cli.parse(argc, argv)) return *exit_code;
  return cli.run("wordcount", [&](weir::Dataflow& flow) {
    auto lines = weir::op::input("lines", flow, weir::files::FileSource(file));
    auto words = weir::op::flat_map("split", lines, split_words);
    auto keyed = weir::op::key_on("key", words, [](const std::string& w) { return w; });
    auto counts = weir::op::stateful_batch("count", keyed, [](std::optional<std::uint64_t> resume) {
      return Count{resume.value_or(0)};
    });
    auto text = weir::op::map("format", counts, [](std::pair<std::string, std::uint64_t>&& wc) {
      return wc.first + ": " + std::to_string(wc.second);
    });
    weir::op::output("out", text, weir::stdio::StdOutSink<std::string>{});
  });
}
