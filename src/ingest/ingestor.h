// CSV → Parquet → ObjectStore → Catalog.
//
// Types are inferred by DuckDB from a sample first; if a later value does not
// fit, the conversion is redone with inference over every row, so a bad value
// at row 900,000 widens the type instead of failing the ingest. The Parquet
// object is content-addressed (datasets/<name>/<sha256>.parquet) and written
// before the catalog register, so a rejected ingest (schema conflict) can
// only leave an orphan object, never change live data.
// Thread-safety: Ingest may run concurrently; each call has its own DuckDB.
#pragma once

#include <filesystem>
#include <string>

#include "catalog/catalog.h"
#include "storage/object_store.h"

namespace lakehouse {

struct IngestorOptions {
  std::filesystem::path work_dir;      // temp files; removed on every path
  std::string compression = "snappy";  // Parquet codec
  int threads = 0;                     // DuckDB threads, 0 = all cores
  std::string memory_limit;            // "" = DuckDB's default
};

struct IngestTimings {
  double convert_ms = 0;
  double store_ms = 0;
  double register_ms = 0;
};

struct IngestResult {
  RegisterResult registered;
  DataObject object;
  bool full_inference = false;  // the sampled types did not fit and every row was scanned
  IngestTimings timings;
};

class Ingestor {
 public:
  Ingestor(ObjectStore& store, Catalog& catalog, IngestorOptions options)
      : store_(store), catalog_(catalog), options_(std::move(options)) {}

  // csv is read, never modified or removed.
  Result<IngestResult> Ingest(std::string_view name, RegisterMode mode, const std::filesystem::path& csv);

 private:
  ObjectStore& store_;
  Catalog& catalog_;
  IngestorOptions options_;
};

}  // namespace lakehouse
