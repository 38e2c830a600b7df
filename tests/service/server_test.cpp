// End to end: the real `lakehouse serve` process on a free port, spoken to
// over real HTTP, restarted against the same data directory.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <nlohmann/json.hpp>

#include "gen/workers.h"
#include "test_util.h"

namespace lakehouse {
namespace {

using nlohmann::json;
using testing::Body;
using testing::ErrorCode;
using testing::ServerProcess;

httplib::Result Sql(httplib::Client& client, const std::string& sql) {
  return client.Post("/v1/sql", json{{"sql", sql}}.dump(), "application/json");
}

httplib::Result IngestRaw(httplib::Client& client, const std::string& name, const std::string& csv,
                          const std::string& extra = "") {
  return client.Post("/v1/ingest?name=" + name + extra, csv, "text/csv");
}

class ServerTest : public ::testing::Test {
 protected:
  TempPath dir_ = testing::MakeTestDir();
  std::filesystem::path data_ = dir_.path() / "data";
};

TEST_F(ServerTest, IngestQueryDriftRestartKeepsEverything) {
  ServerProcess server(data_);
  server.Start();
  auto client = server.Client();

  auto health = Body(client.Get("/v1/health"));
  EXPECT_EQ(health["status"], "ok");
  EXPECT_EQ(health["service"], "lakehouse");
  EXPECT_EQ(health["detail"]["storage"]["backend"], testing::TestOnS3() ? "s3" : "local");
  EXPECT_EQ(Body(client.Get("/health"))["status"], "ok");

  // Multipart upload, as the predecessor's clients send it.
  httplib::MultipartFormDataItems items = {{"file", WorkersCsv({300, 5, 1}), "workers.csv", "text/csv"}};
  auto ingested = client.Post("/v1/ingest?name=workers", items);
  ASSERT_EQ(ingested->status, 200) << ingested->body;
  json manifest = Body(ingested);
  EXPECT_EQ(manifest["row_count"], 300);
  EXPECT_EQ(manifest["existing"], false);
  EXPECT_EQ(manifest["version"], 1);
  EXPECT_EQ(manifest["columns"].size(), 18u);
  EXPECT_EQ(manifest["ingest"]["rows"], 300);

  // Read-your-writes: the very next query sees the ingest.
  auto counted = Body(Sql(client, "SELECT count(*) AS n FROM workers"));
  EXPECT_EQ(counted["columns"][0]["name"], "n");
  EXPECT_EQ(counted["columns"][0]["type"], "BIGINT");
  EXPECT_EQ(counted["rows"][0][0], 300);
  EXPECT_EQ(counted["row_count"], 1);
  auto by_state = Body(Sql(client, "SELECT state, count(*) FROM workers GROUP BY state ORDER BY 2 DESC, 1"));
  const json answer_before = by_state["rows"];
  ASSERT_GT(answer_before.size(), 3u);

  // Raw body append with the same schema.
  auto appended = IngestRaw(client, "workers", WorkersCsv({100, 6, 301}), "&mode=append");
  ASSERT_EQ(appended->status, 200) << appended->body;
  EXPECT_EQ(Body(appended)["existing"], true);
  EXPECT_EQ(Body(Sql(client, "SELECT count(*) FROM workers"))["rows"][0][0], 400);

  // Schema drift: 409, and the dataset answers exactly as before.
  auto drift = IngestRaw(client, "workers", "worker_id,state\nW1,IL\n");
  EXPECT_EQ(drift->status, 409);
  EXPECT_EQ(ErrorCode(drift), "schema_conflict");
  EXPECT_EQ(Body(Sql(client, "SELECT count(*) FROM workers"))["rows"][0][0], 400);

  json catalog_before = Body(client.Get("/v1/catalog/manifest/workers"));
  EXPECT_EQ(catalog_before["version"], 2);
  EXPECT_EQ(catalog_before["objects"].size(), 2u);
  json answer_after_append = Body(Sql(client, "SELECT state, count(*) FROM workers GROUP BY state ORDER BY 2 DESC, 1"))["rows"];

  EXPECT_EQ(server.Stop(), 0) << server.Log();
  if (testing::TestOnS3()) {
    EXPECT_NE(server.Log().find("storage_s3"), std::string::npos);
    EXPECT_EQ(server.Log().find(testing::S3rver::kSecretKey), std::string::npos) << "a credential reached the log";
  }
  ServerProcess restarted(data_);
  restarted.Start();
  auto client2 = restarted.Client();
  EXPECT_EQ(Body(client2.Get("/v1/catalog/manifest/workers")), catalog_before);
  EXPECT_EQ(Body(Sql(client2, "SELECT state, count(*) FROM workers GROUP BY state ORDER BY 2 DESC, 1"))["rows"],
            answer_after_append);
  auto list = Body(client2.Get("/v1/catalog/list"));
  EXPECT_EQ(list["count"], 1);
  EXPECT_EQ(list["datasets"][0]["name"], "workers");
}

TEST_F(ServerTest, BadInputsGetClearJsonErrors) {
  ServerProcess server(data_);
  server.Start();
  auto client = server.Client();

  EXPECT_EQ(ErrorCode(IngestRaw(client, "bad-name", "a\n1\n")), "invalid_name");
  EXPECT_EQ(IngestRaw(client, "", "a\n1\n")->status, 400);
  auto mode = IngestRaw(client, "ok", "a\n1\n", "&mode=merge");
  EXPECT_EQ(mode->status, 400);
  EXPECT_NE(Body(mode)["error"]["message"].get<std::string>().find("merge"), std::string::npos);
  auto ragged = IngestRaw(client, "ragged", "a,b\n1,2\n3\n");
  EXPECT_EQ(ragged->status, 400);
  EXPECT_EQ(ErrorCode(ragged), "bad_csv");
  EXPECT_EQ(ErrorCode(IngestRaw(client, "empty", "")), "bad_csv");
  httplib::MultipartFormDataItems no_file = {{"other", "a\n1\n", "x.csv", "text/csv"}};
  EXPECT_EQ(client.Post("/v1/ingest?name=nofile", no_file)->status, 400);

  EXPECT_EQ(ErrorCode(client.Post("/v1/sql", "{not json", "application/json")), "bad_json");
  EXPECT_EQ(client.Post("/v1/sql", R"({"query":"SELECT 1"})", "application/json")->status, 400);
  EXPECT_EQ(Sql(client, "DROP VIEW x")->status, 403);
  EXPECT_EQ(Sql(client, "SELECT * FROM read_csv('/etc/passwd')")->status, 403);
  EXPECT_EQ(Sql(client, "SELECT * FROM nothing_here")->status, 400);

  auto unknown = client.Get("/v1/nope");
  EXPECT_EQ(unknown->status, 404);
  EXPECT_EQ(ErrorCode(unknown), "not_found");
  auto no_manifest = client.Get("/v1/catalog/manifest/ghost");
  EXPECT_EQ(no_manifest->status, 404);
  EXPECT_EQ(ErrorCode(no_manifest), "unknown_dataset");

  // Catalog register over HTTP validates its body.
  EXPECT_EQ(client.Post("/v1/catalog/register", R"({"name":"x"})", "application/json")->status, 400);
  EXPECT_EQ(client.Post("/v1/catalog/register", "[]", "application/json")->status, 400);

  // Nothing was half-applied.
  EXPECT_EQ(Body(client.Get("/v1/catalog/list"))["count"], 0);
  EXPECT_EQ(testing::CountFiles(data_ / "tmp"), 0u);
}

TEST_F(ServerTest, StorageRoutesStreamAndValidateKeys) {
  auto config = dir_.path() / "small.toml";
  testing::WriteFile(config, "[storage]\nmax_put_bytes = 1000\n[ingest]\nmax_upload_bytes = 2000\n");
  ServerProcess server(data_, config.string());
  server.Start();
  auto client = server.Client();

  auto put = client.Put("/v1/storage/put/notes/a.txt", "hello", "application/octet-stream");
  ASSERT_EQ(put->status, 200) << put->body;
  EXPECT_EQ(Body(put)["size"], 5);
  auto got = client.Get("/v1/storage/get/notes/a.txt");
  EXPECT_EQ(got->status, 200);
  EXPECT_EQ(got->body, "hello");
  for (int i = 0; i < 3; ++i) {
    client.Put("/v1/storage/put/notes/n" + std::to_string(i), "x", "application/octet-stream");
  }
  auto page = Body(client.Get("/v1/storage/list?prefix=notes/&limit=2"));
  EXPECT_EQ(page["count"], 2);
  EXPECT_EQ(page["truncated"], true);
  auto rest = Body(client.Get("/v1/storage/list?prefix=notes/&limit=10&after=" + page["next_after"].get<std::string>()));
  EXPECT_EQ(rest["count"], 2);
  EXPECT_EQ(rest["truncated"], false);

  EXPECT_EQ(client.Delete("/v1/storage/delete/notes/a.txt")->status, 200);
  EXPECT_EQ(client.Get("/v1/storage/get/notes/a.txt")->status, 404);
  EXPECT_EQ(client.Delete("/v1/storage/delete/notes/a.txt")->status, 404);

  auto traversal = client.Put("/v1/storage/put/a/../b", "x", "application/octet-stream");
  EXPECT_EQ(traversal->status, 400);
  EXPECT_EQ(ErrorCode(traversal), "invalid_key");
  EXPECT_EQ(client.Get("/v1/storage/get/a/%2e%2e/b")->status, 400);

  // Over the configured caps: 413 from Content-Length, before the body is read.
  httplib::Client fresh = server.Client();
  auto big = fresh.Put("/v1/storage/put/big.bin", std::string(5000, 'x'), "application/octet-stream");
  EXPECT_EQ(big->status, 413);
  EXPECT_EQ(ErrorCode(big), "too_large");
  httplib::Client fresh2 = server.Client();
  auto big_csv = IngestRaw(fresh2, "big", "a\n" + std::string(3000, '1') + "\n");
  EXPECT_EQ(big_csv->status, 413);
  EXPECT_EQ(client.Get("/v1/storage/get/big.bin")->status, 404);

  // A chunked body has no Content-Length: the stream itself is counted.
  httplib::Client fresh3 = server.Client();
  auto chunked = fresh3.Put(
      "/v1/storage/put/chunked.bin",
      [](size_t, httplib::DataSink& sink) {
        std::string piece(600, 'y');
        sink.write(piece.data(), piece.size());
        sink.write(piece.data(), piece.size());
        sink.done();
        return true;
      },
      "application/octet-stream");
  ASSERT_TRUE(chunked);
  EXPECT_EQ(chunked->status, 413);
  EXPECT_EQ(client.Get("/v1/storage/get/chunked.bin")->status, 404);
}

// Opens a connection and sends only the headers of an upload, holding its slot.
int StartSlowUpload(int port, const std::string& path, size_t length) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  std::string head = "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\nContent-Length: " +
                     std::to_string(length) + "\r\n\r\na,b\n";
  EXPECT_EQ(send(fd, head.data(), head.size(), 0), static_cast<ssize_t>(head.size()));
  return fd;
}

TEST_F(ServerTest, ConcurrentIngestCapAnswers503WithRetryAfter) {
  auto config = dir_.path() / "one.toml";
  testing::WriteFile(config, "[ingest]\nmax_concurrent = 1\n");
  ServerProcess server(data_, config.string());
  server.Start();
  int slow = StartSlowUpload(server.port(), "/v1/ingest?name=slow", 1000000);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto client = server.Client();
  auto busy = IngestRaw(client, "other", "a\n1\n");
  EXPECT_EQ(busy->status, 503);
  EXPECT_EQ(busy->get_header_value("Retry-After"), "1");
  close(slow);  // the abandoned upload frees its slot and its temp file
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto client2 = server.Client();
  EXPECT_EQ(IngestRaw(client2, "other", "a\n1\n")->status, 200);
  EXPECT_EQ(testing::CountFiles(data_ / "tmp"), 0u);
}

TEST_F(ServerTest, StartupErrorsNameTheConfigKey) {
  auto config = dir_.path() / "typo.toml";
  testing::WriteFile(config, "[query]\ntimeout = 5\n");
  auto [code, output] = testing::RunCommand(std::string(LAKEHOUSE_BIN) + " serve --config " + config.string() +
                                            " --data " + data_.string());
  EXPECT_EQ(code, 2);
  EXPECT_NE(output.find("query.timeout"), std::string::npos) << output;
  auto [code2, output2] = testing::RunCommand(std::string(LAKEHOUSE_BIN) + " serve --listen nonsense");
  EXPECT_EQ(code2, 2);
  EXPECT_NE(output2.find("--listen"), std::string::npos) << output2;
}

TEST_F(ServerTest, CliIngestAndSqlTalkToTheServer) {
  ServerProcess server(data_);
  server.Start();
  auto csv = dir_.path() / "w.csv";
  const std::string bin = LAKEHOUSE_BIN;
  auto [gen_code, gen_out] = testing::RunCommand(bin + " gen workers --rows 250 --seed 3 --out " + csv.string());
  ASSERT_EQ(gen_code, 0) << gen_out;
  auto [code, out] = testing::RunCommand(bin + " ingest " + csv.string() + " --name cli_workers --server " + server.url());
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("250 rows"), std::string::npos) << out;
  auto [sql_code, sql_out] = testing::RunCommand(bin + " sql \"SELECT count(*) AS n FROM cli_workers\" --json --server " +
                                                 server.url());
  EXPECT_EQ(sql_code, 0) << sql_out;
  EXPECT_EQ(json::parse(sql_out)["rows"][0][0], 250);
  auto [table_code, table_out] =
      testing::RunCommand(bin + " sql \"SELECT role FROM cli_workers LIMIT 2\" --server " + server.url());
  EXPECT_EQ(table_code, 0);
  EXPECT_NE(table_out.find("(2 rows)"), std::string::npos) << table_out;

  auto [bad_code, bad_out] = testing::RunCommand(bin + " sql \"DELETE FROM cli_workers\" --server " + server.url());
  EXPECT_NE(bad_code, 0);
  EXPECT_NE(bad_out.find("sql_forbidden"), std::string::npos) << bad_out;
  auto [drift_code, drift_out] = testing::RunCommand(bin + " ingest " + (dir_.path() / "w.csv").string() +
                                                     " --name bad-name --server " + server.url());
  EXPECT_NE(drift_code, 0);
  EXPECT_NE(drift_out.find("invalid_name"), std::string::npos) << drift_out;
  auto [down_code, down_out] = testing::RunCommand(bin + " sql \"SELECT 1\" --server http://127.0.0.1:1");
  EXPECT_NE(down_code, 0);
  EXPECT_NE(down_out.find("cannot reach"), std::string::npos) << down_out;
}

TEST_F(ServerTest, SigtermLetsAnInFlightQueryFinish) {
  ServerProcess server(data_);
  server.Start();
  auto client = server.Client();
  std::thread query([&] {
    auto res = Sql(client, "SELECT count(*) FROM range(300000000) t(x) WHERE x % 7 = 3");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200) << res->body;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  EXPECT_EQ(server.Stop(), 0);
  query.join();
}

}  // namespace
}  // namespace lakehouse
