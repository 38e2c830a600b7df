// End to end for /v1/vectors: the real server process over HTTP, stopped
// with SIGTERM and restarted on the same data directory.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "gen/vectors.h"
#include "test_util.h"
#include "vector/batch_codec.h"

namespace lakehouse {
namespace {

using nlohmann::json;
using testing::Body;
using testing::ErrorCode;
using testing::ServerProcess;

constexpr uint32_t kDim = 16;

json Items(const std::vector<float>& vectors, size_t first, size_t count) {
  json items = json::array();
  for (size_t i = first; i < first + count; ++i) {
    items.push_back({{"id", "w" + std::to_string(i)},
                     {"vector", std::vector<float>(vectors.begin() + i * kDim, vectors.begin() + (i + 1) * kDim)},
                     {"metadata", {{"state", i % 4 == 0 ? "IL" : "WI"}, {"i", i}}}});
  }
  return items;
}

httplib::Result Post(httplib::Client& client, const std::string& path, const json& body) {
  return client.Post(path, body.dump(), "application/json");
}

class VectorServerTest : public ::testing::Test {
 protected:
  TempPath dir_ = testing::MakeTestDir();
  std::filesystem::path data_ = dir_.path() / "data";
  std::vector<float> vectors_ = ClusteredVectors({.count = 1200, .dimension = kDim, .clusters = 12, .seed = 11});
};

TEST_F(VectorServerTest, IndexLifecycleSearchAndRestart) {
  ServerProcess server(data_);
  server.Start();
  auto client = server.Client();

  auto created = Post(client, "/v1/vectors/index", {{"name", "workers"}, {"dimension", kDim}, {"m", 12}});
  ASSERT_EQ(created->status, 201) << created->body;
  EXPECT_EQ(Body(created)["metric"], "cosine");
  EXPECT_EQ(Body(created)["count"], 0);
  auto again = Post(client, "/v1/vectors/index", {{"name", "workers"}, {"dimension", kDim}});
  EXPECT_EQ(again->status, 409);
  EXPECT_EQ(ErrorCode(again), "index_exists");

  // JSON batch, then a binary batch.
  auto added = Post(client, "/v1/vectors/index/workers/add", {{"items", Items(vectors_, 0, 600)}});
  ASSERT_EQ(added->status, 200) << added->body;
  EXPECT_EQ(Body(added)["added"], 600);
  AddBatch batch;
  batch.dimension = kDim;
  for (size_t i = 600; i < 1200; ++i) {
    batch.ids.push_back("w" + std::to_string(i));
    batch.vectors.insert(batch.vectors.end(), vectors_.begin() + i * kDim, vectors_.begin() + (i + 1) * kDim);
    batch.metadata.emplace_back(json{{"state", i % 4 == 0 ? "IL" : "WI"}, {"i", i}}.dump());
  }
  auto binary = client.Post("/v1/vectors/index/workers/add", EncodeBinaryBatch(batch),
                            std::string(kBinaryBatchContentType).c_str());
  ASSERT_EQ(binary->status, 200) << binary->body;
  EXPECT_EQ(Body(binary)["count"], 1200);

  // Search: nearest first, metadata attached; a filter still fills k.
  const std::vector<float> query(vectors_.begin() + 5 * kDim, vectors_.begin() + 6 * kDim);
  auto found = Post(client, "/v1/vectors/index/workers/search", {{"vector", query}, {"k", 5}});
  ASSERT_EQ(found->status, 200) << found->body;
  json results = Body(found)["results"];
  ASSERT_EQ(results.size(), 5u);
  EXPECT_EQ(results[0]["id"], "w5");
  EXPECT_EQ(results[0]["metadata"]["i"], 5);
  auto filtered = Post(client, "/v1/vectors/index/workers/search",
                       {{"vector", query}, {"k", 40}, {"filter", {{"state", "IL"}}}, {"ef_search", 50}});
  ASSERT_EQ(filtered->status, 200) << filtered->body;
  const json filtered_results = Body(filtered)["results"];
  ASSERT_EQ(filtered_results.size(), 40u);
  for (const auto& hit : filtered_results) EXPECT_EQ(hit["metadata"]["state"], "IL");

  // Item get (IDs may hold any UTF-8, '/' included) and delete.
  ASSERT_EQ(Post(client, "/v1/vectors/index/workers/add",
                 {{"items", {{{"id", "dept/42 é"}, {"vector", query}, {"metadata", {{"note", "x"}}}}}}})
                ->status,
            200);
  auto item = client.Get("/v1/vectors/index/workers/items/dept%2F42%20%C3%A9");
  ASSERT_EQ(item->status, 200) << item->body;
  EXPECT_EQ(Body(item)["id"], "dept/42 é");
  EXPECT_EQ(Body(item)["metadata"]["note"], "x");
  EXPECT_EQ(Body(item)["vector"].size(), kDim);
  auto removed = Post(client, "/v1/vectors/index/workers/delete", {{"ids", {"w0", "w1", "nope"}}});
  ASSERT_EQ(removed->status, 200);
  EXPECT_EQ(Body(removed)["deleted"], 2);
  EXPECT_EQ(Body(removed)["missing"], json({"nope"}));
  EXPECT_EQ(client.Get("/v1/vectors/index/workers/items/w0")->status, 404);

  auto saved = client.Post("/v1/vectors/index/workers/save", "", "application/json");
  ASSERT_EQ(saved->status, 200) << saved->body;
  EXPECT_EQ(Body(saved)["persisted"]["generation"], 1);
  // Unsaved at SIGTERM: written during shutdown.
  ASSERT_EQ(Post(client, "/v1/vectors/index/workers/delete", {{"ids", {"w2"}}})->status, 200);
  ASSERT_EQ(Post(client, "/v1/vectors/index", {{"name", "other"}, {"dimension", 3}, {"metric", "l2"}})->status, 201);
  json before_restart = Body(Post(client, "/v1/vectors/index/workers/search", {{"vector", query}, {"k", 5}}))["results"];
  EXPECT_EQ(server.Stop(), 0);

  ServerProcess restarted(data_);
  restarted.Start();
  auto client2 = restarted.Client();
  auto info = client2.Get("/v1/vectors/index/workers");
  ASSERT_EQ(info->status, 200) << info->body;
  EXPECT_EQ(Body(info)["count"], 1198);
  EXPECT_EQ(Body(info)["unsaved_changes"], false);
  EXPECT_EQ(client2.Get("/v1/vectors/index/workers/items/w2")->status, 404);
  auto found2 = Post(client2, "/v1/vectors/index/workers/search", {{"vector", query}, {"k", 5}});
  EXPECT_EQ(Body(found2)["results"], before_restart) << "the restarted index answers differently";
  auto list = client2.Get("/v1/vectors/index");
  ASSERT_EQ(Body(list)["indexes"].size(), 2u);
  EXPECT_EQ(Body(list)["indexes"][0]["name"], "other");
  EXPECT_EQ(Body(list)["indexes"][0]["metric"], "l2");

  ASSERT_EQ(client2.Delete("/v1/vectors/index/other")->status, 200);
  EXPECT_EQ(client2.Get("/v1/vectors/index/other")->status, 404);
}

TEST_F(VectorServerTest, BadInputsAreClearErrorsAndChangeNothing) {
  const std::string config = (dir_.path() / "lakehouse.toml").string();
  testing::WriteFile(config, "[vector]\nmax_batch_bytes = 4096\n");
  ServerProcess server(data_, config);
  server.Start();
  auto client = server.Client();
  struct CreateCase {
    json body;
    std::string code;
  };
  for (const auto& c : std::vector<CreateCase>{{{{"dimension", 4}}, "bad_request"},
                                               {{{"name", "x"}}, "bad_request"},
                                               {{{"name", "x"}, {"dimension", 0}}, "bad_request"},
                                               {{{"name", "x y"}, {"dimension", 4}}, "invalid_name"},
                                               {{{"name", "x"}, {"dimension", 4}, {"metric", "dot"}}, "bad_request"},
                                               {{{"name", "x"}, {"dimension", 4}, {"m", 1000}}, "bad_request"}}) {
    auto res = Post(client, "/v1/vectors/index", c.body);
    EXPECT_EQ(res->status, 400) << c.body.dump();
    EXPECT_EQ(ErrorCode(res), c.code) << c.body.dump() << " " << res->body;
  }
  ASSERT_EQ(Post(client, "/v1/vectors/index", {{"name", "idx"}, {"dimension", 3}})->status, 201);
  ASSERT_EQ(Post(client, "/v1/vectors/index/idx/add", {{"items", {{{"id", "a"}, {"vector", {1, 2, 3}}}}}})->status,
            200);

  struct AddCase {
    std::string body;
    std::string fragment;
  };
  for (const auto& c : std::vector<AddCase>{
           {R"({"items":[{"id":"b","vector":[1,2,3]},{"id":"c","vector":[0,0,0]}]})", "item 1 (id \"c\")"},
           {R"({"items":[{"id":"b","vector":[1,2,3]},{"id":"b","vector":[1,2,4]}]})", "more than once"},
           {R"({"items":[{"id":"b","vector":[1,2]}]})", "dimensions"},
           {R"({"items":[{"id":"b","vector":[1,2,1e999]}]})", ""},
           {R"({"items":[{"id":"","vector":[1,2,3]}]})", "id is empty"},
           {R"({"items":[{"id":"b","vector":[1,2,3],"metadata":"x"}]})", "metadata"},
           {R"({"items":[]})", "empty"},
           {R"(not json)", ""}}) {
    auto res = client.Post("/v1/vectors/index/idx/add", c.body, "application/json");
    EXPECT_EQ(res->status, 400) << c.body << " -> " << res->body;
    EXPECT_NE(Body(res)["error"]["message"].get<std::string>().find(c.fragment), std::string::npos) << res->body;
  }
  EXPECT_EQ(Body(client.Get("/v1/vectors/index/idx"))["count"], 1) << "a rejected batch changed the index";
  EXPECT_EQ(client.Get("/v1/vectors/index/idx/items/b")->status, 404);

  auto bad_binary = client.Post("/v1/vectors/index/idx/add", "LHVB\x01", std::string(kBinaryBatchContentType).c_str());
  EXPECT_EQ(bad_binary->status, 400);
  EXPECT_EQ(ErrorCode(bad_binary), "invalid_batch");
  httplib::Client fresh = server.Client();
  auto too_big = fresh.Post("/v1/vectors/index/idx/add", std::string(5000, ' '), "application/json");
  EXPECT_EQ(too_big->status, 413);

  httplib::Client c2 = server.Client();
  EXPECT_EQ(c2.Post("/v1/vectors/index/nope/search", R"({"vector":[1,2,3]})", "application/json")->status, 404);
  for (const std::string& body : {std::string(R"({"vector":[1,2]})"), std::string(R"({"vector":[1,2,3],"k":0})"),
                                  std::string(R"({"vector":[1,2,3],"k":5000})"), std::string(R"({"k":3})"),
                                  std::string(R"({"vector":[1,2,3],"filter":[1]})"),
                                  std::string(R"({"vector":[0,0,0]})")}) {
    EXPECT_EQ(c2.Post("/v1/vectors/index/idx/search", body, "application/json")->status, 400) << body;
  }
  EXPECT_EQ(c2.Delete("/v1/vectors/index/nope")->status, 404);
  EXPECT_EQ(c2.Post("/v1/vectors/index/idx/delete", R"({"ids":"a"})", "application/json")->status, 400);
}

}  // namespace
}  // namespace lakehouse

namespace lakehouse {
namespace {

TEST(VectorServerIntervalTest, ChangedIndexesAreSavedOnTheInterval) {
  TempPath dir = testing::MakeTestDir();
  const std::string config = (dir.path() / "lakehouse.toml").string();
  testing::WriteFile(config, "[vector]\nsave_interval_s = 1\n");
  testing::ServerProcess server(dir.path() / "data", config);
  server.Start();
  auto client = server.Client();
  ASSERT_EQ(client.Post("/v1/vectors/index", R"({"name":"timed","dimension":2})", "application/json")->status, 201);
  ASSERT_EQ(client.Post("/v1/vectors/index/timed/add", R"({"items":[{"id":"a","vector":[1,0]}]})", "application/json")
                ->status,
            200);
  nlohmann::json info;
  for (int i = 0; i < 50; ++i) {
    info = testing::Body(client.Get("/v1/vectors/index/timed"));
    if (!info["unsaved_changes"].get<bool>()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_FALSE(info["unsaved_changes"].get<bool>());
  EXPECT_EQ(info["persisted"]["count"], 1);
  // Killed without a chance to save at shutdown: the interval save is what survives.
  server.Kill();
  testing::ServerProcess restarted(dir.path() / "data", config);
  restarted.Start();
  auto client2 = restarted.Client();
  EXPECT_EQ(testing::Body(client2.Get("/v1/vectors/index/timed"))["count"], 1);
}

}  // namespace
}  // namespace lakehouse
