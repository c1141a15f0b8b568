#pragma once
// TwoThreads: the hand-off a two-worker engine needs, written by hand for the benches'
// two-thread baselines. Each of two threads runs one partition, applies the items it owns
// and hands the others over once per batch: a mailbox per thread, locked once per batch;
// emptied buffers go back to their sender and are filled again. No engine around it, so a
// baseline built on it shows what moving items between cores costs on this machine.
//
//   TwoThreads<Item> hand;
//   hand.run([&](int self) {
//     for (each batch of the partition) {
//       std::vector<Item>& away = hand.away(self);  // empty, capacity kept from earlier use
//       ... apply(own items); away.push_back(other's) ...
//       hand.send(self);
//       hand.drain(self, apply);
//     }
//     hand.finish(self, apply);  // applies the rest once the other thread has sent all
//   });
//   hand.crossed();  // how many items went from one thread to the other
//
// REQUIRES: away, send, drain and finish are called by thread `self` alone.

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "bench_support.hpp"

namespace weir_bench {

template <class Item>
class TwoThreads {
 public:
  /// Runs body(0) and body(1) on two threads and waits for both.
  template <class Body>
  void run(Body&& body) {
    std::thread a([&] { body(0); });
    std::thread b([&] { body(1); });
    a.join();
    b.join();
  }

  /// The buffer for the items thread `self` hands over in its current batch.
  std::vector<Item>& away(int self) {
    Side& s = sides_[self];
    if (s.spare.empty()) {
      std::lock_guard lock(s.box.mutex);
      s.spare.swap(s.box.empty);
    }
    if (!s.spare.empty()) {
      s.away = std::move(s.spare.back());
      s.spare.pop_back();
    }
    return s.away;
  }

  /// Hands the current batch to the other thread.
  void send(int self) {
    Side& s = sides_[self];
    s.sent += s.away.size();
    Mailbox& other = sides_[1 - self].box;
    std::lock_guard lock(other.mutex);
    other.full.push_back(std::move(s.away));
    s.away = {};
  }

  /// Applies apply(item) to what the other thread has sent so far; true once it sends no more.
  template <class Apply>
  bool drain(int self, Apply&& apply) {
    Side& s = sides_[self];
    bool done = false;
    {
      std::lock_guard lock(s.box.mutex);
      s.got.swap(s.box.full);
      done = s.box.sender_done;
    }
    if (s.got.empty()) {
      return done;
    }
    for (auto& batch : s.got) {
      for (const Item& x : batch) {
        apply(x);
      }
      batch.clear();
    }
    Mailbox& other = sides_[1 - self].box;
    {
      std::lock_guard lock(other.mutex);
      for (auto& batch : s.got) {
        other.empty.push_back(std::move(batch));
      }
    }
    s.got.clear();
    return done;
  }

  /// Tells the other thread this one sends no more, then drains until it says the same.
  template <class Apply>
  void finish(int self, Apply&& apply) {
    crossed_ += sides_[self].sent;
    {
      Mailbox& other = sides_[1 - self].box;
      std::lock_guard lock(other.mutex);
      other.sender_done = true;
    }
    while (!drain(self, apply)) {
      std::this_thread::yield();  // the other thread is still sending
    }
  }

  /// Items handed from one thread to the other (once both have finished).
  [[nodiscard]] std::uint64_t crossed() const { return crossed_.load(); }

 private:
  struct Mailbox {
    std::mutex mutex;
    std::vector<std::vector<Item>> full;   // batches for this thread
    std::vector<std::vector<Item>> empty;  // this thread's buffers, given back emptied
    bool sender_done = false;
  };
  struct Side {
    alignas(64) Mailbox box;  // written by both threads
    // below: thread `self`'s alone, on lines of their own
    alignas(64) std::vector<Item> away;    // the batch being filled
    std::vector<std::vector<Item>> got;    // batches being applied
    std::vector<std::vector<Item>> spare;  // own buffers to fill again
    std::uint64_t sent = 0;
  };
  Side sides_[2];
  std::atomic<std::uint64_t> crossed_{0};
};

/// What handing an item to the other thread costs in CPU time: a two-thread run's CPU seconds
/// over its one-thread run's (medians of CPU seconds, all threads), per item that crossed
/// (the same items in weir's w2 and in the baseline_2t: both place keys by stable_hash % 2).
struct CrossingCost {
  std::uint64_t crossed = 0;
  double w2_ns = 0;           // weir_w2 over weir_w1
  double baseline_2t_ns = 0;  // baseline_2t over the one-thread loop
  double w2_cpu_over_w1 = 0;
  double w1_ns = 0;  // weir_w1's CPU per crossed item: the work two workers share
  // What two workers reach, both cores busy, when each crossed item costs what it costs by
  // hand: 2 * w1 / (w1 + baseline_2t_ns), in units of w1's rate.
  double cap = 0;

  CrossingCost(std::uint64_t crossed_items, const std::vector<double>& cpu_base,
               const std::vector<double>& cpu_base_2t, const std::vector<double>& cpu_w1,
               const std::vector<double>& cpu_w2)
      : crossed(crossed_items),
        w2_ns(per_item(median(cpu_w2) - median(cpu_w1))),
        baseline_2t_ns(per_item(median(cpu_base_2t) - median(cpu_base))),
        w2_cpu_over_w1(median(cpu_w2) / median(cpu_w1)),
        w1_ns(per_item(median(cpu_w1))),
        cap(2 * w1_ns / (w1_ns + baseline_2t_ns)) {}

  /// One line of the bench's table; `unit` names an item ("item", "event").
  void print(const char* unit) const {
    std::printf(
        "handing over: %lu %ss crossed; CPU per %s crossed: weir_w2 %.1f ns over weir_w1, "
        "baseline_2t %.1f ns over baseline (w2 CPU %.2f x w1)\n"
        "                w1 spends %.1f ns of CPU per %s crossed: with the crossing cost of the "
        "hand-off by hand, two workers reach %.2f x w1\n",
        static_cast<unsigned long>(crossed), unit, unit, w2_ns, baseline_2t_ns, w2_cpu_over_w1,
        w1_ns, unit, cap);
  }
  /// The figures under the names the results file uses.
  void add_to(std::map<std::string, double>& results) const {
    results["crossed"] = static_cast<double>(crossed);
    results["w2_cpu_ns_per_crossed"] = w2_ns;
    results["baseline_2t_cpu_ns_per_crossed"] = baseline_2t_ns;
    results["w2_cpu_over_w1"] = w2_cpu_over_w1;
    results["w1_cpu_ns_per_crossed"] = w1_ns;
    results["w2_cap_by_hand_off"] = cap;
  }

 private:
  [[nodiscard]] double per_item(double seconds) const {
    return seconds * 1e9 / static_cast<double>(crossed);
  }
};

}  // namespace weir_bench
