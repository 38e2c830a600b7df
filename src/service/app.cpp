#include "service/app.h"

#include "core/log.h"
#include "embed/providers.h"

namespace lakehouse {
namespace fs = std::filesystem;

Result<std::unique_ptr<App>> App::Create(const Config& config) {
  std::unique_ptr<App> app(new App());
  app->config_ = config;
  const fs::path data_dir = config.storage.data_dir;
  const fs::path objects = data_dir / "objects";
  const fs::path tmp = data_dir / "tmp";
  // Anything left in tmp belongs to a previous process that did not finish.
  std::error_code ec;
  fs::remove_all(tmp, ec);
  for (const auto& dir : {tmp / "uploads", tmp / "ingest", tmp / "query", tmp / "vectors"}) {
    fs::create_directories(dir, ec);
    if (ec) return Status::Internal("create " + dir.string() + ": " + ec.message(), "io_error");
  }

  LH_ASSIGN_OR_RETURN(app->store_, LocalObjectStore::Open(objects, tmp));
  LH_ASSIGN_OR_RETURN(app->catalog_, StoreCatalog::Open(*app->store_));

  IngestorOptions ingest;
  ingest.work_dir = tmp / "ingest";
  ingest.compression = config.ingest.compression;
  ingest.threads = config.ingest.threads;
  ingest.memory_limit = config.ingest.memory_limit;
  app->ingestor_ = std::make_unique<Ingestor>(*app->store_, *app->catalog_, ingest);

  QueryEngineOptions query;
  query.allowed_directory = app->store_->root() / "datasets";
  query.temp_directory = tmp / "query";
  query.connections = config.query.connections;
  query.timeout_ms = config.query.timeout_ms;
  query.max_rows = config.query.max_rows;
  query.threads = config.query.threads;
  query.memory_limit = config.query.memory_limit;
  query.queue_timeout_ms = config.query.queue_timeout_ms;
  LH_ASSIGN_OR_RETURN(app->engine_, QueryEngine::Open(query, *app->catalog_, *app->store_));

  VectorRegistryOptions vectors;
  vectors.work_dir = tmp / "vectors";
  vectors.insert_threads = config.vector.insert_threads;
  vectors.save_interval_s = config.vector.save_interval_s;
  LH_ASSIGN_OR_RETURN(app->vectors_, VectorRegistry::Open(*app->store_, vectors));

  LH_ASSIGN_OR_RETURN(app->embedder_, MakeEmbedder(config.embed));

  http::ServerOptions server;
  LH_RETURN_IF_ERROR(ParseListenAddress(config.server.listen, &server.host, &server.port));
  server.threads = config.server.threads;
  server.keep_alive_timeout_s = config.server.keep_alive_timeout_s;
  server.read_timeout_s = config.server.read_timeout_s;
  server.write_timeout_s = config.server.write_timeout_s;
  app->server_ = std::make_unique<http::HttpServer>(server);

  app->storage_service_ = std::make_unique<StorageService>(
      *app->store_, StorageServiceOptions{config.storage.max_put_bytes, config.storage.max_concurrent_puts});
  app->catalog_service_ = std::make_unique<CatalogService>(*app->catalog_);
  app->ingest_service_ = std::make_unique<IngestService>(
      *app->ingestor_, IngestServiceOptions{tmp / "uploads", config.ingest.max_upload_bytes, config.ingest.max_concurrent});
  app->query_service_ = std::make_unique<QueryService>(*app->engine_);
  app->vector_service_ =
      std::make_unique<VectorService>(*app->vectors_, VectorServiceOptions{config.vector.max_batch_bytes});

  app->embed_service_ = std::make_unique<EmbedService>(
      *app->embedder_, EmbedServiceOptions{static_cast<size_t>(config.embed.max_texts),
                                           static_cast<size_t>(config.embed.max_text_bytes)});

  app->dataset_search_ = std::make_unique<DatasetSearch>(*app->catalog_, *app->engine_, *app->vectors_,
                                                         *app->embedder_, config.vector.insert_threads);
  app->jobs_ = std::make_unique<JobRegistry>();
  app->semantic_service_ = std::make_unique<SemanticService>(*app->dataset_search_, *app->jobs_);

  http::Routes& v1 = app->server_->routes("/v1");
  app->storage_service_->Register(v1);
  app->catalog_service_->Register(v1);
  app->ingest_service_->Register(v1);
  app->query_service_->Register(v1);
  app->vector_service_->Register(v1);
  app->embed_service_->Register(v1);
  app->semantic_service_->Register(v1);
  auto health = [a = app.get()](const httplib::Request&, httplib::Response& res) {
    http::SendJson(res, 200, {{"status", "ok"}, {"service", "lakehouse"}, {"detail", a->HealthDetail()}});
  };
  v1.Get("/health", health);
  app->server_->routes("").Get("/health", health);
  return app;
}

App::~App() {
  if (server_) server_->Stop();
}

nlohmann::json App::HealthDetail() {
  nlohmann::json problems = nlohmann::json::array();
  for (const auto& p : catalog_->Problems()) problems.push_back({{"key", p.key}, {"error", p.error}});
  auto datasets = catalog_->List();
  nlohmann::json unreadable_indexes = nlohmann::json::array();
  for (const auto& p : vectors_->Problems()) unreadable_indexes.push_back({{"name", p.name}, {"error", p.error}});
  const CacheStats cache = embedder_->Stats();
  return {{"roles", {"storaged", "catalogd", "ingestd", "queryd", "vectord", "embedd"}},
          {"embed",
           {{"provider", embedder_->provider()},
            {"model", embedder_->default_model()},
            {"cache", {{"entries", cache.entries}, {"capacity", cache.capacity}, {"hits", cache.hits}, {"misses", cache.misses}}}}},
          {"vectors", {{"indexes", vectors_->size()}, {"unreadable_indexes", unreadable_indexes}}},
          {"storage", {{"backend", "local"}}},
          {"catalog", {{"datasets", datasets.ok() ? datasets->size() : 0}, {"unreadable_manifests", problems}}}};
}

Result<int> App::Bind() { return server_->Bind(); }

void App::Run() {
  server_->Run();
  jobs_.reset();  // running jobs are cancelled and joined before the indexes are saved
  vectors_->StopBackgroundSaves();
  Status saved = vectors_->SaveChanged();
  if (!saved.ok()) log::Error("vector_save_on_shutdown_failed", {{"error", saved.message()}});
}

void App::Shutdown() { server_->Stop(); }

void App::CancelWork() { engine_->Close(); }

}  // namespace lakehouse
