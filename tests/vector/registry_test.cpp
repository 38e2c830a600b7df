#include "vector/registry.h"

#include <gtest/gtest.h>

#include <fstream>

#include "gen/vectors.h"
#include "storage/local_store.h"
#include "test_util.h"

namespace lakehouse {
namespace {

class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = LocalObjectStore::Open(dir_.path() / "objects", dir_.path() / "tmp");
    ASSERT_TRUE(store.ok());
    store_ = std::move(*store);
  }
  std::unique_ptr<VectorRegistry> Open(ObjectStore* store = nullptr) {
    VectorRegistryOptions options;
    options.work_dir = dir_.path() / "tmp" / "vectors";
    options.insert_threads = 2;
    options.save_interval_s = 0;
    auto registry = VectorRegistry::Open(store ? *store : *store_, options);
    EXPECT_TRUE(registry.ok()) << registry.status().ToString();
    return std::move(registry).value();
  }
  static IndexParams Params(const std::string& name, uint32_t dimension = 8) {
    IndexParams p;
    p.name = name;
    p.dimension = dimension;
    return p;
  }
  static void AddItems(VectorIndex& index, size_t first, size_t count, uint32_t dimension = 8) {
    auto vectors = ClusteredVectors({.count = first + count, .dimension = dimension, .clusters = 5, .seed = 9});
    AddBatch batch;
    batch.dimension = dimension;
    for (size_t i = first; i < first + count; ++i) {
      batch.ids.push_back("id" + std::to_string(i));
      batch.vectors.insert(batch.vectors.end(), vectors.begin() + i * dimension, vectors.begin() + (i + 1) * dimension);
      batch.metadata.emplace_back(nlohmann::json{{"i", i}}.dump());
    }
    ASSERT_TRUE(index.Add(batch).ok());
  }

  TempPath dir_ = testing::MakeTestDir();
  std::unique_ptr<LocalObjectStore> store_;
};

TEST_F(RegistryTest, IndexesSurviveARestartWithoutReAdding) {
  {
    auto registry = Open();
    ASSERT_TRUE(registry->Create(Params("saved")).ok());
    ASSERT_TRUE(registry->Create(Params("empty", 4)).ok());
    EXPECT_EQ(registry->Create(Params("saved")).status().code(), StatusCode::kConflict);
    auto saved = registry->Find("saved");
    ASSERT_TRUE(saved.ok());
    AddItems(**saved, 0, 300);
    ASSERT_TRUE(registry->Save("saved").ok());
    // Changes after an explicit save are written by SaveChanged (shutdown, interval).
    AddItems(**saved, 300, 50);
    (*saved)->Delete({"id7"});
    EXPECT_TRUE(registry->Describe("saved")->at("unsaved_changes").get<bool>());
    ASSERT_TRUE(registry->SaveChanged().ok());
    EXPECT_FALSE(registry->Describe("saved")->at("unsaved_changes").get<bool>());
    EXPECT_EQ(registry->Describe("saved")->at("persisted").at("generation"), 2);
  }
  // Only the current generation's objects remain.
  auto snapshots = ListAll(*store_, "vectors/saved/snapshots/");
  ASSERT_TRUE(snapshots.ok());
  ASSERT_EQ(snapshots->size(), 2u);
  for (const auto& object : *snapshots) EXPECT_TRUE(object.key.starts_with("vectors/saved/snapshots/2/")) << object.key;

  auto registry = Open();
  EXPECT_TRUE(registry->Problems().empty());
  auto saved = registry->Find("saved");
  ASSERT_TRUE(saved.ok());
  EXPECT_EQ((*saved)->Stats().count, 349u);
  EXPECT_FALSE((*saved)->Get("id7").ok());
  auto item = (*saved)->Get("id320");
  ASSERT_TRUE(item.ok());
  EXPECT_EQ(item->metadata, R"({"i":320})");
  auto empty = registry->Find("empty");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ((*empty)->Stats().count, 0u);
  EXPECT_EQ((*empty)->params().dimension, 4u);
  EXPECT_EQ(registry->DescribeAll().size(), 2u);
}

TEST_F(RegistryTest, CorruptSnapshotIsReportedAndOthersLoad) {
  {
    auto registry = Open();
    for (const char* name : {"good", "bad"}) {
      ASSERT_TRUE(registry->Create(Params(name)).ok());
      AddItems(**registry->Find(name), 0, 100);
      ASSERT_TRUE(registry->Save(name).ok());
    }
  }
  const auto graph = store_->local_root() / "vectors/bad/snapshots/1/graph.hnsw";
  {
    std::fstream file(graph, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(500);
    file.put('\x7f');
  }
  auto registry = Open();
  ASSERT_EQ(registry->Problems().size(), 1u);
  EXPECT_EQ(registry->Problems()[0].name, "bad");
  EXPECT_NE(registry->Problems()[0].error.find("checksum"), std::string::npos) << registry->Problems()[0].error;
  EXPECT_EQ(registry->Find("bad").status().code(), StatusCode::kUnavailable);
  EXPECT_EQ((*registry->Find("good"))->Stats().count, 100u);
  EXPECT_EQ(registry->Create(Params("bad")).status().code(), StatusCode::kConflict);
  // Dropping the broken index clears it, and the name is free again.
  ASSERT_TRUE(registry->Drop("bad").ok());
  EXPECT_TRUE(registry->Problems().empty());
  EXPECT_FALSE(std::filesystem::exists(store_->local_root() / "vectors/bad"));
  EXPECT_TRUE(registry->Create(Params("bad")).ok());
}

TEST_F(RegistryTest, FailedSaveKeepsTheLastGoodSnapshot) {
  testing::FaultyStore faulty(*store_);
  {
    auto registry = Open(&faulty);
    ASSERT_TRUE(registry->Create(Params("idx")).ok());
    auto index = *registry->Find("idx");
    AddItems(*index, 0, 120);
    ASSERT_TRUE(registry->Save("idx").ok());
    AddItems(*index, 120, 80);
    faulty.fail_puts = true;
    EXPECT_FALSE(registry->Save("idx").ok());
    EXPECT_TRUE(registry->Describe("idx")->at("unsaved_changes").get<bool>());
    faulty.fail_puts = false;
  }
  // What a crash between writing a generation and switching to it leaves.
  ASSERT_TRUE(PutString(*store_, "vectors/idx/snapshots/7/graph.hnsw", "half-written").ok());
  auto registry = Open();
  EXPECT_TRUE(registry->Problems().empty());
  EXPECT_EQ((*registry->Find("idx"))->Stats().count, 120u);
  // The next save sweeps the leftover away.
  ASSERT_TRUE(registry->Save("idx").ok());
  EXPECT_FALSE(store_->Head("vectors/idx/snapshots/7/graph.hnsw").ok());
}

TEST_F(RegistryTest, DropRemovesEverythingStored) {
  auto registry = Open();
  ASSERT_TRUE(registry->Create(Params("gone")).ok());
  AddItems(**registry->Find("gone"), 0, 50);
  ASSERT_TRUE(registry->Save("gone").ok());
  auto held = *registry->Find("gone");  // an in-flight request keeps working
  ASSERT_TRUE(registry->Drop("gone").ok());
  EXPECT_EQ(held->Stats().count, 50u);
  EXPECT_EQ(registry->Find("gone").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(registry->Drop("gone").code(), StatusCode::kNotFound);
  EXPECT_TRUE(ListAll(*store_, "vectors/gone/")->empty());
  EXPECT_TRUE(Open()->DescribeAll().empty());
}

}  // namespace
}  // namespace lakehouse
