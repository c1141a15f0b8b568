#pragma once
// The snapshot codec: how a state value becomes bytes in the recovery store and back.
//
// Boost.Serialization binary archives without their header (the store records the format
// facts once instead), one archive per value. Boost 1.81 cannot serialise std::optional, so
// this header adds that (a presence flag, then the value). Include the Boost serialization
// header for each standard container a state type uses (e.g. <boost/serialization/map.hpp>).

#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/serialization/split_free.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/utility.hpp>
#include <boost/serialization/vector.hpp>
#include <optional>
#include <sstream>
#include <string>

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
