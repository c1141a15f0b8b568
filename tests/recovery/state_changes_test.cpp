// StateChanges: what steps hand the store, packed bucket by bucket in the entries format the
// store's segments keep.
#include <algorithm>
#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <weir/recovery/snapshot.hpp>

#include "entries.hpp"  // the store's private reading of the entry format

using Entry = std::pair<std::string, std::optional<std::string>>;
using weir::recovery::Buckets;
using weir::recovery::kSnapshotBuckets;
using weir::recovery::StateChanges;

namespace {
std::vector<Entry> entries_of(std::string_view bytes) {
  std::vector<Entry> out;
  weir::recovery::entries::for_each(bytes, [&](std::string_view k, const std::string_view* s) {
    out.emplace_back(std::string(k), s != nullptr ? std::optional(std::string(*s)) : std::nullopt);
  });
  return out;
}
std::vector<Entry> sorted_entries(const StateChanges& c) {
  std::vector<Entry> out;
  c.for_each([&](std::string_view k, const std::string_view* s) {
    out.emplace_back(std::string(k), s != nullptr ? std::optional(std::string(*s)) : std::nullopt);
  });
  std::sort(out.begin(), out.end());
  return out;
}
}  // namespace

TEST_CASE("StateChanges keeps keys and states of any length - and discards") {
  StateChanges c("flow.step", 7);
  const std::string long_state(300, 's');  // a length that needs two varint bytes
  c.put("a", "1");
  c.discard("b");
  c.put("", long_state);
  c.put(std::string(128, 'k'), "");
  CHECK(c.step_id() == "flow.step");
  CHECK(c.epoch() == 7);
  CHECK(c.size() == 4);
  CHECK(sorted_entries(c) ==
        std::vector<Entry>{
            {"", long_state}, {"a", "1"}, {"b", std::nullopt}, {std::string(128, 'k'), ""}});
  // 1+1+1+1+1 for "a", 1+1+1 for the discard, 1+1+2+300, 2+128+1+1
  CHECK(c.byte_size() == 5 + 3 + 304 + 132);
}

TEST_CASE("StateChanges packs each key into its bucket - in the order put within one") {
  StateChanges c("flow.sum", 1);
  for (int i = 0; i < 1000; ++i) {
    c.put("key" + std::to_string(i % 500), std::to_string(i));
  }
  const Buckets buckets("flow.sum", kSnapshotBuckets);
  std::uint32_t previous = 0;
  std::size_t seen = 0;
  bool ascending = true;
  bool all_in_their_bucket = true;
  std::vector<std::string> firsts;  // key0's states, in the order they appear
  c.for_each_bucket([&](std::uint32_t b, std::string_view bytes) {
    ascending = ascending && (seen == 0 || b > previous);
    previous = b;
    for (const auto& [k, s] : entries_of(bytes)) {
      all_in_their_bucket = all_in_their_bucket && buckets.of(k) == b;
      if (k == "key0") {
        firsts.push_back(*s);
      }
      ++seen;
    }
  });
  CHECK(seen == 1000);
  CHECK(ascending);
  CHECK(all_in_their_bucket);
  CHECK(firsts == std::vector<std::string>{"0", "500"});
  CHECK(previous < kSnapshotBuckets);
}

TEST_CASE("a key's bucket never changes: it is part of the store's format") {
  // a store written by an earlier run is read by bucket; these must hold forever
  const Buckets buckets("flow.sum", kSnapshotBuckets);
  CHECK(buckets.of("") == 223);
  CHECK(buckets.of("a") == 167);
  CHECK(buckets.of("a key longer than a word") == 138);
  CHECK(Buckets("other.step", kSnapshotBuckets).of("a") == 245);
  CHECK_THROWS_WITH(Buckets("s", 100), "the bucket count must be a power of two");
}

TEST_CASE("entries on either side of a one-byte length read back the same") {
  StateChanges c("s", 1);
  const std::string k59(59, 'k');
  const std::string s59(59, 's');
  const std::string k60(60, 'K');
  const std::string s127(127, 'S');
  const std::string s128(128, 'T');
  c.put(k59, s59);
  c.put(k60, s128);
  c.put(k59, s127);
  c.discard(k60);
  std::vector<Entry> all;
  c.for_each([&](std::string_view k, const std::string_view* s) {
    all.emplace_back(std::string(k), s != nullptr ? std::optional(std::string(*s)) : std::nullopt);
  });
  // each key's entries keep their order (a key's entries share a bucket)
  std::vector<Entry> of_k59;
  std::vector<Entry> of_k60;
  for (const auto& e : all) {
    (e.first == k59 ? of_k59 : of_k60).push_back(e);
  }
  CHECK(of_k59 == std::vector<Entry>{{k59, s59}, {k59, s127}});
  CHECK(of_k60 == std::vector<Entry>{{k60, s128}, {k60, std::nullopt}});
  CHECK(c.byte_size() ==
        (1 + 59 + 1 + 1 + 59) + (1 + 60 + 1 + 2 + 128) + (1 + 59 + 1 + 1 + 127) + (1 + 60 + 1));
}

TEST_CASE("malformed entries fail to read instead of yielding keys") {
  StateChanges c("s", 1);
  c.put("key", "state");
  std::string bytes;
  c.for_each_bucket([&](std::uint32_t, std::string_view b) { bytes = b; });
  std::string cut = bytes.substr(0, bytes.size() - 2);
  CHECK_THROWS_WITH(entries_of(cut), "snapshot entries are truncated");
  std::string bad = bytes;
  bad[4] = '\x07';  // the kind byte after "key"
  CHECK_THROWS_WITH(entries_of(bad), "snapshot entries hold an unknown entry kind");
}
