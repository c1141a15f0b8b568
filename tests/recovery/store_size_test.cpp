// How much disk a recovery store takes over a long run: the write-ahead logs are folded back
// into the partitions, so the directory stays within its documented bound however many epochs
// commit, and an idle dataflow's store does not grow.
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include <weir/recovery/store.hpp>

#include "store_support.hpp"
#include "support.hpp"

namespace fs = std::filesystem;
using weir::recovery::RecoveryStore;
using weir::recovery::StateChanges;
using weir_test::await_commit;
using weir_test::TempDir;

namespace {

std::uintmax_t dir_bytes(const fs::path& dir) {
  std::uintmax_t n = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file()) {
      n += e.file_size();
    }
  }
  return n;
}

constexpr std::size_t kParts = 3;
constexpr std::size_t kLogCap = std::size_t{1} << 20U;

}  // namespace

TEST_CASE("thousands of small epochs keep the store's directory within its bound") {
  TempDir dir;
  weir::recovery::init_store(dir.path(), kParts);
  auto store = RecoveryStore::open(dir.path(), {.log_cap = kLogCap});
  store->begin(1);
  constexpr weir::Epoch kEpochs = 3000;
  std::uintmax_t largest = 0;
  for (weir::Epoch e = 1; e <= kEpochs; ++e) {
    StateChanges c("flow.sum", e);
    for (int k = 0; k < 50; ++k) {
      c.put("key" + std::to_string(k), std::to_string(e * 100 + static_cast<weir::Epoch>(k)));
    }
    store->write(0, std::move(c));
    store->progress(0, e + 1, false);
    await_commit(*store, e + 1);
    if (e % 100 == 0) {
      largest = std::max(largest, dir_bytes(dir.path()));
    }
  }
  // the bound store.hpp documents: per partition, its log cap plus one log's worth of
  // database pages above the live state (a few hundred bytes here)
  const std::uintmax_t bound = kParts * RecoveryStore::partition_bound(kLogCap, 1024, 1U << 20U);
  INFO("largest directory size " << largest << " bytes, bound " << bound);
  CHECK(largest <= bound);
  store->finish();
  CHECK(dir_bytes(dir.path()) <= bound);
}

TEST_CASE("an idle dataflow's store does not grow") {
  TempDir dir;
  weir::recovery::init_store(dir.path(), kParts);
  auto store = RecoveryStore::open(dir.path(), {.log_cap = kLogCap});
  store->begin(2);
  std::uintmax_t after_first = 0;
  for (weir::Epoch e = 1; e <= 3000; ++e) {  // epochs that change no state
    store->progress(0, e + 1, false);
    store->progress(1, e + 1, false);
    await_commit(*store, e + 1);
    if (e == 100) {
      after_first = dir_bytes(dir.path());
    }
  }
  INFO("after 100 epochs " << after_first << " bytes, after 3000 " << dir_bytes(dir.path()));
  CHECK(dir_bytes(dir.path()) <= std::max(after_first, std::uintmax_t{kParts * 2 * kLogCap}));
}
