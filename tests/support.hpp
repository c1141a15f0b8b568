#pragma once
// Small helpers shared by the tests.

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

#include <weir/weir.hpp>

namespace Catch {
// Readable failure messages for the pairs keyed streams are made of.
template <class A, class B>
struct StringMaker<std::pair<A, B>> {
  static std::string convert(const std::pair<A, B>& p) {
    std::string out(1, '(');
    out.append(StringMaker<A>::convert(p.first));
    out.append(", ");
    out.append(StringMaker<B>::convert(p.second));
    out.push_back(')');
    return out;
  }
};
}  // namespace Catch

namespace weir_test {

template <class T>
std::vector<T> sorted(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  return v;
}

/// The message of the exception `f` throws (empty if none).
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return {};
}

}  // namespace weir_test
