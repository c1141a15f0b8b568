#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <random>
#include <string>

#include <weir/runtime/key_table.hpp>

namespace {

// A key whose hash puts every key in one of three home slots (the index places by the
// hash's upper bits), so probes collide and deletions have to shift entries back.
struct Crowded {
  int id;
  bool operator==(const Crowded&) const = default;
};

}  // namespace

template <>
struct weir::StableHash<Crowded> {
  std::uint64_t operator()(const Crowded& k) const noexcept {
    return static_cast<std::uint64_t>(k.id % 3) << 62U;
  }
};

namespace {

template <class K>
void check_against_map(const weir::KeyTable<K, int>& table, const std::map<int, int>& model,
                       auto make_key) {
  REQUIRE(table.size() == model.size());
  for (const auto& [id, value] : model) {
    const std::size_t at = table.find(make_key(id));
    REQUIRE(at != table.npos);
    CHECK(table[at].value == value);
  }
}

template <class K>
void random_inserts_and_erases(auto make_key) {
  weir::KeyTable<K, int> table;
  std::map<int, int> model;
  std::mt19937 rng(7);
  for (int step = 0; step < 20000; ++step) {
    const int id = static_cast<int>(rng() % 300);
    const K key = make_key(id);
    const std::size_t at = table.find(key);
    if (rng() % 3 == 0) {
      if (at != table.npos) {
        table.erase(at);
        model.erase(id);
      }
    } else if (at == table.npos) {
      table.insert(key, table.hash_of(key), step);
      model[id] = step;
    } else {
      table[at].value = step;
      model[id] = step;
    }
    if (step % 1000 == 0) check_against_map(table, model, make_key);
  }
  check_against_map(table, model, make_key);
  for (int id = 300; id < 320; ++id) CHECK(table.find(make_key(id)) == table.npos);
}

}  // namespace

TEST_CASE("KeyTable agrees with std::map under random inserts and erases", "[key_table]") {
  random_inserts_and_erases<std::uint64_t>([](int id) { return static_cast<std::uint64_t>(id); });
}

TEST_CASE("KeyTable keeps colliding keys reachable through erases", "[key_table]") {
  random_inserts_and_erases<Crowded>([](int id) { return Crowded{id}; });
}

TEST_CASE("KeyTable places integer keys by a multiplication, other keys by their stable hash",
          "[key_table]") {
  using Ints = weir::KeyTable<std::uint64_t, int>;
  CHECK(Ints::hash_of(3) == 3 * 0x9e3779b97f4a7c15ULL);
  CHECK(weir::KeyTable<std::string, int>::hash_of("k") == weir::stable_hash(std::string("k")));
  // dense ids: 1,000 of them in 2,048 slots, each found where it was put
  Ints table;
  for (int i = 0; i < 1000; ++i) {
    const auto key = 2 * static_cast<std::uint64_t>(i);
    table.insert(key, Ints::hash_of(key), i);
  }
  int found = 0;
  for (int i = 0; i < 1000; ++i) {
    const std::size_t at = table.find(2 * static_cast<std::uint64_t>(i));
    if (at != table.npos && table[at].value == i) {
      ++found;
    }
  }
  CHECK(found == 1000);
  CHECK(table.find(1) == table.npos);
}

TEST_CASE("KeyTable erase moves the last entry into the hole", "[key_table]") {
  weir::KeyTable<std::string, int> table;
  const std::vector<std::string> keys = {"k0", "k1", "k2", "k3", "k4"};
  for (int i = 0; i < 5; ++i) {
    table.insert(keys[i], table.hash_of(keys[i]), i);
  }
  table.erase(table.find("k1"));
  REQUIRE(table.size() == 4);
  CHECK(table[1].key == "k4");
  CHECK(table.find("k4") == 1);
  CHECK(table.find("k1") == table.npos);
  table.clear();
  CHECK(table.empty());
  CHECK(table.find("k0") == table.npos);
}

TEST_CASE(
    "KeyTable starts an entry larger than a cache line on a pair of lines, and packs "
    "smaller ones",
    "[key_table]") {
  struct Big {
    std::uint64_t words[9];
  };
  using BigTable = weir::KeyTable<std::uint64_t, Big>;
  using SmallTable = weir::KeyTable<std::uint64_t, int>;
  STATIC_REQUIRE(sizeof(BigTable::Entry) == 128);  // 8 + 72 + 8 bytes, to a whole pair
  STATIC_REQUIRE(sizeof(SmallTable::Entry) == 24);
  BigTable table;
  for (std::uint64_t k = 0; k < 100; ++k) {
    table.insert(k, BigTable::hash_of(k), Big{{k}});
  }
  for (std::uint64_t k = 0; k < 100; ++k) {
    const auto& entry = table[table.find(k)];
    CHECK(reinterpret_cast<std::uintptr_t>(&entry) % 128 == 0);
    CHECK(entry.value.words[0] == k);
  }
}
