// The S3 backend against a real S3 protocol server (s3rver), and the object
// cache that lets DuckDB read remote objects.
#include <gtest/gtest.h>

#include <thread>

#include "storage/open_store.h"
#include "test_util.h"

namespace lakehouse {
namespace {

std::unique_ptr<S3ObjectStore> OpenBucket(const TempPath& dir, const std::string& bucket, S3Options options) {
  options.bucket = bucket;
  auto store = S3ObjectStore::Open(std::move(options), dir.path() / "tmp");
  EXPECT_TRUE(store.ok()) << store.status().message();
  return store.ok() ? std::move(store).value() : nullptr;
}

TEST(S3Store, MultipartUploadRoundTripsAndRemovesTheFile) {
  TempPath dir = testing::MakeTestDir();
  auto store = OpenBucket(dir, testing::BucketFor("multipart"), testing::TestS3Options(""));
  ASSERT_TRUE(store->EnsureBucket().ok());
  // 12 MiB + 3 bytes with a 5 MiB part size: three parts, the last one short.
  std::string data(12 * 1024 * 1024 + 3, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>((i * 2654435761u) >> 13);
  const auto file = dir.path() / "big.bin";
  testing::WriteFile(file, data);
  ASSERT_TRUE(store->PutFile("vectors/big/graph.hnsw", file).ok());
  EXPECT_FALSE(std::filesystem::exists(file));
  auto info = store->Head("vectors/big/graph.hnsw");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->size, data.size());
  auto back = GetString(*store, "vectors/big/graph.hnsw", 64u << 20);
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(*back == data) << "multipart object differs from the file";
}

TEST(S3Store, VirtualHostStyleAddressesTheBucketInTheHostName) {
  TempPath dir = testing::MakeTestDir();
  const std::string bucket = testing::BucketFor("vhost");
  ASSERT_TRUE(OpenBucket(dir, bucket, testing::TestS3Options(""))->EnsureBucket().ok());
  S3Options options = testing::TestS3Options("");
  // s3rver takes <bucket>.s3.localhost as the bucket's virtual host; *.localhost is loopback.
  options.endpoint.replace(options.endpoint.find("127.0.0.1"), 9, "s3.localhost");
  options.path_style = false;
  auto store = OpenBucket(dir, bucket, options);
  ASSERT_TRUE(PutString(*store, "datasets/v/a b.parquet", "virtual").ok());
  EXPECT_EQ(*GetString(*store, "datasets/v/a b.parquet"), "virtual");
  auto page = store->List("datasets/", "", 10);
  ASSERT_TRUE(page.ok()) << page.status().message();
  ASSERT_EQ(page->objects.size(), 1u);
  EXPECT_EQ(page->objects[0].key, "datasets/v/a b.parquet");
  // The same object, read path-style: both styles address one bucket.
  EXPECT_EQ(*GetString(*OpenBucket(dir, bucket, testing::TestS3Options("")), "datasets/v/a b.parquet"), "virtual");
  EXPECT_TRUE(store->Delete("datasets/v/a b.parquet").ok());
}

TEST(S3Store, WrongCredentialsNameTheBucketAndNeverTheSecret) {
  TempPath dir = testing::MakeTestDir();
  S3Options options = testing::TestS3Options("");
  options.access_key_id = "NOT-A-KEY";
  options.secret_access_key = "very-secret-value-123";
  auto store = OpenBucket(dir, "lakehouse-auth", options);
  Status st = PutString(*store, "a/b", "x");
  EXPECT_EQ(st.code(), StatusCode::kBadGateway) << st.ToString();
  EXPECT_EQ(st.error_code(), "storage_auth_failed");
  EXPECT_NE(st.message().find("lakehouse-auth"), std::string::npos) << st.message();
  EXPECT_EQ(st.message().find("very-secret-value-123"), std::string::npos);
  EXPECT_EQ(st.message().find("NOT-A-KEY"), std::string::npos);
}

TEST(S3Store, MissingBucketAndUnreachableEndpointAreBadGateway) {
  TempPath dir = testing::MakeTestDir();
  auto missing = OpenBucket(dir, "no-such-bucket-here", testing::TestS3Options(""));
  Status st = missing->List("", "", 10).status();
  EXPECT_EQ(st.code(), StatusCode::kBadGateway);
  EXPECT_EQ(st.error_code(), "storage_bucket_missing");
  EXPECT_NE(st.message().find("no-such-bucket-here"), std::string::npos);

  S3Options down = testing::TestS3Options("");
  down.endpoint = "http://127.0.0.1:" + std::to_string(testing::FreeLoopbackPort());
  down.max_retries = 0;
  auto unreachable = OpenBucket(dir, "b", down);
  st = unreachable->Head("a").status();
  EXPECT_EQ(st.code(), StatusCode::kBadGateway);
  EXPECT_EQ(st.error_code(), "upstream_unreachable");
}

// s3rver never throttles, so a stand-in answers 503 SlowDown the way S3 does.
TEST(S3Store, ThrottlingIsRetriedThenUnavailable) {
  httplib::Server fake;
  std::atomic<int> calls{0};
  fake.Get(R"(/.*)", [&](const httplib::Request&, httplib::Response& res) {
    ++calls;
    res.status = 503;
    res.set_content("<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>",
                    "application/xml");
  });
  const int port = fake.bind_to_any_port("127.0.0.1");
  std::thread serving([&] { fake.listen_after_bind(); });
  TempPath dir = testing::MakeTestDir();
  S3Options options = testing::TestS3Options("");
  options.endpoint = "http://127.0.0.1:" + std::to_string(port);
  options.max_retries = 2;
  auto store = OpenBucket(dir, "busy", options);
  Status st = GetString(*store, "a/b").status();
  fake.stop();
  serving.join();
  EXPECT_EQ(st.code(), StatusCode::kUnavailable);
  EXPECT_EQ(st.error_code(), "storage_throttled");
  EXPECT_EQ(calls, 3);  // the first try and two retries
}

TEST(S3Store, ConfiguredStoreReadsCredentialsFromEnvironmentOrFile) {
  TempPath dir = testing::MakeTestDir();
  StorageConfig config;
  config.backend = "s3";
  config.s3.endpoint = testing::S3rver::Endpoint();
  config.s3.bucket = testing::BucketFor("configured");
  config.s3.create_bucket = true;
  unsetenv("AWS_ACCESS_KEY_ID");
  unsetenv("AWS_SECRET_ACCESS_KEY");
  auto none = OpenConfiguredStore(config, dir.path());
  EXPECT_EQ(none.status().error_code(), "bad_config");
  EXPECT_NE(none.status().message().find("AWS_ACCESS_KEY_ID"), std::string::npos);

  setenv("AWS_ACCESS_KEY_ID", testing::S3rver::kAccessKey, 1);
  setenv("AWS_SECRET_ACCESS_KEY", testing::S3rver::kSecretKey, 1);
  auto from_env = OpenConfiguredStore(config, dir.path());
  ASSERT_TRUE(from_env.ok()) << from_env.status().message();
  EXPECT_EQ(from_env->backend, "s3");
  ASSERT_TRUE(PutString(*from_env->store, "k", "v").ok());
  unsetenv("AWS_ACCESS_KEY_ID");
  unsetenv("AWS_SECRET_ACCESS_KEY");

  config.s3.credentials_file = (dir.path() / "credentials").string();
  testing::WriteFile(config.s3.credentials_file, "[default]\naws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\n");
  auto from_file = OpenConfiguredStore(config, dir.path() / "second");
  ASSERT_TRUE(from_file.ok()) << from_file.status().message();
  EXPECT_EQ(*GetString(*from_file->store, "k"), "v");

  testing::WriteFile(config.s3.credentials_file, "[default]\naws_access_key_id = S3RVER\n");
  EXPECT_EQ(OpenConfiguredStore(config, dir.path() / "third").status().error_code(), "bad_config");
}

// A remote whose Get can be told to fail halfway through, and counts Gets.
class FlakyRemote final : public ObjectStore {
 public:
  explicit FlakyRemote(std::unique_ptr<ObjectStore> inner) : inner_(std::move(inner)) {}
  std::atomic<bool> fail_gets{false};
  std::atomic<int> gets{0};
  Status Put(std::string_view key, const BodyWriter& w) override { return inner_->Put(key, w); }
  Status PutFile(std::string_view key, const std::filesystem::path& f) override { return inner_->PutFile(key, f); }
  Status Get(std::string_view key, const ByteSink& sink) override {
    ++gets;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // lets concurrent readers pile up
    return inner_->Get(key, [&](std::string_view piece) -> Status {
      if (fail_gets) {
        LH_RETURN_IF_ERROR(sink(piece.substr(0, piece.size() / 2)));
        return Status::BadGateway("connection reset", "upstream_unreachable");
      }
      return sink(piece);
    });
  }
  Result<ObjectInfo> Head(std::string_view key) override { return inner_->Head(key); }
  Result<ListPage> List(std::string_view p, std::string_view a, size_t l) override { return inner_->List(p, a, l); }
  Status Delete(std::string_view key) override { return inner_->Delete(key); }
  Result<LocalFile> LocalCopy(std::string_view) override { return Status::Internal("remote"); }
  const std::filesystem::path& local_root() const override { return inner_->local_root(); }

 private:
  std::unique_ptr<ObjectStore> inner_;
};

class ObjectCacheTest : public ::testing::Test {
 protected:
  void Open(uint64_t max_bytes) {
    auto local = LocalObjectStore::Open(dir_.path() / "remote", dir_.path() / "remote-tmp");
    ASSERT_TRUE(local.ok());
    auto flaky = std::make_unique<FlakyRemote>(std::move(local).value());
    remote_ = flaky.get();
    auto cache = CachedObjectStore::Open(std::move(flaky), dir_.path() / "cache", max_bytes);
    ASSERT_TRUE(cache.ok());
    cache_ = std::move(cache).value();
  }
  TempPath dir_ = testing::MakeTestDir();
  FlakyRemote* remote_ = nullptr;
  std::unique_ptr<CachedObjectStore> cache_;
};

TEST_F(ObjectCacheTest, EvictsLeastRecentlyUsedButNeverAPinnedFile) {
  Open(/*max_bytes=*/2500);
  for (const char* k : {"d/a", "d/b", "d/c"}) ASSERT_TRUE(PutString(*cache_, k, std::string(1000, k[2])).ok());

  auto a = cache_->LocalCopy("d/a");  // held: pinned
  ASSERT_TRUE(a.ok());
  { ASSERT_TRUE(cache_->LocalCopy("d/b").ok()); }  // released at once
  { ASSERT_TRUE(cache_->LocalCopy("d/c").ok()); }  // 3000 bytes > 2500: b, the oldest unpinned, goes
  EXPECT_TRUE(std::filesystem::exists(a->path));
  EXPECT_FALSE(std::filesystem::exists(cache_->local_root() / "d/b"));
  EXPECT_TRUE(std::filesystem::exists(cache_->local_root() / "d/c"));
  ObjectCacheStats stats = cache_->Stats();
  EXPECT_EQ(stats.evictions, 1u);
  EXPECT_EQ(stats.bytes, 2000u);
  EXPECT_EQ(stats.pinned_bytes, 1000u);

  // Reading b again downloads it again; a stays while pinned, then may go.
  const int gets_before = remote_->gets;
  ASSERT_TRUE(cache_->LocalCopy("d/b").ok());
  EXPECT_EQ(remote_->gets, gets_before + 1);
  EXPECT_EQ(*ReadFileToString(a->path), std::string(1000, 'a'));
  a = Status::NotFound("released");
  { ASSERT_TRUE(cache_->LocalCopy("d/c").ok()); }
  EXPECT_LE(cache_->Stats().bytes, 2500u);
}

TEST_F(ObjectCacheTest, APartialDownloadIsNeverUsed) {
  Open(1 << 20);
  ASSERT_TRUE(PutString(*cache_, "d/x", std::string(5000, 'x')).ok());
  remote_->fail_gets = true;
  auto failed = cache_->LocalCopy("d/x");
  EXPECT_EQ(failed.status().error_code(), "upstream_unreachable");
  EXPECT_FALSE(std::filesystem::exists(cache_->local_root() / "d/x"));
  EXPECT_EQ(testing::CountFiles(dir_.path() / "cache"), 0u) << "the partial download was left behind";
  remote_->fail_gets = false;
  auto file = cache_->LocalCopy("d/x");
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(*ReadFileToString(file->path), std::string(5000, 'x'));
}

TEST_F(ObjectCacheTest, ConcurrentReadersOfOneKeyDownloadItOnce) {
  Open(1 << 20);
  ASSERT_TRUE(PutString(*cache_, "d/shared", "shared bytes").ok());
  std::vector<std::thread> readers;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    readers.emplace_back([&] {
      auto file = cache_->LocalCopy("d/shared");
      if (file.ok() && *ReadFileToString(file->path) == "shared bytes") ++ok;
    });
  }
  for (auto& r : readers) r.join();
  EXPECT_EQ(ok, 8);
  EXPECT_EQ(remote_->gets, 1);
  EXPECT_EQ(cache_->Stats().misses, 1u);
  EXPECT_EQ(cache_->Stats().hits, 7u);
}

TEST_F(ObjectCacheTest, DeleteDropsTheCachedCopy) {
  Open(1 << 20);
  ASSERT_TRUE(PutString(*cache_, "d/gone", "bytes").ok());
  { ASSERT_TRUE(cache_->LocalCopy("d/gone").ok()); }
  ASSERT_TRUE(cache_->Delete("d/gone").ok());
  EXPECT_FALSE(std::filesystem::exists(cache_->local_root() / "d/gone"));
  EXPECT_EQ(cache_->LocalCopy("d/gone").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace lakehouse
