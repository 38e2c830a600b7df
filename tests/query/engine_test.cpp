#include "query/engine.h"

#include <gtest/gtest.h>

#include <thread>

#include "catalog/store_catalog.h"
#include "test_util.h"

namespace lakehouse {
namespace {

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::MakeTestStore(dir_.path());
    ASSERT_NE(store_, nullptr);
    catalog_ = std::move(StoreCatalog::Open(*store_)).value();
  }
  void Open(QueryEngineOptions options = {}) {
    options.allowed_directory = store_->local_root() / "datasets";
    options.temp_directory = dir_.path() / "qtmp";
    auto engine = QueryEngine::Open(options, *catalog_, *store_);
    ASSERT_TRUE(engine.ok()) << engine.status().message();
    engine_ = std::move(engine).value();
  }
  nlohmann::json Run(const std::string& sql) {
    auto out = engine_->Execute(sql);
    EXPECT_TRUE(out.ok()) << sql << ": " << out.status().message();
    return out.ok() ? nlohmann::json::parse(out->body) : nlohmann::json();
  }
  Status Fails(const std::string& sql) {
    auto out = engine_->Execute(sql);
    EXPECT_FALSE(out.ok()) << sql << " should fail";
    return out.ok() ? Status::Ok() : out.status();
  }

  TempPath dir_ = testing::MakeTestDir();
  std::unique_ptr<ObjectStore> store_;
  std::unique_ptr<StoreCatalog> catalog_;
  std::unique_ptr<QueryEngine> engine_;
};

TEST_F(EngineTest, EveryTypeMapsToJsonDeliberately) {
  Open();
  auto out = Run(R"(SELECT true AS b, 42::TINYINT AS ti, 9007199254740992::BIGINT AS safe_big,
      9007199254740993::BIGINT AS unsafe_big, -9007199254740993::BIGINT AS unsafe_neg,
      18446744073709551615::UBIGINT AS ubig, 170141183460469231731687303715884105727::HUGEINT AS huge,
      1.5::FLOAT AS f, 0.1::DOUBLE AS d, 'NaN'::DOUBLE AS nan, 'inf'::DOUBLE AS inf, '-inf'::DOUBLE AS ninf,
      12.50::DECIMAL(4,2) AS dec_small, -0.05::DECIMAL(3,2) AS dec_neg, 12345678901234567.89::DECIMAL(19,2) AS dec_big,
      DATE '2024-01-31' AS dt, 'infinity'::DATE AS dinf, TIME '13:45:00.5' AS tm,
      TIMESTAMP '2024-01-31 13:45:00.123456' AS ts, TIMESTAMP '1969-12-31 23:59:59' AS ts_pre_epoch,
      '2024-01-31 13:45:00.5'::TIMESTAMP_MS AS ts_ms, INTERVAL '1 month 2 days 3 seconds' AS iv,
      [1, 2, NULL] AS lst, {'a': 1, 'b': 'x'} AS st, MAP {'k': 1} AS mp, 'ab?'::BLOB AS bl,
      'e7a7a7a7-0000-4000-8000-000000000001'::UUID AS u, NULL AS n, [1, 2]::INTEGER[2] AS arr,
      CAST('b' AS ENUM('a', 'b')) AS en, 'héllo "q"' AS s)");
  const auto& row = out["rows"][0];
  std::map<std::string, nlohmann::json> v;
  for (size_t i = 0; i < out["columns"].size(); ++i) v[out["columns"][i]["name"]] = row[i];
  EXPECT_EQ(v["b"], true);
  EXPECT_EQ(v["ti"], 42);
  EXPECT_EQ(v["safe_big"], 9007199254740992LL);
  EXPECT_EQ(v["unsafe_big"], "9007199254740993");
  EXPECT_EQ(v["unsafe_neg"], "-9007199254740993");
  EXPECT_EQ(v["ubig"], "18446744073709551615");
  EXPECT_EQ(v["huge"], "170141183460469231731687303715884105727");
  EXPECT_EQ(v["f"], 1.5);
  EXPECT_EQ(v["d"], 0.1);
  EXPECT_EQ(v["nan"], "NaN");
  EXPECT_EQ(v["inf"], "Infinity");
  EXPECT_EQ(v["ninf"], "-Infinity");
  EXPECT_EQ(v["dec_small"], 12.5);
  EXPECT_EQ(v["dec_neg"], -0.05);
  // Exact digits in the text, whatever a client's number type does with them.
  auto raw = engine_->Execute("SELECT 12.50::DECIMAL(4,2), -0.05::DECIMAL(3,2), 0::DECIMAL(5,3)");
  EXPECT_NE(raw->body.find("[12.50,-0.05,0.000]"), std::string::npos) << raw->body;
  EXPECT_EQ(v["dec_big"], "12345678901234567.89");
  EXPECT_EQ(v["dt"], "2024-01-31");
  EXPECT_EQ(v["dinf"], "infinity");
  EXPECT_EQ(v["tm"], "13:45:00.5");
  EXPECT_EQ(v["ts"], "2024-01-31T13:45:00.123456");
  EXPECT_EQ(v["ts_pre_epoch"], "1969-12-31T23:59:59");
  EXPECT_EQ(v["ts_ms"], "2024-01-31T13:45:00.5");
  EXPECT_EQ(v["iv"], nlohmann::json::parse(R"({"months":1,"days":2,"micros":3000000})"));
  EXPECT_EQ(v["lst"], nlohmann::json::parse("[1,2,null]"));
  EXPECT_EQ(v["st"], nlohmann::json::parse(R"({"a":1,"b":"x"})"));
  EXPECT_EQ(v["mp"], nlohmann::json::parse(R"([{"key":"k","value":1}])"));
  EXPECT_EQ(v["bl"], "YWI/");
  EXPECT_EQ(v["u"], "e7a7a7a7-0000-4000-8000-000000000001");
  EXPECT_TRUE(v["n"].is_null());
  EXPECT_EQ(v["arr"], nlohmann::json::parse("[1,2]"));
  EXPECT_EQ(v["en"], "b");
  EXPECT_EQ(v["s"], "héllo \"q\"");
  std::map<std::string, std::string> types;
  for (const auto& c : out["columns"]) types[c["name"]] = c["type"];
  EXPECT_EQ(types["dec_big"], "DECIMAL(19,2)");
  EXPECT_EQ(types["lst"], "INTEGER[]");
  EXPECT_EQ(types["arr"], "INTEGER[2]");
  EXPECT_EQ(types["mp"], "MAP(VARCHAR, INTEGER)");
  EXPECT_EQ(out["row_count"], 1);
  EXPECT_EQ(out["truncated"], false);
}

TEST_F(EngineTest, TimestampWithTimeZoneIsUtc) {
  Open();
  auto out = Run("SELECT '2024-01-31 13:45:00+02'::TIMESTAMPTZ AS t");
  EXPECT_EQ(out["rows"][0][0], "2024-01-31T11:45:00Z");
}

TEST_F(EngineTest, ReadOnlySandboxRefusesEverythingElse) {
  Open();
  const std::string outside = (dir_.path() / "outside.csv").string();
  testing::WriteFile(outside, "secret\n42\n");
  const std::string traversal = (store_->local_root() / "datasets" / ".." / ".." / "outside.csv").string();
  for (const std::string& sql : std::vector<std::string>{
           "SELECT * FROM read_csv('/etc/passwd')",
           "SELECT * FROM read_csv('" + outside + "')",
           "SELECT * FROM read_csv('" + traversal + "')",
           "SELECT * FROM glob('/etc/*')",
           "SELECT * FROM read_text('/etc/hostname')",
           "COPY (SELECT 1) TO '" + (dir_.path() / "copied.csv").string() + "'",
           "EXPORT DATABASE '" + (dir_.path() / "exported").string() + "'",
           "ATTACH '" + (dir_.path() / "other.db").string() + "' AS other",
           "INSTALL httpfs",
           "LOAD httpfs",
           "SET threads = 1",
           "PRAGMA threads = 1",
           "CREATE TABLE t (a INTEGER)",
           "DROP VIEW IF EXISTS anything",
           "CALL pragma_version()",
           "  /* comment */ insert into t values (1)",
       }) {
    Status st = Fails(sql);
    EXPECT_EQ(st.http_status(), 403) << sql << " → " << st.ToString();
  }
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "copied.csv"));
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "exported"));
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "other.db"));
  // The engine still works afterwards, with its sandbox intact.
  EXPECT_EQ(Run("SELECT current_setting('enable_external_access')")["rows"][0][0], false);
}

TEST_F(EngineTest, OneStatementAtATimeAndClearSqlErrors) {
  Open();
  Status multi = Fails("SELECT 1; SELECT 2");
  EXPECT_EQ(multi.http_status(), 400);
  EXPECT_EQ(multi.error_code(), "multiple_statements");
  EXPECT_EQ(Fails("SELEC 1").http_status(), 403);
  Status parse = Fails("SELECT FROM WHERE");
  EXPECT_EQ(parse.http_status(), 400);
  Status missing = Fails("SELECT * FROM no_such_dataset");
  EXPECT_EQ(missing.http_status(), 400);
  EXPECT_NE(missing.message().find("no_such_dataset"), std::string::npos);
  EXPECT_EQ(Fails("").http_status(), 400);
  EXPECT_EQ(Fails("SELECT ?").error_code(), "sql_error");
  Run("WITH x AS (SELECT 1 AS a) SELECT a FROM x");
  Run("EXPLAIN SELECT 1");
  Run("FROM range(3)");
}

TEST_F(EngineTest, ScanTextStreamsEveryRowInBatchesThroughTheSandbox) {
  QueryEngineOptions options;
  options.max_rows = 10;   // the /sql row cap does not apply to internal scans
  options.timeout_ms = 1;  // nor does the /sql timeout
  Open(options);
  size_t rows = 0, batches = 0, nulls = 0;
  Status status = engine_->ScanText(
      "SELECT i::VARCHAR, CASE WHEN i % 10 = 0 THEN NULL ELSE 'x' || i END FROM range(25000) t(i)", 4096,
      [&](const TextBatch& batch) {
        ++batches;
        EXPECT_LE(batch.size(), 4096u);
        for (const auto& row : batch) {
          EXPECT_EQ(row.size(), 2u);
          if (!row[1]) ++nulls;
          else EXPECT_EQ(*row[1], "x" + *row[0]);
          ++rows;
        }
        return Status::Ok();
      });
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(rows, 25000u);
  EXPECT_EQ(nulls, 2500u);
  EXPECT_EQ(batches, 7u);
  auto sink = [](const TextBatch&) { return Status::Ok(); };
  EXPECT_EQ(engine_->ScanText("SELECT * FROM read_csv('/etc/passwd')", 10, sink).code(), StatusCode::kForbidden);
  EXPECT_EQ(engine_->ScanText("DROP TABLE x", 10, sink).code(), StatusCode::kForbidden);
  EXPECT_EQ(engine_->ScanText("SELECT nope FROM", 10, sink).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(engine_->ScanText("SELECT 1", 10, sink).code(), StatusCode::kInternal) << "columns must be VARCHAR";
  // The sink's failure stops the scan and comes back.
  Status stopped = engine_->ScanText("SELECT i::VARCHAR FROM range(10000) t(i)", 100, [](const TextBatch&) {
    return Status::Unavailable("enough", "stop");
  });
  EXPECT_EQ(stopped.error_code(), "stop");
}

TEST_F(EngineTest, RowCapTruncatesAndSaysSo) {
  QueryEngineOptions options;
  options.max_rows = 10;
  Open(options);
  auto out = Run("SELECT * FROM range(100)");
  EXPECT_EQ(out["row_count"], 10);
  EXPECT_EQ(out["rows"].size(), 10u);
  EXPECT_EQ(out["truncated"], true);
  auto exact = Run("SELECT * FROM range(10)");
  EXPECT_EQ(exact["truncated"], false);
}

TEST_F(EngineTest, LongQueriesAreCancelledAtTheTimeout) {
  QueryEngineOptions options;
  options.timeout_ms = 300;
  Open(options);
  auto start = std::chrono::steady_clock::now();
  Status st = Fails("SELECT sum(a.range * b.range) FROM range(100000000) a, range(1000) b");
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(st.http_status(), 504);
  EXPECT_EQ(st.error_code(), "query_timeout");
  EXPECT_LT(seconds, 30.0);  // cancelled, not run to completion (which takes minutes)
  EXPECT_EQ(Run("SELECT 1")["rows"][0][0], 1);  // the connection is usable again
}

TEST_F(EngineTest, QueriesRunConcurrentlyAndSaturationIs503) {
  QueryEngineOptions options;
  options.connections = 2;
  Open(options);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        auto out = engine_->Execute("SELECT sum(range) FROM range(" + std::to_string(1000 * (t + 1)) + ")");
        if (out.ok()) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 30);

  QueryEngineOptions tight;
  tight.connections = 1;
  tight.queue_timeout_ms = 50;
  tight.timeout_ms = 3000;
  Open(tight);
  std::thread slow([&] { engine_->Execute("SELECT sum(a.range * b.range) FROM range(100000000) a, range(1000) b").ok(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  Status busy = Fails("SELECT 1");
  slow.join();
  EXPECT_EQ(busy.http_status(), 503);
  EXPECT_EQ(busy.error_code(), "query_saturated");
}

TEST_F(EngineTest, ADatasetWithAMissingObjectDoesNotHideTheOthers) {
  Open();
  std::vector<Column> columns = {{"x", "INTEGER"}};
  for (const std::string name : {"good", "broken"}) {
    const std::string key = "datasets/" + name + "/a.parquet";
    auto file = dir_.path() / (name + ".parquet");
    DuckDatabase db = std::move(DuckDatabase::OpenInMemory({})).value();
    DuckConnection conn = std::move(DuckConnection::Connect(db)).value();
    ASSERT_TRUE(conn.Exec("COPY (SELECT 7 AS x) TO " + QuoteSqlString(file.string()) + " (FORMAT parquet)").ok());
    ASSERT_TRUE(store_->PutFile(key, file).ok());
    auto size = store_->Head(key)->size;
    ASSERT_TRUE(catalog_->Register({name, SchemaFingerprint(columns), columns, {{key, size, 1}}}).ok());
  }
  ASSERT_TRUE(store_->Delete("datasets/broken/a.parquet").ok());
  // A new catalog generation makes the engine rebuild its views.
  auto good = catalog_->Get("good");
  ASSERT_TRUE(catalog_->Register({"good", good->schema_fingerprint, good->columns, good->objects}).ok());
  EXPECT_EQ(Run("SELECT x FROM good")["rows"][0][0], 7);
  EXPECT_EQ(Fails("SELECT x FROM broken").http_status(), 400);
}

TEST_F(EngineTest, CloseInterruptsAndRefuses) {
  Open();
  std::thread slow([&] {
    auto out = engine_->Execute("SELECT sum(a.range * b.range) FROM range(100000000) a, range(1000) b");
    EXPECT_FALSE(out.ok());
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  engine_->Close();
  slow.join();
  EXPECT_EQ(Fails("SELECT 1").error_code(), "shutting_down");
}

}  // namespace
}  // namespace lakehouse
