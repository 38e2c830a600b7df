#include "service/app.h"

#include "catalog/http_catalog.h"
#include "catalog/store_catalog.h"
#include "core/log.h"
#include "embed/providers.h"

namespace lakehouse {
namespace fs = std::filesystem;

namespace {

constexpr const char* kRoles[] = {"all", "gateway", "storaged", "catalogd", "ingestd", "queryd", "vectord", "embedd"};

std::string ListenOf(const std::string& url) {
  // "http://host:port[/path]" → "host:port"
  std::string rest = url.substr(url.find("://") + 3);
  return rest.substr(0, rest.find('/'));
}

}  // namespace

Status ValidateRole(const std::string& role) {
  for (const char* r : kRoles) {
    if (role == r) return Status::Ok();
  }
  return Status::InvalidArgument(
      "unknown role " + role + " (all, gateway, storaged, catalogd, ingestd, queryd, vectord, embedd)", "bad_role");
}

std::string DefaultListen(const Config& config, const std::string& role) {
  const SplitConfig& s = config.split;
  if (role == "storaged") return ListenOf(s.storaged);
  if (role == "catalogd") return ListenOf(s.catalogd);
  if (role == "ingestd") return ListenOf(s.ingestd);
  if (role == "queryd") return ListenOf(s.queryd);
  if (role == "vectord") return ListenOf(s.vectord);
  if (role == "embedd") return ListenOf(s.embedd);
  return config.server.listen;
}

Status App::BuildStore(const fs::path& data_dir) {
  if (role_ == "all" || role_ == "storaged") {
    LH_ASSIGN_OR_RETURN(store_, OpenConfiguredStore(config_.storage, data_dir));
  } else {
    LH_ASSIGN_OR_RETURN(store_, OpenRemoteStore(config_.split.storaged, config_.storage, data_dir));
  }
  return Status::Ok();
}

Status App::BuildCatalog() {
  if (role_ == "all" || role_ == "catalogd") {
    LH_ASSIGN_OR_RETURN(catalog_, StoreCatalog::Open(*store_.store));
  } else {
    LH_ASSIGN_OR_RETURN(catalog_, HttpCatalog::Open(config_.split.catalogd));
  }
  return Status::Ok();
}

Result<std::unique_ptr<App>> App::Create(const Config& config, const std::string& role) {
  LH_RETURN_IF_ERROR(ValidateRole(role));
  std::unique_ptr<App> app(new App());
  app->config_ = config;
  app->role_ = role;
  const fs::path data_dir = config.storage.data_dir;
  const fs::path tmp = data_dir / "tmp";
  // Anything left in tmp belongs to a previous process that did not finish.
  std::error_code ec;
  fs::remove_all(tmp, ec);
  for (const auto& dir : {tmp / "uploads", tmp / "ingest", tmp / "query", tmp / "vectors"}) {
    fs::create_directories(dir, ec);
    if (ec) return Status::Internal("create " + dir.string() + ": " + ec.message(), "io_error");
  }

  const bool needs_store = role != "gateway" && role != "embedd";
  const bool needs_catalog = app->Runs("catalogd") || app->Runs("ingestd") || app->Runs("queryd") || app->Runs("vectord");
  const bool needs_engine = app->Runs("queryd") || app->Runs("vectord");  // vectord: SQL filters of /search, indexing
  if (needs_store) LH_RETURN_IF_ERROR(app->BuildStore(data_dir));
  if (needs_catalog) LH_RETURN_IF_ERROR(app->BuildCatalog());
  ObjectStore* store = app->store_.store.get();

  if (app->Runs("ingestd")) {
    IngestorOptions ingest;
    ingest.work_dir = tmp / "ingest";
    ingest.compression = config.ingest.compression;
    ingest.threads = config.ingest.threads;
    ingest.memory_limit = config.ingest.memory_limit;
    app->ingestor_ = std::make_unique<Ingestor>(*store, *app->catalog_, ingest);
  }
  if (needs_engine) {
    QueryEngineOptions query;
    query.allowed_directory = store->local_root() / "datasets";
    query.temp_directory = tmp / "query";
    query.connections = config.query.connections;
    query.timeout_ms = config.query.timeout_ms;
    query.max_rows = config.query.max_rows;
    query.threads = config.query.threads;
    query.memory_limit = config.query.memory_limit;
    query.queue_timeout_ms = config.query.queue_timeout_ms;
    LH_ASSIGN_OR_RETURN(app->engine_, QueryEngine::Open(query, *app->catalog_, *store));
  }
  if (app->Runs("vectord")) {
    VectorRegistryOptions vectors;
    vectors.work_dir = tmp / "vectors";
    vectors.insert_threads = config.vector.insert_threads;
    vectors.save_interval_s = config.vector.save_interval_s;
    LH_ASSIGN_OR_RETURN(app->vectors_, VectorRegistry::Open(*store, vectors));
    if (role == "vectord") {
      LH_ASSIGN_OR_RETURN(app->embedder_, MakeRemoteEmbedder(config.embed, config.split.embedd));
    }
  }
  if (app->Runs("embedd")) {
    LH_ASSIGN_OR_RETURN(app->embedder_, MakeEmbedder(config.embed));
  }

  http::ServerOptions server;
  LH_RETURN_IF_ERROR(ParseListenAddress(config.server.listen, &server.host, &server.port));
  server.threads = config.server.threads;
  server.keep_alive_timeout_s = config.server.keep_alive_timeout_s;
  server.read_timeout_s = config.server.read_timeout_s;
  server.write_timeout_s = config.server.write_timeout_s;
  app->server_ = std::make_unique<http::HttpServer>(server);

  if (app->Runs("storaged")) {
    app->storage_service_ = std::make_unique<StorageService>(
        *store, StorageServiceOptions{config.storage.max_put_bytes, config.storage.max_concurrent_puts});
  }
  if (app->Runs("catalogd")) app->catalog_service_ = std::make_unique<CatalogService>(*app->catalog_);
  if (app->Runs("ingestd")) {
    app->ingest_service_ = std::make_unique<IngestService>(
        *app->ingestor_, IngestServiceOptions{tmp / "uploads", config.ingest.max_upload_bytes, config.ingest.max_concurrent});
  }
  if (app->Runs("queryd")) app->query_service_ = std::make_unique<QueryService>(*app->engine_);
  if (app->Runs("vectord")) {
    app->vector_service_ =
        std::make_unique<VectorService>(*app->vectors_, VectorServiceOptions{config.vector.max_batch_bytes});
    app->dataset_search_ = std::make_unique<DatasetSearch>(*app->catalog_, *app->engine_, *app->vectors_,
                                                           *app->embedder_, config.vector.insert_threads);
    app->jobs_ = std::make_unique<JobRegistry>();
    app->semantic_service_ = std::make_unique<SemanticService>(*app->dataset_search_, *app->jobs_);
  }
  if (app->Runs("embedd")) {
    app->embed_service_ = std::make_unique<EmbedService>(
        *app->embedder_, EmbedServiceOptions{static_cast<size_t>(config.embed.max_texts),
                                             static_cast<size_t>(config.embed.max_text_bytes)});
  }

  // All-in-one serves under /v1; a split-mode service serves its routes bare
  // (the gateway strips /v1) and under /v1 too, for direct calls.
  std::vector<http::Routes*> mounts = {&app->server_->routes("/v1")};
  if (role != "all" && role != "gateway") mounts.push_back(&app->server_->routes(""));
  for (http::Routes* routes : mounts) {
    if (app->storage_service_) app->storage_service_->Register(*routes);
    if (app->catalog_service_) app->catalog_service_->Register(*routes);
    if (app->ingest_service_) app->ingest_service_->Register(*routes);
    if (app->query_service_) app->query_service_->Register(*routes);
    if (app->vector_service_) app->vector_service_->Register(*routes);
    if (app->semantic_service_) app->semantic_service_->Register(*routes);
    if (app->embed_service_) app->embed_service_->Register(*routes);
  }

  if (role == "gateway") {
    const SplitConfig& s = config.split;
    GatewayOptions options;
    options.stall_timeout_s = s.upstream_timeout_s;
    options.routes = {{"/storage/", {"storaged", s.storaged}}, {"/catalog/", {"catalogd", s.catalogd}},
                      {"/ingest", {"ingestd", s.ingestd}},     {"/sql", {"queryd", s.queryd}},
                      {"/vectors/", {"vectord", s.vectord}},   {"/search", {"vectord", s.vectord}},
                      {"/datasets/", {"vectord", s.vectord}},  {"/jobs/", {"vectord", s.vectord}},
                      {"/embed", {"embedd", s.embedd}}};
    app->gateway_ = std::make_unique<Gateway>(std::move(options));
    app->gateway_->Register(*app->server_);
  } else {
    auto health = [a = app.get()](const httplib::Request&, httplib::Response& res) {
      http::SendJson(res, 200,
                     {{"status", "ok"}, {"service", a->role_ == "all" ? "lakehouse" : a->role_}, {"detail", a->HealthDetail()}});
    };
    app->server_->routes("/v1").Get("/health", health);
    app->server_->routes("").Get("/health", health);
  }
  return app;
}

App::~App() {
  if (server_) server_->Stop();
}

nlohmann::json App::HealthDetail() {
  nlohmann::json detail = nlohmann::json::object();
  if (role_ == "all") {
    detail["roles"] = {"storaged", "catalogd", "ingestd", "queryd", "vectord", "embedd"};
  } else {
    detail["roles"] = {role_};
  }
  if (embedder_) {
    const CacheStats cache = embedder_->Stats();
    detail["embed"] = {{"provider", embedder_->provider()},
                       {"model", embedder_->default_model()},
                       {"cache", {{"entries", cache.entries}, {"capacity", cache.capacity}, {"hits", cache.hits}, {"misses", cache.misses}}}};
  }
  if (vectors_) {
    nlohmann::json unreadable_indexes = nlohmann::json::array();
    for (const auto& p : vectors_->Problems()) unreadable_indexes.push_back({{"name", p.name}, {"error", p.error}});
    detail["vectors"] = {{"indexes", vectors_->size()}, {"unreadable_indexes", unreadable_indexes}};
  }
  if (store_.store) {
    nlohmann::json storage = {{"backend", store_.backend}};
    if (store_.cache) {
      const ObjectCacheStats c = store_.cache->Stats();
      storage["cache"] = {{"entries", c.entries},     {"bytes", c.bytes},   {"max_bytes", c.max_bytes},
                          {"pinned_bytes", c.pinned_bytes}, {"hits", c.hits}, {"misses", c.misses},
                          {"evictions", c.evictions}};
    }
    detail["storage"] = storage;
  }
  if (catalog_ && (role_ == "all" || role_ == "catalogd")) {
    nlohmann::json problems = nlohmann::json::array();
    for (const auto& p : catalog_->Problems()) problems.push_back({{"key", p.key}, {"error", p.error}});
    auto datasets = catalog_->List();
    detail["catalog"] = {{"datasets", datasets.ok() ? datasets->size() : 0}, {"unreadable_manifests", problems}};
  }
  return detail;
}

Result<int> App::Bind() { return server_->Bind(); }

void App::Run() {
  server_->Run();
  jobs_.reset();  // running jobs are cancelled and joined before the indexes are saved
  if (vectors_) {
    vectors_->StopBackgroundSaves();
    Status saved = vectors_->SaveChanged();
    if (!saved.ok()) log::Error("vector_save_on_shutdown_failed", {{"error", saved.message()}});
  }
}

void App::Shutdown() { server_->Stop(); }

void App::CancelWork() {
  if (engine_) engine_->Close();
}

}  // namespace lakehouse
