#pragma once
// Byte encodings: fixed-width integers and varints, the one home for both.
//
// Fixed-width integers are little-endian whatever the machine (the bytes go to disk and to
// other processes). Varints are LEB128: seven bits per byte, low bits first, the high bit set
// on every byte but the last, so a value below 128 takes one byte; a 32-bit value takes at
// most 5 bytes, a 64-bit one at most 10.
//
// encode_* write into a buffer the caller sized (varint_length says how much); put_* append
// to a std::string; get_* read from the front of a std::string_view and advance it, returning
// false (the view untouched) when the bytes are truncated or malformed. None allocates except
// put_* growing its string; all are thread-compatible (no shared state).

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace weir::coding {

inline constexpr std::size_t kMaxVarint32Bytes = 5;
inline constexpr std::size_t kMaxVarint64Bytes = 10;

namespace detail {
template <class T>
constexpr T to_little(T v) noexcept {
  if constexpr (std::endian::native == std::endian::big) {
    T r = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) {
      r = static_cast<T>((r << 8U) | ((v >> (8U * i)) & 0xFFU));
    }
    return r;
  } else {
    return v;
  }
}
}  // namespace detail

// ---- fixed width --------------------------------------------------------------------------

/// Writes v's 4 bytes at `out`. REQUIRES: out has room for 4 bytes.
inline void encode_fixed32(char* out, std::uint32_t v) noexcept {
  v = detail::to_little(v);
  std::memcpy(out, &v, sizeof v);
}
/// Writes v's 8 bytes at `out`. REQUIRES: out has room for 8 bytes.
inline void encode_fixed64(char* out, std::uint64_t v) noexcept {
  v = detail::to_little(v);
  std::memcpy(out, &v, sizeof v);
}
/// REQUIRES: `in` points at 4 readable bytes.
inline std::uint32_t decode_fixed32(const char* in) noexcept {
  std::uint32_t v = 0;
  std::memcpy(&v, in, sizeof v);
  return detail::to_little(v);
}
/// REQUIRES: `in` points at 8 readable bytes.
inline std::uint64_t decode_fixed64(const char* in) noexcept {
  std::uint64_t v = 0;
  std::memcpy(&v, in, sizeof v);
  return detail::to_little(v);
}

inline void put_fixed32(std::string& out, std::uint32_t v) {
  char b[4];
  encode_fixed32(b, v);
  out.append(b, sizeof b);
}
inline void put_fixed64(std::string& out, std::uint64_t v) {
  char b[8];
  encode_fixed64(b, v);
  out.append(b, sizeof b);
}
inline bool get_fixed32(std::string_view& in, std::uint32_t& v) noexcept {
  if (in.size() < 4) return false;
  v = decode_fixed32(in.data());
  in.remove_prefix(4);
  return true;
}
inline bool get_fixed64(std::string_view& in, std::uint64_t& v) noexcept {
  if (in.size() < 8) return false;
  v = decode_fixed64(in.data());
  in.remove_prefix(8);
  return true;
}

// ---- varints ------------------------------------------------------------------------------

/// The bytes encode_varint64 writes for v (1 to 10).
constexpr std::size_t varint_length(std::uint64_t v) noexcept {
  std::size_t n = 1;
  for (; v >= 0x80U; v >>= 7U) {
    ++n;
  }
  return n;
}

/// Writes v as a varint at `out` and returns the byte after it.
/// REQUIRES: out has room for varint_length(v) bytes.
inline char* encode_varint64(char* out, std::uint64_t v) noexcept {
  for (; v >= 0x80U; v >>= 7U) {
    *out++ = static_cast<char>((v & 0x7FU) | 0x80U);
  }
  *out++ = static_cast<char>(v);
  return out;
}

inline void put_varint64(std::string& out, std::uint64_t v) {
  char b[kMaxVarint64Bytes];
  out.append(b, static_cast<std::size_t>(encode_varint64(b, v) - b));
}

namespace detail {
inline bool get_varint(std::string_view& in, std::uint64_t& v, std::size_t max_bytes) noexcept {
  std::uint64_t r = 0;
  for (std::size_t i = 0; i < max_bytes && i < in.size(); ++i) {
    const auto c = static_cast<unsigned char>(in[i]);
    r |= static_cast<std::uint64_t>(c & 0x7FU) << (7 * i);
    if ((c & 0x80U) == 0) {
      v = r;
      in.remove_prefix(i + 1);
      return true;
    }
  }
  return false;
}
}  // namespace detail

/// Reads a varint of at most 5 bytes (up to 35 bits: callers bound the value themselves).
inline bool get_varint32(std::string_view& in, std::uint64_t& v) noexcept {
  return detail::get_varint(in, v, kMaxVarint32Bytes);
}
/// Reads a varint of at most 10 bytes.
inline bool get_varint64(std::string_view& in, std::uint64_t& v) noexcept {
  return detail::get_varint(in, v, kMaxVarint64Bytes);
}

}  // namespace weir::coding
