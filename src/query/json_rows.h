// DuckDB values → JSON text. The mapping (docs/sql-json-types.md):
//   NULL → null; BOOLEAN → true/false
//   integers → numbers, except values beyond ±2^53 (BIGINT, UBIGINT, HUGEINT,
//     UHUGEINT), which become decimal strings so no client rounds them
//   FLOAT/DOUBLE → shortest round-trip number; NaN, Infinity, -Infinity → strings
//   DECIMAL(w,s) → exact number when w ≤ 15, exact string when w > 15
//   VARCHAR, ENUM, UUID → strings; BLOB → base64 string
//   DATE "2024-01-31"; TIME "13:45:00[.123456]"; TIMESTAMP "2024-01-31T13:45:00[.fraction]";
//     TIMESTAMPTZ the same in UTC with "Z"; TIMETZ "13:45:00+02:00"; infinite dates "infinity"/"-infinity"
//   INTERVAL → {"months":m,"days":d,"micros":u}
//   LIST/ARRAY → arrays; STRUCT → objects; MAP → [{"key":k,"value":v},...]; UNION → its active member
#pragma once

#include <duckdb.h>

#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace lakehouse {

class ColumnJsonWriter {
 public:
  // Fails (InvalidArgument) for types with no mapping (BIT, BIGNUM, ...), naming them.
  static Result<std::unique_ptr<ColumnJsonWriter>> ForType(duckdb_logical_type type);
  ~ColumnJsonWriter();
  void Write(std::string& out, duckdb_vector vector, idx_t row) const;

 private:
  ColumnJsonWriter() = default;
  duckdb_type type_ = DUCKDB_TYPE_INVALID;
  duckdb_type internal_ = DUCKDB_TYPE_INVALID;  // DECIMAL and ENUM storage
  uint8_t width_ = 0, scale_ = 0;
  idx_t array_size_ = 0;
  std::vector<std::string> names_;  // STRUCT member names, ENUM dictionary
  std::vector<std::unique_ptr<ColumnJsonWriter>> children_;
};

}  // namespace lakehouse
