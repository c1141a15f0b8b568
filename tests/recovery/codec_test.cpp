#include <catch2/catch.hpp>
#include <cstring>
#include <map>

#include <boost/serialization/map.hpp>
#include <chrono>
#include <tuple>
#include <variant>
#include <weir/core/clock.hpp>
#include <weir/recovery/codec.hpp>

using namespace std::chrono_literals;

TEST_CASE("the snapshot codec round-trips states - including std::optional") {
  using State = std::map<std::string, std::vector<int>>;
  State s{{"a", {1, 2}}, {"b", {}}};
  CHECK(weir::recovery::decode<State>(weir::recovery::encode(s)) == s);
  std::optional<long> some = 42;
  std::optional<long> none;
  CHECK(weir::recovery::decode<std::optional<long>>(weir::recovery::encode(some)) == some);
  CHECK(weir::recovery::decode<std::optional<long>>(weir::recovery::encode(none)) == none);
  std::pair<std::string, std::optional<std::string>> p{"k", "v"};
  CHECK(weir::recovery::decode<decltype(p)>(weir::recovery::encode(p)) == p);
}

TEST_CASE("truncated snapshot bytes fail to decode instead of yielding a value") {
  auto bytes = weir::recovery::encode(std::vector<std::string>{"a fairly long", "state value"});
  bytes.resize(bytes.size() / 2);
  CHECK_THROWS(weir::recovery::decode<std::vector<std::string>>(bytes));
  CHECK_THROWS_WITH(weir::recovery::decode<std::uint64_t>(std::string(3, 'x')),
                    "expected 8 bytes, got 3");
}

TEST_CASE("numbers and strings are their own bytes") {
  CHECK(weir::recovery::encode(std::string("key")) == "key");
  CHECK(weir::recovery::encode(std::uint32_t{0x01020304}).size() == 4);
  CHECK(weir::recovery::decode<std::int64_t>(weir::recovery::encode(std::int64_t{-5})) == -5);
  CHECK(weir::recovery::decode<double>(weir::recovery::encode(2.5)) == 2.5);
  CHECK(weir::recovery::decode<std::string>(weir::recovery::encode(std::string())).empty());
}

TEST_CASE("the snapshot codec round-trips tuples - variants and chrono values") {
  using weir::recovery::decode;
  using weir::recovery::encode;
  using Tuple = std::tuple<int, std::string, std::vector<double>>;
  const Tuple t{7, "seven", {0.5, 7.25}};
  CHECK(decode<Tuple>(encode(t)) == t);

  using Variant = std::variant<int, std::string, int>;
  const Variant a(std::in_place_index<2>, 42);
  const Variant back = decode<Variant>(encode(a));
  CHECK(back.index() == 2);
  CHECK(std::get<2>(back) == 42);
  CHECK(std::get<1>(decode<Variant>(encode(Variant("s")))) == "s");

  const auto d = std::chrono::milliseconds(-1500);
  CHECK(decode<std::chrono::milliseconds>(encode(d)) == d);
  const weir::Instant at = weir::Instant{} + std::chrono::hours(24 * 365 * 56) + 3ns;
  CHECK(decode<weir::Instant>(encode(at)) == at);
}

TEST_CASE("a variant snapshot with an unknown alternative index fails to decode") {
  using weir::recovery::decode;
  using weir::recovery::encode;
  const std::string bytes = encode(std::variant<int, std::string, double>(2.5));
  CHECK_THROWS_WITH((decode<std::variant<int, std::string>>(bytes)),
                    "variant index out of range in snapshot");
}

TEST_CASE("hostile snapshot bytes fail at once: no bool outside 0 and 1, no length past the end") {
  using weir::recovery::decode;
  using weir::recovery::encode;
  using weir::recovery::detail::CorruptSnapshot;
  // an optional's presence flag holding 156 (undefined behaviour if loaded into a bool)
  std::string flag = encode(std::optional<long>(7));  // class info (5 bytes), flag, value
  REQUIRE(flag[5] == 1);
  flag[5] = static_cast<char>(156);
  CHECK_THROWS_AS(decode<std::optional<long>>(flag), CorruptSnapshot);
  CHECK_THROWS_WITH(decode<std::optional<long>>(flag), "a bool holds the byte 156");

  // a vector and a string that claim more elements than there are bytes: refused before
  // anything is allocated (these would have asked for 2^40 ints and a 2^50-byte string)
  std::string many = encode(std::vector<int>{1, 2, 3});  // count (8 bytes), items
  const std::uint64_t huge = std::uint64_t{1} << 40U;
  std::memcpy(many.data(), &huge, sizeof huge);
  CHECK_THROWS_WITH(decode<std::vector<int>>(many),
                    "a collection claims 1099511627776 elements, but only 12 bytes are left");
  std::string text = encode(std::pair<std::string, int>("abc", 1));  // class info, length...
  const std::uint64_t longer = std::uint64_t{1} << 50U;
  std::memcpy(text.data() + 5, &longer, sizeof longer);
  CHECK_THROWS_WITH((decode<std::pair<std::string, int>>(text)),
                    "a string claims 1125899906842624 elements, but only 7 bytes are left");
}

TEST_CASE("a batch of numbers is its count then each item's fields - and decodes back") {
  using Item = std::pair<std::uint64_t, std::tuple<std::int32_t, bool, double>>;
  const std::vector<Item> items{{1, {-2, true, 0.5}}, {3, {4, false, -1.25}}};
  std::string bytes = "head";
  weir::recovery::append_batch(bytes, items);
  REQUIRE(bytes.size() == 4 + 8 + 2 * (8 + 4 + 1 + 8));
  std::uint64_t count = 0;
  std::memcpy(&count, bytes.data() + 4, 8);
  CHECK(count == 2);
  std::vector<Item> back{{9, {9, true, 9}}};
  weir::recovery::decode_batch(std::string_view(bytes).substr(4), back);
  CHECK(back == items);

  std::string cut = bytes.substr(4, bytes.size() - 5);
  CHECK_THROWS_WITH(weir::recovery::decode_batch(cut, back), "a batch of 2 items in 49 bytes");
  std::string bad_bool = bytes.substr(4);
  bad_bool[8 + 8 + 4] = 7;  // the first item's bool
  CHECK_THROWS_WITH(weir::recovery::decode_batch(bad_bool, back), "a bool that is not 0 or 1");
}

TEST_CASE("a batch of other items goes through the archive and decodes back") {
  const std::vector<std::pair<std::string, std::vector<int>>> items{{"a", {1, 2}}, {"b", {}}};
  std::string bytes;
  weir::recovery::append_batch(bytes, items);
  std::vector<std::pair<std::string, std::vector<int>>> back;
  weir::recovery::decode_batch(bytes, back);
  CHECK(back == items);
}
