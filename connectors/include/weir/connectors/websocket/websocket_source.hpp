#pragma once
// WebSocketSource: the text or binary messages of one WebSocket endpoint (Boost.Beast client,
// run through batch_async), as a one-partition fixed source named by its URL.
//
// The partition connects to ws://host:port/target and hands every message it reads to the
// dataflow. When the connection drops (refused, reset, ended without a close frame), it
// connects again after a back-off that doubles from `backoff` up to `max_backoff`; a close
// frame from the server ends the partition. The snapshot is how many messages the dataflow
// has received; after each connection the partition sends `hello(received)` if one is given,
// so a server that can replay (a "from N" request, a sequence number) resumes exactly there
// after a drop or a restart. Without it a drop may lose what the server sent meanwhile.
//
// next_batch waits at most `poll` for messages (batch_async's timeout), so a quiet socket
// costs the worker that long per poll.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "weir/inputs/source.hpp"

namespace weir::websocket {

struct WebSocketOptions {
  std::string host = "127.0.0.1";
  std::string port = "80";
  std::string target = "/";
  /// The first message after each (re)connection, given how many messages were received.
  std::function<std::optional<std::string>(std::uint64_t received)> hello{};
  std::chrono::milliseconds backoff{100};
  std::chrono::milliseconds max_backoff{5000};
  std::chrono::milliseconds poll{10};
  std::size_t batch_size = 1000;
};

class WebSocketSource final : public FixedPartitionedSource<std::string, std::uint64_t> {
 public:
  explicit WebSocketSource(WebSocketOptions options);

  [[nodiscard]] std::vector<std::string> list_parts() const override;
  std::unique_ptr<StatefulSourcePartition<std::string, std::uint64_t>> build_part(
      const std::string& step_id, const std::string& for_part,
      std::optional<std::uint64_t> resume_state) const override;

 private:
  WebSocketOptions options_;
};

}  // namespace weir::websocket
