#pragma once
// The snapshot codec: how a state value becomes bytes in the recovery store and back.
//
// Boost.Serialization binary archives without their header (the store records the format
// facts once instead), one archive per value. Boost 1.81 cannot serialise std::optional,
// std::tuple, std::variant, std::monostate or std::chrono durations and time points, so this
// header adds them (monostate: nothing; optional: a presence flag, then the value; variant: the
// index, then the alternative; chrono: the tick count). Include the Boost serialization header for
// each other standard container a state type uses (e.g. <boost/serialization/map.hpp>).

#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/serialization/split_free.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/utility.hpp>
#include <boost/serialization/vector.hpp>
#include <chrono>
#include <cstddef>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <variant>

namespace boost::serialization {

template <class Archive, class T>
void save(Archive& ar, const std::optional<T>& o, unsigned /*version*/) {
  const bool has = o.has_value();
  ar << has;
  if (has) ar << *o;
}

template <class Archive, class T>
void load(Archive& ar, std::optional<T>& o, unsigned /*version*/) {
  bool has = false;
  ar >> has;
  if (has) {
    o.emplace();
    ar >> *o;
  } else {
    o.reset();
  }
}

template <class Archive, class T>
void serialize(Archive& ar, std::optional<T>& o, unsigned version) {
  split_free(ar, o, version);
}

template <class Archive>
void serialize(Archive& /*ar*/, std::monostate& /*m*/, unsigned /*version*/) {}

template <class Archive, class... Ts>
void serialize(Archive& ar, std::tuple<Ts...>& t, unsigned /*version*/) {
  std::apply([&](auto&... xs) { ((ar & xs), ...); }, t);
}

template <class Archive, class... Ts>
void save(Archive& ar, const std::variant<Ts...>& v, unsigned /*version*/) {
  const std::size_t index = v.index();
  ar << index;
  std::visit([&](const auto& x) { ar << x; }, v);
}

namespace detail_weir {
template <class Archive, class V, std::size_t... I>
void load_alternative(Archive& ar, V& v, std::size_t index, std::index_sequence<I...>) {
  const bool found = ((index == I ? (ar >> v.template emplace<I>(), true) : false) || ...);
  if (!found) throw std::runtime_error("variant index out of range in snapshot");
}
}  // namespace detail_weir

template <class Archive, class... Ts>
void load(Archive& ar, std::variant<Ts...>& v, unsigned /*version*/) {
  std::size_t index = 0;
  ar >> index;
  detail_weir::load_alternative(ar, v, index, std::index_sequence_for<Ts...>{});
}

template <class Archive, class... Ts>
void serialize(Archive& ar, std::variant<Ts...>& v, unsigned version) {
  split_free(ar, v, version);
}

template <class Archive, class Rep, class Period>
void save(Archive& ar, const std::chrono::duration<Rep, Period>& d, unsigned /*version*/) {
  const Rep ticks = d.count();
  ar << ticks;
}

template <class Archive, class Rep, class Period>
void load(Archive& ar, std::chrono::duration<Rep, Period>& d, unsigned /*version*/) {
  Rep ticks{};
  ar >> ticks;
  d = std::chrono::duration<Rep, Period>(ticks);
}

template <class Archive, class Rep, class Period>
void serialize(Archive& ar, std::chrono::duration<Rep, Period>& d, unsigned version) {
  split_free(ar, d, version);
}

template <class Archive, class Clock, class Dur>
void save(Archive& ar, const std::chrono::time_point<Clock, Dur>& t, unsigned /*version*/) {
  const Dur since = t.time_since_epoch();
  ar << since;
}

template <class Archive, class Clock, class Dur>
void load(Archive& ar, std::chrono::time_point<Clock, Dur>& t, unsigned /*version*/) {
  Dur since{};
  ar >> since;
  t = std::chrono::time_point<Clock, Dur>(since);
}

template <class Archive, class Clock, class Dur>
void serialize(Archive& ar, std::chrono::time_point<Clock, Dur>& t, unsigned version) {
  split_free(ar, t, version);
}

}  // namespace boost::serialization

namespace weir::recovery {

inline constexpr unsigned kArchiveFlags = boost::archive::no_header;

template <class T>
std::string encode(const T& value) {
  std::ostringstream os(std::ios::binary);
  {
    boost::archive::binary_oarchive ar(os, kArchiveFlags);
    ar << value;
  }
  return std::move(os).str();
}

/// Throws boost::archive::archive_exception (or std::exception) if the bytes do not decode.
template <class T>
T decode(const std::string& bytes) {
  std::istringstream is(bytes, std::ios::binary);
  boost::archive::binary_iarchive ar(is, kArchiveFlags);
  T value{};
  ar >> value;
  return value;
}

}  // namespace weir::recovery
