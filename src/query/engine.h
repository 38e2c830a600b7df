// SQL over the catalogued datasets through one embedded, sandboxed DuckDB.
//
// Each dataset is a view named after it over its Parquet objects. Views follow
// the catalog: before each query the engine compares the catalog generation
// with the one its views reflect and brings them up to date, so a query sees
// every ingest acknowledged before it (read-your-writes), at the cost of one
// atomic load when nothing changed.
//
// Sandbox: external access off, file access limited to the datasets folder,
// configuration locked, extensions never loaded; user SQL must be a single
// SELECT/EXPLAIN statement. Each query runs on its own pooled connection with
// a deadline (interrupted when exceeded) and a row cap.
// Thread-safety: Execute may be called concurrently.
#pragma once

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <optional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "catalog/catalog.h"
#include "query/duckdb_handle.h"
#include "storage/object_store.h"

namespace lakehouse {

struct QueryEngineOptions {
  std::filesystem::path allowed_directory;  // where dataset objects live; the only readable place
  std::filesystem::path temp_directory;     // DuckDB spill space
  int connections = 4;
  int timeout_ms = 30000;
  uint64_t max_rows = 100000;
  int threads = 0;
  std::string memory_limit = "4GB";
  int queue_timeout_ms = 5000;
};

struct QueryOutput {
  std::string body;  // {"columns":[...],"rows":[...],"row_count":N,"truncated":bool}
  uint64_t row_count = 0;
  bool truncated = false;
};

// Rows of text (NULL = nullopt), one vector per row.
using TextBatch = std::vector<std::vector<std::optional<std::string>>>;
using TextBatchSink = std::function<Status(const TextBatch&)>;

class QueryEngine {
 public:
  static Result<std::unique_ptr<QueryEngine>> Open(QueryEngineOptions options, Catalog& catalog, ObjectStore& store);
  ~QueryEngine();

  Result<QueryOutput> Execute(std::string_view sql);
  // For internal readers (the dataset indexer, SQL filters of /search): runs
  // sql through the same sandbox, every column must be VARCHAR, and hands all
  // rows to on_batch in batches of batch_rows. No row cap and no timeout; a
  // failure from on_batch stops the scan and is returned.
  Status ScanText(std::string_view sql, size_t batch_rows, const TextBatchSink& on_batch);
  // Interrupts running queries and refuses new ones (shutdown).
  void Close();

 private:
  QueryEngine(QueryEngineOptions options, Catalog& catalog, ObjectStore& store)
      : options_(std::move(options)), catalog_(catalog), store_(store) {}
  Status Sandbox();
  // Local copies of every view's files, pinned while a query holds this.
  using ViewFiles = std::map<std::string, std::vector<LocalFile>>;
  // Brings the views in step with the catalog; the result keeps their files in
  // place (a cache cannot evict them) for as long as the caller holds it.
  Result<std::shared_ptr<const ViewFiles>> SyncViews();
  Result<DuckConnection*> Acquire();
  void Release(DuckConnection* conn);
  Result<QueryOutput> Run(DuckConnection& conn, std::string_view sql);
  // Checks, prepares and runs sql (read-only, one statement) with a deadline
  // (0 = none), handing the streaming result to consume.
  Status Stream(DuckConnection& conn, std::string_view sql, int timeout_ms,
                const std::function<Status(duckdb_result*)>& consume);
  void WatchdogLoop();

  QueryEngineOptions options_;
  Catalog& catalog_;
  ObjectStore& store_;
  DuckDatabase db_;

  std::mutex sync_mu_;
  DuckConnection admin_;                                // GUARDED_BY(sync_mu_)
  std::map<std::string, uint64_t> view_versions_;       // GUARDED_BY(sync_mu_)
  std::mutex view_files_mu_;
  std::shared_ptr<const ViewFiles> view_files_ = std::make_shared<ViewFiles>();  // GUARDED_BY(view_files_mu_)
  std::atomic<uint64_t> synced_generation_{UINT64_MAX};

  std::mutex pool_mu_;
  std::condition_variable pool_cv_;
  std::vector<std::unique_ptr<DuckConnection>> connections_;
  std::vector<DuckConnection*> idle_;  // GUARDED_BY(pool_mu_)
  bool closed_ = false;                // GUARDED_BY(pool_mu_)

  struct Deadline {
    std::chrono::steady_clock::time_point at;
    duckdb_connection conn;
    bool fired = false;
  };
  std::mutex watch_mu_;
  std::condition_variable watch_cv_;
  std::map<uint64_t, Deadline> deadlines_;  // GUARDED_BY(watch_mu_)
  uint64_t next_ticket_ = 0;                // GUARDED_BY(watch_mu_)
  bool stop_watchdog_ = false;              // GUARDED_BY(watch_mu_)
  std::thread watchdog_;
};

}  // namespace lakehouse
