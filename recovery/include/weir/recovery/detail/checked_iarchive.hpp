#pragma once
// The input archive snapshots are decoded with: Boost's binary archive, with every length it
// reads checked against the bytes that remain, so a corrupt snapshot fails at once instead of
// allocating what its lengths claim (a 95-byte input claimed gigabytes), and every bool
// checked to be 0 or 1 (loading another value into a bool is undefined behaviour).
//
// A collection's element count must not exceed the bytes left: every element of every
// serialisable type takes at least one byte, except a type that writes nothing at all (an
// empty struct, std::monostate), whose vectors are refused past that count.
//
// Its Boost templates are instantiated once, in the recovery library (checked_iarchive.cpp).

#include <boost/archive/binary_iarchive_impl.hpp>
#include <boost/archive/detail/register_archive.hpp>
#include <cstddef>
#include <istream>
#include <stdexcept>
#include <streambuf>
#include <string>

namespace weir::recovery::detail {

/// Thrown when a snapshot's bytes contradict themselves.
class CorruptSnapshot : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class CheckedIArchive final
    : public boost::archive::binary_iarchive_impl<CheckedIArchive, std::istream::char_type,
                                                  std::istream::traits_type> {
  using Base = boost::archive::binary_iarchive_impl<CheckedIArchive, std::istream::char_type,
                                                    std::istream::traits_type>;

 public:
  /// Reads from `source`, which holds all the snapshot's bytes.
  CheckedIArchive(std::streambuf& source, unsigned flags) : Base(source, flags), source_(source) {
    init(flags);
  }

  // the primitive loads and the overrides below hide the bases' other overloads: bring them in
  using Base::load;
  using Base::load_override;

  void load(bool& b) {
    unsigned char byte = 0;
    load_binary(&byte, 1);
    if (byte > 1) {
      throw CorruptSnapshot("a bool holds the byte " + std::to_string(byte));
    }
    b = byte == 1;
  }

  void load(std::string& s) {
    std::size_t n = 0;
    Base::load(n);
    check_length(n, "a string");
    s.resize(n);
    if (n > 0) {
      load_binary(s.data(), n);
    }
  }

  void load_override(boost::serialization::collection_size_type& count) {
    Base::load_override(count);
    check_length(count, "a collection");
  }

 private:
  void check_length(std::size_t n, const char* what) {
    const auto left = static_cast<std::size_t>(std::max<std::streamsize>(source_.in_avail(), 0));
    if (n > left) {
      throw CorruptSnapshot(std::string(what) + " claims " + std::to_string(n) +
                            " elements, but only " + std::to_string(left) + " bytes are left");
    }
  }

  std::streambuf& source_;
};

}  // namespace weir::recovery::detail

BOOST_SERIALIZATION_REGISTER_ARCHIVE(weir::recovery::detail::CheckedIArchive)
BOOST_SERIALIZATION_USE_ARRAY_OPTIMIZATION(weir::recovery::detail::CheckedIArchive)
