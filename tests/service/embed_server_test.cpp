// End to end for /v1/embed and `lakehouse embed`: the real server process,
// with the builtin embedder and with an HTTP provider pointed at a small
// local server that stands in for OpenAI (which cannot run here).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "test_util.h"

namespace lakehouse {
namespace {

using nlohmann::json;
using testing::Body;
using testing::ErrorCode;
using testing::ServerProcess;

class EmbedServerTest : public ::testing::Test {
 protected:
  TempPath dir_ = testing::MakeTestDir();
  std::filesystem::path data_ = dir_.path() / "data";
};

TEST_F(EmbedServerTest, BuiltinByDefaultWithLimitsAndCache) {
  const std::string config = (dir_.path() / "lakehouse.toml").string();
  testing::WriteFile(config, "[embed]\nmax_texts = 3\nmax_text_bytes = 64\n");
  ServerProcess server(data_, config);
  server.Start();
  auto client = server.Client();
  auto embedded = client.Post("/v1/embed", R"({"texts":["forklift driver","forklift operator"]})", "application/json");
  ASSERT_EQ(embedded->status, 200) << embedded->body;
  json body = Body(embedded);
  EXPECT_EQ(body["model"], "builtin-ngram-v1");
  EXPECT_EQ(body["dimension"], 384);
  ASSERT_EQ(body["vectors"].size(), 2u);
  EXPECT_EQ(body["vectors"][0].size(), 384u);
  EXPECT_EQ(body["cache_hits"], 0);
  auto again = client.Post("/v1/embed", R"({"texts":["forklift driver"]})", "application/json");
  EXPECT_EQ(Body(again)["cache_hits"], 1);
  EXPECT_EQ(Body(again)["vectors"][0], body["vectors"][0]);
  auto health = Body(client.Get("/health"));
  EXPECT_EQ(health["detail"]["embed"]["provider"], "builtin");
  EXPECT_EQ(health["detail"]["embed"]["cache"]["hits"], 1);
  EXPECT_EQ(health["detail"]["embed"]["cache"]["misses"], 2);

  struct Case {
    std::string body, code;
  };
  for (const auto& c : std::vector<Case>{{R"({"texts":["a","b","c","d"]})", "too_many_texts"},
                                         {R"({"texts":[")" + std::string(65, 'x') + R"("]})", "text_too_long"},
                                         {R"({"texts":["ok","  "]})", "empty_text"},
                                         {R"({"texts":["ok",3]})", "bad_request"},
                                         {R"({"texts":[]})", "bad_request"},
                                         {R"({"text":"a"})", "bad_request"},
                                         {R"({"texts":["a"],"model":"gpt-9"})", "unknown_model"}}) {
    auto res = client.Post("/v1/embed", c.body, "application/json");
    EXPECT_EQ(res->status, 400) << c.body;
    EXPECT_EQ(ErrorCode(res), c.code) << c.body << " -> " << res->body;
  }

  auto [code, output] = testing::RunCommand(std::string(LAKEHOUSE_BIN) + " embed --server " + server.url() +
                                            " 'CNC machinist' 'CNC operator' 'registered nurse'");
  EXPECT_EQ(code, 0) << output;
  EXPECT_NE(output.find("dimension 384"), std::string::npos) << output;
  EXPECT_NE(output.find("cosine similarity"), std::string::npos) << output;
  auto [bad_code, bad_output] =
      testing::RunCommand(std::string(LAKEHOUSE_BIN) + " embed --server " + server.url() + " ' '");
  EXPECT_NE(bad_code, 0);
  EXPECT_NE(bad_output.find("empty_text"), std::string::npos) << bad_output;
}

// Stands in for an OpenAI-compatible server (OpenAI itself cannot be reached
// here): rejects the key, echoing it as OpenAI does.
TEST_F(EmbedServerTest, UpstreamFailureIsA502WithoutTheSecret) {
  httplib::Server upstream;
  upstream.Post("/v1/embeddings", [](const httplib::Request& req, httplib::Response& res) {
    res.status = 401;
    res.set_content(json{{"error", {{"message", "Incorrect API key provided: " +
                                                    req.get_header_value("Authorization").substr(7)}}}}
                        .dump(),
                    "application/json");
  });
  int port = upstream.bind_to_any_port("127.0.0.1");
  std::thread upstream_thread([&] { upstream.listen_after_bind(); });

  const std::string secret = "sk-live-do-not-log-4242";
  testing::WriteFile(dir_.path() / "key.txt", secret + "\n");
  const std::string config = (dir_.path() / "lakehouse.toml").string();
  testing::WriteFile(config, "[embed]\nprovider = \"openai\"\nmodel = \"text-embedding-3-small\"\nurl = \"http://127.0.0.1:" +
                                 std::to_string(port) + "/v1\"\napi_key_file = \"" +
                                 (dir_.path() / "key.txt").string() + "\"\nmax_retries = 0\n");
  {
    ServerProcess server(data_, config);
    server.Start();
    auto client = server.Client();
    auto res = client.Post("/v1/embed", R"({"texts":["hello"]})", "application/json");
    EXPECT_EQ(res->status, 502) << res->body;
    EXPECT_EQ(ErrorCode(res), "upstream_error");
    EXPECT_NE(res->body.find("Incorrect API key"), std::string::npos) << res->body;
    EXPECT_EQ(res->body.find(secret), std::string::npos) << res->body;
    EXPECT_EQ(Body(client.Get("/health"))["detail"]["embed"]["provider"], "openai");
    server.Stop();
    EXPECT_EQ(server.Log().find(secret), std::string::npos) << "the key reached the log";
  }
  upstream.stop();
  upstream_thread.join();
}

}  // namespace
}  // namespace lakehouse
