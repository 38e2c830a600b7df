#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "test_util.h"

namespace lakehouse {
namespace {

using testing::CountFiles;
using testing::MakeTestDir;

class LocalStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = LocalObjectStore::Open(dir_.path() / "objects", dir_.path() / "tmp");
    ASSERT_TRUE(store.ok());
    store_ = std::move(store).value();
  }
  TempPath dir_ = MakeTestDir();
  std::unique_ptr<LocalObjectStore> store_;
};

TEST_F(LocalStoreTest, PutGetHeadDeleteRoundTrip) {
  ASSERT_TRUE(PutString(*store_, "a/b/c.txt", "hello").ok());
  auto got = GetString(*store_, "a/b/c.txt");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, "hello");
  auto head = store_->Head("a/b/c.txt");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->size, 5u);
  ASSERT_TRUE(PutString(*store_, "a/b/c.txt", "replaced").ok());
  EXPECT_EQ(*GetString(*store_, "a/b/c.txt"), "replaced");
  ASSERT_TRUE(store_->Delete("a/b/c.txt").ok());
  EXPECT_EQ(store_->Head("a/b/c.txt").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->Delete("a/b/c.txt").code(), StatusCode::kNotFound);
  EXPECT_EQ(GetString(*store_, "a/b/c.txt").status().code(), StatusCode::kNotFound);
  // Emptied parent directories are pruned.
  EXPECT_FALSE(std::filesystem::exists(store_->local_root() / "a"));
}

TEST_F(LocalStoreTest, RejectsInvalidKeysEverywhere) {
  for (std::string key : {std::string(""), std::string("/abs"), std::string("a/../b"), std::string(".."),
                          std::string("a//b"), std::string("a/./b"), std::string("trailing/"),
                          std::string("nul\0x", 5), std::string("tab\tkey"), std::string(1025, 'k')}) {
    EXPECT_EQ(PutString(*store_, key, "x").code(), StatusCode::kInvalidArgument) << key;
    EXPECT_EQ(store_->Head(key).status().code(), StatusCode::kInvalidArgument) << key;
    EXPECT_EQ(store_->Delete(key).code(), StatusCode::kInvalidArgument) << key;
  }
  std::string longest;
  while (longest.size() < 1024) longest += (longest.empty() ? "" : "/") + std::string(200, 'k');
  longest.resize(1024);
  EXPECT_TRUE(PutString(*store_, longest, "x").ok());
  // The local backend cannot hold a path segment longer than a file name may be.
  EXPECT_EQ(PutString(*store_, std::string(300, 'k'), "x").error_code(), "invalid_key");
  EXPECT_EQ(CountFiles(dir_.path() / "tmp"), 0u);
}

TEST_F(LocalStoreTest, ListPaginatesInKeyOrder) {
  std::set<std::string> expected;
  for (int i = 0; i < 25; ++i) {
    std::string key = "p/" + std::to_string(100 + i) + ".bin";
    ASSERT_TRUE(PutString(*store_, key, std::string(i, 'x')).ok());
    expected.insert(key);
  }
  ASSERT_TRUE(PutString(*store_, "q/other.bin", "x").ok());
  std::vector<std::string> seen;
  std::string after;
  int pages = 0;
  while (true) {
    auto page = store_->List("p/", after, 10);
    ASSERT_TRUE(page.ok());
    ++pages;
    for (const auto& o : page->objects) seen.push_back(o.key);
    if (page->next_after.empty()) break;
    after = page->next_after;
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(std::vector<std::string>(expected.begin(), expected.end()), seen);
  EXPECT_EQ(store_->List("p/10", "", 100)->objects.size(), 10u);  // partial-segment prefix
  EXPECT_EQ(store_->List("nothing/", "", 100)->objects.size(), 0u);
  EXPECT_EQ(store_->List("", "", 100)->objects.size(), 26u);
  EXPECT_FALSE(store_->List("../", "", 10).ok());
}

TEST_F(LocalStoreTest, FailedWriteLeavesNoObjectAndNoTempFile) {
  ASSERT_TRUE(PutString(*store_, "k", "old").ok());
  Status st = store_->Put("k", [](const ByteSink& sink) -> Status {
    EXPECT_TRUE(sink("partial").ok());
    return Status::InvalidArgument("client went away");
  });
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(*GetString(*store_, "k"), "old");
  st = store_->Put("never", [](const ByteSink&) { return Status::Internal("boom"); });
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(store_->Head("never").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(CountFiles(dir_.path() / "tmp"), 0u);
}

TEST_F(LocalStoreTest, PutFileMovesTheFileIn) {
  auto src = dir_.path() / "tmp" / "made.bin";
  testing::WriteFile(src, "parquet bytes");
  ASSERT_TRUE(store_->PutFile("datasets/x/abc.parquet", src).ok());
  EXPECT_FALSE(std::filesystem::exists(src));
  EXPECT_EQ(*GetString(*store_, "datasets/x/abc.parquet"), "parquet bytes");
  auto file = store_->LocalCopy("datasets/x/abc.parquet");
  ASSERT_TRUE(file.ok());
  EXPECT_TRUE(std::filesystem::is_regular_file(file->path));
}

TEST_F(LocalStoreTest, KeyThatIsAPrefixOfAnotherIsAConflict) {
  ASSERT_TRUE(PutString(*store_, "a", "file").ok());
  EXPECT_EQ(PutString(*store_, "a/b", "x").code(), StatusCode::kConflict);
  ASSERT_TRUE(PutString(*store_, "d/e", "x").ok());
  EXPECT_EQ(PutString(*store_, "d", "x").code(), StatusCode::kConflict);
  EXPECT_EQ(*GetString(*store_, "a"), "file");
}

TEST_F(LocalStoreTest, DoesNotFollowSymlinks) {
  testing::WriteFile(dir_.path() / "secret", "secret");
  std::filesystem::create_symlink(dir_.path() / "secret", store_->local_root() / "link");
  EXPECT_EQ(GetString(*store_, "link").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->LocalCopy("link").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->List("", "", 10)->objects.size(), 0u);
}

TEST_F(LocalStoreTest, ConcurrentPutsToOneKeyNeverTear) {
  const std::string a(1 << 20, 'a'), b(1 << 20, 'b');
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) ASSERT_TRUE(PutString(*store_, "same", t % 2 ? a : b).ok());
    });
  }
  std::thread reader([&] {
    for (int i = 0; i < 40; ++i) {
      auto got = GetString(*store_, "same");
      if (!got.ok()) continue;  // not written yet
      EXPECT_TRUE(*got == a || *got == b);
    }
  });
  for (auto& t : threads) t.join();
  reader.join();
  auto final_value = GetString(*store_, "same");
  EXPECT_TRUE(*final_value == a || *final_value == b);
  EXPECT_EQ(CountFiles(dir_.path() / "tmp"), 0u);
}

}  // namespace
}  // namespace lakehouse
