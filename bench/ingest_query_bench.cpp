// Ingest and query through the HTTP API versus DuckDB alone, same file, same run.
//
//   build/bench/bench_ingest_query [--rows 500000] [--runs 3] [--dir bench/out]
//
// (a) POST /v1/ingest of the workers CSV vs DuckDB read_csv → Parquet (snappy);
// (b) count(*), GROUP BY state and a filtered count through /v1/sql vs DuckDB
//     alone on the same Parquet file; prints medians, ratios and the server's
//     peak RSS (VmHWM).
#include <fcntl.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "gen/workers.h"
#include "query/duckdb_handle.h"
#include "bench_util.h"
#include "core/time.h"
#include "test_util.h"

using namespace lakehouse;
namespace fs = std::filesystem;


int main(int argc, char** argv) {
  uint64_t rows = 500000;
  int runs = 3;
  fs::path dir = "bench/out";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--rows")) rows = std::stoull(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--runs")) runs = std::stoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--dir")) dir = argv[i + 1];
  }
  fs::create_directories(dir);
  const fs::path csv = dir / ("workers_" + std::to_string(rows) + ".csv");
  if (!fs::exists(csv)) {
    auto start = std::chrono::steady_clock::now();
    if (Status st = WriteWorkersCsv({rows, 42, 1}, csv); !st.ok()) {
      std::cerr << st.ToString() << "\n";
      return 1;
    }
    std::cout << "generated " << csv << " in " << SecondsSince(start) << " s\n";
  }
  const double csv_mb = static_cast<double>(fs::file_size(csv)) / 1e6;
  std::cout << "file: " << csv << ", " << rows << " rows, " << csv_mb << " MB\n";

  // --- DuckDB alone: read_csv → Parquet, then the queries on that Parquet.
  const fs::path parquet = fs::absolute(dir / "duckdb_alone.parquet");
  std::vector<double> duck_ingest;
  auto db = DuckDatabase::OpenInMemory({});
  auto conn = DuckConnection::Connect(*db);
  for (int r = 0; r < runs; ++r) {
    fs::remove(parquet);
    auto start = std::chrono::steady_clock::now();
    Status st = conn->Exec("COPY (SELECT * FROM read_csv(" + QuoteSqlString(fs::absolute(csv).string()) +
                           ")) TO " + QuoteSqlString(parquet.string()) + " (FORMAT parquet, COMPRESSION snappy)");
    duck_ingest.push_back(SecondsSince(start));
    if (!st.ok()) {
      std::cerr << st.ToString() << "\n";
      return 1;
    }
  }
  conn->Exec("CREATE VIEW workers AS SELECT * FROM read_parquet(" + QuoteSqlString(parquet.string()) + ")").ok();
  const std::vector<std::pair<std::string, std::string>> queries = {
      {"count(*)", "SELECT count(*) FROM workers"},
      {"GROUP BY state", "SELECT state, count(*), avg(reliability) FROM workers GROUP BY state ORDER BY 2 DESC"},
      {"filtered count", "SELECT count(*) FROM workers WHERE state = 'IL' AND reliability > 0.8 AND role = 'Forklift Operator'"},
  };
  constexpr int kQueryRuns = 21;
  std::vector<double> duck_query;
  for (const auto& [label, sql] : queries) {
    std::vector<double> times;
    for (int i = 0; i < kQueryRuns; ++i) {
      DuckResult result;
      auto start = std::chrono::steady_clock::now();
      Status st = conn->Query(sql, &result);
      times.push_back(SecondsSince(start) * 1000);
      if (!st.ok()) std::cerr << st.ToString() << "\n";
    }
    duck_query.push_back(bench::Median(times));
  }

  // --- The server: ingest through HTTP, then the same queries through /v1/sql.
  TempPath data = std::move(MakeTempDir(fs::absolute(dir), "server-")).value();
  lakehouse::testing::ServerProcess server(data.path() / "data");
  server.Start();
  int pid = server.pid();
  auto client = server.Client();
  client.set_read_timeout(600, 0);
  std::vector<double> api_ingest;
  nlohmann::json last;
  for (int r = 0; r < runs; ++r) {
    auto start = std::chrono::steady_clock::now();
    // Streamed from the file in 1 MiB reads, as `lakehouse ingest` sends it.
    UniqueFd fd(::open(csv.c_str(), O_RDONLY | O_CLOEXEC));
    std::vector<char> buffer(1 << 20);
    auto res = client.Post(
        "/v1/ingest?name=workers", fs::file_size(csv),
        [&](size_t offset, size_t length, httplib::DataSink& sink) {
          ssize_t n = ::pread(fd.get(), buffer.data(), std::min(buffer.size(), length), static_cast<off_t>(offset));
          if (n <= 0) return false;
          sink.write(buffer.data(), static_cast<size_t>(n));
          return true;
        },
        "text/csv");
    api_ingest.push_back(SecondsSince(start));
    if (!res || res->status != 200) {
      std::cerr << "ingest failed: " << (res ? res->body : httplib::to_string(res.error())) << "\n";
      return 1;
    }
    last = nlohmann::json::parse(res->body);
  }
  std::vector<double> api_query;
  for (const auto& [label, sql] : queries) {
    std::vector<double> times;
    for (int i = 0; i < kQueryRuns; ++i) {
      auto start = std::chrono::steady_clock::now();
      auto res = client.Post("/v1/sql", nlohmann::json{{"sql", sql}}.dump(), "application/json");
      times.push_back(SecondsSince(start) * 1000);
      if (!res || res->status != 200) std::cerr << "query failed: " << (res ? res->body : "no response") << "\n";
    }
    api_query.push_back(bench::Median(times));
  }
  long rss_kb = pid > 0 ? bench::StatusKb(pid, "VmHWM") : -1;
  server.Stop();

  printf("\n== ingest (%llu rows, %.0f MB CSV, median of %d) ==\n", static_cast<unsigned long long>(rows), csv_mb, runs);
  printf("DuckDB alone read_csv -> parquet : %7.2f s\n", bench::Median(duck_ingest));
  printf("POST /v1/ingest (HTTP, end to end): %7.2f s   ratio %.2fx   (target <= 1.3x and < 3.1 s)\n",
         bench::Median(api_ingest), bench::Median(api_ingest) / bench::Median(duck_ingest));
  printf("  last ingest phases: upload %.0f ms, convert %.0f ms, store %.0f ms, register %.0f ms, parquet %.1f MB\n",
         last["ingest"]["upload_ms"].get<double>(), last["ingest"]["convert_ms"].get<double>(),
         last["ingest"]["store_ms"].get<double>(), last["ingest"]["register_ms"].get<double>(),
         last["objects"][0]["size"].get<double>() / 1e6);
  printf("\n== queries (median of %d, ms) ==\n", kQueryRuns);
  printf("%-16s %10s %10s %10s\n", "query", "DuckDB", "/v1/sql", "overhead");
  for (size_t i = 0; i < queries.size(); ++i) {
    printf("%-16s %10.2f %10.2f %+10.2f   (target <= +3 ms)\n", queries[i].first.c_str(), duck_query[i], api_query[i],
           api_query[i] - duck_query[i]);
  }
  printf("\nserver peak RSS: %.0f MB\n", rss_kb / 1024.0);
  return 0;
}
