// Compaction: superseded snapshots collected, each bucket's committed rows folded into one
// (store.hpp).
#include "entries.hpp"
#include "store_impl.hpp"

namespace weir::recovery {

// Compacts every bucket holding options.compact_after or more rows at or before `through` into one
// row (each key's newest state as of then; discards dropped), and records `through` as each
// partition's commit. So a superseded snapshot outlives the backup interval by at most a
// few commits, and resuming reads at most a few rows per bucket.
void RecoveryStore::Impl::collect_garbage(Epoch through) {
  for (std::size_t i = 0; i < parts.size(); ++i) {
    Part& p = parts[i];
    sqlite::Transaction t(*p.db);
    p.upsert_commit.bind(1, static_cast<std::int64_t>(i)).bind(2, to_db(through)).run();
    for (auto it = p.rows.begin(); it != p.rows.end();) {
      auto& epochs = it->second;
      const auto upto = std::upper_bound(epochs.begin(), epochs.end(), through);
      if (static_cast<std::size_t>(upto - epochs.begin()) >= options.compact_after) {
        compact(p, it->first, through);
      }
      it = epochs.empty() ? p.rows.erase(it) : std::next(it);
    }
    t.commit();
  }
  collected = through;
}

void RecoveryStore::Impl::compact(Part& p, const BucketKey& b, Epoch through) {
  std::vector<std::string> segs;
  Epoch last = 0;
  p.read_through.bind_text(1, b.first).bind(2, b.second).bind(3, to_db(through));
  while (p.read_through.step()) {
    last = static_cast<Epoch>(p.read_through.int64(0));
    segs.push_back(p.read_through.bytes(1));
  }
  p.read_through.reset();
  std::string merged;
  entries::for_each_newest(
      segs, [&](std::string_view k, std::string_view st) { entries::append(merged, k, &st); });
  p.delete_through.bind_text(1, b.first).bind(2, b.second).bind(3, to_db(through)).run();
  auto& epochs = p.rows[b];
  epochs.erase(epochs.begin(), std::upper_bound(epochs.begin(), epochs.end(), through));
  if (merged.empty()) {
    return;
  }
  p.insert.bind_text(1, b.first)
      .bind(2, b.second)
      .bind(3, to_db(last))
      .bind(4, 0)
      .bind_blob(5, merged)
      .run();
  epochs.insert(epochs.begin(), last);
}

}  // namespace weir::recovery
