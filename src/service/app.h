// A lakehouse server process. Role "all" (the default) runs every service in
// one process behind one port; the other roles run one service each (split
// mode) and reach the others over HTTP through the same interfaces (storage,
// catalog, embedder), with the gateway in front. Builds the modules from a
// Config, wires them, serves.
#pragma once

#include <memory>
#include <string>

#include "catalog/catalog.h"
#include "core/config.h"
#include "http/server.h"
#include "service/gateway.h"
#include "service/services.h"
#include "storage/open_store.h"

namespace lakehouse {

// "all", "gateway", "storaged", "catalogd", "ingestd", "queryd", "vectord", "embedd".
Status ValidateRole(const std::string& role);
// Where a role listens unless --listen says otherwise: a split-mode service at
// its URL in [split]; "all" and "gateway" at server.listen.
std::string DefaultListen(const Config& config, const std::string& role);

class App {
 public:
  static Result<std::unique_ptr<App>> Create(const Config& config, const std::string& role = "all");
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
  bool Runs(const char* service) const { return role_ == "all" || role_ == service; }
  Status BuildStore(const std::filesystem::path& data_dir);
  Status BuildCatalog();
  nlohmann::json HealthDetail();

  Config config_;
  std::string role_;
  // Declaration order is teardown order, reversed: services go before the
  // modules they use, and the store (whose cache pins files) goes last.
  OpenedStore store_;
  std::unique_ptr<Catalog> catalog_;
  std::unique_ptr<Ingestor> ingestor_;
  std::unique_ptr<QueryEngine> engine_;
  std::unique_ptr<VectorRegistry> vectors_;
  std::unique_ptr<CachingEmbedder> embedder_;
  std::unique_ptr<DatasetSearch> dataset_search_;
  std::unique_ptr<JobRegistry> jobs_;
  std::unique_ptr<StorageService> storage_service_;
  std::unique_ptr<CatalogService> catalog_service_;
  std::unique_ptr<IngestService> ingest_service_;
  std::unique_ptr<QueryService> query_service_;
  std::unique_ptr<VectorService> vector_service_;
  std::unique_ptr<EmbedService> embed_service_;
  std::unique_ptr<SemanticService> semantic_service_;
  std::unique_ptr<Gateway> gateway_;
  std::unique_ptr<http::HttpServer> server_;
};

}  // namespace lakehouse
