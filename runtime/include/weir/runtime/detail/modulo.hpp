#pragma once
// Modulo: h % n for a divisor fixed at run time, without a division when n is a power of
// two (1, 2, 4, 8... workers or partitions: the common case). Same result as h % n always.

#include <cstddef>
#include <cstdint>

namespace weir::detail {

class Modulo {
 public:
  explicit Modulo(std::size_t n) : n_(n), mask_(n - 1), pow2_(n != 0 && (n & (n - 1)) == 0) {}
  [[nodiscard]] std::size_t operator()(std::uint64_t h) const noexcept {
    return pow2_ ? static_cast<std::size_t>(h & mask_) : static_cast<std::size_t>(h % n_);
  }

 private:
  std::uint64_t n_;
  std::uint64_t mask_;
  bool pow2_;
};

}  // namespace weir::detail
