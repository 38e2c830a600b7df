// Catalog: which datasets exist, their schema and the objects holding their rows.
//
// Contracts (DESIGN.md): dataset_id = UUIDv5(name); registering the same name
// with the same fingerprint is idempotent (objects replaced or appended,
// version and updated_at bumped, existing=true); a different fingerprint is a
// Conflict and changes nothing. Persist first, then publish: no reader sees a
// manifest that storage does not hold.
// Thread-safety: all methods are safe to call concurrently.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "catalog/manifest.h"
#include "core/status.h"

namespace lakehouse {

enum class RegisterMode { kReplace, kAppend };

struct RegisterRequest {
  std::string name;
  std::string schema_fingerprint;
  std::vector<Column> columns;
  std::vector<DataObject> objects;
  RegisterMode mode = RegisterMode::kReplace;
};

struct RegisterResult {
  Manifest manifest;
  bool existing = false;  // the dataset existed with this fingerprint
};

struct CatalogProblem {
  std::string key;
  std::string error;
};

class Catalog {
 public:
  virtual ~Catalog() = default;
  virtual Result<RegisterResult> Register(const RegisterRequest& request) = 0;
  virtual Result<Manifest> Get(std::string_view name) = 0;
  // Sorted by name.
  virtual Result<std::vector<Manifest>> List() = 0;
  // Changes whenever a register is published; cheap, for caches that follow the catalog.
  virtual Result<uint64_t> Generation() = 0;
  // Manifests that could not be loaded (corrupt or unreadable), for health detail.
  virtual std::vector<CatalogProblem> Problems() = 0;
};

}  // namespace lakehouse
