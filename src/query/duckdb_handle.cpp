#include "query/duckdb_handle.h"

namespace lakehouse {

Result<DuckDatabase> DuckDatabase::OpenInMemory(const DuckOptions& options) {
  duckdb_config config = nullptr;
  if (duckdb_create_config(&config) != DuckDBSuccess) return Status::Internal("duckdb: cannot create config");
  std::map<std::string, std::string> settings = options.extra;
  settings["autoinstall_known_extensions"] = "false";
  settings["autoload_known_extensions"] = "false";
  if (options.threads > 0) settings["threads"] = std::to_string(options.threads);
  if (!options.memory_limit.empty()) settings["memory_limit"] = options.memory_limit;
  if (!options.temp_directory.empty()) settings["temp_directory"] = options.temp_directory;
  for (const auto& [name, value] : settings) {
    if (duckdb_set_config(config, name.c_str(), value.c_str()) != DuckDBSuccess) {
      duckdb_destroy_config(&config);
      return Status::Internal("duckdb: cannot set " + name);
    }
  }
  DuckDatabase db;
  char* error = nullptr;
  duckdb_state state = duckdb_open_ext(nullptr, &db.db_, config, &error);
  duckdb_destroy_config(&config);
  if (state != DuckDBSuccess) {
    std::string message = error ? error : "unknown error";
    duckdb_free(error);
    return Status::Internal("duckdb: cannot open database: " + message);
  }
  return db;
}

DuckDatabase::~DuckDatabase() {
  if (db_) duckdb_close(&db_);
}

DuckDatabase& DuckDatabase::operator=(DuckDatabase&& other) noexcept {
  if (this != &other) {
    if (db_) duckdb_close(&db_);
    db_ = other.db_;
    other.db_ = nullptr;
  }
  return *this;
}

std::string DuckResult::Text(idx_t column, idx_t row) {
  char* value = duckdb_value_varchar(&result_, column, row);
  if (!value) return "";
  std::string out(value);
  duckdb_free(value);
  return out;
}

Result<DuckConnection> DuckConnection::Connect(const DuckDatabase& db) {
  DuckConnection conn;
  if (duckdb_connect(db.get(), &conn.conn_) != DuckDBSuccess) return Status::Internal("duckdb: cannot connect");
  return conn;
}

DuckConnection::~DuckConnection() {
  if (conn_) duckdb_disconnect(&conn_);
}

DuckConnection& DuckConnection::operator=(DuckConnection&& other) noexcept {
  if (this != &other) {
    if (conn_) duckdb_disconnect(&conn_);
    conn_ = other.conn_;
    other.conn_ = nullptr;
  }
  return *this;
}

Status DuckConnection::Exec(std::string_view sql) {
  DuckResult result;
  return Query(sql, &result);
}

Status DuckConnection::Query(std::string_view sql, DuckResult* result) {
  std::string text(sql);
  if (duckdb_query(conn_, text.c_str(), result->get()) != DuckDBSuccess) return StatusFromDuckResult(result->get());
  return Status::Ok();
}

Status StatusFromDuckResult(duckdb_result* result, std::string_view error_code) {
  const char* raw = duckdb_result_error(result);
  std::string message = raw ? raw : "unknown DuckDB error";
  switch (duckdb_result_error_type(result)) {
    case DUCKDB_ERROR_INTERRUPT: return Status::Timeout("query interrupted: " + message, "query_timeout");
    case DUCKDB_ERROR_PERMISSION: return Status::Forbidden(message, "sql_forbidden");
    case DUCKDB_ERROR_OUT_OF_MEMORY: return Status::Unavailable(message, "out_of_memory");
    case DUCKDB_ERROR_INTERNAL:
    case DUCKDB_ERROR_FATAL: return Status::Internal(message, "duckdb_internal");
    default: return Status::InvalidArgument(message, std::string(error_code));
  }
}

std::string QuoteSqlString(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

std::string QuoteIdentifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string LogicalTypeName(duckdb_logical_type type) {
  auto child_name = [](duckdb_logical_type child) {
    std::string name = LogicalTypeName(child);
    duckdb_destroy_logical_type(&child);
    return name;
  };
  switch (duckdb_get_type_id(type)) {
    case DUCKDB_TYPE_BOOLEAN: return "BOOLEAN";
    case DUCKDB_TYPE_TINYINT: return "TINYINT";
    case DUCKDB_TYPE_SMALLINT: return "SMALLINT";
    case DUCKDB_TYPE_INTEGER: return "INTEGER";
    case DUCKDB_TYPE_BIGINT: return "BIGINT";
    case DUCKDB_TYPE_UTINYINT: return "UTINYINT";
    case DUCKDB_TYPE_USMALLINT: return "USMALLINT";
    case DUCKDB_TYPE_UINTEGER: return "UINTEGER";
    case DUCKDB_TYPE_UBIGINT: return "UBIGINT";
    case DUCKDB_TYPE_HUGEINT: return "HUGEINT";
    case DUCKDB_TYPE_UHUGEINT: return "UHUGEINT";
    case DUCKDB_TYPE_FLOAT: return "FLOAT";
    case DUCKDB_TYPE_DOUBLE: return "DOUBLE";
    case DUCKDB_TYPE_VARCHAR: return "VARCHAR";
    case DUCKDB_TYPE_BLOB: return "BLOB";
    case DUCKDB_TYPE_DATE: return "DATE";
    case DUCKDB_TYPE_TIME: return "TIME";
    case DUCKDB_TYPE_TIME_TZ: return "TIME WITH TIME ZONE";
    case DUCKDB_TYPE_TIMESTAMP: return "TIMESTAMP";
    case DUCKDB_TYPE_TIMESTAMP_S: return "TIMESTAMP_S";
    case DUCKDB_TYPE_TIMESTAMP_MS: return "TIMESTAMP_MS";
    case DUCKDB_TYPE_TIMESTAMP_NS: return "TIMESTAMP_NS";
    case DUCKDB_TYPE_TIMESTAMP_TZ: return "TIMESTAMP WITH TIME ZONE";
    case DUCKDB_TYPE_INTERVAL: return "INTERVAL";
    case DUCKDB_TYPE_UUID: return "UUID";
    case DUCKDB_TYPE_ENUM: return "ENUM";
    case DUCKDB_TYPE_BIT: return "BIT";
    case DUCKDB_TYPE_DECIMAL:
      return "DECIMAL(" + std::to_string(duckdb_decimal_width(type)) + "," + std::to_string(duckdb_decimal_scale(type)) +
             ")";
    case DUCKDB_TYPE_LIST: return child_name(duckdb_list_type_child_type(type)) + "[]";
    case DUCKDB_TYPE_ARRAY:
      return child_name(duckdb_array_type_child_type(type)) + "[" +
             std::to_string(duckdb_array_type_array_size(type)) + "]";
    case DUCKDB_TYPE_MAP:
      return "MAP(" + child_name(duckdb_map_type_key_type(type)) + ", " + child_name(duckdb_map_type_value_type(type)) +
             ")";
    case DUCKDB_TYPE_STRUCT: {
      std::string out = "STRUCT(";
      idx_t n = duckdb_struct_type_child_count(type);
      for (idx_t i = 0; i < n; ++i) {
        char* name = duckdb_struct_type_child_name(type, i);
        if (i) out += ", ";
        out += QuoteIdentifier(name ? name : "");
        out += " " + child_name(duckdb_struct_type_child_type(type, i));
        duckdb_free(name);
      }
      return out + ")";
    }
    case DUCKDB_TYPE_UNION: return "UNION";
    case DUCKDB_TYPE_SQLNULL: return "NULL";
    default: return "UNKNOWN";
  }
}

}  // namespace lakehouse
