#include <catch2/catch.hpp>
#include <map>

#include <boost/serialization/map.hpp>
#include <weir/recovery/codec.hpp>

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
  auto bytes = weir::recovery::encode(std::string("a fairly long state value"));
  bytes.resize(bytes.size() / 2);
  CHECK_THROWS(weir::recovery::decode<std::string>(bytes));
}
