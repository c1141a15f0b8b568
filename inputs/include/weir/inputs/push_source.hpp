#pragma once
// Push-style sources: for clients that own a loop and call back, the user writes run(), and
// the runtime runs it on a thread of its own and hands what it pushes to the dataflow.
//
// Three shapes, each a class to derive from and build through PushSource:
//  * Subject<X> (Pathway's ConnectorSubject): run() calls next(item), commit() and close().
//    Items reach the dataflow at commit() or, at the latest, `autocommit` after they were
//    pushed; a group committed together is never split across an epoch. close() ends the
//    partition (returning from run() does too, committing what was pushed). on_stop() is
//    called (from the worker's thread) when the partition stops: the dataflow ends or stops,
//    or run() failed; use it to make a blocking run() return.
//  * Producer<X> (Quix's Source): run() loops while running(), calling produce(item); each
//    item reaches the dataflow at once. When the dataflow stops, running() turns false and
//    run() must return within `shutdown_timeout`.
//  * StatefulProducer<X>: a Producer with a key/value state() and flush(). flush() releases
//    the items produced since the last flush together with the state as of that moment;
//    the state is snapshotted with the epoch whose items it covers, and after a restart
//    run() starts with the state of the last committed epoch (items produced after the
//    last flush are produced again by the resumed run()). Returning from run() flushes.
//
// Backpressure: at most `backlog` items wait between run() and the dataflow; next(),
// produce() and a full ring block until the worker has taken some. Once the partition is
// stopped, next(), produce(), commit() and flush() throw PushStopped: let it propagate.
//
// Partitions: PushSource takes partition names; each partition gets its own object (from
// `make(partition)`), its own run() thread and its own state, and is assigned to a worker
// like any fixed partition. An exception from run() stops the dataflow with an error naming
// the step and partition, after every item committed before it has been delivered.
//
// Isolation (PushOptions::isolate): each partition's run() runs in a child process forked
// when the partition is built, against a ring of its own; what it releases crosses a pipe
// (items through Wire<X>) and is pushed into the partition here. A crash or abort there stops
// the dataflow with an error naming the signal, leaving this process and its committed state
// untouched; items released in the child but not yet across the pipe are lost with it
// (resume replays them as for any crash); a StatefulProducer's items are released here
// together with the state that covers them, as in one process. Stopping closes a pipe; the
// child calls on_stop() and must end within the shutdown timeout, or it is killed. The
// child dies with its parent and keeps no descriptor but its pipes and the standard ones
// (child_process.hpp): open connections in run(), not in the constructor.
//
// Guarantees: Subject and Producer restart run() from scratch on resume (at-least-once if
// run() replays its input, at-most-once if it reads only new data); StatefulProducer resumes
// from its last committed state (exactly-once with an exactly-once sink, for a run() that
// produces deterministically from its state).

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "weir/inputs/clock.hpp"
#include "weir/inputs/detail/child_process.hpp"
#include "weir/inputs/detail/pipe_frames.hpp"
#include "weir/inputs/detail/push_ring.hpp"
#include "weir/inputs/source.hpp"

namespace weir::push {

struct PushOptions {
  /// Items that may wait between run() and the dataflow.
  std::size_t backlog = 65536;
  /// Subject: the longest an uncommitted item waits before it is released anyway.
  Duration autocommit = std::chrono::milliseconds(1500);
  /// How long run() has to return once the partition is stopped.
  Duration shutdown_timeout = std::chrono::seconds(10);
  /// Runs each partition's run() in a child process of its own (forked when the partition is
  /// built): a crash or an abort there becomes an error naming the signal, and this process
  /// (and what it has committed) is untouched. Items cross a pipe: X needs a Wire<X>.
  bool isolate = false;
};

/// How items of type X cross the pipe from an isolated push source's process: strings as
/// their bytes, trivially copyable values as their object bytes. Specialise it (static
/// `encode(const X&) -> std::string` and `decode(std::string_view) -> X`) for other types.
template <class X>
struct Wire {
  static constexpr bool available = false;
};
template <>
struct Wire<std::string> {
  static constexpr bool available = true;
  static std::string encode(const std::string& x) { return x; }
  static std::string decode(std::string_view b) { return std::string(b); }
};
template <class X>
requires std::is_trivially_copyable_v<X> && std::is_default_constructible_v<X>
struct Wire<X> {
  static constexpr bool available = true;
  static std::string encode(const X& x) {
    return std::string(reinterpret_cast<const char*>(&x), sizeof(X));
  }
  static X decode(std::string_view b) {
    X x{};
    if (b.size() == sizeof(X)) std::memcpy(&x, b.data(), sizeof(X));
    return x;
  }
};

/// A StatefulProducer's state: string keys to string values.
class KeyValueState {
 public:
  [[nodiscard]] std::optional<std::string> get(const std::string& key) const {
    auto it = map_.find(key);
    if (it == map_.end()) return std::nullopt;
    return it->second;
  }
  void set(std::string key, std::string value) { map_[std::move(key)] = std::move(value); }
  void erase(const std::string& key) { map_.erase(key); }
  [[nodiscard]] const std::map<std::string, std::string>& all() const { return map_; }
  bool operator==(const KeyValueState&) const = default;

  /// The state as bytes (lengths as 8-byte little-endian counts), and back.
  [[nodiscard]] std::string encode() const {
    std::string out;
    for (const auto& [k, v] : map_) {
      put(out, k);
      put(out, v);
    }
    return out;
  }
  static KeyValueState decode(std::string_view bytes) {
    KeyValueState s;
    while (!bytes.empty()) {
      std::string k = take(bytes);
      s.map_[std::move(k)] = take(bytes);
    }
    return s;
  }

 private:
  static void put(std::string& out, const std::string& s) {
    std::uint64_t n = s.size();
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xFFU));
    out.append(s);
  }
  static std::string take(std::string_view& bytes) {
    if (bytes.size() < 8) throw std::runtime_error("a push source's state is truncated");
    std::uint64_t n = 0;
    for (int i = 0; i < 8; ++i)
      n |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[i])) << (8 * i);
    bytes.remove_prefix(8);
    if (bytes.size() < n) throw std::runtime_error("a push source's state is truncated");
    std::string s(bytes.substr(0, n));
    bytes.remove_prefix(n);
    return s;
  }
  std::map<std::string, std::string> map_;
};

namespace detail {

/// What a push object reaches of its partition while run() runs.
template <class X>
struct Endpoint {
  PushRing<X>* ring = nullptr;
  std::atomic<bool>* running = nullptr;
  std::atomic<bool>* closed = nullptr;
  // StatefulProducer: records the state released with the items up to an index
  std::function<void(std::uint64_t, std::string)> on_flush;
};

template <class Impl>
class PushPartition;

/// What the three push shapes share: run(), and the partition's endpoint it pushes through.
template <class X>
class PushBase {
 public:
  using item_type = X;
  PushBase() = default;
  PushBase(const PushBase&) = delete;
  PushBase& operator=(const PushBase&) = delete;
  virtual ~PushBase() = default;

  virtual void run() = 0;

 protected:
  template <class>
  friend class PushPartition;
  Endpoint<X> endpoint_;
};

}  // namespace detail

template <class X>
class Subject : public detail::PushBase<X> {
 public:
  static constexpr detail::Release kRelease = detail::Release::commit;
  virtual void on_stop() {}

 protected:
  /// Queues `item`; blocks while the backlog is full.
  void next(X item) { this->endpoint_.ring->push(std::move(item)); }
  /// Releases every item queued so far to the dataflow, as one group.
  void commit() { this->endpoint_.ring->commit(); }
  /// No more items: commits, and the partition ends once they are delivered.
  void close() {
    this->endpoint_.ring->commit();
    this->endpoint_.closed->store(true, std::memory_order_release);
    this->endpoint_.ring->wake_consumer();
  }
};

template <class X>
class Producer : public detail::PushBase<X> {
 public:
  static constexpr detail::Release kRelease = detail::Release::immediate;

 protected:
  /// False once the dataflow stops this partition: run() must return.
  [[nodiscard]] bool running() const {
    return this->endpoint_.running->load(std::memory_order_acquire);
  }
  /// Hands `item` to the dataflow; blocks while the backlog is full.
  void produce(X item) { this->endpoint_.ring->push(std::move(item)); }
};

template <class X>
class StatefulProducer : public detail::PushBase<X> {
 public:
  static constexpr detail::Release kRelease = detail::Release::commit_only;

 protected:
  [[nodiscard]] bool running() const {
    return this->endpoint_.running->load(std::memory_order_acquire);
  }
  /// Queues `item`; it reaches the dataflow at the next flush().
  void produce(X item) { this->endpoint_.ring->push(std::move(item)); }
  /// The state: at the start of run(), as of the last committed epoch (empty on a fresh run).
  KeyValueState& state() { return state_; }
  /// Releases the items produced since the last flush, with the state as of now.
  void flush() {
    this->endpoint_.on_flush(this->endpoint_.ring->pushed(), state_.encode());
    this->endpoint_.ring->commit();
  }

 private:
  template <class>
  friend class detail::PushPartition;
  KeyValueState state_;
};

namespace detail {

template <class Impl>
class PushPartition final : public StatefulSourcePartition<typename Impl::item_type, std::string> {
  using X = typename Impl::item_type;
  static constexpr bool kStateful = std::is_base_of_v<StatefulProducer<X>, Impl>;
  static constexpr bool kSubject = std::is_base_of_v<Subject<X>, Impl>;

  // Shared with the run() thread (which may outlive a partition stopped too late).
  struct Shared {
    explicit Shared(std::size_t backlog) : ring(backlog, Impl::kRelease) {}
    PushRing<X> ring;
    std::atomic<bool> running{true};
    std::atomic<bool> closed{false};
    std::atomic<bool> done{false};
    std::mutex mutex;
    std::condition_variable cv;
    std::exception_ptr error;
    std::vector<std::pair<std::uint64_t, std::string>> flushes;  // (items up to, state)
    std::unique_ptr<Impl> impl;
    // isolated: the child process, and the pipe whose closing tells it to stop
    pid_t child = -1;
    int stop_fd = -1;
  };

 public:
  PushPartition(std::unique_ptr<Impl> impl, const PushOptions& o, std::optional<std::string> resume)
      : o_(o), shared_(std::make_shared<Shared>(o.backlog)), snapshot_(resume.value_or("")) {
    if (!impl) throw std::invalid_argument("the push source's factory returned nothing");
    Shared& s = *shared_;
    s.impl = std::move(impl);
    auto& e = s.impl->endpoint_;
    e.ring = &s.ring;
    e.running = &s.running;
    e.closed = &s.closed;
    if constexpr (kStateful) {
      s.impl->state_ = KeyValueState::decode(snapshot_);
      e.on_flush = [&s](std::uint64_t upto, std::string state) {
        std::lock_guard lock(s.mutex);
        s.flushes.emplace_back(upto, std::move(state));
      };
    }
    last_release_ = clock().now();
    if (o.isolate) {
      if constexpr (Wire<X>::available) {
        start_isolated();
        return;
      } else {
        throw std::invalid_argument(
            "an isolated push source's items must cross a pipe: specialise weir::push::Wire "
            "for its item type");
      }
    }
    thread_ = std::thread([shared = shared_] {
      run_to_end(*shared);
      shared->cv.notify_all();
      shared->ring.wake_consumer();
    });
  }
  PushPartition(const PushPartition&) = delete;
  PushPartition& operator=(const PushPartition&) = delete;
  ~PushPartition() override {
    try {
      stop();
    } catch (...) {  // NOLINT(bugprone-empty-catch): reported by close() when it matters
    }
  }

  NextBatch<X> next_batch() override {
    Shared& s = *shared_;
    const bool done = s.done.load(std::memory_order_acquire);
    const bool closed = s.closed.load(std::memory_order_acquire);
    const Instant now = clock().now();
    if constexpr (kSubject) {
      if (!o_.isolate && now - last_release_ >= o_.autocommit) {
        s.ring.release_all();
        last_release_ = now;
      }
    }
    std::vector<X> out;
    const std::uint64_t head = s.ring.drain(out);
    if constexpr (kStateful) take_flushes(head);
    if (!out.empty()) {
      idle_ = Duration::zero();
      return out;
    }
    if (done || closed) {
      std::exception_ptr error;
      {
        std::lock_guard lock(s.mutex);
        error = s.error;
      }
      if (error) std::rethrow_exception(error);
      return end_of_partition;
    }
    idle_ = std::min<Duration>(idle_ == Duration::zero() ? kFirstIdle : idle_ * 2, kMaxIdle);
    return out;
  }

  [[nodiscard]] std::optional<Instant> next_awake() override {
    if (idle_ == Duration::zero()) return std::nullopt;
    Instant at = clock().now() + idle_;
    if constexpr (kSubject) {
      if (shared_->ring.has_unreleased()) at = std::min(at, last_release_ + o_.autocommit);
    }
    return at;
  }

  [[nodiscard]] std::string snapshot() override { return snapshot_; }

  void set_waker(std::function<void()> wake) override { shared_->ring.set_waker(std::move(wake)); }

  void close() override { stop(); }

 private:
  static constexpr Duration kFirstIdle = std::chrono::milliseconds(1);
  static constexpr Duration kMaxIdle = std::chrono::milliseconds(50);

  // The latest flushed state whose items have all been delivered.
  void take_flushes(std::uint64_t head) {
    Shared& s = *shared_;
    std::lock_guard lock(s.mutex);
    std::size_t used = 0;
    while (used < s.flushes.size() && s.flushes[used].first <= head) {
      snapshot_ = std::move(s.flushes[used].second);
      ++used;
    }
    s.flushes.erase(s.flushes.begin(), s.flushes.begin() + static_cast<std::ptrdiff_t>(used));
  }

  void stop() {
    if (!thread_.joinable()) return;
    Shared& s = *shared_;
    s.running.store(false, std::memory_order_release);
    s.ring.stop();
    if (o_.isolate) {
      ::close(s.stop_fd);  // the child stops its run() (and calls on_stop there)
    } else if constexpr (kSubject) {
      s.impl->on_stop();
    }
    std::unique_lock lock(s.mutex);
    const bool ended = s.cv.wait_for(lock, o_.shutdown_timeout,
                                     [&] { return s.done.load(std::memory_order_acquire); });
    lock.unlock();
    if (ended) {
      thread_.join();
      return;
    }
    if (o_.isolate) {
      ::kill(s.child, SIGKILL);  // the relay then sees the pipe end and finishes
      thread_.join();
    } else {
      thread_.detach();  // it keeps `shared_` alive until run() returns, if ever
    }
    throw std::runtime_error(
        "run() did not return within the shutdown timeout of " +
        std::to_string(
            std::chrono::duration_cast<std::chrono::milliseconds>(o_.shutdown_timeout).count()) +
        " ms after the source was stopped");
  }

  // Runs run() and releases what it left pushed (flushes, for a StatefulProducer); records
  // its exception; marks the end.
  static void run_to_end(Shared& s) {
    try {
      s.impl->run();
      if constexpr (kStateful) {
        s.impl->flush();
      } else {
        s.ring.commit();
      }
    } catch (const PushStopped&) {  // stopped: nothing to report
    } catch (...) {
      std::lock_guard lock(s.mutex);
      s.error = std::current_exception();
    }
    std::lock_guard lock(s.mutex);
    s.done.store(true, std::memory_order_release);
  }

  // ---- isolation: run() in a child process, items relayed through a pipe ----

  void start_isolated() {
    Shared& s = *shared_;
    int up[2];
    int down[2];
    if (::pipe(up) != 0 || ::pipe(down) != 0) {
      throw std::runtime_error(std::string("cannot make a pipe: ") + std::strerror(errno));
    }
    const pid_t pid = fork_child({up[1], down[0]});
    if (pid == 0) child_main(up[1], down[0]);  // never returns
    ::close(up[1]);
    ::close(down[0]);
    s.child = pid;
    s.stop_fd = down[1];
    thread_ = std::thread([shared = shared_, fd = up[0]] { relay(*shared, fd); });
  }

  // In the parent: pushes what the child sends, then reports how the child ended.
  static void relay(Shared& s, int fd) {
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
          if constexpr (!std::is_base_of_v<Producer<X>, Impl> && !kStateful) s.ring.commit();
        } else if (frame->first == Frame::state) {
          {
            std::lock_guard lock(s.mutex);
            s.flushes.emplace_back(s.ring.pushed(), std::string(in));
          }
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

  // In the child: runs run() on a thread against a ring of its own and sends what it
  // releases; stops when the parent closes `stop_fd`.
  [[noreturn]] void child_main(int out, int stop_fd) {
    try {
      auto local = std::make_shared<Shared>(o_.backlog);
      Shared& c = *local;
      Shared& parent = *shared_;
      c.impl = std::move(parent.impl);
      auto& e = c.impl->endpoint_;
      e.ring = &c.ring;
      e.running = &c.running;
      e.closed = &c.closed;
      if constexpr (kStateful) {
        e.on_flush = [&c](std::uint64_t upto, std::string state) {
          std::lock_guard lock(c.mutex);
          c.flushes.emplace_back(upto, std::move(state));
        };
      }
      std::thread runner([&c] { run_to_end(c); });
      std::thread watcher([&] {
        char byte = 0;
        while (::read(stop_fd, &byte, 1) < 0 && errno == EINTR) {
        }
        c.running.store(false, std::memory_order_release);
        c.ring.stop();
        if constexpr (kSubject) c.impl->on_stop();
      });
      watcher.detach();
      Instant last_release = clock().now();
      std::string payload;
      while (true) {
        const bool done =
            c.done.load(std::memory_order_acquire) || c.closed.load(std::memory_order_acquire);
        if constexpr (kSubject) {
          if (clock().now() - last_release >= o_.autocommit) {
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
        if constexpr (kStateful) {
          std::optional<std::string> state;
          {
            std::lock_guard lock(c.mutex);
            std::size_t used = 0;
            while (used < c.flushes.size() && c.flushes[used].first <= head) {
              state = std::move(c.flushes[used].second);
              ++used;
            }
            c.flushes.erase(c.flushes.begin(),
                            c.flushes.begin() + static_cast<std::ptrdiff_t>(used));
          }
          if (state && !send_frame(out, Frame::state, *state)) break;
        }
        if (items.empty()) {
          if (done) break;
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
      }
      if (c.done.load(std::memory_order_acquire)) runner.join();
      std::exception_ptr error;
      {
        std::lock_guard lock(c.mutex);
        error = c.error;
      }
      if (error) {
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

  PushOptions o_;
  std::shared_ptr<Shared> shared_;
  std::string snapshot_;
  std::thread thread_;
  Instant last_release_;
  Duration idle_{0};
};

}  // namespace detail

/// A fixed-partitioned source whose partitions are push objects (Subject, Producer or
/// StatefulProducer subclasses) made by `make(partition name)`.
template <class Impl>
class PushSource final : public FixedPartitionedSource<typename Impl::item_type, std::string> {
 public:
  using X = typename Impl::item_type;
  using Make = std::function<std::unique_ptr<Impl>(const std::string& partition)>;

  PushSource(std::vector<std::string> partitions, Make make, PushOptions options = {})
      : partitions_(std::move(partitions)), make_(std::move(make)), options_(options) {
    if (partitions_.empty()) throw std::invalid_argument("a push source needs a partition");
    if (options_.autocommit <= Duration::zero()) {
      throw std::invalid_argument("a push source's autocommit interval must be positive");
    }
  }
  /// One partition named `name`.
  PushSource(std::string name, Make make, PushOptions options = {})
      : PushSource(std::vector<std::string>{std::move(name)}, std::move(make), options) {}

  [[nodiscard]] std::vector<std::string> list_parts() const override { return partitions_; }
  std::unique_ptr<StatefulSourcePartition<X, std::string>> build_part(
      const std::string& /*step_id*/, const std::string& for_part,
      std::optional<std::string> resume_state) const override {
    return std::make_unique<detail::PushPartition<Impl>>(make_(for_part), options_,
                                                         std::move(resume_state));
  }

 private:
  std::vector<std::string> partitions_;
  Make make_;
  PushOptions options_;
};

}  // namespace weir::push
