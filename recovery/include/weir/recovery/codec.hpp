#pragma once
// The snapshot codec: how a state value becomes bytes in the recovery store and back.
//
// Arithmetic and enum values are their bytes, strings their characters (the store keeps
// each value's length); everything else is a Boost.Serialization binary archive without
// its header (the store records the format facts once instead), one archive per value. Boost 1.81
// cannot serialise std::optional, std::tuple, std::variant, std::monostate or std::chrono durations
// and time points, so this header adds them (monostate: nothing; optional: a presence flag, then
// the value; variant: the index, then the alternative; chrono: the tick count). Include the Boost
// serialization header for each other standard container a state type uses (e.g.
// <boost/serialization/map.hpp>).

#include <boost/archive/binary_oarchive.hpp>
#include <boost/serialization/split_free.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/utility.hpp>
#include <boost/serialization/vector.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <istream>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <streambuf>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "weir/recovery/detail/checked_iarchive.hpp"

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

inline constexpr unsigned kArchiveFlags = boost::archive::no_header | boost::archive::no_codecvt;

namespace detail {

/// Types whose snapshot is their bytes as they are in memory (the store records the
/// byte order and sizes it was written with).
template <class T>
inline constexpr bool kRawCodec = std::is_arithmetic_v<T> || std::is_enum_v<T>;

/// Appends what an archive writes to a string.
class StringSink final : public std::streambuf {
 public:
  explicit StringSink(std::string& out) : out_(&out) {}

 protected:
  int_type overflow(int_type c) override {
    if (!traits_type::eq_int_type(c, traits_type::eof())) out_->push_back(static_cast<char>(c));
    return traits_type::not_eof(c);
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    out_->append(s, static_cast<std::size_t>(n));
    return n;
  }

 private:
  std::string* out_;
};

/// Reads an archive from bytes in place.
class BytesSource final : public std::streambuf {
 public:
  explicit BytesSource(std::string_view bytes) {
    char* p = const_cast<char*>(
        bytes.data());  // NOLINT(cppcoreguidelines-pro-type-const-cast): read only
    setg(p, p, p + bytes.size());
  }
};

}  // namespace detail

/// Set to true for a type whose Boost serialization is a free function in namespace
/// boost::serialization (which Encodable cannot see); types with a member
/// `template <class Ar> void serialize(Ar&, unsigned)`, or a free `serialize` beside the type,
/// need nothing.
template <class T>
inline constexpr bool kEncodableByUser = false;

namespace detail {

template <class T>
struct Composite {  // std types whose encoding is their parts' (see the boost::serialization above)
  static constexpr bool kIs = false;
};

/// Whether the codec can encode T: numbers, enums, strings, types with a serialize() and the
/// standard types built of them (pair, tuple, optional, variant, containers, chrono values).
template <class T>
constexpr bool encodable() {
  using U = std::remove_const_t<T>;
  if constexpr (kRawCodec<U> || std::is_same_v<U, std::string> || kEncodableByUser<U> ||
                std::is_same_v<U, std::monostate>) {
    return true;
  } else if constexpr (requires(U & u, boost::archive::binary_oarchive & ar) {
                         u.serialize(ar, 0U);
                       }) {
    return true;
  } else if constexpr (requires(U & u, boost::archive::binary_oarchive & ar) {
                         serialize(ar, u, 0U);
                       }) {
    return true;
  } else if constexpr (Composite<U>::kIs) {
    return Composite<U>::kParts;
  } else if constexpr (requires(U & u) {
                         typename U::value_type;
                         u.begin();
                         u.end();
                       }) {
    return encodable<typename U::value_type>();
  } else {
    return false;
  }
}

template <class A, class B>
struct Composite<std::pair<A, B>> {
  static constexpr bool kIs = true;
  static constexpr bool kParts = encodable<A>() && encodable<B>();
};
template <class... Ts>
struct Composite<std::tuple<Ts...>> {
  static constexpr bool kIs = true;
  static constexpr bool kParts = (encodable<Ts>() && ...);
};
template <class... Ts>
struct Composite<std::variant<Ts...>> {
  static constexpr bool kIs = true;
  static constexpr bool kParts = (encodable<Ts>() && ...);
};
template <class T>
struct Composite<std::optional<T>> {
  static constexpr bool kIs = true;
  static constexpr bool kParts = encodable<T>();
};
template <class Rep, class Period>
struct Composite<std::chrono::duration<Rep, Period>> {
  static constexpr bool kIs = true;
  static constexpr bool kParts = encodable<Rep>();
};
template <class Clock, class Dur>
struct Composite<std::chrono::time_point<Clock, Dur>> {
  static constexpr bool kIs = true;
  static constexpr bool kParts = encodable<Dur>();
};

}  // namespace detail

/// A type the codec can write to the recovery store or send to another process.
template <class T>
concept Encodable = detail::encodable<T>();

/// Names T in the compiler's message when a value the codec must write has no encoding: one
/// short error where a step needs it (the "required from" lines lead to the step), instead of
/// the Boost.Serialization errors it would otherwise end in.
template <class T>
struct SnapshotType {
  static_assert(Encodable<T>,
                "weir: values of this type are written to the recovery store (a stateful step's "
                "state or key, a source's or sink's partition state) and need the snapshot "
                "codec's encoding; give the type a member "
                "`template <class Ar> void serialize(Ar& ar, unsigned) { ar & field1 & field2; }`, "
                "or set weir::recovery::kEncodableByUser<T> for a free Boost serialize "
                "(see weir/recovery/codec.hpp)");
  static constexpr bool kOk = Encodable<T>;
};

/// Fails to compile with SnapshotType's message unless T has an encoding. The operators whose
/// values recovery writes call it first, so the error is short and points at the user's call.
template <class T>
constexpr void require_snapshot() {
  static_cast<void>(SnapshotType<T>::kOk);
}

/// Appends the snapshot bytes of `value` to `out`: arithmetic and enum values as their bytes,
/// strings as their characters, everything else as a Boost binary archive.
template <class T>
void append_encoded(std::string& out, const T& value) {
  if constexpr (detail::kRawCodec<T>) {
    out.append(reinterpret_cast<const char*>(&value), sizeof(T));  // NOLINT: bytes of a number
  } else if constexpr (std::is_same_v<T, std::string>) {
    out.append(value);
  } else if constexpr (!SnapshotType<T>::kOk) {
    return;  // (SnapshotType has said why)
  } else {
    detail::StringSink sink(out);
    std::ostream os(&sink);
    boost::archive::binary_oarchive ar(os, kArchiveFlags);
    ar << value;
  }
}

/// Replaces `out` with the snapshot bytes of `value` (reusing its capacity).
template <class T>
void encode_into(std::string& out, const T& value) {
  out.clear();
  append_encoded(out, value);
}

/// The snapshot bytes of `value` as a view: of the value itself for numbers, enums and
/// strings (no copy), else of `scratch` after encode_into(scratch, value). Valid while both
/// are unchanged.
template <class T>
std::string_view encoded_view(const T& value, std::string& scratch) {
  if constexpr (detail::kRawCodec<T>) {
    return {reinterpret_cast<const char*>(&value), sizeof(T)};  // NOLINT: bytes of a number
  } else if constexpr (std::is_same_v<T, std::string>) {
    return value;
  } else {
    encode_into(scratch, value);
    return scratch;
  }
}

/// The snapshot bytes of `value` (see encode_into).
template <class T>
std::string encode(const T& value) {
  std::string out;
  encode_into(out, value);
  return out;
}

/// Throws boost::archive::archive_exception or detail::CorruptSnapshot (or std::exception) if
/// the bytes do not decode: every length is checked against the bytes left and every bool
/// against its range (checked_iarchive.hpp), so a corrupt snapshot fails at once, never by
/// allocating what it claims.
template <class T>
T decode(std::string_view bytes) {
  if constexpr (detail::kRawCodec<T>) {
    if (bytes.size() != sizeof(T)) {
      throw std::runtime_error("expected " + std::to_string(sizeof(T)) + " bytes, got " +
                               std::to_string(bytes.size()));
    }
    T value{};
    std::memcpy(&value, bytes.data(), sizeof(T));
    return value;
  } else if constexpr (std::is_same_v<T, std::string>) {
    return std::string(bytes);
  } else if constexpr (!SnapshotType<T>::kOk) {
    throw std::logic_error("no encoding");  // (SnapshotType has said why at compile time)
  } else {
    detail::BytesSource source(bytes);
    detail::CheckedIArchive ar(source, kArchiveFlags);
    T value{};
    ar >> value;
    return value;
  }
}

/// Decodes into an existing value (a vector keeps its capacity); throws as decode() does.
template <class T>
void decode_into(std::string_view bytes, T& value) {
  if constexpr (detail::kRawCodec<T> || std::is_same_v<T, std::string> || !SnapshotType<T>::kOk) {
    value = decode<T>(bytes);
  } else {
    detail::BytesSource source(bytes);
    detail::CheckedIArchive ar(source, kArchiveFlags);
    ar >> value;
  }
}

namespace detail {

/// Types a batch encodes field by field, each field its bytes: numbers, enums, and pairs and
/// tuples of them (the codec's rule for numbers, applied to each field in order).
template <class T>
struct RawFields : std::bool_constant<kRawCodec<T>> {};
template <class A, class B>
struct RawFields<std::pair<A, B>> : std::bool_constant<RawFields<A>::value && RawFields<B>::value> {
};
template <class... Ts>
struct RawFields<std::tuple<Ts...>> : std::bool_constant<(RawFields<Ts>::value && ...)> {};

template <class T>
constexpr std::size_t raw_size() {
  if constexpr (kRawCodec<T>) {
    return sizeof(T);
  } else if constexpr (requires { typename T::first_type; }) {
    return raw_size<typename T::first_type>() + raw_size<typename T::second_type>();
  } else {
    return []<class... Ts>(std::type_identity<std::tuple<Ts...>>) {
      return (raw_size<Ts>() + ... + 0);
    }(std::type_identity<T>{});
  }
}

template <class T>
char* put_raw(char* out, const T& v) {
  if constexpr (kRawCodec<T>) {
    std::memcpy(out, &v, sizeof(T));
    return out + sizeof(T);
  } else if constexpr (requires { typename T::first_type; }) {
    return put_raw(put_raw(out, v.first), v.second);
  } else {
    std::apply([&](const auto&... xs) { ((out = put_raw(out, xs)), ...); }, v);
    return out;
  }
}

template <class T>
const char* get_raw(const char* in, T& v) {
  if constexpr (std::is_same_v<T, bool>) {
    if (static_cast<unsigned char>(*in) > 1) throw std::runtime_error("a bool that is not 0 or 1");
    v = *in != 0;
    return in + 1;
  } else if constexpr (kRawCodec<T>) {
    std::memcpy(&v, in, sizeof(T));
    return in + sizeof(T);
  } else if constexpr (requires { typename T::first_type; }) {
    return get_raw(get_raw(in, v.first), v.second);
  } else {
    std::apply([&](auto&... xs) { ((in = get_raw(in, xs)), ...); }, v);
    return in;
  }
}

}  // namespace detail

/// Appends a batch of items to `out`: for numbers, enums and pairs and tuples of them, the
/// count (8 bytes) and each item's fields' bytes in order, copied without an archive (what a
/// batch crossing processes pays per item is a few copies); for other types, the Boost
/// archive of the vector (encode_into).
template <class T>
void append_batch(std::string& out, const std::vector<T>& items) {
  if constexpr (detail::RawFields<T>::value) {
    constexpr std::size_t kSize = detail::raw_size<T>();
    const std::size_t at = out.size();
    out.resize(at + 8 + items.size() * kSize);
    const std::uint64_t n = items.size();
    std::memcpy(out.data() + at, &n, 8);
    char* p = out.data() + at + 8;
    for (const T& item : items) p = detail::put_raw(p, item);
  } else {
    append_encoded(out, items);
  }
}

/// Replaces `items` with the batch append_batch wrote (keeping its capacity); throws as
/// decode() does, and on a count that does not match the bytes.
template <class T>
void decode_batch(std::string_view bytes, std::vector<T>& items) {
  if constexpr (detail::RawFields<T>::value) {
    constexpr std::size_t kSize = detail::raw_size<T>();
    std::uint64_t n = 0;
    if (bytes.size() < 8) throw std::runtime_error("a batch without its count");
    std::memcpy(&n, bytes.data(), 8);
    if ((bytes.size() - 8) / kSize != n || (bytes.size() - 8) % kSize != 0) {
      throw std::runtime_error("a batch of " + std::to_string(n) + " items in " +
                               std::to_string(bytes.size()) + " bytes");
    }
    items.resize(n);
    const char* p = bytes.data() + 8;
    for (T& item : items) p = detail::get_raw(p, item);
  } else {
    decode_into(bytes, items);
  }
}

}  // namespace weir::recovery
