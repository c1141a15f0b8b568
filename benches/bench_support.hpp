#pragma once
// Helpers for the benchmark programs: timing, medians, the results file.

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace weir_bench {

template <class F>
double seconds(F&& f) {
  auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

/// Writes {"key": value, ...} to WEIR_RESULTS_DIR/name.json.
inline void write_results(const std::string& name, const std::map<std::string, double>& fields) {
  std::string path = std::string(WEIR_RESULTS_DIR) + "/" + name + ".json";
  std::ofstream out(path);
  out << "{";
  bool first = true;
  for (const auto& [k, v] : fields) {
    out << (first ? "" : ", ") << fmt::format("\"{}\": {:.6g}", k, v);
    first = false;
  }
  out << "}\n";
  std::printf("wrote %s\n", path.c_str());
}

}  // namespace weir_bench
