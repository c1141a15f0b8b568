#pragma once
// Wire<X>: how items of an isolated push source (PushOptions::isolate) cross the pipe from its
// process to the dataflow's.

#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

namespace weir::push {

/// How items of type X cross the pipe: strings as
/// their bytes, trivially copyable values as their object bytes. Specialise it (static
/// `encode(const X&) -> std::string` and `decode(std::string_view) -> X`) for other types.
template <class X>
struct Wire {
  static constexpr bool available = false;
};
template <>
struct Wire<std::string> {
  static constexpr bool available = true;
  static std::string encode(const std::string& x) { return x; }
  static std::string decode(std::string_view b) { return std::string(b); }
};
template <class X>
requires std::is_trivially_copyable_v<X> && std::is_default_constructible_v<X>
struct Wire<X> {
  static constexpr bool available = true;
  static std::string encode(const X& x) {
    return std::string(reinterpret_cast<const char*>(&x), sizeof(X));
  }
  static X decode(std::string_view b) {
    X x{};
    if (b.size() == sizeof(X)) std::memcpy(&x, b.data(), sizeof(X));
    return x;
  }
};

}  // namespace weir::push
