#include "weir/runtime/run.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "cluster/cluster_link.hpp"
#include "run_summary.hpp"
#include "weir/core/errors.hpp"
#include "weir/core/log.hpp"
#include "weir/core/metrics.hpp"
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

/// A worker's gauges (--metrics).
struct WorkerMeters {
  explicit WorkerMeters(std::size_t worker)
      : epoch(metrics::registry().gauge("weir_worker_epoch",
                                        "The lowest epoch a worker's outputs have not completed",
                                        labels(worker))),
        committed(metrics::registry().gauge(
            "weir_worker_committed_epoch",
            "The last epoch a worker heard is committed in the recovery store", labels(worker))),
        backlog(metrics::registry().gauge(
            "weir_exchange_backlog_batches",
            "Batches other workers sent that wait in a worker's mailboxes", labels(worker))) {}
  static metrics::Labels labels(std::size_t worker) { return {{"worker", std::to_string(worker)}}; }
  metrics::Gauge& epoch;
  metrics::Gauge& committed;
  metrics::Gauge& backlog;
};

void loop(detail::WorkerGraph& g, detail::WorkerContext& ctx) {
  auto& shared = ctx.shared();
  auto& signal = shared.signal(ctx.local_index());
  auto& nodes = g.nodes();
  recovery::SnapshotWriter* writer = ctx.snapshots();
  Epoch published = ctx.start_epoch();
  Epoch reported = ctx.start_epoch();
  Epoch heard = writer != nullptr ? writer->committed() : 0;
  std::optional<Epoch> ended;  // this worker's end frontier, once every node has finished
  const WorkerMeters meters(ctx.index());
  const auto& busy = g.busy();
  std::int64_t backlog = 0;
  detail::BusyTimer::woke();
  while (!shared.stopped()) {
    signal.clear();
    // Commits first, to every node, before any node polls: no step takes a snapshot of a
    // later epoch before it has heard that the earlier one is committed (sources run one
    // epoch ahead of the store, so that later snapshot may come in this very pass).
    if (writer != nullptr) {
      if (const Epoch committed = writer->committed(); committed > heard) {
        heard = committed;
        meters.committed.set(static_cast<double>(committed - 1));
        for (auto& n : nodes) {
          n->on_committed(committed - 1);
        }
      }
    }
    bool did = false;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      detail::BusyTimer::polling(busy[i]);
      if (nodes[i]->poll(ctx)) {
        did = true;
        detail::BusyTimer::polled();
      }
    }
    detail::BusyTimer::polling(nullptr);

    Epoch completed = kEpochDone;
    for (auto& n : nodes) {
      completed = std::min(completed, n->completed());
    }
    if (completed != published) {
      published = completed;
      shared.publish_completed(ctx.local_index(), completed);
      if (completed != kEpochDone) {
        meters.epoch.set(static_cast<double>(completed));
      }
    }
    shared.tell_backlog_if_untold();
    if (const std::int64_t b = shared.backlog(ctx.local_index()); b != backlog) {
      backlog = b;
      meters.backlog.set(static_cast<double>(b));
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
      // a finished worker stays until its last epoch is committed, so sinks hear of it
      if (ended && heard >= *ended) {
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
    detail::BusyTimer::woke();
  }
}

void worker_main(detail::RunShared& shared, const Dataflow& flow, std::size_t index,
                 const RunConfig& config, recovery::SnapshotWriter* writer,
                 const recovery::ResumeState& resume) {
  detail::WorkerContext ctx(shared, index, config.epoch_interval, writer, &resume);
  detail::WorkerGraph graph(ctx, ctx.index());
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

/// Each step's operator call, for its errors.
std::map<std::string, detail::CallSite, std::less<>> calls_of(const Dataflow& flow) {
  std::map<std::string, detail::CallSite, std::less<>> calls;
  for (const auto& step : flow.steps()) {
    calls.emplace(step.fq_id, detail::CallSite{step.call, step.direct});
  }
  return calls;
}

/// The mesh options for `config`'s cluster; throws std::invalid_argument on a bad address.
detail::MeshOptions mesh_options(const RunConfig& config) {
  detail::MeshOptions m;
  std::string text;
  for (const auto& a : config.addresses) {
    text += a + "\n";
  }
  m.addresses = detail::parse_addresses(text, "the cluster's addresses");
  if (config.process_id >= m.addresses.size()) {
    throw std::invalid_argument(fmt::format("the process id must be from 0 to {}, not {}",
                                            m.addresses.size() - 1, config.process_id));
  }
  m.process_id = config.process_id;
  m.connect_timeout = config.connect_timeout;
  return m;
}

/// Every process has opened and read the recovery store: they agree on where the run
/// resumes, or each throws naming the processes that differ.
void join_store(detail::ClusterLink& link, const detail::MeshOptions& mesh, Epoch resume) {
  const std::vector<std::string> epochs = link.agree(std::to_string(resume));
  for (std::size_t p = 0; p < epochs.size(); ++p) {
    if (epochs[p] != epochs[0]) {
      throw ClusterError(
          fmt::format("process {} ({}) resumes from epoch {} but process 0 ({}) from epoch {}: the "
                      "processes do not share one recovery directory",
                      p, mesh.addresses[p].text(), epochs[p], mesh.addresses[0].text(), epochs[0]));
    }
  }
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
  const bool cluster = config.addresses.size() > 1;
  std::optional<detail::MeshOptions> mesh;
  if (cluster) {
    mesh = mesh_options(config);
    if (config.snapshots) {
      throw std::invalid_argument("a snapshot writer of a test cannot span processes");
    }
  }
  g_interrupted.store(false, std::memory_order_relaxed);

  // Declared in the order they may go: the store's writer thread calls into the link and
  // the run's shared state, the link's reader thread into the remote writer and the shared
  // state, so each goes before what it calls.
  std::optional<detail::RunShared> shared_slot;
  std::shared_ptr<detail::RemoteWriter> remote;
  std::unique_ptr<detail::ClusterLink> link;
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
  detail::RunShared& shared =
      shared_slot.emplace(config.workers, resume.epoch,
                          detail::Topology{.processes = cluster ? mesh->addresses.size() : 1,
                                           .process_id = config.process_id});
  shared.name_calls(calls_of(flow));
  if (cluster) {
    const detail::Hello hello{.flow_id = flow.id(),
                              .fingerprint = flow.fingerprint(),
                              .version = WEIR_VERSION,
                              .processes = static_cast<std::uint32_t>(mesh->addresses.size()),
                              .workers = static_cast<std::uint32_t>(config.workers),
                              .process_id = static_cast<std::uint32_t>(config.process_id),
                              .recovery = store != nullptr};
    link = std::make_unique<detail::ClusterLink>(shared, *mesh, hello);
    shared.connect(link.get());
  }
  if (store && link) {
    join_store(*link, *mesh, resume.epoch);  // every process has read the store
    if (config.process_id == 0) {
      store->on_commit([&shared, l = link.get(), s = store.get()] {
        shared.wake_all();
        l->tell_committed(s->committed());
      });
      store->begin(shared.worker_count());
      link->serve_store(store.get());
    } else {
      store.reset();  // process 0 writes it
      remote = std::make_shared<detail::RemoteWriter>(*link, resume.epoch);
      remote->on_commit([&shared] { shared.wake_all(); });
      link->hear_commits(remote.get());
      writer = remote;
    }
    link->agree("begun");  // process 0 takes the others' snapshots from here on
  }
  // Outside a cluster the run's writer (its store, or the caller's config.snapshots, which
  // outlives the run) wakes the workers as it commits, until the run ends.
  struct Unhook {
    explicit Unhook(recovery::SnapshotWriter* writer) : w(writer) {}
    recovery::SnapshotWriter* w;
    Unhook(const Unhook&) = delete;
    Unhook& operator=(const Unhook&) = delete;
    ~Unhook() {
      if (w != nullptr) {
        w->on_commit({});
      }
    }
  } unhook{link && (store || remote) ? nullptr : writer.get()};
  if (unhook.w != nullptr) {
    unhook.w->on_commit([&shared] { shared.wake_all(); });
  }
  if (store && !link) {
    store->begin(config.workers);
  }
  const detail::RunSummary summary(flow, config.process_id * config.workers, config.workers);
  log::info(
      "dataflow '{}' starting: {} worker{}{}, {}", flow.id(), config.workers,
      config.workers == 1 ? "" : "s",
      cluster ? fmt::format(" in process {} of {}", config.process_id, mesh->addresses.size()) : "",
      config.recovery_directory.empty()
          ? std::string("no recovery")
          : fmt::format("recovery in {}, from epoch {}", config.recovery_directory.string(),
                        resume.epoch));
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
  if (link && shared.stopped() && !shared.stopped_by_peer()) {
    link->tell_stop(shared.error());
  }
  if (link) {
    // every process's workers are done (or the run failed) before any closes
    link->finish([&] {
      if (g_interrupted.load(std::memory_order_relaxed)) {
        shared.fail(std::make_exception_ptr(Interrupted()));
      }
    });
  }
  if (store) {
    // the writer stops before what its commits wake goes away
    try {
      store->finish();
    } catch (...) {
      if (!shared.error()) {
        throw;
      }
    }
  }
  if (auto e = shared.error()) {
    log::info("dataflow '{}' stopped: {}", flow.id(), summary.text());
    std::rethrow_exception(e);
  }
  log::info("dataflow '{}' {}: {}", flow.id(), shared.stopped() ? "aborted" : "finished",
            summary.text());
  return shared.stopped() ? RunOutcome::aborted : RunOutcome::completed;
}

}  // namespace weir
