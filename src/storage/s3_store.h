// ObjectStore over the S3 protocol (AWS S3, MinIO, s3rver) with libcurl's
// SigV4 signing. Path-style ("http://host/bucket/key") or virtual-host style
// ("https://bucket.host/key") addressing. Large files go up as multipart
// uploads (aborted when a part fails); Put spools its body to a temp file first
// because S3 needs the length up front.
//
// Errors: NoSuchKey → NotFound; SlowDown/503 → Unavailable (retryable, after
// the store's own retries); AccessDenied, InvalidAccessKeyId,
// SignatureDoesNotMatch, NoSuchBucket → BadGateway naming the bucket. Messages
// never carry credentials.
//
// LocalCopy is not served here: wrap the store in a CachedObjectStore.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "storage/object_store.h"

namespace lakehouse {

struct S3Options {
  std::string endpoint;  // "http://127.0.0.1:9000", "https://s3.eu-west-1.amazonaws.com"
  std::string region = "us-east-1";
  std::string bucket;
  bool path_style = true;
  std::string access_key_id;
  std::string secret_access_key;
  uint64_t part_size = 64ull << 20;  // files above this go up as multipart uploads
  int max_retries = 3;               // for 5xx, throttling and transport failures
  int connect_timeout_ms = 5000;
  int stall_timeout_ms = 60000;
};

class S3ObjectStore final : public ObjectStore {
 public:
  // tmp_dir holds spooled bodies of Put.
  static Result<std::unique_ptr<S3ObjectStore>> Open(S3Options options, std::filesystem::path tmp_dir);

  Status Put(std::string_view key, const BodyWriter& write_body) override;
  Status PutFile(std::string_view key, const std::filesystem::path& file) override;
  Status Get(std::string_view key, const ByteSink& sink) override;
  Result<ObjectInfo> Head(std::string_view key) override;
  Result<ListPage> List(std::string_view prefix, std::string_view after, size_t limit) override;
  Status Delete(std::string_view key) override;
  Result<LocalFile> LocalCopy(std::string_view key) override;
  const std::filesystem::path& local_root() const override { return tmp_dir_; }

  // Creates the bucket when it does not exist (development setups, tests).
  Status EnsureBucket();
  const S3Options& options() const { return options_; }

 private:
  S3ObjectStore(S3Options options, std::filesystem::path tmp_dir)
      : options_(std::move(options)), tmp_dir_(std::move(tmp_dir)) {}
  struct Reply;
  struct Call;
  // Sends one request, retrying retryable failures; body bytes of a 2xx answer
  // go to sink (when given), other answers are collected for the error.
  Result<Reply> Send(const Call& call);
  std::string Url(std::string_view key, const std::string& sorted_query) const;
  Status PutSingle(std::string_view key, const std::filesystem::path& file, uint64_t size);
  Status PutMultipart(std::string_view key, const std::filesystem::path& file, uint64_t size);

  S3Options options_;
  std::filesystem::path tmp_dir_;
};

// Credentials from a file of `aws_access_key_id = ...` / `aws_secret_access_key = ...`
// lines (the AWS shared-credentials format; sections are ignored) when path is
// set, else from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
Status LoadS3Credentials(const std::string& credentials_file, S3Options* options);

}  // namespace lakehouse
