#pragma once
// Small helpers shared by the tests.

#include <algorithm>
#include <string>
#include <vector>

#include <weir/weir.hpp>

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
