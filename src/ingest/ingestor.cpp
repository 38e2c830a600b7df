#include "ingest/ingestor.h"

#include "core/time.h"

#include <chrono>

#include "core/files.h"
#include "core/hash.h"
#include "core/ids.h"
#include "core/log.h"
#include "ingest/csv_header.h"
#include "query/duckdb_handle.h"

namespace lakehouse {
namespace fs = std::filesystem;

namespace {


// The dialect is pinned so that DuckDB's sniffer only infers types: a ragged
// or mis-quoted file is an error, never a differently shaped table.
std::string ReadCsvCall(const fs::path& csv, std::string_view extra) {
  return "read_csv(" + QuoteSqlString(csv.string()) +
         ", delim=',', quote='\"', escape='\"', header=true, skip=0, strict_mode=true, null_padding=false, "
         "ignore_errors=false, encoding='utf-8'" +
         std::string(extra) + ")";
}

// DuckDB's CSV errors carry the line and the reason, then a dump of reader
// options and the temp file's path; keep the former, drop the latter.
std::string CleanCsvError(std::string message, const fs::path& csv) {
  for (std::string_view cut : {"\n  file = ", "\nPossible Solution", "\nPossible fixes", "\nLINE 1:"}) {
    if (size_t pos = message.find(cut); pos != std::string::npos) message.resize(pos);
  }
  for (size_t pos; (pos = message.find(csv.string())) != std::string::npos;) {
    message.replace(pos, csv.string().size(), "the upload");
  }
  for (std::string_view prefix : {"Invalid Input Error: ", "Conversion Error: "}) {
    if (message.rfind(prefix, 0) == 0) message.erase(0, prefix.size());
  }
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  for (auto& c : message) {
    if (c == '\n') c = ' ';
  }
  return message;
}

}  // namespace

Result<IngestResult> Ingestor::Ingest(std::string_view name, RegisterMode mode, const fs::path& csv) {
  LH_RETURN_IF_ERROR(ValidateDatasetName(name));
  LH_ASSIGN_OR_RETURN(CsvHeader header, ReadCsvHeader(csv));

  IngestResult result;
  auto convert_start = std::chrono::steady_clock::now();
  LH_ASSIGN_OR_RETURN(TempPath work, MakeTempDir(options_.work_dir, "ingest-"));
  const fs::path parquet = work.path() / "data.parquet";

  DuckOptions duck;
  duck.threads = options_.threads;
  duck.memory_limit = options_.memory_limit;
  duck.temp_directory = (work.path() / "spill").string();
  LH_ASSIGN_OR_RETURN(DuckDatabase db, DuckDatabase::OpenInMemory(duck));
  LH_ASSIGN_OR_RETURN(DuckConnection conn, DuckConnection::Connect(db));

  auto copy_sql = [&](std::string_view sample) {
    return "COPY (SELECT * FROM " + ReadCsvCall(csv, sample) + ") TO " + QuoteSqlString(parquet.string()) +
           " (FORMAT parquet, COMPRESSION " + options_.compression + ")";
  };
  DuckResult sampled_result, full_result;
  DuckResult* copied = &sampled_result;
  Status converted = conn.Query(copy_sql(""), copied);
  if (!converted.ok()) {
    // Tell a malformed file apart from a type guess that a later row broke:
    // a strict all-VARCHAR read with our header reports the former precisely.
    std::string columns;
    for (const auto& n : header.names) {
      columns += (columns.empty() ? "" : ", ") + QuoteSqlString(n) + ": 'VARCHAR'";
    }
    Status structure =
        conn.Exec("SELECT count(*) FROM " + ReadCsvCall(csv, ", auto_detect=false, columns={" + columns + "}"));
    if (!structure.ok()) {
      if (structure.code() != StatusCode::kInvalidArgument) return structure;
      return Status::InvalidArgument(CleanCsvError(structure.message(), csv), "bad_csv");
    }
    std::error_code ec;
    fs::remove(parquet, ec);
    copied = &full_result;
    converted = conn.Query(copy_sql(", sample_size=-1"), copied);
    if (!converted.ok()) {
      if (converted.code() != StatusCode::kInvalidArgument) return converted;
      return Status::InvalidArgument(CleanCsvError(converted.message(), csv), "bad_csv");
    }
    result.full_inference = true;
  }
  const uint64_t rows = std::stoull(copied->Text(0, 0));

  DuckResult described;
  LH_RETURN_IF_ERROR(conn.Query("DESCRIBE SELECT * FROM read_parquet(" + QuoteSqlString(parquet.string()) + ")",
                                &described));
  std::vector<Column> columns;
  for (idx_t row = 0; row < described.RowCount(); ++row) {
    columns.push_back({described.Text(0, row), described.Text(1, row)});
  }
  if (columns.size() != header.names.size()) {
    return Status::InvalidArgument("the CSV has " + std::to_string(header.names.size()) +
                                       " header columns but its rows read as " + std::to_string(columns.size()),
                                   "bad_csv");
  }
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].name != header.names[i]) {
      return Status::Internal("DuckDB read column " + std::to_string(i + 1) + " as \"" + columns[i].name +
                              "\", the header says \"" + header.names[i] + "\"");
    }
  }
  result.timings.convert_ms = MillisSince(convert_start);

  const std::string fingerprint = SchemaFingerprint(columns);
  // Refuse a schema change before storing anything, so the common conflict leaves no orphan.
  if (auto existing = catalog_.Get(name); existing.ok() && existing->schema_fingerprint != fingerprint) {
    return Status::Conflict("dataset " + std::string(name) +
                                " exists with a different schema; the upload was not applied (use a new name, "
                                "or ingest a file with the same columns and types)",
                            "schema_conflict");
  }

  auto store_start = std::chrono::steady_clock::now();
  LH_ASSIGN_OR_RETURN(std::string digest, Sha256FileHex(parquet));
  std::error_code ec;
  const uint64_t size = fs::file_size(parquet, ec);
  if (ec) return Status::Internal("stat " + parquet.string() + ": " + ec.message(), "io_error");
  result.object = {"datasets/" + std::string(name) + "/" + digest + ".parquet", size, rows};
  auto present = store_.Head(result.object.key);
  if (!present.ok() || present->size != size) LH_RETURN_IF_ERROR(store_.PutFile(result.object.key, parquet));
  result.timings.store_ms = MillisSince(store_start);

  auto register_start = std::chrono::steady_clock::now();
  RegisterRequest request{std::string(name), fingerprint, columns, {result.object}, mode};
  LH_ASSIGN_OR_RETURN(result.registered, catalog_.Register(request));
  result.timings.register_ms = MillisSince(register_start);
  return result;
}

}  // namespace lakehouse
