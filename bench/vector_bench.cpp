// Vector search benchmark: the same clustered 768-d vectors inserted into
// hnswlib directly and through the HTTP API (binary batches), same M,
// ef_construction and threads. Prints insert rates and their ratio, recall@10
// against exact search at several ef_search values with API latency, server
// RSS per vector, save and restart (load) times, and fp16 storage's recall
// and memory. Prints numbers; asserts nothing.
//
//   build/bench/bench_vector [--count 500000] [--queries 500] [--dim 768]
//                            [--fp16-count 100000] [--dir bench/out]
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <queue>
#include <set>
#include <thread>

#include "bench_util.h"
#include "core/time.h"
#include "core/parallel.h"
#include "gen/vectors.h"
#include "hnswlib/hnswlib.h"
#include "test_util.h"
#include "vector/batch_codec.h"

using namespace lakehouse;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {


void Normalise(std::vector<float>& data, uint32_t d) {
  for (size_t off = 0; off < data.size(); off += d) {
    double norm = 0;
    for (uint32_t i = 0; i < d; ++i) norm += data[off + i] * data[off + i];
    float scale = static_cast<float>(1 / std::sqrt(norm));
    for (uint32_t i = 0; i < d; ++i) data[off + i] *= scale;
  }
}

// Exact top-k by inner product (the vectors are unit length: cosine).
std::vector<std::vector<size_t>> GroundTruth(const std::vector<float>& base, const std::vector<float>& queries,
                                             uint32_t d, size_t k) {
  hnswlib::InnerProductSpace space(d);
  auto distance = space.get_dist_func();
  void* param = space.get_dist_func_param();
  const size_t n = base.size() / d, q = queries.size() / d;
  std::vector<std::vector<size_t>> truth(q);
  (void)ParallelFor(q, 2, [&](size_t qi) {
    std::priority_queue<std::pair<float, size_t>> top;
    for (size_t i = 0; i < n; ++i) {
      float dist = distance(&queries[qi * d], &base[i * d], param);
      if (top.size() < k) top.emplace(dist, i);
      else if (dist < top.top().first) {
        top.pop();
        top.emplace(dist, i);
      }
    }
    while (!top.empty()) {
      truth[qi].push_back(top.top().second);
      top.pop();
    }
    return Status::Ok();
  });
  return truth;
}

double Recall(const std::vector<size_t>& truth, const std::vector<size_t>& got) {
  std::set<size_t> t(truth.begin(), truth.end());
  size_t hit = 0;
  for (size_t g : got) hit += t.count(g);
  return static_cast<double>(hit) / static_cast<double>(truth.size());
}

struct ApiRun {
  double insert_s = 0;
  long rss_before_kb = 0, rss_after_kb = 0;
};

// Streams the vectors to the server as binary batches from two client threads.
ApiRun InsertThroughApi(lakehouse::testing::ServerProcess& server, const std::string& index, const std::vector<float>& base,
                        uint32_t d, size_t batch_size) {
  ApiRun run;
  run.rss_before_kb = bench::StatusKb(server.pid(), "VmRSS");
  const size_t n = base.size() / d;
  const size_t batches = (n + batch_size - 1) / batch_size;
  std::atomic<size_t> next{0}, done_items{0};
  auto start = Clock::now();
  auto sender = [&] {
    auto client = server.Client();
    for (size_t b = next++; b < batches; b = next++) {
      AddBatch batch;
      batch.dimension = d;
      for (size_t i = b * batch_size; i < std::min(n, (b + 1) * batch_size); ++i) {
        batch.ids.push_back("w" + std::to_string(i));
        batch.metadata.emplace_back(std::nullopt);
      }
      batch.vectors.assign(base.begin() + b * batch_size * d,
                           base.begin() + std::min(n, (b + 1) * batch_size) * d);
      auto res = client.Post("/v1/vectors/index/" + index + "/add", EncodeBinaryBatch(batch),
                             std::string(kBinaryBatchContentType).c_str());
      if (!res || res->status != 200) {
        fprintf(stderr, "add failed: %s\n", res ? res->body.c_str() : "no response");
        std::exit(1);
      }
      size_t total = done_items += batch.size();
      fprintf(stderr, "\r  api insert %zu/%zu (%.0f/s)   ", total, n, total / SecondsSince(start));
    }
  };
  std::thread t1(sender), t2(sender);
  t1.join();
  t2.join();
  run.insert_s = SecondsSince(start);
  fprintf(stderr, "\n");
  run.rss_after_kb = bench::StatusKb(server.pid(), "VmRSS");
  return run;
}

struct SearchRun {
  double recall = 0, p50_ms = 0, p99_ms = 0;
};

SearchRun SearchThroughApi(lakehouse::testing::ServerProcess& server, const std::string& index,
                           const std::vector<float>& queries, uint32_t d, size_t ef,
                           const std::vector<std::vector<size_t>>& truth) {
  auto client = server.Client();
  std::vector<double> latencies;
  double recall = 0;
  const size_t q = queries.size() / d;
  for (size_t qi = 0; qi < q; ++qi) {
    json body = {{"vector", std::vector<float>(queries.begin() + qi * d, queries.begin() + (qi + 1) * d)},
                 {"k", 10},
                 {"ef_search", ef}};
    std::string text = body.dump();
    auto start = Clock::now();
    auto res = client.Post("/v1/vectors/index/" + index + "/search", text, "application/json");
    latencies.push_back(SecondsSince(start) * 1000);
    if (!res || res->status != 200) {
      fprintf(stderr, "search failed\n");
      std::exit(1);
    }
    std::vector<size_t> got;
    const json answer = json::parse(res->body);
    for (const auto& hit : answer["results"]) got.push_back(std::stoul(hit["id"].get<std::string>().substr(1)));
    recall += Recall(truth[qi], got);
  }
  return {recall / static_cast<double>(q), bench::Percentile(latencies, 0.5), bench::Percentile(latencies, 0.99)};
}

}  // namespace

int main(int argc, char** argv) {
  size_t count = 500000, query_count = 500, fp16_count = 100000;
  uint32_t d = 768;
  std::string dir = "bench/out";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--count")) count = std::stoull(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--queries")) query_count = std::stoull(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--dim")) d = static_cast<uint32_t>(std::stoul(argv[i + 1]));
    else if (!std::strcmp(argv[i], "--fp16-count")) fp16_count = std::stoull(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--dir")) dir = argv[i + 1];
  }
  const uint32_t m = 16, ef_construction = 200;
  const int threads = 2;
  printf("vector bench: %zu x %u-d clustered vectors, %zu held-out queries, M=%u ef_construction=%u, %d threads, %u cores\n",
         count, d, query_count, m, ef_construction, threads, std::thread::hardware_concurrency());

  auto start = Clock::now();
  // Held-out queries come from the same clusters: generate together, split.
  auto all = ClusteredVectors({.count = count + query_count, .dimension = d, .clusters = 1000, .spread = 0.6f, .seed = 42});
  Normalise(all, d);
  std::vector<float> queries(all.end() - static_cast<long>(query_count) * d, all.end());
  all.resize(count * d);
  const std::vector<float>& base = all;
  printf("generated in %.1f s\n", SecondsSince(start));
  start = Clock::now();
  auto truth = GroundTruth(base, queries, d, 10);
  printf("exact top-10 for %zu queries in %.1f s\n", query_count, SecondsSince(start));
  const std::vector<size_t> efs = {16, 32, 64, 100, 200};

  // 1. hnswlib called directly.
  double direct_s = 0;
  std::vector<double> direct_recall;
  long direct_rss_kb = 0;
  {
    long rss_before = bench::StatusKb(getpid(), "VmRSS");
    hnswlib::InnerProductSpace space(d);
    hnswlib::HierarchicalNSW<float> graph(&space, count, m, ef_construction);
    start = Clock::now();
    std::atomic<size_t> done{0};
    (void)ParallelFor(count, threads, [&](size_t i) {
      graph.addPoint(&base[i * d], i);
      size_t n = ++done;
      if (n % 20000 == 0) fprintf(stderr, "\r  direct insert %zu/%zu (%.0f/s)   ", n, count, n / SecondsSince(start));
      return Status::Ok();
    });
    direct_s = SecondsSince(start);
    fprintf(stderr, "\n");
    direct_rss_kb = bench::StatusKb(getpid(), "VmRSS") - rss_before;
    for (size_t ef : efs) {
      graph.setEf(ef);
      double recall = 0;
      for (size_t qi = 0; qi < query_count; ++qi) {
        auto result = graph.searchKnn(&queries[qi * d], 10);
        std::vector<size_t> got;
        while (!result.empty()) {
          got.push_back(result.top().second);
          result.pop();
        }
        recall += Recall(truth[qi], got);
      }
      direct_recall.push_back(recall / static_cast<double>(query_count));
    }
  }
  printf("hnswlib direct: %.1f s, %.0f inserts/s, RSS growth %.0f bytes/vector\n", direct_s, count / direct_s,
         direct_rss_kb * 1024.0 / static_cast<double>(count));

  // 2. Through the API.
  TempPath data = lakehouse::testing::MakeTestDir();
  const std::string config = (data.path() / "lakehouse.toml").string();
  lakehouse::testing::WriteFile(config, "[vector]\nsave_interval_s = 0\ninsert_threads = 2\n");
  lakehouse::testing::ServerProcess server(data.path() / "data", config);
  server.Start();
  {
    auto client = server.Client();
    json create = {{"name", "bench"}, {"dimension", d}, {"m", m}, {"ef_construction", ef_construction}};
    auto res = client.Post("/v1/vectors/index", create.dump(), "application/json");
    if (!res || res->status != 201) return 1;
  }
  ApiRun api = InsertThroughApi(server, "bench", base, d, 5000);
  const double per_vector = (api.rss_after_kb - api.rss_before_kb) * 1024.0 / static_cast<double>(count);
  printf("API insert:     %.1f s, %.0f inserts/s = %.2fx direct; server RSS growth %.0f bytes/vector (%.2f KB)\n",
         api.insert_s, count / api.insert_s, direct_s / api.insert_s, per_vector, per_vector / 1024);
  printf("\n%-10s %-16s %-13s %-10s %-10s\n", "ef_search", "recall@10 direct", "recall@10 API", "API p50", "API p99");
  for (size_t i = 0; i < efs.size(); ++i) {
    SearchRun run = SearchThroughApi(server, "bench", queries, d, efs[i], truth);
    printf("%-10zu %-16.4f %-13.4f %7.2f ms %7.2f ms\n", efs[i], direct_recall[i], run.recall, run.p50_ms, run.p99_ms);
  }

  {
    auto client = server.Client();
    start = Clock::now();
    auto res = client.Post("/v1/vectors/index/bench/save", "", "application/json");
    double save_s = SecondsSince(start);
    json info = json::parse(res->body);
    printf("\nsave: %.1f s for %.0f MB\n", save_s, info["persisted"]["bytes"].get<double>() / 1e6);
  }
  server.Stop();
  start = Clock::now();
  server.Start();  // returns once /health answers: every index is loaded
  printf("restart with the index loaded: %.1f s; server RSS after load %.0f MB\n", SecondsSince(start),
         bench::StatusKb(server.pid(), "VmRSS") / 1024.0);
  {
    SearchRun run = SearchThroughApi(server, "bench", queries, d, 100, truth);
    printf("after restart, ef_search=100: recall@10 %.4f, p50 %.2f ms\n", run.recall, run.p50_ms);
  }
  server.Stop();

  // 3. fp16 storage on a prefix of the data.
  if (fp16_count > 0) {
    fp16_count = std::min(fp16_count, count);
    std::vector<float> prefix(base.begin(), base.begin() + fp16_count * d);
    auto prefix_truth = GroundTruth(prefix, queries, d, 10);
    TempPath data16 = lakehouse::testing::MakeTestDir();
    lakehouse::testing::ServerProcess server16(data16.path() / "data", config);
    server16.Start();
    auto client = server16.Client();
    for (const char* storage : {"float32", "fp16"}) {
      std::string name = std::string("s_") + storage;
      json create = {{"name", name}, {"dimension", d}, {"m", m}, {"ef_construction", ef_construction}, {"storage", storage}};
      client.Post("/v1/vectors/index", create.dump(), "application/json");
      ApiRun run = InsertThroughApi(server16, name, prefix, d, 5000);
      printf("%-8s %zu vectors: %.0f inserts/s, RSS growth %.0f bytes/vector;", storage, fp16_count,
             fp16_count / run.insert_s, (run.rss_after_kb - run.rss_before_kb) * 1024.0 / fp16_count);
      for (size_t ef : {64, 100}) {
        SearchRun s = SearchThroughApi(server16, name, queries, d, ef, prefix_truth);
        printf("  ef %zu: recall@10 %.4f p50 %.2f ms;", ef, s.recall, s.p50_ms);
      }
      printf("\n");
    }
    server16.Stop();
  }
  (void)dir;
  return 0;
}
