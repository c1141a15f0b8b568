#pragma once
// Isolation (PushOptions::isolate): a push partition's run() in a child process of its own.
//
// start_isolated forks the child (child_process.hpp: it dies with its parent and keeps only
// its pipes) and starts the relay thread here. In the child, run() runs on a thread against a
// ring of the child's own; what it releases is framed (pipe_frames.hpp: items through Wire<X>,
// a StatefulProducer's flushed state after the items it covers) and sent up a pipe. The relay
// pushes the items into this process's ring, releasing them as the shape would (a
// StatefulProducer's only with the state frame that covers them), and when the pipe ends
// reports how the child ended: an error frame, a clean end, or a signal or exit code. Closing
// the stop pipe tells the child to stop run() (and call on_stop there); a child that does not
// end within the shutdown timeout is killed by PushPartition::stop.

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <vector>

#include "weir/core/clock.hpp"
#include "weir/inputs/detail/child_process.hpp"
#include "weir/inputs/detail/pipe_frames.hpp"
#include "weir/inputs/detail/push_run.hpp"
#include "weir/inputs/push_options.hpp"
#include "weir/inputs/push_wire.hpp"

namespace weir::push {
template <class X>
class Producer;
}  // namespace weir::push

namespace weir::push::detail {

/// In the parent: pushes what the child sends into `s`, then reports how the child ended.
template <class Impl>
void relay(PushRun<Impl>& s, int fd) {
  using X = typename Impl::item_type;
  std::exception_ptr error;
  bool ended = false;
  try {
    while (auto frame = receive_frame(fd)) {
      std::string_view in = frame->second;
      if (frame->first == Frame::batch) {
        while (!in.empty()) {
          const std::uint64_t n = take_u64(in);
          s.ring.push(Wire<X>::decode(in.substr(0, n)));
          in.remove_prefix(n);
        }
        // a StatefulProducer's items are released by the state frame that follows them:
        // an epoch must never hold items with a state older than theirs
        if constexpr (!std::is_base_of_v<Producer<X>, Impl> && !PushRun<Impl>::kStateful) {
          s.ring.commit();
        }
      } else if (frame->first == Frame::state) {
        s.record_flush(s.ring.pushed(), std::string(in));
        s.ring.commit();
      } else if (frame->first == Frame::error) {
        error = std::make_exception_ptr(std::runtime_error(std::string(in)));
        ended = true;
      } else {
        ended = true;
      }
    }
  } catch (const PushStopped&) {  // stopped while pushing: the child is told to stop
  } catch (...) {
    error = std::current_exception();
  }
  ::close(fd);
  int status = 0;
  ::waitpid(s.child, &status, 0);
  if (!ended && !s.ring.stopped()) {
    std::string what = "its process ";
    if (WIFSIGNALED(status)) {
      const int sig = WTERMSIG(status);
      what += "was killed by signal " + std::to_string(sig) + " (" + ::strsignal(sig) + ")";
    } else {
      what += "exited with code " + std::to_string(WEXITSTATUS(status)) + " before it ended";
    }
    error = std::make_exception_ptr(std::runtime_error(what));
  }
  {
    std::lock_guard lock(s.mutex);
    if (error) s.error = error;
    s.done.store(true, std::memory_order_release);
  }
  s.cv.notify_all();
  s.ring.wake_consumer();
}

/// In the child: runs run() on a thread against a ring of its own and sends what it
/// releases up `out`; stops when the parent closes `stop_fd`. Never returns.
template <class Impl>
[[noreturn]] void child_main(PushRun<Impl>& parent, const PushOptions& o, int out, int stop_fd) {
  using X = typename Impl::item_type;
  try {
    auto local = std::make_shared<PushRun<Impl>>(o.backlog);
    PushRun<Impl>& c = *local;
    c.attach(std::move(parent.impl), nullptr);  // a StatefulProducer keeps its resumed state
    std::thread runner([&c] { c.run_to_end(); });
    std::thread watcher([&] {
      char byte = 0;
      while (::read(stop_fd, &byte, 1) < 0 && errno == EINTR) {
      }
      c.running.store(false, std::memory_order_release);
      c.ring.stop();
      if constexpr (PushRun<Impl>::kSubject) c.impl->on_stop();
    });
    watcher.detach();
    Instant last_release = clock().now();
    std::string payload;
    while (true) {
      const bool done =
          c.done.load(std::memory_order_acquire) || c.closed.load(std::memory_order_acquire);
      if constexpr (PushRun<Impl>::kSubject) {
        if (clock().now() - last_release >= o.autocommit) {
          c.ring.release_all();
          last_release = clock().now();
        }
      }
      std::vector<X> items;
      const std::uint64_t head = c.ring.drain(items);
      if (!items.empty()) {
        payload.clear();
        for (const X& x : items) {
          const std::string b = Wire<X>::encode(x);
          put_u64(payload, b.size());
          payload.append(b);
        }
        if (!send_frame(out, Frame::batch, payload)) break;
      }
      if constexpr (PushRun<Impl>::kStateful) {
        const std::optional<std::string> state = c.take_flush(head);
        if (state && !send_frame(out, Frame::state, *state)) break;
      }
      if (items.empty()) {
        if (done) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
    if (c.done.load(std::memory_order_acquire)) runner.join();
    if (const std::exception_ptr error = c.failure()) {
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& ex) {
        send_frame(out, Frame::error, ex.what());
      } catch (...) {
        send_frame(out, Frame::error, "an exception that is not a std::exception");
      }
    } else {
      send_frame(out, Frame::end, {});
    }
    if (runner.joinable()) runner.detach();
  } catch (const std::exception& ex) {
    send_frame(out, Frame::error, ex.what());
  }
  ::_exit(0);
}

/// Forks the child that runs `run`'s push object and returns the relay thread that feeds
/// `run`'s ring from it.
template <class Impl>
std::thread start_isolated(const std::shared_ptr<PushRun<Impl>>& run, const PushOptions& o) {
  int up[2];
  int down[2];
  if (::pipe(up) != 0 || ::pipe(down) != 0) {
    throw std::runtime_error(std::string("cannot make a pipe: ") + std::strerror(errno));
  }
  const pid_t pid = fork_child({up[1], down[0]});
  if (pid == 0) child_main(*run, o, up[1], down[0]);  // never returns
  ::close(up[1]);
  ::close(down[0]);
  run->child = pid;
  run->stop_fd = down[1];
  return std::thread([run, fd = up[0]] { relay(*run, fd); });
}

}  // namespace weir::push::detail
