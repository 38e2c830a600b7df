// One HTTP service per role. Each registers its routes (without the /v1
// prefix; the server mounts them) and adapts requests to a module interface.
#pragma once

#include <filesystem>

#include "catalog/catalog.h"
#include "core/limiter.h"
#include "http/server.h"
#include "ingest/ingestor.h"
#include "query/engine.h"
#include "storage/object_store.h"
#include "vector/registry.h"
#include "embed/caching_embedder.h"
#include "semantic/dataset_search.h"

namespace lakehouse {

struct StorageServiceOptions {
  uint64_t max_put_bytes = 1ull << 30;
  int max_concurrent_puts = 4;
};

class StorageService {
 public:
  StorageService(ObjectStore& store, StorageServiceOptions options)
      : store_(store), options_(options), puts_(options.max_concurrent_puts) {}
  void Register(http::Routes& routes);

 private:
  ObjectStore& store_;
  StorageServiceOptions options_;
  ConcurrencyLimiter puts_;
};

class CatalogService {
 public:
  explicit CatalogService(Catalog& catalog) : catalog_(catalog) {}
  void Register(http::Routes& routes);

 private:
  Catalog& catalog_;
};

struct IngestServiceOptions {
  std::filesystem::path upload_dir;  // uploads stream here (one temp file each)
  uint64_t max_upload_bytes = 16ull << 30;
  int max_concurrent = 2;
};

class IngestService {
 public:
  IngestService(Ingestor& ingestor, IngestServiceOptions options)
      : ingestor_(ingestor), options_(std::move(options)), ingests_(options_.max_concurrent) {}
  void Register(http::Routes& routes);

 private:
  Ingestor& ingestor_;
  IngestServiceOptions options_;
  ConcurrencyLimiter ingests_;
};

class QueryService {
 public:
  explicit QueryService(QueryEngine& engine) : engine_(engine) {}
  void Register(http::Routes& routes);

 private:
  QueryEngine& engine_;
};

struct VectorServiceOptions {
  uint64_t max_batch_bytes = 256ull << 20;  // one add request's body
};

class VectorService {
 public:
  VectorService(VectorRegistry& registry, VectorServiceOptions options) : registry_(registry), options_(options) {}
  void Register(http::Routes& routes);

 private:
  VectorRegistry& registry_;
  VectorServiceOptions options_;
};

struct EmbedServiceOptions {
  size_t max_texts = 2048;
  size_t max_text_bytes = 16384;
};

class EmbedService {
 public:
  EmbedService(CachingEmbedder& embedder, EmbedServiceOptions options) : embedder_(embedder), options_(options) {}
  void Register(http::Routes& routes);

 private:
  CachingEmbedder& embedder_;
  EmbedServiceOptions options_;
};

// Dataset embeddings (sync or as a job), jobs, and text search over a dataset.
class SemanticService {
 public:
  SemanticService(DatasetSearch& search, JobRegistry& jobs) : search_(search), jobs_(jobs) {}
  void Register(http::Routes& routes);

 private:
  DatasetSearch& search_;
  JobRegistry& jobs_;
};

}  // namespace lakehouse
