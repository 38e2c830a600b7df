// Ingest and query through the HTTP API versus DuckDB alone, same file, same run.
//
//   build/bench/bench_ingest_query [--rows 500000] [--runs 3] [--dir bench/out]
//                                  [--modes local,s3,split,split-s3]
//
// (a) POST /v1/ingest of the workers CSV vs DuckDB read_csv → Parquet (snappy);
// (b) count(*), GROUP BY state and a filtered count through /v1/sql vs DuckDB
//     alone on the same Parquet file; prints medians, ratios and peak RSS (VmHWM).
// Modes: local = all-in-one on local storage (the default deployment); s3 =
// all-in-one on an s3rver bucket; split = seven processes behind the gateway;
// split-s3 = split with storaged on s3rver. Each mode is compared with DuckDB
// alone and with local.
#include <fcntl.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
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
  std::vector<std::string> modes = {"local", "s3", "split", "split-s3"};
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--rows")) rows = std::stoull(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--modes")) {
      modes.clear();
      std::string list = argv[i + 1];
      for (size_t start = 0; start <= list.size();) {
        size_t comma = std::min(list.find(',', start), list.size());
        modes.push_back(list.substr(start, comma - start));
        start = comma + 1;
      }
    }
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

  struct ModeResult {
    std::string mode;
    std::vector<double> ingest_s;
    std::vector<double> query_ms;
    nlohmann::json last;
    std::string rss;
  };
  auto run_mode = [&](const std::string& mode) -> std::optional<ModeResult> {
    ModeResult out;
    out.mode = mode;
    const bool on_s3 = mode == "s3" || mode == "split-s3";
    const bool split = mode == "split" || mode == "split-s3";
    if (on_s3) setenv("LAKEHOUSE_TEST_BACKEND", "s3", 1);
    else unsetenv("LAKEHOUSE_TEST_BACKEND");
    TempPath data = std::move(MakeTempDir(fs::absolute(dir), "server-")).value();
    std::unique_ptr<lakehouse::testing::ServerProcess> server;
    std::unique_ptr<lakehouse::testing::SplitCluster> cluster;
    if (split) {
      cluster = std::make_unique<lakehouse::testing::SplitCluster>(data.path());
      cluster->StartAll();
    } else {
      server = std::make_unique<lakehouse::testing::ServerProcess>(data.path() / "data");
      server->Start();
    }
    auto client = split ? cluster->Gateway() : server->Client();
    client.set_read_timeout(600, 0);
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
      out.ingest_s.push_back(SecondsSince(start));
      if (!res || res->status != 200) {
        std::cerr << mode << ": ingest failed: " << (res ? res->body : httplib::to_string(res.error())) << "\n";
        return std::nullopt;
      }
      out.last = nlohmann::json::parse(res->body);
    }
    for (const auto& [label, sql] : queries) {
      std::vector<double> times;
      for (int i = 0; i < kQueryRuns; ++i) {
        auto start = std::chrono::steady_clock::now();
        auto res = client.Post("/v1/sql", nlohmann::json{{"sql", sql}}.dump(), "application/json");
        times.push_back(SecondsSince(start) * 1000);
        if (!res || res->status != 200) std::cerr << "query failed: " << (res ? res->body : "no response") << "\n";
      }
      out.query_ms.push_back(bench::Median(times));
    }
    char rss[256];
    if (split) {
      long total = 0;
      for (const auto& role : lakehouse::testing::kSplitRoles) total += bench::StatusKb((*cluster)[role].pid(), "VmHWM");
      snprintf(rss, sizeof rss, "gateway %.0f MB, ingestd %.0f MB, queryd %.0f MB, all seven %.0f MB",
               bench::StatusKb((*cluster)["gateway"].pid(), "VmHWM") / 1024.0,
               bench::StatusKb((*cluster)["ingestd"].pid(), "VmHWM") / 1024.0,
               bench::StatusKb((*cluster)["queryd"].pid(), "VmHWM") / 1024.0, total / 1024.0);
    } else {
      snprintf(rss, sizeof rss, "server %.0f MB", bench::StatusKb(server->pid(), "VmHWM") / 1024.0);
    }
    out.rss = rss;
    return out;
  };

  std::vector<ModeResult> results;
  for (const auto& mode : modes) {
    std::cout << "running mode " << mode << "...\n" << std::flush;
    auto result = run_mode(mode);
    if (!result) return 1;
    results.push_back(std::move(*result));
  }
  unsetenv("LAKEHOUSE_TEST_BACKEND");

  const double duck_ingest_s = bench::Median(duck_ingest);
  const double local_ingest_s = bench::Median(results.front().ingest_s);
  printf("\n== ingest (%llu rows, %.0f MB CSV, median of %d) ==\n", static_cast<unsigned long long>(rows), csv_mb, runs);
  printf("%-34s %8.2f s\n", "DuckDB alone read_csv -> parquet", duck_ingest_s);
  for (const auto& r : results) {
    const double s = bench::Median(r.ingest_s);
    // Later runs store nothing new (the Parquet is content-addressed and already there): the first run pays the upload.
    printf("POST /v1/ingest  %-16s %8.2f s   vs DuckDB %.2fx   vs %s %.2fx   (first run %.2f s)\n", r.mode.c_str(), s,
           s / duck_ingest_s, results.front().mode.c_str(), s / local_ingest_s, r.ingest_s.front());
    printf("  phases: upload %.0f ms, convert %.0f ms, store %.0f ms, register %.0f ms, parquet %.1f MB\n",
           r.last["ingest"]["upload_ms"].get<double>(), r.last["ingest"]["convert_ms"].get<double>(),
           r.last["ingest"]["store_ms"].get<double>(), r.last["ingest"]["register_ms"].get<double>(),
           r.last["objects"][0]["size"].get<double>() / 1e6);
  }
  printf("\n== queries (median of %d, ms) ==\n", kQueryRuns);
  printf("%-16s %8s", "query", "DuckDB");
  for (const auto& r : results) printf(" %10s", r.mode.c_str());
  printf("\n");
  for (size_t i = 0; i < queries.size(); ++i) {
    printf("%-16s %8.2f", queries[i].first.c_str(), duck_query[i]);
    for (const auto& r : results) printf(" %10.2f", r.query_ms[i]);
    printf("\n");
  }
  printf("(overhead per query = mode - DuckDB; the all-in-one target is <= +3 ms)\n");
  printf("\n== peak RSS ==\n");
  for (const auto& r : results) printf("%-10s %s\n", r.mode.c_str(), r.rss.c_str());
  return 0;
}
