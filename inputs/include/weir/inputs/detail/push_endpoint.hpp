#pragma once
// What the three push shapes (push_source.hpp) share: run(), and the endpoint through which
// they reach their partition's ring and flags while run() runs.

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "weir/inputs/detail/push_ring.hpp"

namespace weir::push::detail {

/// What a push object reaches of its partition while run() runs.
template <class X>
struct Endpoint {
  PushRing<X>* ring = nullptr;
  std::atomic<bool>* running = nullptr;
  std::atomic<bool>* closed = nullptr;
  // StatefulProducer: records the state released with the items up to an index
  std::function<void(std::uint64_t, std::string)> on_flush;
};

template <class Impl>
struct PushRun;

/// What the three push shapes share: run(), and the partition's endpoint it pushes through.
template <class X>
class PushBase {
 public:
  using item_type = X;
  PushBase() = default;
  PushBase(const PushBase&) = delete;
  PushBase& operator=(const PushBase&) = delete;
  virtual ~PushBase() = default;

  virtual void run() = 0;

 protected:
  template <class>
  friend struct PushRun;
  Endpoint<X> endpoint_;
};

}  // namespace weir::push::detail
