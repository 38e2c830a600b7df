#include "semantic/dataset_search.h"

#include <chrono>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <thread>
#include <unordered_map>

#include "core/ids.h"
#include "core/bounded_queue.h"
#include "core/log.h"
#include "core/parallel.h"
#include "core/time.h"
#include "query/duckdb_handle.h"
#include "semantic/text_template.h"

namespace lakehouse {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kReadBatchRows = 2048;

Status CheckColumns(const Manifest& manifest, const std::vector<std::string>& names, const std::string& what) {
  for (const auto& name : names) {
    bool found = false;
    for (const auto& column : manifest.columns) found |= column.name == name;
    if (!found) {
      return Status::InvalidArgument(what + " names column \"" + name + "\", which dataset \"" + manifest.name +
                                         "\" does not have",
                                     "unknown_column");
    }
  }
  return Status::Ok();
}


// A column's text value as the JSON /sql would give (docs/sql-json-types.md)
// for the types metadata keeps typed; other types stay text.
nlohmann::json TypedValue(const std::optional<std::string>& text, const std::string& type) {
  if (!text) return nullptr;
  try {
    if (type == "BIGINT" || type == "INTEGER" || type == "SMALLINT" || type == "TINYINT") {
      long long v = std::stoll(*text);
      if (v <= (1LL << 53) && v >= -(1LL << 53)) return v;
    } else if (type == "DOUBLE" || type == "FLOAT") {
      double v = std::stod(*text);
      if (std::isfinite(v)) return v;
    } else if (type == "BOOLEAN") {
      return *text == "true";
    }
  } catch (const std::exception&) {
  }
  return *text;
}

std::string ColumnType(const Manifest& manifest, const std::string& name) {
  for (const auto& column : manifest.columns) {
    if (column.name == name) return column.type;
  }
  return "";
}

}  // namespace

nlohmann::json DatasetSearch::SourceOf(const IndexDatasetRequest& request) const {
  return {{"dataset", request.dataset},
          {"id_column", request.id_column},
          {"text_template", request.text_template},
          {"metadata_columns", request.metadata_columns},
          {"embedder", {{"provider", embedder_.provider()}, {"model", embedder_.default_model()}}}};
}

Status DatasetSearch::Validate(const IndexDatasetRequest& request) const {
  LH_RETURN_IF_ERROR(ValidateDatasetName(request.dataset));
  LH_RETURN_IF_ERROR(ValidateName(request.index, "index name"));
  LH_ASSIGN_OR_RETURN(Manifest manifest, catalog_.Get(request.dataset));
  if (request.id_column.empty()) return Status::InvalidArgument("id_column is required", "bad_request");
  LH_ASSIGN_OR_RETURN(TextTemplate text_template, TextTemplate::Parse(request.text_template));
  LH_RETURN_IF_ERROR(CheckColumns(manifest, {request.id_column}, "id_column"));
  LH_RETURN_IF_ERROR(CheckColumns(manifest, text_template.columns(), "text_template"));
  LH_RETURN_IF_ERROR(CheckColumns(manifest, request.metadata_columns, "metadata_columns"));
  auto source = vectors_.Source(request.index);
  if (source.ok()) {
    const nlohmann::json wanted = SourceOf(request);
    if (*source != wanted) {
      return Status::Conflict("index \"" + request.index + "\" was built from " + source->dump() +
                                  "; this request would mix in " + wanted.dump() + " (use another index name)",
                              "index_source_mismatch");
    }
  } else if (source.status().code() != StatusCode::kNotFound) {
    return source.status();
  }
  return Status::Ok();
}

Result<nlohmann::json> DatasetSearch::IndexDataset(const IndexDatasetRequest& request, JobProgress& progress) {
  const auto started = Clock::now();
  LH_RETURN_IF_ERROR(Validate(request));
  LH_ASSIGN_OR_RETURN(Manifest manifest, catalog_.Get(request.dataset));
  LH_ASSIGN_OR_RETURN(TextTemplate text_template, TextTemplate::Parse(request.text_template));
  progress.rows_total = manifest.row_count;

  Embedder& embedder = embedder_.uncached();
  bool created = false;
  auto found = vectors_.Find(request.index);
  if (!found.ok()) {
    if (found.status().code() != StatusCode::kNotFound) return found.status();
    LH_ASSIGN_OR_RETURN(Embeddings probe, embedder.Embed({"dimension probe"}, ""));
    IndexParams params;
    params.name = request.index;
    params.dimension = probe.dimension;
    LH_RETURN_IF_ERROR(vectors_.Create(params, SourceOf(request)).status());
    LH_ASSIGN_OR_RETURN(found, vectors_.Find(request.index));
    created = true;
  }
  std::shared_ptr<VectorIndex> index = *found;

  // Columns read: id, the template's, the metadata ones (each once).
  std::vector<std::string> columns = {request.id_column};
  auto column_at = [&](const std::string& name) -> size_t {
    auto it = std::find(columns.begin(), columns.end(), name);
    if (it != columns.end()) return static_cast<size_t>(it - columns.begin());
    columns.push_back(name);
    return columns.size() - 1;
  };
  std::vector<size_t> template_at, metadata_at;
  for (const auto& name : text_template.columns()) template_at.push_back(column_at(name));
  std::vector<std::string> metadata_types;
  for (const auto& name : request.metadata_columns) {
    metadata_at.push_back(column_at(name));
    metadata_types.push_back(ColumnType(manifest, name));
  }
  std::string sql = "SELECT ";
  for (size_t i = 0; i < columns.size(); ++i) {
    sql += (i ? ", CAST(" : "CAST(") + QuoteIdentifier(columns[i]) + " AS VARCHAR)";
  }
  sql += " FROM " + QuoteIdentifier(request.dataset);

  // Reader thread -> queue -> this thread embeds (on every core) and inserts
  // (on every core), so reading overlaps with the rest.
  BoundedQueue<TextBatch> queue(3);
  std::atomic<double> read_ms{0};
  Status read_status;
  std::thread reader([&] {
    auto t = Clock::now();
    read_status = engine_.ScanText(sql, kReadBatchRows, [&](const TextBatch& batch) -> Status {
      if (progress.cancel) return Status::Unavailable("the server is shutting down", "cancelled");
      if (!queue.Push(batch)) return Status::Unavailable("indexing stopped", "cancelled");
      return Status::Ok();
    });
    read_ms = MillisSince(t);
    queue.Finish();
  });

  double embed_ms = 0, insert_ms = 0;
  uint64_t embedded = 0, skipped_present = 0, skipped_null_id = 0;
  Status status;
  while (auto batch = queue.Pop()) {
    if (progress.cancel) {
      status = Status::Unavailable("the server is shutting down", "cancelled");
      break;
    }
    AddBatch add;
    std::vector<std::string> texts;
    for (const auto& row : *batch) {
      if (!row[0]) {
        ++skipped_null_id;
        continue;
      }
      if (index->Contains(*row[0])) {
        ++skipped_present;
        continue;
      }
      std::vector<const std::optional<std::string>*> values;
      for (size_t at : template_at) values.push_back(&row[at]);
      texts.push_back(text_template.Render(values));
      add.ids.push_back(*row[0]);
      if (metadata_at.empty()) {
        add.metadata.emplace_back(std::nullopt);
      } else {
        nlohmann::json metadata = nlohmann::json::object();
        for (size_t m = 0; m < metadata_at.size(); ++m) {
          metadata[request.metadata_columns[m]] = TypedValue(row[metadata_at[m]], metadata_types[m]);
        }
        add.metadata.emplace_back(metadata.dump());
      }
    }
    progress.rows_done += batch->size() - add.ids.size();
    if (add.ids.empty()) continue;
    // A batch's texts are embedded in slices, one per core.
    auto t = Clock::now();
    const size_t slices = static_cast<size_t>(WorkerThreads(threads_));
    const size_t per_slice = (texts.size() + slices - 1) / slices;
    std::vector<std::vector<std::vector<float>>> sliced(slices);
    status = ParallelFor(slices, static_cast<int>(slices), [&](size_t s) -> Status {
      const size_t first = s * per_slice;
      if (first >= texts.size()) return Status::Ok();
      std::vector<std::string> part(texts.begin() + static_cast<long>(first),
                                    texts.begin() + static_cast<long>(std::min(texts.size(), first + per_slice)));
      LH_ASSIGN_OR_RETURN(Embeddings e, embedder.Embed(part, ""));
      sliced[s] = std::move(e.vectors);
      return Status::Ok();
    });
    if (!status.ok()) break;
    add.dimension = index->params().dimension;
    add.vectors.reserve(add.ids.size() * add.dimension);
    for (auto& slice : sliced) {
      for (auto& v : slice) {
        if (v.size() != add.dimension) {
          status = Status::BadGateway("the embedder returned " + std::to_string(v.size()) + " dimensions; index \"" +
                                          request.index + "\" has " + std::to_string(add.dimension),
                                      "dimension_mismatch");
          break;
        }
        add.vectors.insert(add.vectors.end(), v.begin(), v.end());
      }
    }
    if (!status.ok()) break;
    embed_ms += MillisSince(t);
    t = Clock::now();
    auto outcome = index->Add(add);
    if (!outcome.ok()) {
      status = outcome.status();
      break;
    }
    insert_ms += MillisSince(t);
    embedded += add.ids.size();
    progress.rows_done += add.ids.size();
  }
  queue.Close();
  reader.join();
  if (status.ok()) status = read_status;
  if (!status.ok()) return status.WithContext("indexing " + request.dataset + " into " + request.index);
  const double total_ms = MillisSince(started);
  nlohmann::json report = {{"dataset", request.dataset},
                           {"index", request.index},
                           {"index_created", created},
                           {"rows_read", progress.rows_done.load()},
                           {"rows_embedded", embedded},
                           {"rows_already_indexed", skipped_present},
                           {"rows_without_id", skipped_null_id},
                           {"count", index->Stats().count},
                           {"read_ms", std::round(read_ms.load())},
                           {"embed_ms", std::round(embed_ms)},
                           {"insert_ms", std::round(insert_ms)},
                           {"total_ms", std::round(total_ms)},
                           {"rows_per_s", total_ms > 0 ? std::round(embedded * 1000.0 / total_ms) : 0}};
  log::Info("dataset_indexed", report);
  return report;
}

Result<nlohmann::json> DatasetSearch::Search(const DatasetSearchRequest& request) {
  const auto started = Clock::now();
  LH_ASSIGN_OR_RETURN(nlohmann::json source, vectors_.Source(request.index));
  if (!source.is_object() || source.value("dataset", "") != request.dataset) {
    return Status::InvalidArgument("index \"" + request.index + "\" was not built from dataset \"" + request.dataset +
                                       "\" (POST /v1/datasets/" + request.dataset + "/embeddings builds one)",
                                   "index_not_for_dataset");
  }
  LH_ASSIGN_OR_RETURN(Manifest manifest, catalog_.Get(request.dataset));
  LH_RETURN_IF_ERROR(CheckColumns(manifest, request.columns, "columns"));
  const std::string id_column = source.value("id_column", "");
  if (request.text.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Status::InvalidArgument("text is empty", "empty_text");
  }
  LH_ASSIGN_OR_RETURN(std::shared_ptr<VectorIndex> index, vectors_.Find(request.index));

  auto t = Clock::now();
  LH_ASSIGN_OR_RETURN(Embeddings query, embedder_.Embed({request.text}, ""));
  const double embed_ms = MillisSince(t);

  std::optional<std::vector<std::string>> allowed;
  double filter_ms = 0;
  if (!request.where.empty()) {
    t = Clock::now();
    allowed.emplace();
    const std::string sql = "SELECT CAST(" + QuoteIdentifier(id_column) + " AS VARCHAR) FROM " +
                            QuoteIdentifier(request.dataset) + " WHERE (" + request.where + "\n)";
    Status status = engine_.ScanText(sql, 65536, [&](const TextBatch& batch) {
      for (const auto& row : batch) {
        if (row[0]) allowed->push_back(*row[0]);
      }
      return Status::Ok();
    });
    if (!status.ok()) return status.WithContext("where");
    filter_ms = MillisSince(t);
  }

  t = Clock::now();
  SearchRequest search;
  search.vector = query.vectors[0].data();
  search.k = request.k;
  search.ef_search = request.ef_search;
  search.allowed_ids = allowed ? &*allowed : nullptr;
  LH_ASSIGN_OR_RETURN(std::vector<SearchHit> hits, index->Search(search));
  const double search_ms = MillisSince(t);

  // The hits' rows: from the index's metadata when it holds every column
  // asked for (no Parquet read at all), else in one query.
  t = Clock::now();
  std::unordered_map<std::string, nlohmann::json> rows;
  const nlohmann::json kept = source.value("metadata_columns", nlohmann::json::array());
  bool from_metadata = !request.columns.empty();
  for (const auto& c : request.columns) {
    from_metadata &= c == id_column || std::find(kept.begin(), kept.end(), c) != kept.end();
  }
  if (from_metadata) {
    for (const auto& hit : hits) {
      nlohmann::json metadata = hit.metadata.empty() ? nlohmann::json::object() : nlohmann::json::parse(hit.metadata);
      nlohmann::json object = nlohmann::json::object();
      for (const auto& c : request.columns) object[c] = c == id_column ? nlohmann::json(hit.id) : metadata[c];
      rows[hit.id] = std::move(object);
    }
  }
  if (!hits.empty() && !from_metadata) {
    std::string select = "SELECT CAST(" + QuoteIdentifier(id_column) + " AS VARCHAR) AS \"__lakehouse_id\"";
    if (request.columns.empty()) {
      select += ", *";
    } else {
      for (const auto& c : request.columns) select += ", " + QuoteIdentifier(c);
    }
    std::string in;
    for (const auto& hit : hits) in += (in.empty() ? "" : ", ") + QuoteSqlString(hit.id);
    // Compared uncast when the column is text, so DuckDB can skip row groups by their min/max statistics.
    bool id_is_text = false;
    for (const auto& column : manifest.columns) id_is_text |= column.name == id_column && column.type == "VARCHAR";
    const std::string id_expr = id_is_text ? QuoteIdentifier(id_column)
                                           : "CAST(" + QuoteIdentifier(id_column) + " AS VARCHAR)";
    select += " FROM " + QuoteIdentifier(request.dataset) + " WHERE " + id_expr + " IN (" + in + ")";
    LH_ASSIGN_OR_RETURN(QueryOutput output, engine_.Execute(select));
    nlohmann::json table = nlohmann::json::parse(output.body);
    const auto& names = table["columns"];
    for (const auto& row : table["rows"]) {
      nlohmann::json object = nlohmann::json::object();
      for (size_t c = 1; c < names.size(); ++c) object[names[c]["name"].get<std::string>()] = row[c];
      rows[row[0].get<std::string>()] = std::move(object);
    }
  }
  const double fetch_ms = MillisSince(t);

  nlohmann::json results = nlohmann::json::array();
  for (const auto& hit : hits) {
    auto row = rows.find(hit.id);
    results.push_back({{"id", hit.id},
                       {"distance", hit.distance},
                       {"row", row != rows.end() ? row->second : nlohmann::json(nullptr)}});
  }
  nlohmann::json out = {{"results", results},
                        {"model", query.model},
                        {"timings_ms",
                         {{"embed", embed_ms},
                          {"filter", filter_ms},
                          {"search", search_ms},
                          {"fetch", fetch_ms},
                          {"rows_from", from_metadata ? "index metadata" : "dataset"},
                          {"total", MillisSince(started)}}}};
  out["where_matches"] = allowed ? nlohmann::json(allowed->size()) : nlohmann::json(nullptr);
  return out;
}

}  // namespace lakehouse
