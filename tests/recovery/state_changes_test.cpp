// StateChanges: the packed buffer steps hand the store, in the entries format its segments
// keep.
#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <weir/recovery/snapshot.hpp>

using Entry = std::pair<std::string, std::optional<std::string>>;

namespace {
std::vector<Entry> entries_of(std::string_view bytes) {
  std::vector<Entry> out;
  weir::recovery::entries::for_each(bytes, [&](std::string_view k, const std::string_view* s) {
    out.emplace_back(std::string(k), s != nullptr ? std::optional(std::string(*s)) : std::nullopt);
  });
  return out;
}
}  // namespace

TEST_CASE("StateChanges keeps keys and states of any length - and discards - in order") {
  weir::recovery::StateChanges c("flow.step", 7);
  const std::string long_state(300, 's');  // a length that needs two varint bytes
  c.put("a", "1");
  c.discard("b");
  c.put("", long_state);
  c.put(std::string(128, 'k'), "");
  CHECK(c.step_id() == "flow.step");
  CHECK(c.epoch() == 7);
  CHECK(c.size() == 4);
  CHECK(entries_of(c.bytes()) ==
        std::vector<Entry>{
            {"a", "1"}, {"b", std::nullopt}, {"", long_state}, {std::string(128, 'k'), ""}});
  // 1+1+1+1+1 for "a", 1+1+1 for the discard, 1+1+2+300, 2+128+1+1
  CHECK(c.bytes().size() == 5 + 3 + 304 + 132);
}

TEST_CASE("entries on either side of the small-entry size read back the same") {
  weir::recovery::StateChanges c("s", 1);
  const std::string k59(59, 'k');
  const std::string s59(59, 's');
  const std::string k60(60, 'K');
  const std::string s127(127, 'S');
  c.put(k59, s59);
  c.put(k60, s59);
  c.put(k59, s127);
  c.discard(k60);
  CHECK(entries_of(c.bytes()) ==
        std::vector<Entry>{{k59, s59}, {k60, s59}, {k59, s127}, {k60, std::nullopt}});
  CHECK(c.bytes().size() ==
        (1 + 59 + 1 + 1 + 59) + (1 + 60 + 1 + 1 + 59) + (1 + 59 + 1 + 1 + 127) + (1 + 60 + 1));
}

TEST_CASE("malformed entries fail to read instead of yielding keys") {
  weir::recovery::StateChanges c("s", 1);
  c.put("key", "state");
  std::string cut = c.bytes().substr(0, c.bytes().size() - 2);
  CHECK_THROWS_WITH(entries_of(cut), "snapshot entries are truncated");
  std::string bad = c.bytes();
  bad[4] = '\x07';  // the kind byte after "key"
  CHECK_THROWS_WITH(entries_of(bad), "snapshot entries hold an unknown entry kind");
}
