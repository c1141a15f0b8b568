#pragma once
// ScatterBuffer<T>: storage for n values constructed in any order (a counting sort moves each
// value straight to its place), then used as a contiguous array and cleared. Its memory is
// kept for the next use.

#include <cstddef>
#include <memory>
#include <type_traits>

namespace weir::detail {

template <class T>
class ScatterBuffer {
  static_assert(std::is_nothrow_move_constructible_v<T>,
                "ScatterBuffer fills its slots in any order: a move that throws would leave "
                "holes it cannot track");

 public:
  ScatterBuffer() = default;
  ScatterBuffer(const ScatterBuffer&) = delete;
  ScatterBuffer& operator=(const ScatterBuffer&) = delete;
  ~ScatterBuffer() {
    clear();
    std::allocator<T>().deallocate(data_, capacity_);
  }

  /// Room for n values; drops the values it held.
  void reserve(std::size_t n) {
    clear();
    if (n <= capacity_) return;
    std::allocator<T>().deallocate(data_, capacity_);
    data_ = nullptr;
    capacity_ = 0;
    data_ = std::allocator<T>().allocate(n);
    capacity_ = n;
  }
  /// Where to construct the values (std::construct_at(storage() + i, ...)).
  [[nodiscard]] T* storage() noexcept { return data_; }
  /// Records that the first n slots now hold values.
  void constructed(std::size_t n) noexcept { size_ = n; }
  void clear() noexcept {
    std::destroy_n(data_, size_);
    size_ = 0;
  }

 private:
  T* data_ = nullptr;
  std::size_t capacity_ = 0;
  std::size_t size_ = 0;
};

}  // namespace weir::detail
