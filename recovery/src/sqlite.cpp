#include "sqlite.hpp"

#include <fmt/format.h>

namespace weir::recovery::sqlite {

Db::Db(std::string path, bool create) : path_(std::move(path)) {
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  const int rc = sqlite3_open_v2(path_.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    fail(rc, "opening it");
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, 5000);
}

void Db::exec(const char* sql) {
  char* msg = nullptr;
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &msg);
  if (rc != SQLITE_OK) {
    std::string m = msg != nullptr ? msg : sqlite3_errstr(rc);
    sqlite3_free(msg);
    throw RecoveryError(fmt::format("recovery partition '{}': {} ({})", path_, m, sql));
  }
}

std::int64_t Db::query_int(const char* sql) {
  Stmt q(*this, sql);
  if (!q.step()) {
    fail(SQLITE_ERROR, fmt::format("reading '{}'", sql));
  }
  return q.int64(0);
}

void Db::watch_log() {
  sqlite3_wal_hook(
      db_,
      [](void* self, sqlite3* /*db*/, const char* /*schema*/, int pages) {
        static_cast<Db*>(self)->log_pages_ = pages;
        return SQLITE_OK;
      },
      this);
}

void Db::checkpoint() {
  const int rc =
      sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    fail(rc, "copying its write-ahead log into it");
  }
}

bool Db::fold_log() {
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v2(db_, "PRAGMA journal_mode = DELETE", -1, &s, nullptr);
  if (rc != SQLITE_OK) {
    fail(rc, "preparing to fold its write-ahead log into it");
  }
  rc = sqlite3_step(s);
  // SQLite answers with the journal mode in force: the old one if it could not switch
  const bool folded =
      rc == SQLITE_ROW && std::string_view(reinterpret_cast<const char*>(  // NOLINT: SQLite's text
                              sqlite3_column_text(s, 0))) == "delete";
  sqlite3_finalize(s);
  if (rc != SQLITE_ROW && (rc & 0xFF) != SQLITE_BUSY && (rc & 0xFF) != SQLITE_LOCKED) {
    fail(rc, "folding its write-ahead log into it");
  }
  return folded;
}

void Db::fail(int rc, std::string_view doing) const {
  const char* m = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  throw RecoveryError(fmt::format("recovery partition '{}': {} while {}", path_, m, doing));
}

void copy_database(Db& from, Db& to) {
  sqlite3_backup* b = sqlite3_backup_init(to.handle(), "main", from.handle(), "main");
  if (b == nullptr) {
    to.fail(sqlite3_errcode(to.handle()),
            fmt::format("starting to copy '{}' into it", from.path()));
  }
  const int rc = sqlite3_backup_step(b, -1);
  sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) {
    to.fail(rc, fmt::format("copying '{}' into it", from.path()));
  }
}

Stmt::Stmt(Db& db, const char* sql) : db_(&db) {
  const int rc =
      sqlite3_prepare_v3(db.handle(), sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
  if (rc != SQLITE_OK) {
    db.fail(rc, fmt::format("preparing '{}'", sql));
  }
}

Stmt& Stmt::operator=(Stmt&& o) noexcept {
  if (this != &o) {
    sqlite3_finalize(stmt_);
    db_ = o.db_;
    stmt_ = o.stmt_;
    o.stmt_ = nullptr;
  }
  return *this;
}

Stmt& Stmt::bind(int i, std::int64_t v) {
  const int rc = sqlite3_bind_int64(stmt_, i, v);
  if (rc != SQLITE_OK) {
    db_->fail(rc, "binding a value");
  }
  return *this;
}

Stmt& Stmt::bind_blob(int i, std::string_view bytes) {
  const int rc = sqlite3_bind_blob64(stmt_, i, bytes.data(), bytes.size(), SQLITE_STATIC);
  if (rc != SQLITE_OK) {
    db_->fail(rc, "binding a value");
  }
  return *this;
}

Stmt& Stmt::bind_text(int i, std::string_view text) {
  const int rc =
      sqlite3_bind_text64(stmt_, i, text.data(), text.size(), SQLITE_STATIC, SQLITE_UTF8);
  if (rc != SQLITE_OK) {
    db_->fail(rc, "binding a value");
  }
  return *this;
}

Stmt& Stmt::bind_null(int i) {
  const int rc = sqlite3_bind_null(stmt_, i);
  if (rc != SQLITE_OK) {
    db_->fail(rc, "binding a value");
  }
  return *this;
}

bool Stmt::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) {
    return true;
  }
  if (rc == SQLITE_DONE) {
    return false;
  }
  sqlite3_reset(stmt_);
  db_->fail(rc, fmt::format("running '{}'", sqlite3_sql(stmt_)));
}

void Stmt::run() {
  while (step()) {
  }
  reset();
}

void Stmt::reset() { sqlite3_reset(stmt_); }

std::string Stmt::bytes(int col) const {
  const void* p = sqlite3_column_blob(stmt_, col);
  const int n = sqlite3_column_bytes(stmt_, col);
  return p == nullptr ? std::string()
                      : std::string(static_cast<const char*>(p), static_cast<std::size_t>(n));
}

}  // namespace weir::recovery::sqlite
