// RAII over DuckDB's C API: database, connection, result, logical type.
// A DuckConnection runs one query at a time; use one per concurrent query.
#pragma once

#include <duckdb.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace lakehouse {

struct DuckOptions {
  int threads = 0;              // 0: DuckDB's default (all cores)
  std::string memory_limit;     // "" = DuckDB's default
  std::string temp_directory;   // spill directory; "" = none
  std::map<std::string, std::string> extra;  // further open-time settings
};

class DuckDatabase {
 public:
  // An in-memory database. Extension autoload and autoinstall are always off.
  static Result<DuckDatabase> OpenInMemory(const DuckOptions& options);
  DuckDatabase() = default;
  ~DuckDatabase();
  DuckDatabase(DuckDatabase&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  DuckDatabase& operator=(DuckDatabase&& other) noexcept;
  DuckDatabase(const DuckDatabase&) = delete;
  DuckDatabase& operator=(const DuckDatabase&) = delete;
  duckdb_database get() const { return db_; }

 private:
  duckdb_database db_ = nullptr;
};

class DuckResult {
 public:
  DuckResult() = default;
  ~DuckResult() { duckdb_destroy_result(&result_); }
  DuckResult(const DuckResult&) = delete;
  DuckResult& operator=(const DuckResult&) = delete;
  duckdb_result* get() { return &result_; }

  // Materialised results only: cell as text, NULL as "".
  std::string Text(idx_t column, idx_t row);
  idx_t RowCount() { return duckdb_row_count(&result_); }

 private:
  duckdb_result result_{};
};

class DuckConnection {
 public:
  static Result<DuckConnection> Connect(const DuckDatabase& db);
  DuckConnection() = default;
  ~DuckConnection();
  DuckConnection(DuckConnection&& other) noexcept : conn_(other.conn_) { other.conn_ = nullptr; }
  DuckConnection& operator=(DuckConnection&& other) noexcept;
  DuckConnection(const DuckConnection&) = delete;
  DuckConnection& operator=(const DuckConnection&) = delete;
  duckdb_connection get() const { return conn_; }

  // Runs sql (one or more statements); the status carries DuckDB's message.
  Status Exec(std::string_view sql);
  // Runs one query and keeps its materialised result.
  Status Query(std::string_view sql, DuckResult* result);

 private:
  duckdb_connection conn_ = nullptr;
};

// Maps a failed result to a Status: interrupts to Timeout, permission errors
// to Forbidden, out-of-memory to Unavailable, internal errors to Internal,
// everything else (parser, binder, conversion, IO on user input) to InvalidArgument.
Status StatusFromDuckResult(duckdb_result* result, std::string_view error_code = "sql_error");

std::string QuoteSqlString(std::string_view text);  // 'it''s'
std::string QuoteIdentifier(std::string_view name);  // "a""b"

// DuckDB's spelling of a logical type: BIGINT, DECIMAL(18,3), VARCHAR[], STRUCT(a INTEGER), MAP(K, V).
std::string LogicalTypeName(duckdb_logical_type type);

}  // namespace lakehouse
