#pragma once
// How a window logic emits (WindowEmit: into the window operator's three streams through a
// SplitEmit, stateful_split's), and the windower state the per-key logic keeps (none for
// aligned windowers). Part of window.hpp.

#include <utility>
#include <variant>
#include <vector>

#include "weir/operators/windowing/metadata.hpp"
#include "weir/operators/windowing/windowers.hpp"
#include "weir/runtime/stateful_logic.hpp"

namespace weir::window {

/// What the per-key logic emits: one alternative per stream of WindowOut (stateful_split).
template <class W, class V>
using WindowEvent = std::variant<std::pair<WindowId, W>, std::pair<WindowId, V>,
                                 std::pair<WindowId, WindowMetadata>>;

namespace detail {

/// What the per-key logic is handed to emit with (a SplitEmit: one batch per stream).
template <class K, class W, class V>
using WindowEmitter = SplitEmit<K, std::pair<WindowId, W>, std::pair<WindowId, V>,
                                std::pair<WindowId, WindowMetadata>>;

inline constexpr std::size_t kDown = 0;
inline constexpr std::size_t kLate = 1;
inline constexpr std::size_t kMeta = 2;

/// Emits a window logic's outputs for one window of the current key (at() moves it on to
/// another window).
template <class K, class W, class V>
class WindowEmit {
 public:
  WindowEmit(WindowEmitter<K, W, V>& emit, WindowId id)
      : down_(&emit.stream(std::in_place_index<kDown>)), key_(&emit.key()), id_(id) {}
  void operator()(W w) {
    down_->emplace_back(std::piecewise_construct, std::forward_as_tuple(*key_),
                        std::forward_as_tuple(id_, std::move(w)));
  }
  void at(WindowId id) { id_ = id; }

 private:
  std::vector<std::pair<K, std::pair<WindowId, W>>>* down_;
  const K* key_;
  WindowId id_;
};

/// A windower state for aligned windowers, which keep none (the open windows are the
/// logics').
struct NoWindowerState {
  template <class Ar>
  void serialize(Ar& /*ar*/, unsigned /*version*/) {}
};

template <class WindowerT>
struct WindowerStateOf {
  using type = typename WindowerT::State;
};
template <AlignedWindower WindowerT>
struct WindowerStateOf<WindowerT> {
  using type = NoWindowerState;
};

}  // namespace detail
}  // namespace weir::window
