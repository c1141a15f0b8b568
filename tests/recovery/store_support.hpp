#pragma once
// Helpers the recovery store's tests share.

#include <thread>

#include <weir/recovery/store.hpp>

namespace weir_test {

/// Waits until `store` has committed every epoch below `epoch` (so each epoch a test writes
/// and waits for is its own round of the writer).
inline void await_commit(const weir::recovery::RecoveryStore& store, weir::Epoch epoch) {
  while (store.committed() < epoch) {
    std::this_thread::yield();
  }
}

}  // namespace weir_test
