// Fuzz target: the snapshot decoder on hostile bytes. The first byte picks a state type (the
// window operator's snapshot among them); the rest is decoded as it. Decoding may fail with
// an exception, never crash, overflow, or allocate what the bytes claim; a decoded event
// clock's watermark is computed at several times (its arithmetic must not overflow).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <boost/serialization/map.hpp>
#include <weir/operators/windowing/aggregates.hpp>
#include <weir/operators/windowing/clocks.hpp>
#include <weir/operators/windowing/windowers.hpp>
#include <weir/recovery/codec.hpp>

namespace {

using weir::Instant;
using GetTs = Instant (*)(const long&);
using Clock = weir::window::EventClock<GetTs>;
using Fold =
    weir::window::detail::FoldWindow<long, long (*)(), long (*)(long, long), long (*)(long, long)>;
// the snapshot kafka_window's window step keeps per key
using WindowSnapshot =
    weir::window::detail::WindowLogic<std::string, long, Clock, weir::window::TumblingWindower,
                                      Fold>::Snapshot;
using SessionSnapshot =
    weir::window::detail::WindowLogic<std::string, long, Clock, weir::window::SessionWindower,
                                      Fold>::Snapshot;

template <class T>
void decode_as(std::string_view bytes) {
  try {
    (void)weir::recovery::decode<T>(bytes);
  } catch (const std::exception&) {  // refusing is the point
  }
}

void watermarks(const Clock::State& s) {
  for (const Instant now :
       {Instant::min(), Instant{}, Instant::max(), Instant{} + std::chrono::hours(500'000)}) {
    (void)s.watermark(now);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 8) {
    case 0:
      decode_as<std::optional<bool>>(bytes);
      break;
    case 1:
      decode_as<std::map<std::string, std::vector<std::int64_t>>>(bytes);
      break;
    case 2:
      decode_as<std::vector<std::pair<std::string, std::optional<double>>>>(bytes);
      break;
    case 3:
      decode_as<std::variant<int, std::string, std::vector<int>>>(bytes);
      break;
    case 4:
      try {
        watermarks(weir::recovery::decode<Clock::State>(bytes));
      } catch (const std::exception&) {
      }
      break;
    case 5:
      try {
        watermarks(weir::recovery::decode<WindowSnapshot>(bytes).clock);
      } catch (const std::exception&) {
      }
      break;
    case 6:
      decode_as<SessionSnapshot>(bytes);
      break;
    default:
      decode_as<std::vector<std::vector<std::string>>>(bytes);
      break;
  }
  return 0;
}
