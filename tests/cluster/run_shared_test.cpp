// RunShared's backlog state as the other processes hear it: a crossing of the limit is told
// once, and never from the mesh's reader thread (a reader that sends can block on a full
// connection, or on a peer that has just closed, while the frame saying why it closed waits
// behind it unread).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "weir/runtime/detail/cluster_frames.hpp"
#include "weir/runtime/detail/run_shared.hpp"

namespace {

using weir::detail::Frame;
using weir::detail::RunShared;

struct Recorded : weir::detail::Peers {
  std::vector<std::string> sent;  // "process:kind:payload"
  void send(std::size_t process, std::uint8_t kind, std::string_view payload) override {
    sent.push_back(std::to_string(process) + ":" + std::to_string(kind) + ":" +
                   std::string(payload == "\1" ? "over" : "under"));
  }
};

const std::string kBacklog = std::to_string(static_cast<int>(Frame::backlog));

}  // namespace

TEST_CASE("a worker crossing the backlog limit tells the other processes at once") {
  RunShared shared(1, weir::kFirstEpoch, {3, 1});
  Recorded peers;
  shared.connect(&peers);
  shared.add_backlog(0, RunShared::kBacklogLimit - 1);
  CHECK(peers.sent.empty());
  shared.add_backlog(0, 1);
  CHECK(peers.sent ==
        std::vector<std::string>{"0:" + kBacklog + ":over", "2:" + kBacklog + ":over"});
  CHECK_FALSE(shared.backlog_ok());
  shared.remove_backlog(0, 1);
  CHECK(peers.sent.size() == 4);
  CHECK(peers.sent[3] == "2:" + kBacklog + ":under");
  CHECK(shared.backlog_ok());
}

TEST_CASE("batches the reader files never make it send: the next worker loop tells") {
  RunShared shared(2, weir::kFirstEpoch, {2, 0});
  Recorded peers;
  shared.connect(&peers);
  shared.add_backlog_from_reader(1, RunShared::kBacklogLimit);
  CHECK(peers.sent.empty());
  CHECK_FALSE(shared.backlog_ok());
  shared.tell_backlog_if_untold();
  CHECK(peers.sent == std::vector<std::string>{"1:" + kBacklog + ":over"});
  shared.tell_backlog_if_untold();  // told once
  CHECK(peers.sent.size() == 1);
  shared.remove_backlog(1, RunShared::kBacklogLimit);
  CHECK(peers.sent ==
        std::vector<std::string>{"1:" + kBacklog + ":over", "1:" + kBacklog + ":under"});
}
