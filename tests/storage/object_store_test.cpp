// The ObjectStore contract, run on the local backend and (as *.s3) on an
// s3rver bucket behind the object cache.
#include <gtest/gtest.h>

#include <thread>

#include "core/time.h"
#include "test_util.h"

namespace lakehouse {
namespace {

class ObjectStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::MakeTestStore(dir_.path());
    ASSERT_NE(store_, nullptr);
  }
  TempPath dir_ = testing::MakeTestDir();
  std::unique_ptr<ObjectStore> store_;
};

TEST_F(ObjectStoreTest, PutGetHeadDelete) {
  const std::string key = "datasets/workers/a b+c&d=é.parquet";  // characters that need encoding on the wire
  ASSERT_TRUE(PutString(*store_, key, "hello parquet").ok());
  EXPECT_EQ(*GetString(*store_, key), "hello parquet");
  auto info = store_->Head(key);
  ASSERT_TRUE(info.ok()) << info.status().message();
  EXPECT_EQ(info->size, 13u);
  EXPECT_GT(info->modified_unix_millis, NowUnixMillis() - 600000);

  ASSERT_TRUE(PutString(*store_, key, "replaced").ok());
  EXPECT_EQ(*GetString(*store_, key), "replaced");

  ASSERT_TRUE(store_->Delete(key).ok());
  EXPECT_EQ(store_->Head(key).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(GetString(*store_, key).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->Delete(key).code(), StatusCode::kNotFound);
}

TEST_F(ObjectStoreTest, MissingObjectsAndBadKeys) {
  EXPECT_EQ(GetString(*store_, "nope/none").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->Head("nope/none").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->LocalCopy("nope/none").status().code(), StatusCode::kNotFound);
  for (const std::string bad : {"", "/abs", "a/../b", "a//b", "trailing/"}) {
    EXPECT_EQ(PutString(*store_, bad, "x").code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST_F(ObjectStoreTest, AFailedBodyStoresNothing) {
  Status st = store_->Put("half/written", [](const ByteSink& sink) -> Status {
    LH_RETURN_IF_ERROR(sink("first half"));
    return Status::Internal("the producer failed", "producer_failed");
  });
  EXPECT_EQ(st.error_code(), "producer_failed");
  EXPECT_EQ(store_->Head("half/written").status().code(), StatusCode::kNotFound);
}

TEST_F(ObjectStoreTest, ListPaginatesInKeyOrderPastOneThousandKeys) {
  // More keys than one S3 ListObjectsV2 page (1000), so continuation is exercised.
  constexpr int kKeys = 1005;
  std::vector<std::thread> writers;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    writers.emplace_back([&, t] {
      for (int i = t; i < kKeys; i += 8) {
        char key[64];
        snprintf(key, sizeof key, "many/k%05d", i);
        if (!PutString(*store_, key, "v").ok()) ++failures;
      }
    });
  }
  for (auto& w : writers) w.join();
  ASSERT_EQ(failures, 0);
  ASSERT_TRUE(PutString(*store_, "other/x", "v").ok());

  auto all = ListAll(*store_, "many/");
  ASSERT_TRUE(all.ok()) << all.status().message();
  ASSERT_EQ(all->size(), static_cast<size_t>(kKeys));
  for (size_t i = 1; i < all->size(); ++i) ASSERT_LT((*all)[i - 1].key, (*all)[i].key);

  auto page = store_->List("many/", "", 1002);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->objects.size(), 1002u);
  EXPECT_EQ(page->next_after, "many/k01001");
  auto rest = store_->List("many/", page->next_after, 1002);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->objects.size(), 3u);
  EXPECT_EQ(rest->objects[0].key, "many/k01002");
  EXPECT_TRUE(rest->next_after.empty());
}

TEST_F(ObjectStoreTest, LocalCopyGivesTheObjectsBytesUnderTheLocalRoot) {
  ASSERT_TRUE(PutString(*store_, "datasets/d/x.parquet", "bytes of x").ok());
  auto file = store_->LocalCopy("datasets/d/x.parquet");
  ASSERT_TRUE(file.ok()) << file.status().message();
  EXPECT_EQ(file->path.string().rfind(store_->local_root().string(), 0), 0u);
  EXPECT_EQ(*ReadFileToString(file->path), "bytes of x");
}

}  // namespace
}  // namespace lakehouse
