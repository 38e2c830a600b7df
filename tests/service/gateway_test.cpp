// The gateway in process, in front of a recording upstream (a plain HTTP
// server standing in for one service, so paths and timing can be observed).
#include "service/gateway.h"

#include <gtest/gtest.h>

#include <thread>

#include "test_util.h"

namespace lakehouse {
namespace {

using testing::Body;
using testing::ErrorCode;

class GatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    upstream_.Get(R"(/.*)", [this](const httplib::Request& req, httplib::Response& res) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        seen_.push_back(req.method + " " + req.target);
      }
      if (req.path.find("/slow") != std::string::npos) std::this_thread::sleep_for(std::chrono::milliseconds(2500));
      if (req.path.find("/missing") != std::string::npos) {
        res.status = 404;
        res.set_content(R"({"error":{"code":"no_such_thing","message":"upstream says no"}})", "application/json");
        return;
      }
      res.set_content(std::string(3 << 20, 'x'), "application/octet-stream");  // larger than the gateway's buffers
    });
    upstream_.Post("/ingest", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      seen_.push_back("POST /ingest");
      const bool multipart = req.is_multipart_form_data() && req.has_file("file");
      res.set_content(nlohmann::json{{"multipart", multipart},
                                     {"filename", multipart ? req.get_file_value("file").filename : ""},
                                     {"content", multipart ? req.get_file_value("file").content : req.body}}
                          .dump(),
                      "application/json");
    });
    upstream_.Post(R"(/behind/.*)", [this](const httplib::Request& req, httplib::Response& res,
                                    const httplib::ContentReader& reader) {
      size_t bytes = 0;
      reader([&](const char*, size_t n) {
        bytes += n;
        return true;
      });
      std::lock_guard<std::mutex> lock(mu_);
      seen_.push_back(req.method + " " + req.target);
      res.set_content(R"({"received":)" + std::to_string(bytes) + "}", "application/json");
    });
    upstream_.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
      try {
        std::rethrow_exception(ep);
      } catch (const std::exception& e) {
        res.status = 500;
        res.set_content(std::string("upstream threw: ") + e.what(), "text/plain");
      }
    });
    const int upstream_port = upstream_.bind_to_any_port("127.0.0.1");
    upstream_thread_ = std::thread([this] { upstream_.listen_after_bind(); });

    const std::string base = "http://127.0.0.1:" + std::to_string(upstream_port);
    const std::string down = "http://127.0.0.1:" + std::to_string(testing::FreeLoopbackPort());
    GatewayOptions options;
    options.stall_timeout_s = 1;
    options.routes = {{"/sql", {"queryd", base + "/behind/a/prefix"}},
                      {"/storage/", {"storaged", base}},
                      {"/ingest", {"ingestd", base}},
                      {"/embed", {"embedd", down}}};
    gateway_ = std::make_unique<Gateway>(options);
    http::ServerOptions server;
    server.port = 0;
    server_ = std::make_unique<http::HttpServer>(server);
    gateway_->Register(*server_);
    port_ = *server_->Bind();
    server_thread_ = std::thread([this] { server_->Run(); });
  }
  void TearDown() override {
    server_->Stop();
    server_thread_.join();
    upstream_.stop();
    upstream_thread_.join();
  }
  httplib::Client Client() {
    httplib::Client client("127.0.0.1", port_);
    client.set_read_timeout(30, 0);
    return client;
  }
  std::vector<std::string> Seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }

  httplib::Server upstream_;
  std::thread upstream_thread_;
  std::mutex mu_;
  std::vector<std::string> seen_;
  std::unique_ptr<Gateway> gateway_;
  std::unique_ptr<http::HttpServer> server_;
  std::thread server_thread_;
  int port_ = 0;
};

TEST_F(GatewayTest, StripsV1KeepsTheUpstreamPathAndTheQuery) {
  auto client = Client();
  auto res = client.Post("/v1/sql?trace=1&x=a%20b", std::string(5 << 20, 'q'), "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(Body(res)["received"], 5 << 20);
  auto got = client.Get("/v1/storage/get/datasets/a%2Fb/c.parquet");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, 200);
  EXPECT_EQ(got->body.size(), 3u << 20);
  const auto seen = Seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], "POST /behind/a/prefix/sql?trace=1&x=a%20b");
  EXPECT_EQ(seen[1], "GET /storage/get/datasets/a%2Fb/c.parquet");
}

TEST_F(GatewayTest, AMultipartUploadPassesThroughByteForByte) {
  const std::string csv = "id,name\n1,Ann\n2,Bob\n";
  httplib::MultipartFormDataItems items = {{"file", csv, "workers.csv", "text/csv"}};
  auto res = Client().Post("/v1/ingest?name=workers", items);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  auto body = Body(res);
  EXPECT_EQ(body["multipart"], true);
  EXPECT_EQ(body["filename"], "workers.csv");
  EXPECT_EQ(body["content"], csv);
}

TEST_F(GatewayTest, UpstreamErrorsPassThroughUnchanged) {
  auto res = Client().Get("/v1/storage/missing");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(ErrorCode(res), "no_such_thing");
}

TEST_F(GatewayTest, UnknownRoutesDownAndSilentUpstreamsAreJsonErrors) {
  auto client = Client();
  auto unknown = client.Get("/v1/nowhere");
  EXPECT_EQ(unknown->status, 404);
  EXPECT_EQ(ErrorCode(unknown), "not_found");
  EXPECT_EQ(client.Get("/v2/sql")->status, 404);
  EXPECT_EQ(client.Get("/v1/sqlx")->status, 404);  // a prefix match needs a path boundary

  auto down = client.Post("/v1/embed", R"({"texts":["x"]})", "application/json");
  EXPECT_EQ(down->status, 502);
  EXPECT_EQ(ErrorCode(down), "upstream_unavailable");
  EXPECT_NE(Body(down)["error"]["message"].get<std::string>().find("embedd"), std::string::npos);

  auto slow = client.Get("/v1/storage/slow");  // silent for 2.5 s; the gateway allows 1 s
  EXPECT_EQ(slow->status, 504);
  EXPECT_EQ(ErrorCode(slow), "upstream_timeout");

  auto health = Body(client.Get("/health"));
  EXPECT_EQ(health["status"], "degraded");
  EXPECT_EQ(health["upstreams"]["embedd"]["status"], "down");
  EXPECT_EQ(health["upstreams"]["storaged"]["status"], "ok");
}

}  // namespace
}  // namespace lakehouse
