#include <gtest/gtest.h>

#include <thread>

#include "catalog/store_catalog.h"
#include "core/ids.h"
#include "test_util.h"

namespace lakehouse {
namespace {

class CatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::MakeTestStore(dir_.path());
    ASSERT_NE(store_, nullptr);
    faulty_ = std::make_unique<testing::FaultyStore>(*store_);
    Reopen();
  }
  void Reopen() {
    auto catalog = StoreCatalog::Open(*faulty_);
    ASSERT_TRUE(catalog.ok());
    catalog_ = std::move(catalog).value();
  }
  DataObject Object(const std::string& dataset, const std::string& id, uint64_t rows) {
    std::string key = "datasets/" + dataset + "/" + id + ".parquet";
    EXPECT_TRUE(PutString(*store_, key, "data-" + id).ok());
    return {key, ("data-" + id).size(), rows};
  }
  RegisterRequest Request(const std::string& name, std::vector<Column> columns, std::vector<DataObject> objects,
                          RegisterMode mode = RegisterMode::kReplace) {
    return {name, SchemaFingerprint(columns), columns, objects, mode};
  }

  TempPath dir_ = testing::MakeTestDir();
  std::unique_ptr<ObjectStore> store_;
  std::unique_ptr<testing::FaultyStore> faulty_;
  std::unique_ptr<StoreCatalog> catalog_;
  const std::vector<Column> schema_ = {{"id", "BIGINT"}, {"name", "VARCHAR"}};
};

TEST_F(CatalogTest, RegisterCreatesThenIsIdempotentOnSameFingerprint) {
  auto first = catalog_->Register(Request("workers", schema_, {Object("workers", "a", 10)}));
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_FALSE(first->existing);
  EXPECT_EQ(first->manifest.version, 1u);
  EXPECT_EQ(first->manifest.dataset_id, DatasetIdForName("workers"));
  EXPECT_EQ(first->manifest.row_count, 10u);

  auto second = catalog_->Register(Request("workers", schema_, {Object("workers", "b", 7)}));
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->existing);
  EXPECT_EQ(second->manifest.version, 2u);
  EXPECT_EQ(second->manifest.dataset_id, first->manifest.dataset_id);
  EXPECT_EQ(second->manifest.created_at_ms, first->manifest.created_at_ms);
  EXPECT_GT(second->manifest.updated_at_ms, first->manifest.updated_at_ms);
  ASSERT_EQ(second->manifest.objects.size(), 1u);  // replaced
  EXPECT_EQ(second->manifest.row_count, 7u);
}

TEST_F(CatalogTest, DifferentFingerprintIsAConflictAndChangesNothing) {
  ASSERT_TRUE(catalog_->Register(Request("workers", schema_, {Object("workers", "a", 10)})).ok());
  uint64_t generation = *catalog_->Generation();
  std::vector<Column> drifted = {{"id", "VARCHAR"}, {"name", "VARCHAR"}};
  auto conflict = catalog_->Register(Request("workers", drifted, {Object("workers", "b", 3)}));
  EXPECT_EQ(conflict.status().code(), StatusCode::kConflict);
  EXPECT_EQ(conflict.status().error_code(), "schema_conflict");
  auto manifest = catalog_->Get("workers");
  EXPECT_EQ(manifest->version, 1u);
  EXPECT_EQ(manifest->columns, schema_);
  EXPECT_EQ(manifest->row_count, 10u);
  EXPECT_EQ(*catalog_->Generation(), generation);
  Reopen();
  EXPECT_EQ(catalog_->Get("workers")->version, 1u);
}

TEST_F(CatalogTest, AppendAddsObjectsAndIgnoresOnesAlreadyPresent) {
  auto a = Object("w", "a", 10);
  ASSERT_TRUE(catalog_->Register(Request("w", schema_, {a}, RegisterMode::kAppend)).ok());
  auto b = Object("w", "b", 5);
  auto appended = catalog_->Register(Request("w", schema_, {b}, RegisterMode::kAppend));
  ASSERT_TRUE(appended.ok());
  EXPECT_EQ(appended->manifest.objects.size(), 2u);
  EXPECT_EQ(appended->manifest.row_count, 15u);
  auto again = catalog_->Register(Request("w", schema_, {b}, RegisterMode::kAppend));
  EXPECT_EQ(again->manifest.row_count, 15u);
}

TEST_F(CatalogTest, ManifestsSurviveAReopen) {
  ASSERT_TRUE(catalog_->Register(Request("alpha", schema_, {Object("alpha", "a", 1)})).ok());
  ASSERT_TRUE(catalog_->Register(Request("beta", schema_, {Object("beta", "b", 2)})).ok());
  Reopen();
  auto list = catalog_->List();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "alpha");
  EXPECT_EQ((*list)[1].row_count, 2u);
  EXPECT_EQ((*list)[1].dataset_id, DatasetIdForName("beta"));
}

TEST_F(CatalogTest, CorruptManifestIsReportedAndOthersLoad) {
  ASSERT_TRUE(catalog_->Register(Request("good", schema_, {Object("good", "a", 1)})).ok());
  ASSERT_TRUE(PutString(*store_, ManifestKey("broken"), "{not json").ok());
  ASSERT_TRUE(PutString(*store_, ManifestKey("wrongformat"), R"({"format":"other"})").ok());
  Reopen();
  EXPECT_TRUE(catalog_->Get("good").ok());
  EXPECT_EQ(catalog_->Get("broken").status().code(), StatusCode::kNotFound);
  auto problems = catalog_->Problems();
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].key, ManifestKey("broken"));
  // Registering the name again repairs it.
  ASSERT_TRUE(catalog_->Register(Request("broken", schema_, {Object("broken", "x", 4)})).ok());
  EXPECT_EQ(catalog_->Problems().size(), 1u);
}

TEST_F(CatalogTest, PersistFailureLeavesMemoryAndStorageUnchanged) {
  ASSERT_TRUE(catalog_->Register(Request("w", schema_, {Object("w", "a", 10)})).ok());
  auto b = Object("w", "b", 99);
  faulty_->fail_puts = true;
  auto failed = catalog_->Register(Request("w", schema_, {b}));
  EXPECT_EQ(failed.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(catalog_->Get("w")->row_count, 10u);
  EXPECT_EQ(catalog_->Get("w")->version, 1u);
  auto fresh = catalog_->Register(Request("other", schema_, {Object("other", "c", 1)}));
  EXPECT_FALSE(fresh.ok());
  EXPECT_EQ(catalog_->Get("other").status().code(), StatusCode::kNotFound);
  faulty_->fail_puts = false;
  Reopen();
  EXPECT_EQ(catalog_->Get("w")->row_count, 10u);
  EXPECT_FALSE(catalog_->Get("other").ok());
}

TEST_F(CatalogTest, RejectsInvalidRequests) {
  auto obj = Object("w", "a", 1);
  RegisterRequest wrong_fp = Request("w", schema_, {obj});
  wrong_fp.schema_fingerprint = std::string(64, '0');
  EXPECT_EQ(catalog_->Register(wrong_fp).status().error_code(), "bad_fingerprint");
  EXPECT_EQ(catalog_->Register(Request("bad-name", schema_, {obj})).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(catalog_->Register(Request("w", {}, {obj})).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(catalog_->Register(Request("w", {{"a", "INT"}, {"A", "INT"}}, {obj})).status().code(),
            StatusCode::kInvalidArgument);
  DataObject missing{"datasets/w/missing.parquet", 5, 1};
  EXPECT_EQ(catalog_->Register(Request("w", schema_, {missing})).status().error_code(), "bad_object");
  DataObject elsewhere = Object("other", "z", 1);
  EXPECT_EQ(catalog_->Register(Request("w", schema_, {elsewhere})).status().error_code(), "bad_object");
  DataObject wrong_size = obj;
  wrong_size.size = 999;
  EXPECT_EQ(catalog_->Register(Request("w", schema_, {wrong_size})).status().error_code(), "bad_object");
  EXPECT_EQ(catalog_->List()->size(), 0u);
}

TEST_F(CatalogTest, ConcurrentRegistersOfOneNameLoseNoUpdate) {
  constexpr int kThreads = 8;
  std::vector<DataObject> objects;
  for (int i = 0; i < kThreads; ++i) objects.push_back(Object("w", "o" + std::to_string(i), 1));
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      ASSERT_TRUE(catalog_->Register(Request("w", schema_, {objects[i]}, RegisterMode::kAppend)).ok());
    });
  }
  for (auto& t : threads) t.join();
  auto manifest = catalog_->Get("w");
  EXPECT_EQ(manifest->version, static_cast<uint64_t>(kThreads));
  EXPECT_EQ(manifest->objects.size(), static_cast<size_t>(kThreads));
  Reopen();
  EXPECT_EQ(catalog_->Get("w")->row_count, static_cast<uint64_t>(kThreads));
}

}  // namespace
}  // namespace lakehouse
