#include "storage/open_store.h"

#include "core/log.h"
#include "storage/http_store.h"
#include "storage/local_store.h"
#include "storage/s3_store.h"

namespace lakehouse {
namespace fs = std::filesystem;

namespace {

Result<OpenedStore> WithCache(std::unique_ptr<ObjectStore> remote, std::string backend, const StorageConfig& config,
                              const fs::path& data_dir) {
  LH_ASSIGN_OR_RETURN(auto cached, CachedObjectStore::Open(std::move(remote), data_dir / "cache", config.cache_max_bytes));
  OpenedStore opened;
  opened.cache = cached.get();
  opened.store = std::move(cached);
  opened.backend = std::move(backend);
  return opened;
}

}  // namespace

Result<OpenedStore> OpenConfiguredStore(const StorageConfig& config, const fs::path& data_dir) {
  if (config.backend == "local") {
    LH_ASSIGN_OR_RETURN(auto local, LocalObjectStore::Open(data_dir / "objects", data_dir / "tmp" / "store"));
    return OpenedStore{std::move(local), "local", nullptr};
  }
  S3Options s3;
  s3.endpoint = config.s3.endpoint;
  s3.region = config.s3.region;
  s3.bucket = config.s3.bucket;
  s3.path_style = config.s3.path_style;
  s3.part_size = config.s3.part_size;
  LH_RETURN_IF_ERROR(LoadS3Credentials(config.s3.credentials_file, &s3));
  LH_ASSIGN_OR_RETURN(auto store, S3ObjectStore::Open(std::move(s3), data_dir / "tmp" / "store"));
  if (config.s3.create_bucket) LH_RETURN_IF_ERROR(store->EnsureBucket());
  // Fail at start-up, not at the first request, when the bucket is unreachable or refuses us.
  LH_RETURN_IF_ERROR(store->List("", "", 1).status());
  log::Info("storage_s3", {{"endpoint", config.s3.endpoint},
                           {"bucket", config.s3.bucket},
                           {"region", config.s3.region},
                           {"path_style", config.s3.path_style}});
  return WithCache(std::move(store), "s3", config, data_dir);
}

Result<OpenedStore> OpenRemoteStore(const std::string& storaged_url, const StorageConfig& config,
                                    const fs::path& data_dir) {
  LH_ASSIGN_OR_RETURN(auto remote, HttpObjectStore::Open(storaged_url, data_dir / "tmp" / "store"));
  std::error_code ec;
  fs::create_directories(data_dir / "tmp" / "store", ec);
  return WithCache(std::move(remote), "storaged", config, data_dir);
}

}  // namespace lakehouse
