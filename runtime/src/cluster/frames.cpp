// The cluster's frames (cluster_frames.hpp).
#include <stdexcept>

#include "weir/core/coding.hpp"
#include "weir/runtime/detail/cluster_frames.hpp"

namespace weir::detail {

namespace {

[[noreturn]] void cut_short(const char* what) {
  throw std::runtime_error(std::string("a ") + what + " frame cut short");
}

void put_string(std::string& out, std::string_view s) {
  coding::put_varint64(out, s.size());
  out.append(s);
}

std::string_view get_string(std::string_view& in, const char* what) {
  std::uint64_t n = 0;
  if (!coding::get_varint64(in, n) || n > in.size()) {
    cut_short(what);
  }
  std::string_view s = in.substr(0, n);
  in.remove_prefix(n);
  return s;
}

std::uint64_t get_u64(std::string_view& in, const char* what) {
  std::uint64_t v = 0;
  if (!coding::get_varint64(in, v)) {
    cut_short(what);
  }
  return v;
}

}  // namespace

void put_data_header(std::string& out, std::string_view channel, std::size_t target,
                     std::size_t sender, Epoch epoch) {
  put_string(out, channel);
  coding::put_varint64(out, target);
  coding::put_varint64(out, sender);
  coding::put_varint64(out, epoch);
}

DataHeader get_data_header(std::string_view frame) {
  DataHeader h;
  std::string_view in = frame;
  h.channel = get_string(in, "data");
  h.target = get_u64(in, "data");
  h.sender = get_u64(in, "data");
  h.epoch = get_u64(in, "data");
  h.body = frame.size() - in.size();
  return h;
}

std::string put_frontier(std::string_view channel, std::size_t sender, Epoch frontier) {
  std::string out;
  put_string(out, channel);
  coding::put_varint64(out, sender);
  coding::put_varint64(out, frontier);
  return out;
}

FrontierFrame get_frontier(std::string_view frame) {
  FrontierFrame f;
  f.channel = get_string(frame, "frontier");
  f.sender = get_u64(frame, "frontier");
  f.frontier = get_u64(frame, "frontier");
  return f;
}

std::string put_epoch(Epoch e) {
  std::string out;
  coding::put_varint64(out, e);
  return out;
}

Epoch get_epoch(std::string_view frame) { return get_u64(frame, "probe"); }

std::string put_progress(std::size_t worker, Epoch frontier, bool ended) {
  std::string out;
  coding::put_varint64(out, worker);
  coding::put_varint64(out, frontier);
  out.push_back(ended ? '\1' : '\0');
  return out;
}

ProgressFrame get_progress(std::string_view frame) {
  ProgressFrame p;
  p.worker = get_u64(frame, "progress");
  p.frontier = get_u64(frame, "progress");
  if (frame.size() != 1) {
    cut_short("progress");
  }
  p.ended = frame[0] != '\0';
  return p;
}

std::string_view get_snapshot_worker(std::string_view frame, std::size_t& worker) {
  worker = get_u64(frame, "snapshot");
  return frame;
}

std::string put_gather(std::size_t round, const std::vector<std::vector<std::string>>& lists) {
  std::string out;
  coding::put_varint64(out, round);
  coding::put_varint64(out, lists.size());
  for (const auto& list : lists) {
    coding::put_varint64(out, list.size());
    for (const auto& s : list) {
      put_string(out, s);
    }
  }
  return out;
}

GatherFrame get_gather(std::string_view frame) {
  GatherFrame g;
  g.round = get_u64(frame, "gather");
  const std::uint64_t workers = get_u64(frame, "gather");
  if (workers > frame.size()) {
    cut_short("gather");
  }
  g.lists.resize(workers);
  for (auto& list : g.lists) {
    const std::uint64_t n = get_u64(frame, "gather");
    if (n > frame.size()) {
      cut_short("gather");
    }
    list.reserve(n);
    for (std::uint64_t i = 0; i < n; ++i) {
      list.emplace_back(get_string(frame, "gather"));
    }
  }
  return g;
}

std::string put_stop(StopReason reason, std::string_view message) {
  std::string out(1, static_cast<char>(reason));
  out.append(message);
  return out;
}

StopFrame get_stop(std::string_view frame) {
  if (frame.empty() || static_cast<std::uint8_t>(frame[0]) > 2) {
    cut_short("stop");
  }
  return {static_cast<StopReason>(frame[0]), std::string(frame.substr(1))};
}

}  // namespace weir::detail
