// Embedding benchmark: the builtin embedder's throughput on worker-like texts
// (built from the generated workers table the way the staffing index builds
// them), on one thread and on every core, directly and through POST /v1/embed,
// and the latency of a cache hit. Prints numbers; asserts nothing.
//
//   build/bench/bench_embed [--rows 100000]
#include <cstring>
#include <nlohmann/json.hpp>
#include <thread>

#include "bench_util.h"
#include "core/time.h"
#include "core/parallel.h"
#include "embed/builtin_embedder.h"
#include "embed/caching_embedder.h"
#include "gen/workers.h"
#include "query/duckdb_handle.h"
#include "test_util.h"

using namespace lakehouse;
using Clock = std::chrono::steady_clock;

namespace {


std::vector<std::string> WorkerTexts(uint64_t rows, const std::filesystem::path& dir) {
  const auto csv = dir / "workers.csv";
  if (!WriteWorkersCsv({.rows = rows, .seed = 7}, csv).ok()) std::exit(1);
  auto db = DuckDatabase::OpenInMemory({});
  auto conn = DuckConnection::Connect(*db);
  DuckResult result;
  Status st = conn->Query(
      "SELECT role || ' in ' || city || ', ' || state || '. Skills: ' || skills || '. Certifications: ' || "
      "coalesce(certifications, 'none') || '. ' || availability || ', speaks ' || languages FROM read_csv('" +
          csv.string() + "', header=true)",
      &result);
  if (!st.ok()) {
    fprintf(stderr, "%s\n", st.ToString().c_str());
    std::exit(1);
  }
  std::vector<std::string> texts;
  for (idx_t r = 0; r < result.RowCount(); ++r) texts.push_back(result.Text(0, r));
  return texts;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t rows = 100000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--rows")) rows = std::stoull(argv[i + 1]);
  }
  TempPath dir = lakehouse::testing::MakeTestDir();
  auto texts = WorkerTexts(rows, dir.path());
  size_t bytes = 0;
  for (const auto& t : texts) bytes += t.size();
  printf("builtin embedder, %zu worker texts (mean %.0f bytes), e.g. \"%s\"\n", texts.size(),
         static_cast<double>(bytes) / texts.size(), texts[0].c_str());

  BuiltinEmbedder embedder(384);
  std::vector<float> out(384 * texts.size());
  for (int threads : {1, static_cast<int>(std::thread::hardware_concurrency())}) {
    auto start = Clock::now();
    (void)ParallelFor(texts.size(), threads, [&](size_t i) {
      embedder.EmbedOne(texts[i], &out[i * 384]);
      return Status::Ok();
    });
    double s = SecondsSince(start);
    printf("  direct, %d thread(s): %.0f texts/s (%.2f us/text)\n", threads, texts.size() / s, s * 1e6 / texts.size());
  }

  CachingEmbedder cache(std::make_unique<BuiltinEmbedder>(384), 10000);
  const std::string query = "forklift driver OSHA-30 certified, night shift, Illinois";
  (void)cache.Embed({query}, "");
  std::vector<double> hit_us, miss_us;
  for (int i = 0; i < 2000; ++i) {
    auto start = Clock::now();
    (void)cache.Embed({query}, "");
    hit_us.push_back(SecondsSince(start) * 1e6);
    start = Clock::now();
    (void)cache.Embed({texts[static_cast<size_t>(i)]}, "");
    miss_us.push_back(SecondsSince(start) * 1e6);
  }
  printf("  cache hit: p50 %.2f us, p99 %.2f us; miss (embed + insert): p50 %.2f us\n", bench::Percentile(hit_us, 0.5),
         bench::Percentile(hit_us, 0.99), bench::Percentile(miss_us, 0.5));

  lakehouse::testing::ServerProcess server(dir.path() / "data");
  server.Start();
  auto client = server.Client();
  const size_t batch = 512;
  auto start = Clock::now();
  size_t sent = 0;
  for (size_t first = 0; first < texts.size(); first += batch) {
    std::vector<std::string> part(texts.begin() + first, texts.begin() + std::min(texts.size(), first + batch));
    auto res = client.Post("/v1/embed", nlohmann::json{{"texts", part}}.dump(), "application/json");
    if (!res || res->status != 200) return 1;
    sent += part.size();
  }
  double s = SecondsSince(start);
  printf("  through POST /v1/embed (batches of %zu, JSON both ways): %.0f texts/s\n", batch, sent / s);
  std::vector<double> api_hit_ms;
  const std::string body = nlohmann::json{{"texts", {query}}}.dump();
  for (int i = 0; i < 500; ++i) {
    auto t = Clock::now();
    client.Post("/v1/embed", body, "application/json");
    api_hit_ms.push_back(SecondsSince(t) * 1000);
  }
  printf("  one cached query text through the API: p50 %.3f ms, p99 %.3f ms\n", bench::Percentile(api_hit_ms, 0.5),
         bench::Percentile(api_hit_ms, 0.99));
  return 0;
}
