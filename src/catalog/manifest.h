// Dataset manifests and their on-store format.
//
// A manifest is stored as JSON at _catalog/manifests/<name>.json:
//   {"format":"lakehouse.manifest","format_version":1, "dataset_id":..., ...}
// Readers reject other formats or versions, so a format change is explicit.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/status.h"

namespace lakehouse {

struct Column {
  std::string name;
  std::string type;  // DuckDB logical type name, e.g. "BIGINT", "VARCHAR"
  bool operator==(const Column&) const = default;
};

struct DataObject {
  std::string key;
  uint64_t size = 0;
  uint64_t rows = 0;
  bool operator==(const DataObject&) const = default;
};

struct Manifest {
  std::string dataset_id;  // UUIDv5 of name
  std::string name;
  std::string schema_fingerprint;
  std::vector<Column> columns;
  std::vector<DataObject> objects;
  uint64_t row_count = 0;
  uint64_t version = 0;  // 1 on the first commit, +1 on every commit after
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
};

inline constexpr std::string_view kManifestPrefix = "_catalog/manifests/";
inline constexpr int kManifestFormatVersion = 1;

std::string ManifestKey(std::string_view name);

// SHA-256 over (name, type) pairs in order: name 0x1f type, pairs joined by 0x1e.
std::string SchemaFingerprint(const std::vector<Column>& columns);

// The API and storage representation (timestamps as RFC 3339).
nlohmann::json ManifestToJson(const Manifest& manifest);
// Strict: missing or mistyped fields are errors naming the field.
Result<Manifest> ManifestFromJson(const nlohmann::json& json);
Result<Manifest> ParseStoredManifest(std::string_view text);
std::string SerializeStoredManifest(const Manifest& manifest);

}  // namespace lakehouse
