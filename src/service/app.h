// The all-in-one server: every service in one process behind one port, on
// local storage. Builds the modules from a Config, wires them, serves /v1.
#pragma once

#include <memory>

#include "catalog/store_catalog.h"
#include "core/config.h"
#include "http/server.h"
#include "service/services.h"
#include "storage/local_store.h"

namespace lakehouse {

class App {
 public:
  static Result<std::unique_ptr<App>> Create(const Config& config);
  ~App();

  // Binds the listening socket; returns the port.
  Result<int> Bind();
  // Serves until Shutdown(); returns once in-flight requests have finished
  // and vector indexes with unsaved changes are saved.
  void Run();
  // Stops accepting and lets in-flight requests finish.
  void Shutdown();
  // Cancels running queries (used when the shutdown grace period runs out).
  void CancelWork();

 private:
  App() = default;
  nlohmann::json HealthDetail();

  Config config_;
  std::unique_ptr<LocalObjectStore> store_;
  std::unique_ptr<StoreCatalog> catalog_;
  std::unique_ptr<Ingestor> ingestor_;
  std::unique_ptr<QueryEngine> engine_;
  std::unique_ptr<StorageService> storage_service_;
  std::unique_ptr<CatalogService> catalog_service_;
  std::unique_ptr<IngestService> ingest_service_;
  std::unique_ptr<QueryService> query_service_;
  std::unique_ptr<VectorRegistry> vectors_;
  std::unique_ptr<VectorService> vector_service_;
  std::unique_ptr<CachingEmbedder> embedder_;
  std::unique_ptr<EmbedService> embed_service_;
  std::unique_ptr<DatasetSearch> dataset_search_;
  std::unique_ptr<JobRegistry> jobs_;
  std::unique_ptr<SemanticService> semantic_service_;
  std::unique_ptr<http::HttpServer> server_;
};

}  // namespace lakehouse
