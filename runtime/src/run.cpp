#include "weir/runtime/run.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "weir/inputs/errors.hpp"
#include "weir/runtime/detail/run_shared.hpp"

namespace weir {

namespace {

std::atomic<bool> g_interrupted{false};

constexpr auto kInterruptCheck = std::chrono::milliseconds(50);

void loop(detail::WorkerGraph& g, detail::WorkerContext& ctx) {
  auto& shared = ctx.shared();
  auto& signal = shared.signal(ctx.index());
  auto& nodes = g.nodes();
  std::vector<detail::Node*> outputs;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    auto role = g.roles()[i];
    if (role == detail::StepRole::output || role == detail::StepRole::inspect) {
      outputs.push_back(nodes[i].get());
    }
  }
  Epoch published = kFirstEpoch;
  while (!shared.stopped()) {
    signal.clear();
    bool did = false;
    for (auto& n : nodes) did = n->poll(ctx) || did;

    Epoch completed = kEpochDone;
    for (auto* o : outputs) completed = std::min(completed, o->completed());
    if (completed != published) {
      published = completed;
      shared.publish_completed(ctx.index(), completed);
    }
    if (std::all_of(nodes.begin(), nodes.end(), [](auto& n) { return n->finished(); })) break;
    if (did) continue;

    std::optional<Instant> at;
    for (auto& n : nodes) {
      auto w = n->wake_at();
      if (w && (!at || *w < *at)) at = w;
    }
    std::optional<Duration> wait;
    if (at) {
      wait = clock().idle_until(*at);
      if (*wait <= Duration::zero()) continue;
    }
    signal.wait_for(wait);
  }
}

void worker_main(detail::RunShared& shared, const Dataflow& flow, std::size_t index,
                 const RunConfig& config) {
  detail::WorkerContext ctx(shared, index, config.epoch_interval, config.snapshots.get());
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
    for (const auto& step : flow.steps()) step.factory(graph);
    loop(graph, ctx);
  });
  for (auto& n : graph.nodes()) {
    guard([&] { n->teardown(ctx); });
  }
}

}  // namespace

void interrupt() noexcept { g_interrupted.store(true, std::memory_order_relaxed); }

RunOutcome run(const Dataflow& flow, const RunConfig& config) {
  flow.validate();
  if (config.workers == 0) throw std::invalid_argument("the worker count must be at least 1");
  if (config.epoch_interval < Duration::zero()) {
    throw std::invalid_argument("the epoch interval must not be negative");
  }
  g_interrupted.store(false, std::memory_order_relaxed);

  detail::RunShared shared(config.workers);
  std::mutex mutex;
  std::condition_variable cv;
  std::size_t running = config.workers;
  std::vector<std::thread> threads;
  threads.reserve(config.workers);
  for (std::size_t i = 0; i < config.workers; ++i) {
    threads.emplace_back([&, i] {
      worker_main(shared, flow, i, config);
      std::lock_guard lock(mutex);
      --running;
      cv.notify_all();
    });
  }
  {
    std::unique_lock lock(mutex);
    bool told = false;
    while (running > 0) {
      cv.wait_for(lock, kInterruptCheck);
      if (!told && g_interrupted.load(std::memory_order_relaxed)) {
        told = true;
        shared.fail(std::make_exception_ptr(Interrupted()));
      }
    }
  }
  for (auto& t : threads) t.join();
  if (auto e = shared.error()) std::rethrow_exception(e);
  return shared.stopped() ? RunOutcome::aborted : RunOutcome::completed;
}

}  // namespace weir
