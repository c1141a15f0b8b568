#include "kafka_client.hpp"

#include <fmt/format.h>

#include "weir/core/log.hpp"

#include <array>
#include <stdexcept>

namespace weir::kafka::detail {

namespace {

/// librdkafka's log lines, through weir's log. Its level 3 (a broker down, a failed connect)
/// is a warning here: librdkafka retries, and weir's errors are what ends a run.
void log_line(const rd_kafka_t* rk, int level, const char* facility, const char* text) {
  const log::Level l = level <= 2   ? log::Level::error
                       : level <= 4 ? log::Level::warn
                       : level <= 6 ? log::Level::info
                                    : log::Level::debug;
  log::at(l, "kafka {} {}: {}", rd_kafka_name(rk), facility, text);
}

}  // namespace

Handle make_client(rd_kafka_type_t type, const std::string& what,
                   const std::map<std::string, std::string>& defaults,
                   const std::map<std::string, std::string>& properties,
                   const std::function<void(rd_kafka_conf_t*)>& configure) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  std::array<char, 512> err{};
  auto set = [&](const std::string& k, const std::string& v) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err.data(), err.size()) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      throw std::runtime_error(
          fmt::format("{}: librdkafka refused property {}={}: {}", what, k, v, err.data()));
    }
  };
  for (const auto& [k, v] : defaults) {
    if (!properties.contains(k)) {
      set(k, v);
    }
  }
  for (const auto& [k, v] : properties) {
    set(k, v);
  }
  rd_kafka_conf_set_log_cb(conf, log_line);
  if (configure) {
    configure(conf);
  }
  rd_kafka_t* rk = rd_kafka_new(type, conf, err.data(), err.size());
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(fmt::format("{}: cannot create the client: {}", what, err.data()));
  }
  return Handle(rk);  // owns conf now
}

}  // namespace weir::kafka::detail
