#include "ingest/ingestor.h"

#include <gtest/gtest.h>

#include "catalog/store_catalog.h"
#include "gen/workers.h"
#include "query/engine.h"
#include "test_util.h"

namespace lakehouse {
namespace {

class IngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::MakeTestStore(dir_.path());
    ASSERT_NE(store_, nullptr);
    catalog_ = std::move(StoreCatalog::Open(*store_)).value();
    std::filesystem::create_directories(work_);
    ingestor_ = std::make_unique<Ingestor>(*store_, *catalog_, IngestorOptions{work_, "snappy", 2, ""});
    QueryEngineOptions q;
    q.allowed_directory = store_->local_root() / "datasets";
    q.temp_directory = dir_.path() / "qtmp";
    q.connections = 2;
    engine_ = std::move(QueryEngine::Open(q, *catalog_, *store_)).value();
  }
  void TearDown() override { EXPECT_EQ(testing::CountFiles(work_), 0u) << "ingest left temp files behind"; }

  Result<IngestResult> IngestText(const std::string& name, const std::string& csv,
                                  RegisterMode mode = RegisterMode::kReplace) {
    auto path = dir_.path() / "upload.csv";
    testing::WriteFile(path, csv);
    return ingestor_->Ingest(name, mode, path);
  }
  nlohmann::json Query(const std::string& sql) {
    auto out = engine_->Execute(sql);
    EXPECT_TRUE(out.ok()) << out.status().message();
    return out.ok() ? nlohmann::json::parse(out->body) : nlohmann::json();
  }
  void ExpectBadCsv(const std::string& csv, const std::string& message_part) {
    auto result = IngestText("bad", csv);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(result.status().error_code(), "bad_csv");
    EXPECT_NE(result.status().message().find(message_part), std::string::npos) << result.status().message();
    EXPECT_EQ(result.status().message().find(dir_.path().string()), std::string::npos) << "leaks a server path";
    EXPECT_FALSE(catalog_->Get("bad").ok());
  }

  TempPath dir_ = testing::MakeTestDir();
  std::filesystem::path work_ = dir_.path() / "work";
  std::unique_ptr<ObjectStore> store_;
  std::unique_ptr<StoreCatalog> catalog_;
  std::unique_ptr<Ingestor> ingestor_;
  std::unique_ptr<QueryEngine> engine_;
};

TEST_F(IngestTest, WorkersCsvBecomesATypedQueryableDataset) {
  auto result = IngestText("workers", WorkersCsv({500, 7, 1}));
  ASSERT_TRUE(result.ok()) << result.status().message();
  const Manifest& m = result->registered.manifest;
  EXPECT_EQ(m.row_count, 500u);
  ASSERT_EQ(m.columns.size(), 18u);
  EXPECT_EQ(m.columns[0], (Column{"worker_id", "VARCHAR"}));
  EXPECT_EQ(m.columns[11], (Column{"years_experience", "BIGINT"}));
  EXPECT_EQ(m.columns[13], (Column{"reliability", "DOUBLE"}));
  EXPECT_EQ(m.columns[16], (Column{"last_active", "DATE"}));
  EXPECT_EQ(m.schema_fingerprint, SchemaFingerprint(m.columns));
  ASSERT_EQ(m.objects.size(), 1u);
  EXPECT_EQ(m.objects[0].key.rfind("datasets/workers/", 0), 0u);
  EXPECT_TRUE(store_->Head(m.objects[0].key).ok());
  auto rows = Query("SELECT count(*), count(DISTINCT worker_id), min(reliability) >= 0.45 FROM workers");
  EXPECT_EQ(rows["rows"][0], nlohmann::json::parse("[500, 500, true]"));
}

TEST_F(IngestTest, ReingestOfTheSameFileIsIdempotent) {
  std::string csv = WorkersCsv({50, 1, 1});
  auto first = IngestText("w", csv);
  auto second = IngestText("w", csv);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_FALSE(first->registered.existing);
  EXPECT_TRUE(second->registered.existing);
  EXPECT_EQ(first->object.key, second->object.key);
  EXPECT_EQ(second->registered.manifest.schema_fingerprint, first->registered.manifest.schema_fingerprint);
  EXPECT_EQ(second->registered.manifest.row_count, 50u);
}

TEST_F(IngestTest, AppendAddsRowsAndReplaceSwapsThem) {
  ASSERT_TRUE(IngestText("w", WorkersCsv({30, 1, 1})).ok());
  ASSERT_TRUE(IngestText("w", WorkersCsv({20, 2, 31}), RegisterMode::kAppend).ok());
  EXPECT_EQ(Query("SELECT count(*) FROM w")["rows"][0][0], 50);
  ASSERT_TRUE(IngestText("w", WorkersCsv({5, 3, 1})).ok());
  EXPECT_EQ(Query("SELECT count(*) FROM w")["rows"][0][0], 5);
}

TEST_F(IngestTest, SchemaDriftIs409AndStoresNothing) {
  ASSERT_TRUE(IngestText("w", "id,name\n1,a\n2,b\n").ok());
  size_t objects_before = ListAll(*store_, "datasets/")->size();
  auto drift = IngestText("w", "id,name,extra\n1,a,x\n");
  EXPECT_EQ(drift.status().code(), StatusCode::kConflict);
  EXPECT_EQ(drift.status().error_code(), "schema_conflict");
  auto retyped = IngestText("w", "id,name\nx,a\n");
  EXPECT_EQ(retyped.status().code(), StatusCode::kConflict);
  EXPECT_EQ(ListAll(*store_, "datasets/")->size(), objects_before);
  EXPECT_EQ(Query("SELECT sum(id) FROM w")["rows"][0][0], 3);
}

TEST_F(IngestTest, QuotedCommasNewlinesCrlfAndBomJustWork) {
  auto result = IngestText("q", "\xEF\xBB\xBFid,note\r\n1,\"a, b\"\r\n2,\"line1\r\nline2\"\r\n3,\"say \"\"hi\"\"\"\r\n");
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->registered.manifest.columns[0].name, "id");  // BOM not part of the name
  auto rows = Query("SELECT note FROM q ORDER BY id")["rows"];
  EXPECT_EQ(rows[0][0], "a, b");
  EXPECT_EQ(rows[1][0], "line1\r\nline2");
  EXPECT_EQ(rows[2][0], "say \"hi\"");
}

TEST_F(IngestTest, HeaderOnlyIsAValidEmptyDataset) {
  auto result = IngestText("empty", "a,b,c\n");
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->registered.manifest.row_count, 0u);
  EXPECT_EQ(result->registered.manifest.columns.size(), 3u);
  EXPECT_EQ(Query("SELECT count(*) FROM empty")["rows"][0][0], 0);
}

TEST_F(IngestTest, ATypeBreakAfterTheSampleWidensTheColumn) {
  std::string csv = "id,code\n";
  for (int i = 0; i < 30000; ++i) csv += std::to_string(i) + "," + std::to_string(i * 7) + "\n";
  csv += "30000,not-a-number\n";
  auto result = IngestText("late", csv);
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_TRUE(result->full_inference);
  EXPECT_EQ(result->registered.manifest.columns[1], (Column{"code", "VARCHAR"}));
  EXPECT_EQ(result->registered.manifest.columns[0], (Column{"id", "BIGINT"}));
  EXPECT_EQ(result->registered.manifest.row_count, 30001u);
  EXPECT_EQ(Query("SELECT code FROM late WHERE id = 30000")["rows"][0][0], "not-a-number");
}

TEST_F(IngestTest, EmptyFileIsRejected) {
  ExpectBadCsv("", "empty");
  ExpectBadCsv("\xEF\xBB\xBF", "empty");
  ExpectBadCsv("\n\n", "empty");
}

TEST_F(IngestTest, BadHeadersAreRejected) {
  ExpectBadCsv("a,b,a\n1,2,3\n", "duplicate column name \"a\"");
  ExpectBadCsv("Name,name\n1,2\n", "duplicate column name");
  ExpectBadCsv("a,,c\n1,2,3\n", "column 2 has an empty name");
  ExpectBadCsv("\"a,b\n1\n", "unterminated quote");
  ExpectBadCsv("a,\xff\n1,2\n", "not valid UTF-8");
}

TEST_F(IngestTest, RaggedRowsAreRejectedWithTheLine) {
  ExpectBadCsv("a,b,c\n1,2,3\n4,5\n", "Line: 3");
  ExpectBadCsv("a,b,c\n1,2,3\n4,5,6,7\n", "Line: 3");
  std::string late = "a,b\n";
  for (int i = 0; i < 25000; ++i) late += "1,2\n";
  late += "1,2,3\n";
  ExpectBadCsv(late, "Expected Number of Columns");
}

TEST_F(IngestTest, InvalidUtf8AndUnterminatedQuotesAreRejected) {
  ExpectBadCsv("a,b\n1,\xff\xfe\n", "unicode");
  ExpectBadCsv("a,b\n1,\"abc\n2,3\n", "Line: 2");
}

TEST_F(IngestTest, InvalidNameIsRejectedBeforeReading) {
  auto result = IngestText("not-valid", "a\n1\n");
  EXPECT_EQ(result.status().error_code(), "invalid_name");
}

}  // namespace
}  // namespace lakehouse
