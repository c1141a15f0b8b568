#pragma once
// Small helpers shared by the tests.

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

// What a test of a dataflow uses: the dataflow API (runtime, operators), the store, and the
// testing connectors. A test that uses another connector family includes its headers.
#include <weir/connectors/testing/testing_sink.hpp>
#include <weir/connectors/testing/testing_source.hpp>
#include <weir/core/clock.hpp>
#include <weir/core/errors.hpp>
#include <weir/core/stable_hash.hpp>
#include <weir/inputs/batching.hpp>
#include <weir/inputs/simple_polling_source.hpp>
#include <weir/inputs/source.hpp>
#include <weir/operators/aggregate.hpp>
#include <weir/operators/collect.hpp>
#include <weir/operators/enrich.hpp>
#include <weir/operators/join.hpp>
#include <weir/operators/stateful.hpp>
#include <weir/operators/stateless.hpp>
#include <weir/operators/windowing/aggregates.hpp>
#include <weir/operators/windowing/clocks.hpp>
#include <weir/operators/windowing/join_window.hpp>
#include <weir/operators/windowing/metadata.hpp>
#include <weir/operators/windowing/partition_clock.hpp>
#include <weir/operators/windowing/window.hpp>
#include <weir/operators/windowing/windowers.hpp>
#include <weir/outputs/sink.hpp>
#include <weir/recovery/store.hpp>
#include <weir/runtime/core_operators.hpp>
#include <weir/runtime/dataflow.hpp>
#include <weir/runtime/run.hpp>
#include <weir/runtime/run_main.hpp>
#include <weir/runtime/stateful_logic.hpp>

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

/// Runs one batch of one key's values through a stateful_batch logic as the stateful step
/// would: on_batch, or on_batch_begin (if any), on_value for each value and then on_batch_end.
template <class Logic, class K, class V, class E>
weir::StateAction apply_batch(Logic& logic, std::vector<std::pair<K, V>>& items, E& emit) {
  if constexpr (weir::HasOnValue<Logic, V, E>) {
    if constexpr (weir::HasOnBatchBegin<Logic, E>) {
      if (!items.empty()) logic.on_batch_begin(emit);
    }
    for (auto& item : items) logic.on_value(std::move(item.second), emit);
    return logic.on_batch_end(emit);
  } else {
    return logic.on_batch(weir::Values<K, V>(items.data(), items.data() + items.size()), emit);
  }
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

/// The whole content of the file at `p` (empty if it cannot be read).
inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

/// What a shell command printed (stdout and stderr) and its exit code (-1: killed).
struct CommandResult {
  int code = -1;
  std::string out;
};
inline CommandResult sh(const std::string& command) {
  CommandResult r;
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) {
    return r;
  }
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) {
    r.out.append(buf.data(), n);
  }
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

/// A fresh empty directory under the system temp directory, removed with everything in it
/// when this goes out of scope.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("weir_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::filesystem::path operator/(const std::string& name) const {
    return path_ / name;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace weir_test
