// Split mode: seven processes (storaged, catalogd, embedd, ingestd, queryd,
// vectord, gateway) talking real HTTP on loopback, driven through the gateway.
#include <gtest/gtest.h>

#include "test_util.h"

namespace lakehouse {
namespace {

using testing::Body;
using testing::ErrorCode;
using testing::ServerProcess;

using testing::kSplitRoles;
using testing::SplitCluster;

const std::string kCsv = "id,name,state,skills\n1,Ann,CA,forklift driver night shift\n2,Bob,NY,dental hygienist\n"
                         "3,Cid,CA,welder OSHA-30\n";

httplib::Result Sql(httplib::Client& client, const std::string& sql) {
  return client.Post("/v1/sql", nlohmann::json{{"sql", sql}}.dump(), "application/json");
}

class SplitTest : public ::testing::Test {
 protected:
  TempPath dir_ = testing::MakeTestDir();
};

TEST_F(SplitTest, CoreFlowThroughTheGatewaySurvivesRestartsOfEveryService) {
  SplitCluster cluster(dir_.path());
  cluster.StartAll();
  auto gw = cluster.Gateway();

  auto health = Body(gw.Get("/health"));
  EXPECT_EQ(health["service"], "gateway");
  EXPECT_EQ(health["status"], "ok");
  for (const auto& role : kSplitRoles) {
    if (role != "gateway") {
      EXPECT_EQ(health["upstreams"][role]["status"], "ok") << role;
    }
  }
  EXPECT_EQ(Body(cluster["queryd"].Client().Get("/health"))["service"], "queryd");

  // Multipart (as `curl -F file=@...` sends it) passes the gateway untouched.
  auto ingested = gw.Post("/v1/ingest?name=workers", httplib::MultipartFormDataItems{{"file", kCsv, "workers.csv", "text/csv"}});
  ASSERT_EQ(ingested->status, 200) << ingested->body;
  // Read-your-writes: the very next query, on another process, sees the ingest.
  EXPECT_EQ(Body(Sql(gw, "SELECT count(*) FROM workers"))["rows"][0][0], 3);
  auto more = gw.Post("/v1/ingest?name=workers", kCsv + "4,Dee,TX,forklift\n", "text/csv");
  ASSERT_EQ(more->status, 200) << more->body;
  EXPECT_EQ(Body(Sql(gw, "SELECT count(*) FROM workers"))["rows"][0][0], 4);

  // Drift: a different schema is refused, the live data untouched.
  auto drift = gw.Post("/v1/ingest?name=workers", "id,email\n1,a@b.c\n", "text/csv");
  EXPECT_EQ(drift->status, 409);
  EXPECT_EQ(ErrorCode(drift), "schema_conflict");
  EXPECT_EQ(Body(Sql(gw, "SELECT count(*) FROM workers"))["rows"][0][0], 4);

  // Every service's routes through the gateway, /v1 stripped.
  EXPECT_EQ(Body(gw.Get("/v1/catalog/manifest/workers"))["row_count"], 4);
  EXPECT_GE(Body(gw.Get("/v1/storage/list?prefix=datasets/workers/"))["count"], 1);
  EXPECT_EQ(Body(gw.Post("/v1/embed", R"({"texts":["forklift"]})", "application/json"))["dimension"], 384);
  auto indexed = gw.Post("/v1/datasets/workers/embeddings",
                         R"({"index":"workers_idx","id_column":"id","text_template":"{name} {skills}"})",
                         "application/json");
  ASSERT_EQ(indexed->status, 200) << indexed->body;
  const std::string search =
      R"({"dataset":"workers","index":"workers_idx","text":"forklift driver","k":2,"where":"state = 'CA'"})";
  auto found = Body(gw.Post("/v1/search", search, "application/json"));
  ASSERT_EQ(found["results"].size(), 2u) << found.dump();
  EXPECT_EQ(found["results"][0]["id"], "1");
  EXPECT_EQ(gw.Post("/v1/vectors/index/workers_idx/save", "{}", "application/json")->status, 200);

  auto unknown = gw.Get("/v1/nothing/here");
  EXPECT_EQ(unknown->status, 404);
  EXPECT_EQ(ErrorCode(unknown), "not_found");
  auto bad_sql = Sql(gw, "DELETE FROM workers");
  EXPECT_EQ(bad_sql->status, 403);  // queryd's own JSON error passes through unchanged
  EXPECT_FALSE(ErrorCode(bad_sql).empty());

  const auto sql_before = Body(Sql(gw, "SELECT id, name, state FROM workers ORDER BY id"));
  const auto search_before = found["results"];
  for (const auto& role : kSplitRoles) {
    cluster[role].Stop();
    cluster[role].Start();
    auto again = cluster.Gateway();
    EXPECT_EQ(Body(Sql(again, "SELECT id, name, state FROM workers ORDER BY id"))["rows"], sql_before["rows"])
        << "after restarting " << role;
    EXPECT_EQ(Body(again.Post("/v1/search", search, "application/json"))["results"], search_before)
        << "after restarting " << role;
  }
}

TEST_F(SplitTest, AKilledServiceIsACleanBadGatewayAndRecoversWithNothingLost) {
  SplitCluster cluster(dir_.path());
  cluster.StartAll();
  auto gw = cluster.Gateway();
  ASSERT_EQ(gw.Post("/v1/ingest?name=workers", kCsv, "text/csv")->status, 200);

  cluster["queryd"].Kill();
  auto down = Sql(gw, "SELECT count(*) FROM workers");
  ASSERT_TRUE(down);
  EXPECT_EQ(down->status, 502);
  EXPECT_EQ(ErrorCode(down), "upstream_unavailable");
  EXPECT_NE(Body(down)["error"]["message"].get<std::string>().find("queryd"), std::string::npos);
  EXPECT_EQ(Body(gw.Get("/health"))["upstreams"]["queryd"]["status"], "down");
  cluster["queryd"].Start();
  EXPECT_EQ(Body(Sql(gw, "SELECT count(*) FROM workers"))["rows"][0][0], 3);

  // ingestd dies while an upload streams through the gateway: the client gets
  // a 502 (or its connection is cut), never a half-registered dataset. The
  // gateway may close the connection before the upload ends: no SIGPIPE here.
  signal(SIGPIPE, SIG_IGN);
  std::string big = "id,name,state,skills\n";
  for (int i = 0; i < 200000; ++i) big += std::to_string(100 + i) + ",N" + std::to_string(i) + ",CA,welder\n";
  httplib::Client uploader = cluster.Gateway();
  size_t sent = 0;
  bool killed = false;
  auto res = uploader.Post(
      "/v1/ingest?name=workers", big.size(),
      [&](size_t offset, size_t, httplib::DataSink& sink) {
        if (!killed && offset > big.size() / 2) {
          cluster["ingestd"].Kill();
          killed = true;
        }
        size_t n = std::min<size_t>(64 * 1024, big.size() - offset);
        sent += n;
        return sink.write(big.data() + offset, n);
      },
      "text/csv");
  EXPECT_TRUE(killed);
  if (res) {
    EXPECT_EQ(res->status, 502) << res->body;
    EXPECT_EQ(ErrorCode(res), "upstream_unavailable");
  }
  cluster["ingestd"].Start();
  EXPECT_EQ(Body(Sql(gw, "SELECT count(*) FROM workers"))["rows"][0][0], 3) << "the broken upload changed the data";
  auto retried = gw.Post("/v1/ingest?name=workers", big, "text/csv");
  ASSERT_EQ(retried->status, 200) << retried->body;
  EXPECT_EQ(Body(Sql(gw, "SELECT count(*) FROM workers"))["rows"][0][0], 200000);
}

}  // namespace
}  // namespace lakehouse

namespace lakehouse {
namespace {

TEST(RunSplitScript, StartsTheSevenRolesWaitingOnHealthAndStopsThemCleanly) {
  if (testing::TestOnS3()) GTEST_SKIP() << "the script's storage comes from its own config; covered once, locally";
  TempPath dir = testing::MakeTestDir();
  std::string config = "[server]\nlisten = \"127.0.0.1:" + std::to_string(testing::FreeLoopbackPort()) + "\"\n[split]\n";
  for (const auto& role : testing::kSplitRoles) {
    if (role != "gateway") config += role + " = \"http://127.0.0.1:" + std::to_string(testing::FreeLoopbackPort()) + "\"\n";
  }
  testing::WriteFile(dir.path() / "split.toml", config);
  const std::string script = std::string("LAKEHOUSE_BIN=") + LAKEHOUSE_BIN + " " + LAKEHOUSE_SOURCE_DIR +
                             "/scripts/run-split.sh";
  const std::string args = " --data " + (dir.path() / "cluster").string() + " --config " + (dir.path() / "split.toml").string();
  auto [started, out] = testing::RunCommand(script + " start" + args);
  ASSERT_EQ(started, 0) << out;
  for (const auto& role : testing::kSplitRoles) EXPECT_NE(out.find(role), std::string::npos) << out;
  // Started already: a second start refuses instead of doubling the processes.
  EXPECT_NE(testing::RunCommand(script + " start" + args).first, 0);

  const std::string gateway_port = config.substr(config.find(':') + 1, config.find('"', config.find(':')) - config.find(':') - 1);
  httplib::Client gateway("127.0.0.1", std::stoi(gateway_port));
  auto health = Body(gateway.Get("/health"));
  EXPECT_EQ(health["status"], "ok") << health.dump();
  auto sql = gateway.Post("/v1/sql", R"({"sql":"SELECT 40 + 2 AS answer"})", "application/json");
  ASSERT_TRUE(sql);
  EXPECT_EQ(Body(sql)["rows"][0][0], 42);

  std::vector<pid_t> pids;
  for (const auto& role : testing::kSplitRoles) {
    std::ifstream in(dir.path() / "cluster" / "run" / (role + ".pid"));
    pid_t pid = 0;
    in >> pid;
    pids.push_back(pid);
  }
  auto [stopped, stop_out] = testing::RunCommand(script + " stop" + args);
  EXPECT_EQ(stopped, 0) << stop_out;
  for (pid_t pid : pids) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string pid_field, comm, state;
    stat >> pid_field >> comm >> state;
    EXPECT_TRUE(!stat || state == "Z") << "pid " << pid << " still runs (state " << state << ")";
  }
  EXPECT_FALSE(gateway.Get("/health"));
}

}  // namespace
}  // namespace lakehouse
