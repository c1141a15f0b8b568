#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "weir/core/coding.hpp"

using namespace weir::coding;

TEST_CASE("fixed-width integers are little-endian bytes") {
  std::string out;
  put_fixed32(out, 0x04030201U);
  put_fixed64(out, 0x0807060504030201ULL);
  CHECK(out == std::string("\x01\x02\x03\x04\x01\x02\x03\x04\x05\x06\x07\x08", 12));
  CHECK(decode_fixed32(out.data()) == 0x04030201U);
  CHECK(decode_fixed64(out.data() + 4) == 0x0807060504030201ULL);

  std::string_view in = out;
  std::uint32_t a = 0;
  std::uint64_t b = 0;
  REQUIRE(get_fixed32(in, a));
  REQUIRE(get_fixed64(in, b));
  CHECK(a == 0x04030201U);
  CHECK(b == 0x0807060504030201ULL);
  CHECK(in.empty());
  CHECK_FALSE(get_fixed32(in, a));
}

TEST_CASE("a truncated fixed-width integer is refused and the input left as it was") {
  const std::string bytes("\x01\x02\x03", 3);
  std::string_view in = bytes;
  std::uint32_t v = 7;
  CHECK_FALSE(get_fixed32(in, v));
  CHECK(in.size() == 3);
  CHECK(v == 7);
}

TEST_CASE("varints take seven bits a byte, low bits first") {
  auto encoded = [](std::uint64_t v) {
    std::string s;
    put_varint64(s, v);
    return s;
  };
  CHECK(encoded(0) == std::string("\x00", 1));
  CHECK(encoded(127) == "\x7f");
  CHECK(encoded(128) == "\x80\x01");
  CHECK(encoded(300) == "\xac\x02");
  CHECK(encoded(std::numeric_limits<std::uint64_t>::max()).size() == kMaxVarint64Bytes);
  for (const std::uint64_t v : std::initializer_list<std::uint64_t>{
           0, 1, 127, 128, 16383, 16384, 0xFFFFFFFF, std::numeric_limits<std::uint64_t>::max()}) {
    const std::string s = encoded(v);
    CHECK(s.size() == varint_length(v));
    std::string_view in = s;
    std::uint64_t back = 0;
    REQUIRE(get_varint64(in, back));
    CHECK(back == v);
    CHECK(in.empty());
  }
}

TEST_CASE("a truncated or overlong varint is refused and the input left as it was") {
  std::uint64_t v = 0;
  const std::string truncated("\x80\x80", 2);
  std::string_view in = truncated;
  CHECK_FALSE(get_varint64(in, v));
  CHECK(in.size() == 2);

  const std::string six("\x80\x80\x80\x80\x80\x01", 6);  // 36 bits: too long for varint32
  in = six;
  CHECK_FALSE(get_varint32(in, v));
  CHECK(in.size() == 6);
  REQUIRE(get_varint64(in, v));
  CHECK(v == (1ULL << 35U));
}
