// End to end for meaning over datasets: ingest generated workers, index them
// by a text template with the builtin embedder, search with SQL conditions,
// append and re-index, all through the real server process.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "gen/workers.h"
#include "test_util.h"

namespace lakehouse {
namespace {

using nlohmann::json;
using testing::Body;
using testing::ErrorCode;
using testing::ServerProcess;

const json kIndexRequest = {
    {"index", "workers_by_meaning"},
    {"id_column", "worker_id"},
    {"text_template", "{role} in {city}, {state}. Skills: {skills}. Certifications: {certifications}. {availability}."},
    {"metadata_columns", {"state"}}};

json Search(httplib::Client& client, const json& request) {
  auto res = client.Post("/v1/search", request.dump(), "application/json");
  EXPECT_EQ(res->status, 200) << res->body;
  return Body(res);
}

class SemanticServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Start();
    auto client = server_.Client();
    auto ingested = client.Post("/v1/ingest?name=workers", WorkersCsv({.rows = 3000, .seed = 5}), "text/csv");
    ASSERT_EQ(ingested->status, 200) << ingested->body;
  }
  TempPath dir_ = testing::MakeTestDir();
  ServerProcess server_{dir_.path() / "data"};
};

TEST_F(SemanticServerTest, IndexSearchWithWhereAndReindexOnlyNewRows) {
  auto client = server_.Client();
  auto indexed = client.Post("/v1/datasets/workers/embeddings", kIndexRequest.dump(), "application/json");
  ASSERT_EQ(indexed->status, 200) << indexed->body;
  EXPECT_EQ(Body(indexed)["rows_embedded"], 3000);
  EXPECT_EQ(Body(indexed)["index_created"], true);
  auto info = Body(client.Get("/v1/vectors/index/workers_by_meaning"));
  EXPECT_EQ(info["source"]["dataset"], "workers");
  EXPECT_EQ(info["source"]["embedder"]["provider"], "builtin");

  // Canonical queries find the right role.
  struct Expectation {
    std::string text, role_fragment;
  };
  for (const auto& e : std::vector<Expectation>{{"forklift driver OSHA-30 warehouse", "Forklift"},
                                                {"electrician with industrial wiring", "Electrician"},
                                                {"CNC operator first article gauge R&R", "CNC"}}) {
    json found = Search(client, {{"dataset", "workers"}, {"index", "workers_by_meaning"}, {"text", e.text}, {"k", 5}});
    ASSERT_EQ(found["results"].size(), 5u) << e.text;
    for (const auto& hit : found["results"]) {
      EXPECT_NE(hit["row"]["role"].get<std::string>().find(e.role_fragment), std::string::npos)
          << e.text << " -> " << hit["row"]["role"];
    }
  }

  // where restricts the search itself: k rows come back, all matching.
  json filtered = Search(client, {{"dataset", "workers"},
                                  {"index", "workers_by_meaning"},
                                  {"text", "forklift driver OSHA-30 warehouse night shift"},
                                  {"k", 10},
                                  {"where", "state = 'IL' AND reliability > 0.8"},
                                  {"columns", {"worker_id", "role", "state", "reliability"}}});
  ASSERT_EQ(filtered["results"].size(), 10u);
  EXPECT_GT(filtered["where_matches"].get<int>(), 10);
  for (const auto& hit : filtered["results"]) {
    EXPECT_EQ(hit["row"]["state"], "IL");
    EXPECT_GT(hit["row"]["reliability"].get<double>(), 0.8);
    EXPECT_EQ(hit["row"].size(), 4u);
  }
  // Columns the index keeps as metadata come from it, typed as /sql types them.
  json light = Search(client, {{"dataset", "workers"}, {"index", "workers_by_meaning"}, {"text", "welder"},
                               {"k", 5}, {"columns", {"worker_id", "state"}}});
  json full = Search(client, {{"dataset", "workers"}, {"index", "workers_by_meaning"}, {"text", "welder"},
                              {"k", 5}, {"columns", {"worker_id", "state", "role"}}});
  EXPECT_EQ(light["timings_ms"]["rows_from"], "index metadata");
  EXPECT_EQ(full["timings_ms"]["rows_from"], "dataset");
  ASSERT_EQ(light["results"].size(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(light["results"][i]["row"]["state"], full["results"][i]["row"]["state"]);
    EXPECT_EQ(light["results"][i]["row"]["worker_id"], full["results"][i]["row"]["worker_id"]);
  }

  // A condition no row meets: no results, not an error.
  json none = Search(client, {{"dataset", "workers"}, {"index", "workers_by_meaning"}, {"text", "welder"}, {"where", "1 = 0"}});
  EXPECT_TRUE(none["results"].empty());

  // Bad requests.
  auto bad_where = client.Post("/v1/search",
                               json{{"dataset", "workers"}, {"index", "workers_by_meaning"}, {"text", "x"}, {"where", "nope >"}}.dump(),
                               "application/json");
  EXPECT_EQ(bad_where->status, 400) << bad_where->body;
  auto sneaky = client.Post("/v1/search",
                            json{{"dataset", "workers"},
                                 {"index", "workers_by_meaning"},
                                 {"text", "x"},
                                 {"where", "worker_id IN (SELECT column0 FROM read_csv('/etc/passwd'))"}}
                                .dump(),
                            "application/json");
  EXPECT_EQ(sneaky->status, 403) << sneaky->body;
  auto two = client.Post("/v1/search",
                         json{{"dataset", "workers"}, {"index", "workers_by_meaning"}, {"text", "x"}, {"where", "true); DROP TABLE x; --"}}.dump(),
                         "application/json");
  EXPECT_EQ(two->status, 400) << two->body;
  auto wrong_dataset = client.Post("/v1/search", json{{"dataset", "other"}, {"index", "workers_by_meaning"}, {"text", "x"}}.dump(),
                                   "application/json");
  EXPECT_EQ(wrong_dataset->status, 400);
  EXPECT_EQ(ErrorCode(wrong_dataset), "index_not_for_dataset");
  json bad_column = kIndexRequest;
  bad_column["text_template"] = "{role} {salary}";
  auto refused = client.Post("/v1/datasets/workers/embeddings", bad_column.dump(), "application/json");
  EXPECT_EQ(refused->status, 400);
  EXPECT_EQ(ErrorCode(refused), "unknown_column");
  json other_template = kIndexRequest;
  other_template["text_template"] = "{role}";
  auto mismatch = client.Post("/v1/datasets/workers/embeddings", other_template.dump(), "application/json");
  EXPECT_EQ(mismatch->status, 409);
  EXPECT_EQ(client.Post("/v1/datasets/nope/embeddings", kIndexRequest.dump(), "application/json")->status, 404);

  // Re-running embeds nothing; after an append, only the new rows.
  EXPECT_EQ(Body(client.Post("/v1/datasets/workers/embeddings", kIndexRequest.dump(), "application/json"))["rows_embedded"], 0);
  auto appended = client.Post("/v1/ingest?name=workers&mode=append", WorkersCsv({.rows = 500, .seed = 6, .first_id = 3001}),
                              "text/csv");
  ASSERT_EQ(appended->status, 200) << appended->body;
  json async = kIndexRequest;
  async["async"] = true;
  auto started = client.Post("/v1/datasets/workers/embeddings", async.dump(), "application/json");
  ASSERT_EQ(started->status, 202) << started->body;
  const std::string job_url = Body(started)["status_url"];
  json job;
  for (int i = 0; i < 200; ++i) {
    job = Body(client.Get(job_url));
    if (job["state"] != "running") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(job["state"], "done") << job.dump();
  EXPECT_EQ(job["result"]["rows_embedded"], 500);
  EXPECT_EQ(job["result"]["rows_already_indexed"], 3000);
  EXPECT_EQ(job["rows_done"], 3500);
  EXPECT_EQ(Body(client.Get("/v1/vectors/index/workers_by_meaning"))["count"], 3500);
  EXPECT_EQ(client.Get("/v1/jobs/job-999-deadbeef")->status, 404);
}

}  // namespace
}  // namespace lakehouse

namespace lakehouse {
namespace {

// The demo runs end to end on its own server; the query with no real match
// (dental hygienist: no such role exists) is clearly farther than the others.
TEST(SemanticDemoTest, DemoStaffingRunsAndTheUnmatchedQueryIsFarther) {
  auto [code, output] = testing::RunCommand(std::string(LAKEHOUSE_BIN) + " demo staffing --rows 4000");
  ASSERT_EQ(code, 0) << output;
  // Top distance per query, in the order the demo prints them.
  std::vector<double> top;
  std::vector<std::string> top_lines;
  std::istringstream lines(output);
  std::string line;
  bool expect_first_hit = false;
  while (std::getline(lines, line)) {
    if (line.rfind("\"", 0) == 0) {
      expect_first_hit = true;
      continue;
    }
    if (expect_first_hit && line.rfind("  0.", 0) == 0) {
      top.push_back(std::stod(line.substr(2, 6)));
      top_lines.push_back(line);
      expect_first_hit = false;
    }
  }
  ASSERT_EQ(top.size(), 7u) << output;
  const double dental = top[4];
  for (size_t i = 0; i < top.size(); ++i) {
    if (i != 4) {
      EXPECT_LT(top[i] + 0.15, dental) << top_lines[i] << " vs dental " << dental;
    }
  }
  EXPECT_NE(top_lines[0].find("Electrician"), std::string::npos) << top_lines[0];
  EXPECT_NE(top_lines[1].find("CNC"), std::string::npos) << top_lines[1];
  EXPECT_NE(top_lines[2].find("Forklift"), std::string::npos) << top_lines[2];
  EXPECT_NE(top_lines[5].find(", IL"), std::string::npos) << top_lines[5];
  EXPECT_NE(output.find("server peak RSS"), std::string::npos);
}

}  // namespace
}  // namespace lakehouse
