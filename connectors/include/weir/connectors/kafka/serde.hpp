#pragma once
// Turning keyed items into Kafka messages and back.
//
// A serializer is any callable T -> std::string (the bytes to send); a deserializer any
// callable std::string_view -> T. Two of each are given: strings as their characters, and
// trivially copyable values (numbers, plain structs) as their object bytes (host byte
// order: for peers on the same platform). Plug in your own for anything else.
//
//   op::map("encode", counts, kafka::keyed_encoder(kafka::string_bytes{}, kafka::raw_bytes{}))
//     : (std::string, std::uint64_t) -> KafkaSinkMessage
//   op::map("decode", messages, kafka::keyed_decoder<std::string, std::uint64_t>(
//       kafka::from_string{}, kafka::from_raw<std::uint64_t>{}))
//     : KafkaMessage -> (std::string, std::uint64_t); a message without key or value, or with
//       an error, throws (the run stops naming the step)

#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "weir/connectors/kafka/message.hpp"

namespace weir::kafka {

struct string_bytes {
  std::string operator()(std::string_view s) const { return std::string(s); }
};

struct raw_bytes {
  template <class T>
  requires std::is_trivially_copyable_v<T> std::string operator()(const T& v) const {
    return std::string(reinterpret_cast<const char*>(&v), sizeof(T));
  }
};

struct from_string {
  std::string operator()(std::string_view s) const { return std::string(s); }
};

template <class T>
requires std::is_trivially_copyable_v<T> && std::is_default_constructible_v<T>
struct from_raw {
  T operator()(std::string_view s) const {
    if (s.size() != sizeof(T)) {
      std::string what = "kafka: expected ";
      what.append(std::to_string(sizeof(T)))
          .append(" bytes, got ")
          .append(std::to_string(s.size()));
      throw std::runtime_error(what);
    }
    T v{};
    std::memcpy(&v, s.data(), sizeof(T));
    return v;
  }
};

/// (K, V) -> KafkaSinkMessage with the serialized key and value (to the sink's topic).
template <class KeySer, class ValueSer>
auto keyed_encoder(KeySer key_ser, ValueSer value_ser) {
  return [key_ser = std::move(key_ser), value_ser = std::move(value_ser)](const auto& kv) {
    KafkaSinkMessage m;
    m.key = key_ser(kv.first);
    m.value = value_ser(kv.second);
    return m;
  };
}

/// KafkaMessage -> (K, V).
template <class K, class V, class KeyDe, class ValueDe>
auto keyed_decoder(KeyDe key_de, ValueDe value_de) {
  return [key_de = std::move(key_de), value_de = std::move(value_de)](const KafkaMessage& m) {
    if (m.error || !m.key || !m.value) {
      std::string what = "kafka topic '";
      what.append(m.topic).append("' partition ").append(std::to_string(m.partition));
      what.append(" offset ").append(std::to_string(m.offset)).append(": ");
      what.append(m.error ? m.error->message
                          : (!m.key ? "the message has no key" : "the message has no value"));
      throw std::runtime_error(what);
    }
    return std::pair<K, V>(key_de(*m.key), value_de(*m.value));
  };
}

}  // namespace weir::kafka
