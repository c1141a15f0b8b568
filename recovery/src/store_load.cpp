// Loading a recovery store: each key's newest state before the resume epoch (store.hpp).
#include "entries.hpp"
#include "store_impl.hpp"

namespace weir::recovery {

ResumeState RecoveryStore::load() const {
  ResumeState out;
  out.epoch = impl_->resume;
  for (auto& p : impl_->parts) {
    sqlite::Stmt q(*p.db,
                   "SELECT step_id, bucket, segment FROM snapshots WHERE epoch < ?1 "
                   "ORDER BY step_id, bucket, epoch, seq");
    q.bind(1, to_db(impl_->resume));
    // the rows of one bucket, oldest first: a later entry of a key replaces an earlier one
    std::string step;
    std::int64_t bucket = -1;
    std::vector<std::string> segs;
    auto flush = [&] {
      if (segs.empty()) {
        return;
      }
      auto& into = out.states[step];
      try {
        entries::for_each_newest(segs, [&](std::string_view k, std::string_view st) {
          into.emplace_back(std::string(k), std::string(st));
        });
      } catch (const std::exception& e) {
        throw CorruptStore(fmt::format("recovery partition '{}': step '{}', bucket {}: {}",
                                       p.db->path(), step, bucket, e.what()));
      }
      segs.clear();
    };
    while (q.step()) {
      std::string s = q.bytes(0);
      const std::int64_t b = q.int64(1);
      if (s != step || b != bucket) {
        flush();
        step = std::move(s);
        bucket = b;
      }
      segs.push_back(q.bytes(2));
    }
    flush();
  }
  return out;
}

std::size_t RecoveryStore::stored_snapshots() const {
  std::size_t n = 0;
  for (auto& p : impl_->parts) {
    sqlite::Stmt q(*p.db, "SELECT segment FROM snapshots");
    while (q.step()) {
      entries::for_each(q.bytes(0), [&](std::string_view, const std::string_view*) { ++n; });
    }
  }
  return n;
}

}  // namespace weir::recovery
