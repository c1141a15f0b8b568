#pragma once
// The client library of the guide's examples: SQLite's C API, behind two small RAII types.

#include <sqlite3.h>

#include <cstdint>
#include <stdexcept>
#include <string>

namespace guide::sql {

/// A connection; SQLite errors become exceptions carrying SQLite's message.
class Db {
 public:
  explicit Db(const std::string& path, int flags = SQLITE_OPEN_READWRITE) {
    if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
      std::string why = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      throw std::runtime_error("cannot open '" + path + "': " + why);
    }
    sqlite3_busy_timeout(db_, 10'000);  // several workers may write the same file
  }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db() { sqlite3_close(db_); }

  [[nodiscard]] sqlite3* get() const { return db_; }
  void check(int rc) const {
    if (rc != SQLITE_OK && rc != SQLITE_ROW && rc != SQLITE_DONE) {
      throw std::runtime_error(sqlite3_errmsg(db_));
    }
  }
  void exec(const std::string& sql) const {
    check(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr));
  }

 private:
  sqlite3* db_ = nullptr;
};

/// A prepared statement: bind, then step through the rows; reset() to run it again.
class Query {
 public:
  Query(const Db& db, const std::string& sql) : db_(db) {
    db_.check(sqlite3_prepare_v2(db_.get(), sql.c_str(), -1, &stmt_, nullptr));
  }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  ~Query() { sqlite3_finalize(stmt_); }

  Query& bind(int i, std::int64_t v) {
    db_.check(sqlite3_bind_int64(stmt_, i, v));
    return *this;
  }
  Query& bind(int i, const std::string& v) {
    db_.check(sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
    return *this;
  }
  /// True while there is a row to read.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    db_.check(rc);
    return rc == SQLITE_ROW;
  }
  [[nodiscard]] std::int64_t int64(int col) const { return sqlite3_column_int64(stmt_, col); }
  [[nodiscard]] std::string text(int col) const {
    const auto* p = sqlite3_column_text(stmt_, col);
    return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p));
  }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

 private:
  const Db& db_;
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace guide::sql
