#pragma once
// stable_hash: the key hash that routes keyed items to workers and sink partitions.
//
// It must give the same value for the same key in every process, on every run and every
// build, so state written by one run is found by the next (std::hash promises none of
// that). Integers are mixed with the splitmix64 finaliser; strings with 64-bit FNV-1a
// followed by the same finaliser. Pairs and tuples combine their members.
//
// A user key type opts in by specialising weir::StableHash<K> with
//   std::uint64_t operator()(const K&) const noexcept;

#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

namespace weir {

template <class K>
struct StableHash;  // specialise for your key types

/// The hash primitives stable_hash is built from, for any other hash that must never change
/// (the recovery store's buckets, file digests, dataflow fingerprints): one definition each.
namespace hash {

/// FNV-1a's offset basis: the starting value of fnv1a.
inline constexpr std::uint64_t kFnvOffset = 0xcbf29ce484222325ULL;

/// 64-bit FNV-1a of `s`, continuing from `h` (so bytes may be hashed in pieces).
constexpr std::uint64_t fnv1a(std::string_view s, std::uint64_t h = kFnvOffset) noexcept {
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

/// splitmix64's finaliser: spreads every input bit over the whole word (FNV-1a alone leaves
/// the low bits weak, and the low bits pick a worker).
constexpr std::uint64_t mix64(std::uint64_t x) noexcept {
  x ^= x >> 30U;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27U;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31U;
  return x;
}

/// Folds hash `h` into `seed` (Boost's hash_combine constant, then mix64).
constexpr std::uint64_t combine(std::uint64_t seed, std::uint64_t h) noexcept {
  return mix64(seed ^ (h + 0x9e3779b97f4a7c15ULL + (seed << 6U) + (seed >> 2U)));
}

/// A digest of a sequence of text fields, as 16 hex digits: FNV-1a over each field followed
/// by 0xFF (a byte no UTF-8 text holds, so fields cannot run into each other). For
/// fingerprints compared across processes and runs (a dataflow's shape, its recovery
/// identity).
class FieldDigest {
 public:
  void add(std::string_view field) noexcept {
    h_ = fnv1a(field, h_);
    h_ = fnv1a("\xFF", h_);
  }
  [[nodiscard]] std::string hex() const {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out(16, '0');
    for (int i = 15, shift = 0; i >= 0; --i, shift += 4) {
      out[static_cast<std::size_t>(i)] = kDigits[(h_ >> static_cast<unsigned>(shift)) & 0xFU];
    }
    return out;
  }

 private:
  std::uint64_t h_ = kFnvOffset;
};

}  // namespace hash

template <std::integral K>
struct StableHash<K> {
  constexpr std::uint64_t operator()(K k) const noexcept {
    return hash::mix64(static_cast<std::uint64_t>(k));
  }
};

template <>
struct StableHash<std::string_view> {
  constexpr std::uint64_t operator()(std::string_view s) const noexcept {
    return hash::mix64(hash::fnv1a(s));
  }
};

template <>
struct StableHash<std::string> {
  std::uint64_t operator()(const std::string& s) const noexcept {
    return StableHash<std::string_view>{}(s);
  }
};

template <class A, class B>
struct StableHash<std::pair<A, B>> {
  std::uint64_t operator()(const std::pair<A, B>& p) const noexcept {
    return hash::combine(StableHash<A>{}(p.first), StableHash<B>{}(p.second));
  }
};

template <class... Ts>
struct StableHash<std::tuple<Ts...>> {
  std::uint64_t operator()(const std::tuple<Ts...>& t) const noexcept {
    return std::apply(
        [](const auto&... xs) {
          std::uint64_t h = 0;
          ((h = hash::combine(h, StableHash<std::remove_cvref_t<decltype(xs)>>{}(xs))), ...);
          return h;
        },
        t);
  }
};

/// A key type usable for routing: it has a StableHash and equality.
template <class K>
concept StableKey = requires(const K& k) {
  { StableHash<K>{}(k) } -> std::convertible_to<std::uint64_t>;
}
&&std::equality_comparable<K>;

template <StableKey K>
std::uint64_t stable_hash(const K& k) noexcept {
  return StableHash<K>{}(k);
}

/// Adapts StableHash to the Hash parameter of unordered containers.
template <class K>
struct StableHasher {
  std::size_t operator()(const K& k) const noexcept { return StableHash<K>{}(k); }
};

}  // namespace weir
