#pragma once
// KeyValueState: a StatefulProducer's state (push_source.hpp), string keys to string values,
// snapshotted with the epoch whose items it covers.

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "weir/core/coding.hpp"

namespace weir::push {

/// A StatefulProducer's state: string keys to string values.
class KeyValueState {
 public:
  [[nodiscard]] std::optional<std::string> get(const std::string& key) const {
    auto it = map_.find(key);
    if (it == map_.end()) return std::nullopt;
    return it->second;
  }
  void set(std::string key, std::string value) { map_[std::move(key)] = std::move(value); }
  void erase(const std::string& key) { map_.erase(key); }
  [[nodiscard]] const std::map<std::string, std::string>& all() const { return map_; }
  bool operator==(const KeyValueState&) const = default;

  /// The state as bytes (each key and value as an 8-byte little-endian length and its bytes),
  /// and back.
  [[nodiscard]] std::string encode() const {
    std::string out;
    for (const auto& [k, v] : map_) {
      put(out, k);
      put(out, v);
    }
    return out;
  }
  static KeyValueState decode(std::string_view bytes) {
    KeyValueState s;
    while (!bytes.empty()) {
      std::string k = take(bytes);
      s.map_[std::move(k)] = take(bytes);
    }
    return s;
  }

 private:
  static void put(std::string& out, const std::string& s) {
    coding::put_fixed64(out, s.size());
    out.append(s);
  }
  static std::string take(std::string_view& bytes) {
    std::uint64_t n = 0;
    if (!coding::get_fixed64(bytes, n) || bytes.size() < n) {
      throw std::runtime_error("a push source's state is truncated");
    }
    std::string s(bytes.substr(0, n));
    bytes.remove_prefix(n);
    return s;
  }
  std::map<std::string, std::string> map_;
};

}  // namespace weir::push
