#include "query/engine.h"

#include "core/json_text.h"
#include "core/log.h"
#include "query/json_rows.h"
#include "query/sql_guard.h"

namespace lakehouse {
namespace fs = std::filesystem;

namespace {

struct PreparedStatement {
  duckdb_prepared_statement stmt = nullptr;
  ~PreparedStatement() { duckdb_destroy_prepare(&stmt); }
};

struct ExtractedStatements {
  duckdb_extracted_statements stmts = nullptr;
  ~ExtractedStatements() { duckdb_destroy_extracted(&stmts); }
};

struct DataChunk {
  duckdb_data_chunk chunk = nullptr;
  ~DataChunk() {
    if (chunk) duckdb_destroy_data_chunk(&chunk);
  }
};

struct LogicalType {
  duckdb_logical_type type = nullptr;
  ~LogicalType() {
    if (type) duckdb_destroy_logical_type(&type);
  }
};

}  // namespace

Result<std::unique_ptr<QueryEngine>> QueryEngine::Open(QueryEngineOptions options, Catalog& catalog,
                                                       ObjectStore& store) {
  std::error_code ec;
  fs::create_directories(options.allowed_directory, ec);
  if (ec) return Status::Internal("create " + options.allowed_directory.string() + ": " + ec.message(), "io_error");
  std::unique_ptr<QueryEngine> engine(new QueryEngine(std::move(options), catalog, store));
  DuckOptions duck;
  duck.threads = engine->options_.threads;
  duck.memory_limit = engine->options_.memory_limit;
  duck.temp_directory = engine->options_.temp_directory.string();
  LH_ASSIGN_OR_RETURN(engine->db_, DuckDatabase::OpenInMemory(duck));
  LH_ASSIGN_OR_RETURN(engine->admin_, DuckConnection::Connect(engine->db_));
  LH_RETURN_IF_ERROR(engine->Sandbox());
  for (int i = 0; i < engine->options_.connections; ++i) {
    LH_ASSIGN_OR_RETURN(DuckConnection conn, DuckConnection::Connect(engine->db_));
    engine->connections_.push_back(std::make_unique<DuckConnection>(std::move(conn)));
    engine->idle_.push_back(engine->connections_.back().get());
  }
  engine->watchdog_ = std::thread([e = engine.get()] { e->WatchdogLoop(); });
  return engine;
}

QueryEngine::~QueryEngine() {
  Close();
  {
    std::lock_guard<std::mutex> lock(watch_mu_);
    stop_watchdog_ = true;
  }
  watch_cv_.notify_all();
  if (watchdog_.joinable()) watchdog_.join();
}

Status QueryEngine::Sandbox() {
  // Order matters: the allowlist must be set before external access is turned
  // off, and everything before the configuration is locked.
  std::string allowed = options_.allowed_directory.string();
  if (allowed.empty() || allowed.back() != '/') allowed += '/';
  LH_RETURN_IF_ERROR(admin_.Exec("SET allowed_directories=[" + QuoteSqlString(allowed) + "]"));
  LH_RETURN_IF_ERROR(admin_.Exec("SET parquet_metadata_cache=true"));
  LH_RETURN_IF_ERROR(admin_.Exec("SET enable_external_access=false"));
  LH_RETURN_IF_ERROR(admin_.Exec("SET lock_configuration=true"));
  return Status::Ok();
}

Result<std::shared_ptr<const QueryEngine::ViewFiles>> QueryEngine::SyncViews() {
  auto current = [this] {
    std::lock_guard<std::mutex> lock(view_files_mu_);
    return view_files_;
  };
  LH_ASSIGN_OR_RETURN(uint64_t generation, catalog_.Generation());
  if (synced_generation_.load(std::memory_order_acquire) == generation) return current();
  std::lock_guard<std::mutex> lock(sync_mu_);
  if (synced_generation_.load(std::memory_order_acquire) == generation) return current();
  LH_ASSIGN_OR_RETURN(std::vector<Manifest> manifests, catalog_.List());

  const std::shared_ptr<const ViewFiles> previous = current();
  auto files_next = std::make_shared<ViewFiles>();
  std::map<std::string, uint64_t> next;
  for (const auto& m : manifests) {
    next[m.name] = m.version;
    auto it = view_versions_.find(m.name);
    if (it != view_versions_.end() && it->second == m.version) {
      if (auto kept = previous->find(m.name); kept != previous->end()) (*files_next)[m.name] = kept->second;
      continue;
    }
    std::string sql = "CREATE OR REPLACE VIEW " + QuoteIdentifier(m.name) + " AS ";
    if (m.objects.empty()) {
      sql += "SELECT ";
      for (size_t i = 0; i < m.columns.size(); ++i) {
        sql += (i ? ", " : "") + std::string("CAST(NULL AS ") + m.columns[i].type + ") AS " +
               QuoteIdentifier(m.columns[i].name);
      }
      sql += " LIMIT 0";
    } else {
      std::string paths;
      std::vector<LocalFile> files;
      Status located;
      for (const auto& object : m.objects) {
        auto file = store_.LocalCopy(object.key);
        if (!file.ok()) {
          located = file.status();
          break;
        }
        paths += (paths.empty() ? "" : ", ") + QuoteSqlString(file->path.string());
        files.push_back(std::move(file).value());
      }
      if (!located.ok()) {
        log::Error("query_view_failed", {{"dataset", m.name}, {"error", located.message()}});
        admin_.Exec("DROP VIEW IF EXISTS " + QuoteIdentifier(m.name)).ok();
        // Not marked as synced: the next query tries this dataset again.
        next.erase(m.name);
        continue;
      }
      sql += "SELECT * FROM read_parquet([" + paths + "])";
      (*files_next)[m.name] = std::move(files);
    }
    Status created = admin_.Exec(sql);
    if (!created.ok()) {
      // One broken dataset must not hide the others; its queries fail by name.
      log::Error("query_view_failed", {{"dataset", m.name}, {"error", created.message()}});
      admin_.Exec("DROP VIEW IF EXISTS " + QuoteIdentifier(m.name)).ok();
      files_next->erase(m.name);
    }
  }
  for (const auto& [name, version] : view_versions_) {
    if (!next.count(name)) admin_.Exec("DROP VIEW IF EXISTS " + QuoteIdentifier(name)).ok();
  }
  const bool complete = next.size() == manifests.size();
  view_versions_ = std::move(next);
  {
    std::lock_guard<std::mutex> files_lock(view_files_mu_);
    view_files_ = files_next;
  }
  // A dataset whose files could not be fetched (storage down) is retried by the next query.
  if (complete) synced_generation_.store(generation, std::memory_order_release);
  return std::shared_ptr<const ViewFiles>(std::move(files_next));
}

Result<DuckConnection*> QueryEngine::Acquire() {
  std::unique_lock<std::mutex> lock(pool_mu_);
  bool got = pool_cv_.wait_for(lock, std::chrono::milliseconds(options_.queue_timeout_ms),
                               [&] { return closed_ || !idle_.empty(); });
  if (closed_) return Status::Unavailable("the query engine is shutting down", "shutting_down");
  if (!got) {
    return Status::Unavailable("all " + std::to_string(options_.connections) + " query slots are busy; retry shortly",
                               "query_saturated");
  }
  DuckConnection* conn = idle_.back();
  idle_.pop_back();
  return conn;
}

void QueryEngine::Release(DuckConnection* conn) {
  {
    std::lock_guard<std::mutex> lock(pool_mu_);
    idle_.push_back(conn);
  }
  pool_cv_.notify_one();
}

void QueryEngine::Close() {
  {
    std::lock_guard<std::mutex> lock(pool_mu_);
    closed_ = true;
  }
  pool_cv_.notify_all();
  std::lock_guard<std::mutex> lock(watch_mu_);
  for (auto& [ticket, deadline] : deadlines_) {
    deadline.fired = true;
    duckdb_interrupt(deadline.conn);
  }
}

void QueryEngine::WatchdogLoop() {
  std::unique_lock<std::mutex> lock(watch_mu_);
  while (!stop_watchdog_) {
    auto now = std::chrono::steady_clock::now();
    auto next_wake = now + std::chrono::seconds(1);
    for (auto& [ticket, deadline] : deadlines_) {
      if (deadline.fired) continue;
      if (deadline.at <= now) {
        deadline.fired = true;
        duckdb_interrupt(deadline.conn);
      } else {
        next_wake = std::min(next_wake, deadline.at);
      }
    }
    watch_cv_.wait_until(lock, next_wake);
  }
}

Result<QueryOutput> QueryEngine::Execute(std::string_view sql) {
  LH_RETURN_IF_ERROR(CheckQueryText(sql));
  LH_ASSIGN_OR_RETURN(auto pinned_view_files, SyncViews());
  LH_ASSIGN_OR_RETURN(DuckConnection * conn, Acquire());
  Result<QueryOutput> output = Run(*conn, sql);
  Release(conn);
  return output;
}

Status QueryEngine::Stream(DuckConnection& conn, std::string_view sql_view, int timeout_ms,
                           const std::function<Status(duckdb_result*)>& consume) {
  const std::string sql(sql_view);
  ExtractedStatements extracted;
  idx_t count = duckdb_extract_statements(conn.get(), sql.c_str(), &extracted.stmts);
  if (count == 0) {
    const char* error = duckdb_extract_statements_error(extracted.stmts);
    return Status::InvalidArgument(error ? error : "the SQL text holds no statement", "sql_error");
  }
  if (count > 1) {
    return Status::InvalidArgument("send one statement at a time (got " + std::to_string(count) + ")",
                                   "multiple_statements");
  }
  PreparedStatement prepared;
  if (duckdb_prepare_extracted_statement(conn.get(), extracted.stmts, 0, &prepared.stmt) != DuckDBSuccess) {
    const char* error = duckdb_prepare_error(prepared.stmt);
    std::string message = error ? error : "cannot prepare the statement";
    if (message.rfind("Permission Error", 0) == 0) return Status::Forbidden(message, "sql_forbidden");
    return Status::InvalidArgument(message, "sql_error");
  }
  duckdb_statement_type type = duckdb_prepared_statement_type(prepared.stmt);
  if (type != DUCKDB_STATEMENT_TYPE_SELECT && type != DUCKDB_STATEMENT_TYPE_EXPLAIN) {
    return Status::Forbidden("only read-only queries (SELECT, EXPLAIN) are allowed", "sql_forbidden");
  }
  if (duckdb_nparams(prepared.stmt) > 0) {
    return Status::InvalidArgument("the statement has parameters; /sql takes literal SQL", "sql_error");
  }

  uint64_t ticket = 0;
  if (timeout_ms > 0) {
    std::lock_guard<std::mutex> lock(watch_mu_);
    ticket = next_ticket_++;
    deadlines_[ticket] = {std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms), conn.get()};
  }
  watch_cv_.notify_all();
  // Disarm before the connection goes back to the pool, so a late interrupt
  // can never hit the next query on it.
  auto disarm = [&]() -> bool {
    if (timeout_ms <= 0) return false;
    std::lock_guard<std::mutex> lock(watch_mu_);
    bool fired = deadlines_[ticket].fired;
    deadlines_.erase(ticket);
    return fired;
  };
  auto timeout_status = [&] {
    return Status::Timeout("the query ran longer than " + std::to_string(timeout_ms) + " ms and was cancelled",
                           "query_timeout");
  };

  DuckResult result;
  if (duckdb_execute_prepared_streaming(prepared.stmt, result.get()) != DuckDBSuccess) {
    Status st = StatusFromDuckResult(result.get());
    if (disarm()) return timeout_status();
    return st;
  }
  Status consumed = consume(result.get());
  // A streaming result reports a failure met while fetching (including an interrupt) here.
  bool fired = disarm();
  if (const char* error = duckdb_result_error(result.get()); error && *error) {
    if (fired) return timeout_status();
    return StatusFromDuckResult(result.get());
  }
  return consumed;
}

Result<QueryOutput> QueryEngine::Run(DuckConnection& conn, std::string_view sql) {
  QueryOutput output;
  Status status = Stream(conn, sql, options_.timeout_ms, [&](duckdb_result* result) -> Status {
    std::string& out = output.body;
    idx_t columns = duckdb_column_count(result);
    std::vector<std::unique_ptr<ColumnJsonWriter>> writers;
    out += "{\"columns\":[";
    for (idx_t c = 0; c < columns; ++c) {
      LogicalType type_handle{duckdb_column_logical_type(result, c)};
      LH_ASSIGN_OR_RETURN(auto writer, ColumnJsonWriter::ForType(type_handle.type));
      writers.push_back(std::move(writer));
      if (c) out += ',';
      out += "{\"name\":";
      AppendJsonString(out, duckdb_column_name(result, c));
      out += ",\"type\":";
      AppendJsonString(out, LogicalTypeName(type_handle.type));
      out += '}';
    }
    out += "],\"rows\":[";
    bool done = false;
    while (!done) {
      DataChunk chunk{duckdb_fetch_chunk(*result)};
      if (!chunk.chunk) break;
      idx_t size = duckdb_data_chunk_get_size(chunk.chunk);
      if (size == 0) break;
      std::vector<duckdb_vector> vectors(columns);
      for (idx_t c = 0; c < columns; ++c) vectors[c] = duckdb_data_chunk_get_vector(chunk.chunk, c);
      for (idx_t row = 0; row < size; ++row) {
        if (output.row_count == options_.max_rows) {
          output.truncated = true;
          done = true;
          break;
        }
        if (output.row_count) out += ',';
        out += '[';
        for (idx_t c = 0; c < columns; ++c) {
          if (c) out += ',';
          writers[c]->Write(out, vectors[c], row);
        }
        out += ']';
        ++output.row_count;
      }
    }
    out += "],\"row_count\":" + std::to_string(output.row_count) +
           ",\"truncated\":" + (output.truncated ? "true" : "false") + "}";
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return output;
}

Status QueryEngine::ScanText(std::string_view sql, size_t batch_rows, const TextBatchSink& on_batch) {
  LH_RETURN_IF_ERROR(CheckQueryText(sql));
  LH_ASSIGN_OR_RETURN(auto pinned_view_files, SyncViews());
  LH_ASSIGN_OR_RETURN(DuckConnection * conn, Acquire());
  Status status = Stream(*conn, sql, /*timeout_ms=*/0, [&](duckdb_result* result) -> Status {
    const idx_t columns = duckdb_column_count(result);
    for (idx_t c = 0; c < columns; ++c) {
      LogicalType type{duckdb_column_logical_type(result, c)};
      if (duckdb_get_type_id(type.type) != DUCKDB_TYPE_VARCHAR) {
        return Status::Internal(std::string("ScanText needs VARCHAR columns; column ") + duckdb_column_name(result, c) +
                                " is not");
      }
    }
    TextBatch batch;
    while (true) {
      DataChunk chunk{duckdb_fetch_chunk(*result)};
      if (!chunk.chunk) break;
      const idx_t size = duckdb_data_chunk_get_size(chunk.chunk);
      if (size == 0) break;
      for (idx_t row = 0; row < size; ++row) {
        std::vector<std::optional<std::string>> values(columns);
        for (idx_t c = 0; c < columns; ++c) {
          duckdb_vector vector = duckdb_data_chunk_get_vector(chunk.chunk, c);
          uint64_t* validity = duckdb_vector_get_validity(vector);
          if (validity && !duckdb_validity_row_is_valid(validity, row)) continue;
          auto* strings = static_cast<duckdb_string_t*>(duckdb_vector_get_data(vector));
          values[c].emplace(duckdb_string_t_data(&strings[row]), duckdb_string_t_length(strings[row]));
        }
        batch.push_back(std::move(values));
        if (batch.size() == batch_rows) {
          LH_RETURN_IF_ERROR(on_batch(batch));
          batch.clear();
        }
      }
    }
    if (!batch.empty()) LH_RETURN_IF_ERROR(on_batch(batch));
    return Status::Ok();
  });
  Release(conn);
  return status;
}

}  // namespace lakehouse
