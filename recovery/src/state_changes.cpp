#include "weir/recovery/state_changes.hpp"

#include <algorithm>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

#include "entries.hpp"
#include "weir/core/coding.hpp"
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

void StateChanges::append_to(std::string& out) const {
  coding::put_varint64(out, step_id_.size());
  out.append(step_id_);
  coding::put_varint64(out, epoch_);
  coding::put_varint64(out, size_);
  for_each_bucket([&](std::uint32_t b, std::string_view bytes) {
    coding::put_varint64(out, b);
    coding::put_varint64(out, bytes.size());
    out.append(bytes);
  });
}

StateChanges StateChanges::parse(std::string_view bytes) {
  auto number = [&] {
    std::uint64_t v = 0;
    if (!coding::get_varint64(bytes, v)) {
      throw std::runtime_error("state changes are truncated");
    }
    return v;
  };
  auto text = [&] {
    const std::uint64_t n = number();
    if (n > bytes.size()) {
      throw std::runtime_error("state changes are truncated");
    }
    std::string_view s = bytes.substr(0, n);
    bytes.remove_prefix(n);
    return s;
  };
  const std::string_view step = text();
  const Epoch epoch = number();
  StateChanges changes{std::string(step), epoch};
  const std::uint64_t entries = number();
  std::uint64_t seen = 0;
  while (!bytes.empty()) {
    const std::uint64_t b = number();
    const std::string_view rows = text();
    if (b >= kSnapshotBuckets) {
      throw std::runtime_error("state changes name a bucket out of range");
    }
    entries::for_each(rows, [&](std::string_view key, const std::string_view* state) {
      if (changes.buckets_.of(key) != b) {
        throw std::runtime_error("state changes hold a key in another bucket");
      }
      changes.append(key, state);
      ++seen;
    });
  }
  if (seen != entries) {
    throw std::runtime_error("state changes hold another count of entries");
  }
  return changes;
}

}  // namespace weir::recovery
