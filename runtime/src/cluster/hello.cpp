// The mesh's addresses file and handshake message (mesh.hpp).
#include <algorithm>
#include <stdexcept>

#include "weir/core/coding.hpp"
#include "weir/runtime/detail/mesh.hpp"

namespace weir::detail {

Address parse_address(std::string_view line, bool any_port) {
  auto bad = [&](const char* why) {
    return std::invalid_argument("'" + std::string(line) + "' " + why);
  };
  const std::size_t colon = line.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    throw bad("is not host:port");
  }
  const std::string_view port = line.substr(colon + 1);
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    throw bad("has no port number");
  }
  const unsigned long n = std::stoul(std::string(port));
  if ((n == 0 && !any_port) || n > 65535) {
    throw bad(any_port ? "has a port outside 0-65535" : "has a port outside 1-65535");
  }
  std::string host(line.substr(0, colon));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {  // [::1]:port
    host = host.substr(1, host.size() - 2);
  }
  return {std::move(host), static_cast<std::uint16_t>(n)};
}

std::vector<Address> parse_addresses(std::string_view text, std::string_view source) {
  std::vector<Address> out;
  std::size_t line_no = 0;
  while (!text.empty()) {
    const std::size_t end = std::min(text.find('\n'), text.size());
    std::string_view line = text.substr(0, end);
    text.remove_prefix(std::min(end + 1, text.size()));
    ++line_no;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
      line.remove_suffix(1);
    }
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
      line.remove_prefix(1);
    }
    if (line.empty() || line.front() == '#') {
      continue;
    }
    try {
      out.push_back(parse_address(line));
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(std::string(source) + " line " + std::to_string(line_no) + ": " +
                                  e.what());
    }
  }
  if (out.empty()) {
    throw std::invalid_argument(std::string(source) + " lists no address");
  }
  return out;
}

std::string Hello::encode() const {
  std::string out;
  for (const std::string* s : {&flow_id, &fingerprint, &version}) {
    coding::put_varint64(out, s->size());
    out.append(*s);
  }
  coding::put_fixed32(out, processes);
  coding::put_fixed32(out, workers);
  coding::put_fixed32(out, process_id);
  out.push_back(recovery ? '\1' : '\0');
  return out;
}

Hello Hello::decode(std::string_view bytes) {
  Hello h;
  for (std::string* s : {&h.flow_id, &h.fingerprint, &h.version}) {
    std::uint64_t n = 0;
    if (!coding::get_varint64(bytes, n) || bytes.size() < n) {
      throw std::runtime_error("a malformed hello");
    }
    s->assign(bytes.substr(0, n));
    bytes.remove_prefix(n);
  }
  if (!coding::get_fixed32(bytes, h.processes) || !coding::get_fixed32(bytes, h.workers) ||
      !coding::get_fixed32(bytes, h.process_id) || bytes.size() != 1 ||
      static_cast<std::uint8_t>(bytes[0]) > 1) {
    throw std::runtime_error("a malformed hello");
  }
  h.recovery = bytes[0] != '\0';
  return h;
}

std::string Hello::describe() const {
  return "dataflow '" + flow_id + "' (fingerprint " + fingerprint + ", weir " + version + ", " +
         std::to_string(processes) + " processes x " + std::to_string(workers) + " workers" +
         (recovery ? ", recovery on)" : ")");
}

}  // namespace weir::detail
