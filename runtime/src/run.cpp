#include "weir/runtime/run.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "weir/core/errors.hpp"
#include "weir/recovery/store.hpp"
#include "weir/runtime/detail/run_shared.hpp"

namespace weir {

namespace {

std::atomic<bool> g_interrupted{false};

constexpr auto kInterruptCheck = std::chrono::milliseconds(50);

// One past the last epoch this worker's inputs used (at least the run's first epoch).
Epoch end_frontier(const std::vector<std::unique_ptr<detail::Node>>& nodes, Epoch start) {
  Epoch end = start;
  for (const auto& n : nodes) {
    end = std::max(end, n->end_epoch());
  }
  return end;
}

void loop(detail::WorkerGraph& g, detail::WorkerContext& ctx) {
  auto& shared = ctx.shared();
  auto& signal = shared.signal(ctx.index());
  auto& nodes = g.nodes();
  recovery::SnapshotWriter* writer = ctx.snapshots();
  Epoch published = ctx.start_epoch();
  Epoch reported = ctx.start_epoch();
  Epoch heard = writer != nullptr ? writer->committed() : 0;
  std::optional<Epoch> ended;  // this worker's end frontier, once every node has finished
  while (!shared.stopped()) {
    signal.clear();
    bool did = false;
    for (auto& n : nodes) {
      did = n->poll(ctx) || did;
    }

    Epoch completed = kEpochDone;
    for (auto& n : nodes) {
      completed = std::min(completed, n->completed());
    }
    if (completed != published) {
      published = completed;
      shared.publish_completed(ctx.index(), completed);
    }
    const bool finished =
        std::all_of(nodes.begin(), nodes.end(), [](auto& n) { return n->finished(); });
    if (writer == nullptr) {
      if (finished) {
        break;
      }
    } else {
      if (finished && !ended) {
        ended = end_frontier(nodes, ctx.start_epoch());
        writer->progress(ctx.index(), *ended, true);
      } else if (!ended && completed != reported && completed != kEpochDone) {
        reported = completed;
        writer->progress(ctx.index(), completed, false);
      }
      const Epoch committed = writer->committed();
      if (committed > heard) {
        heard = committed;
        for (auto& n : nodes) {
          n->on_committed(committed - 1);
        }
      }
      // a finished worker stays until its last epoch is committed, so sinks hear of it
      if (ended && committed >= *ended) {
        break;
      }
    }
    if (did) {
      continue;
    }

    std::optional<Instant> at;
    for (auto& n : nodes) {
      auto w = n->wake_at();
      if (w && (!at || *w < *at)) {
        at = w;
      }
    }
    std::optional<Duration> wait;
    if (at) {
      wait = clock().idle_until(*at);
      if (*wait <= Duration::zero()) {
        continue;
      }
    }
    signal.wait_for(wait);
  }
}

void worker_main(detail::RunShared& shared, const Dataflow& flow, std::size_t index,
                 const RunConfig& config, recovery::SnapshotWriter* writer,
                 const recovery::ResumeState& resume) {
  detail::WorkerContext ctx(shared, index, config.epoch_interval, writer, &resume);
  detail::WorkerGraph graph(ctx);
  auto guard = [&](auto&& f) {
    try {
      f();
    } catch (const AbortExecution&) {
      shared.fail(nullptr);
    } catch (const detail::RunStopped&) {
      // another worker failed first; its error is the one reported
    } catch (...) {
      shared.fail(std::current_exception());
    }
  };
  guard([&] {
    for (const auto& step : flow.steps()) {
      step.factory(graph);
    }
    loop(graph, ctx);
  });
  for (auto& n : graph.nodes()) {
    guard([&] { n->teardown(ctx); });
  }
}

/// The flow id and stateful steps the recovery store records for this dataflow.
recovery::DataflowIdentity identity_of(const Dataflow& flow) {
  recovery::DataflowIdentity id{flow.id(), {}};
  for (const auto& step : flow.steps()) {
    if (!step.state.empty()) {
      id.stateful_steps.push_back(step.fq_id + " " + step.state);
    }
  }
  std::sort(id.stateful_steps.begin(), id.stateful_steps.end());
  return id;
}

}  // namespace

void interrupt() noexcept { g_interrupted.store(true, std::memory_order_relaxed); }

RunOutcome run(const Dataflow& flow, const RunConfig& config) {
  flow.validate();
  if (config.workers == 0 || config.workers > kMaxWorkers) {
    throw std::invalid_argument(
        fmt::format("the worker count must be from 1 to {}, not {}", kMaxWorkers, config.workers));
  }
  if (config.epoch_interval < Duration::zero()) {
    throw std::invalid_argument("the epoch interval must not be negative");
  }
  g_interrupted.store(false, std::memory_order_relaxed);

  std::shared_ptr<recovery::RecoveryStore> store;
  std::shared_ptr<recovery::SnapshotWriter> writer = config.snapshots;
  recovery::ResumeState resume;
  if (!config.recovery_directory.empty()) {
    store = recovery::RecoveryStore::open(config.recovery_directory,
                                          {.backup_interval = config.backup_interval,
                                           .dataflow = identity_of(flow),
                                           .adopt = config.adopt_store});
    resume = store->load();
    writer = store;
  }
  detail::RunShared shared(config.workers, resume.epoch);
  if (store) {
    store->on_commit([&shared] { shared.wake_all(); });
    store->begin(config.workers);
  }
  std::mutex mutex;
  std::condition_variable cv;
  std::size_t running = config.workers;
  std::vector<std::thread> threads;
  threads.reserve(config.workers);
  for (std::size_t i = 0; i < config.workers; ++i) {
    threads.emplace_back([&, i] {
      worker_main(shared, flow, i, config, writer.get(), resume);
      std::lock_guard lock(mutex);
      --running;
      cv.notify_all();
    });
  }
  {
    std::unique_lock lock(mutex);
    bool told = false;
    bool store_failed = false;
    while (running > 0) {
      cv.wait_for(lock, kInterruptCheck);
      if (!told && g_interrupted.load(std::memory_order_relaxed)) {
        told = true;
        shared.fail(std::make_exception_ptr(Interrupted()));
      }
      if (store && !store_failed) {
        if (std::string f = store->failure(); !f.empty()) {
          store_failed = true;
          shared.fail(std::make_exception_ptr(recovery::RecoveryError(f)));
        }
      }
    }
  }
  for (auto& t : threads) {
    t.join();
  }
  if (store) {
    // the writer stops before `shared` (which its wake-up refers to) goes away
    try {
      store->finish();
    } catch (...) {
      if (!shared.error()) {
        throw;
      }
    }
  }
  if (auto e = shared.error()) {
    std::rethrow_exception(e);
  }
  return shared.stopped() ? RunOutcome::aborted : RunOutcome::completed;
}

}  // namespace weir
