#include "weir/recovery/state_changes.hpp"

#include <algorithm>
#include <cstring>
#include <memory>

#include "entries.hpp"
#include "weir/core/hints.hpp"

namespace weir::recovery {

namespace detail {

void EntryBuffer::append(std::string_view key, const std::string_view* state) {
  const std::size_t n = entries::size_of(key, state);
  if (capacity_ - size_ < n) {
    regrow(std::max(2 * capacity_, size_ + n));
  }
  entries::write(data_.get() + size_, key, state);
  size_ += n;
  // the next line this buffer will write, fetched while other buffers are written: many
  // buffers filled in turn are too many streams for the hardware to foresee
  constexpr std::size_t kLine = 64;
  if (capacity_ - size_ > kLine) {
    WEIR_PREFETCH_WRITE(data_.get() + size_ + kLine);
  }
}

void EntryBuffer::regrow(std::size_t capacity) {
  auto grown = std::make_unique_for_overwrite<char[]>(capacity);
  if (size_ > 0) {
    std::memcpy(grown.get(), data_.get(), size_);
  }
  data_ = std::move(grown);
  capacity_ = capacity;
}

std::size_t entry_size(std::string_view key, const std::string_view* state) {
  return entries::size_of(key, state);
}

}  // namespace detail

void StateChanges::for_each(
    const std::function<void(std::string_view, const std::string_view*)>& f) const {
  for_each_bucket([&](std::uint32_t, std::string_view bytes) { entries::for_each(bytes, f); });
}

}  // namespace weir::recovery
