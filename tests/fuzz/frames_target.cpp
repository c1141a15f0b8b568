// Fuzz target: what one process of a cluster reads from another, on hostile bytes. The first
// byte picks the decoder (a frame kind, the handshake, a batch of items, state changes); the
// rest is decoded as it. Decoding may fail with an exception, never crash, overflow, or
// allocate what the bytes claim.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <weir/recovery/codec.hpp>
#include <weir/recovery/state_changes.hpp>
#include <weir/runtime/detail/cluster_frames.hpp>
#include <weir/runtime/detail/mesh.hpp>

namespace {

template <class F>
void refused_or_read(F&& f) {
  try {
    f();
  } catch (const std::exception&) {  // refusing is the point
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);  // NOLINT
  namespace d = weir::detail;
  switch (data[0] % 9) {
    case 0:
      refused_or_read([&] {
        const d::DataHeader h = d::get_data_header(bytes);
        if (h.body > bytes.size()) __builtin_trap();
      });
      break;
    case 1:
      refused_or_read([&] { (void)d::get_frontier(bytes); });
      break;
    case 2:
      refused_or_read([&] { (void)d::get_gather(bytes); });
      break;
    case 3:
      refused_or_read([&] { (void)d::get_stop(bytes); });
      break;
    case 4:
      refused_or_read([&] { (void)d::get_progress(bytes); });
      break;
    case 5:
      refused_or_read([&] { (void)weir::recovery::StateChanges::parse(bytes); });
      break;
    case 6:
      refused_or_read([&] {
        std::vector<std::pair<std::uint64_t, std::pair<std::uint64_t, bool>>> items;
        weir::recovery::decode_batch(bytes, items);
      });
      break;
    case 7:
      refused_or_read([&] {
        std::vector<std::pair<std::string, long>> items;
        weir::recovery::decode_batch(bytes, items);
      });
      break;
    default:
      refused_or_read([&] { (void)d::Hello::decode(bytes); });
      break;
  }
  return 0;
}
