#pragma once
// Thin RAII wrappers over the SQLite C API for the recovery store: a connection and a
// prepared statement. Every failure throws RecoveryError naming the database file.

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "weir/recovery/store.hpp"

namespace weir::recovery::sqlite {

class Db;

class Stmt {
 public:
  Stmt() = default;
  Stmt(Db& db, const char* sql);
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt(Stmt&& o) noexcept : db_(o.db_), stmt_(o.stmt_) { o.stmt_ = nullptr; }
  Stmt& operator=(Stmt&& o) noexcept;
  ~Stmt() { sqlite3_finalize(stmt_); }

  Stmt& bind(int i, std::int64_t v);
  /// Binds bytes without copying: they must outlive the next step().
  Stmt& bind_blob(int i, std::string_view bytes);
  Stmt& bind_text(int i, std::string_view text);
  Stmt& bind_null(int i);
  /// Steps once: true while a row is ready.
  bool step();
  /// Steps to the end and resets, keeping the bindings' slots for the next use.
  void run();
  void reset();

  [[nodiscard]] std::int64_t int64(int col) const { return sqlite3_column_int64(stmt_, col); }
  [[nodiscard]] bool is_null(int col) const {
    return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
  }
  [[nodiscard]] std::string bytes(int col) const;

 private:
  Db* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

class Db {
 public:
  /// Opens `path` (creating it only if `create`).
  Db(std::string path, bool create);
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db() { sqlite3_close_v2(db_); }

  void exec(const char* sql);
  /// Runs `sql`, which returns one integer (a pragma's value).
  std::int64_t query_int(const char* sql);
  /// From now on counts the pages the write-ahead log holds after each commit (log_pages);
  /// SQLite's own automatic checkpoints stop: the owner folds the log with checkpoint().
  void watch_log();
  /// Pages in the write-ahead log after the last commit (once watch_log was called).
  [[nodiscard]] int log_pages() const { return log_pages_; }
  /// Copies what the write-ahead log holds into the database file, as far as no reader
  /// needs it, so the log starts over at the next write (a passive checkpoint).
  void checkpoint();
  /// Folds the write-ahead log into the database file and leaves WAL mode, which removes the
  /// log: the file is then self-contained, and its header says it has no log. False if
  /// another connection holds the database open (the log then stays, as valid as before).
  bool fold_log();
  [[nodiscard]] sqlite3* handle() const { return db_; }
  [[nodiscard]] const std::string& path() const { return path_; }
  /// Throws RecoveryError for result code `rc` with SQLite's message.
  [[noreturn]] void fail(int rc, std::string_view doing) const;

 private:
  std::string path_;
  sqlite3* db_ = nullptr;
  int log_pages_ = 0;
};

/// Copies every page of `from` (in the read transaction it has open, or a new one) into `to`,
/// replacing what `to` held: SQLite's online backup, in one step.
void copy_database(Db& from, Db& to);

/// BEGIN IMMEDIATE now; COMMIT on commit(), ROLLBACK if destroyed before.
class Transaction {
 public:
  explicit Transaction(Db& db) : db_(&db) { db.exec("BEGIN IMMEDIATE"); }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction() {
    if (db_ != nullptr) {
      sqlite3_exec(db_->handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    }
  }
  void commit() {
    db_->exec("COMMIT");
    db_ = nullptr;
  }

 private:
  Db* db_;
};

}  // namespace weir::recovery::sqlite
