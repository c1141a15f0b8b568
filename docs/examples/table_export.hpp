#pragma once
// Push: a client that owns the loop and calls back. sqlite3_exec runs a query and calls a C
// callback per row; the callback returning non-zero makes it stop with SQLITE_ABORT.
//
// TableExport (a Subject) pushes every row of events and commits each shard's rows as one
// group, so a shard never straddles an epoch. It starts from scratch on every run:
// at-least-once (a resumed run replays the whole table after what was committed).
//
// TableCopy (a StatefulProducer) keeps the last seq it read in its state and flushes every
// 100 rows; a resumed run() starts with the state of the last committed epoch and reads
// after it: exactly-once with an exactly-once sink.

#include <weir/inputs/push_source.hpp>

#include <atomic>
#include <exception>

#include "sqlite.hpp"

namespace guide {

class TableExport final : public weir::push::Subject<std::string> {
 public:
  explicit TableExport(std::string path) : path_(std::move(path)) {}

  void run() override {
    sql::Db db(path_, SQLITE_OPEN_READONLY);
    const int rc = sqlite3_exec(db.get(), "SELECT shard, body FROM events ORDER BY shard, seq",
                                &TableExport::on_row, this, nullptr);
    if (failure_) {
      std::rethrow_exception(failure_);  // PushStopped included: let it propagate
    }
    if (rc == SQLITE_ABORT) {
      return;  // on_stop() asked the loop to end
    }
    db.check(rc);
    close();  // commits the last shard and ends the partition
  }

  // Called from the worker's thread when the dataflow stops: end the client's loop.
  void on_stop() override { stopping_ = true; }

 private:
  // An exception must never unwind through the C library: keep it, stop the loop, rethrow.
  static int on_row(void* self, int /*columns*/, char** values, char** /*names*/) {
    auto& me = *static_cast<TableExport*>(self);
    if (me.stopping_) {
      return 1;
    }
    try {
      std::string shard = values[0];  // NOLINT(cppcoreguidelines-pro-bounds-pointer-arithmetic)
      if (shard != me.shard_) {
        me.commit();  // the previous shard's rows reach the dataflow together
        me.shard_ = std::move(shard);
      }
      me.next(values[1]);  // NOLINT(cppcoreguidelines-pro-bounds-pointer-arithmetic)
      return 0;
    } catch (...) {
      me.failure_ = std::current_exception();
      return 1;
    }
  }

  std::string path_;
  std::string shard_;
  std::atomic<bool> stopping_{false};
  std::exception_ptr failure_;
};

class TableCopy final : public weir::push::StatefulProducer<std::string> {
 public:
  explicit TableCopy(std::string path) : path_(std::move(path)) {}

  void run() override {
    sql::Db db(path_, SQLITE_OPEN_READONLY);
    last_ = std::stoll(state().get("last").value_or("0"));
    const std::string query =
        "SELECT rowid, body FROM events WHERE rowid > " + std::to_string(last_) + " ORDER BY rowid";
    const int rc = sqlite3_exec(db.get(), query.c_str(), &TableCopy::on_row, this, nullptr);
    if (failure_) {
      std::rethrow_exception(failure_);
    }
    if (rc == SQLITE_ABORT) {
      return;  // stopped: what was flushed is committed with its epoch, the rest is read again
    }
    db.check(rc);
    state().set("last", std::to_string(last_));  // returning flushes
  }

 private:
  static int on_row(void* self, int /*columns*/, char** values, char** /*names*/) {
    auto& me = *static_cast<TableCopy*>(self);
    if (!me.running()) {
      return 1;
    }
    try {
      me.last_ = std::stoll(values[0]);  // NOLINT(cppcoreguidelines-pro-bounds-pointer-arithmetic)
      me.produce(values[1]);             // NOLINT(cppcoreguidelines-pro-bounds-pointer-arithmetic)
      if (++me.since_flush_ == 100) {
        me.state().set("last", std::to_string(me.last_));
        me.flush();  // these 100 rows and the state that follows them, together
        me.since_flush_ = 0;
      }
      return 0;
    } catch (...) {
      me.failure_ = std::current_exception();
      return 1;
    }
  }

  std::string path_;
  std::int64_t last_ = 0;
  int since_flush_ = 0;
  std::exception_ptr failure_;
};

}  // namespace guide
