// CachedObjectStore: a remote store (S3, storaged over HTTP) plus a local,
// size-capped LRU cache of whole objects, so that readers needing a file path
// (DuckDB, the vector index loader) can read remote data.
//
// Contracts: a cached file is complete (downloaded to a temp name, renamed
// into place only when the whole object arrived); a file is never evicted
// while a LocalFile pin on it lives; concurrent requests for one key download
// it once. Only immutable objects may be read through LocalCopy (content-
// addressed Parquet, versioned vector snapshots): a cached copy is not
// revalidated. The cache starts empty at every Open.
#pragma once

#include <condition_variable>
#include <filesystem>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "storage/object_store.h"

namespace lakehouse {

struct ObjectCacheStats {
  uint64_t entries = 0;
  uint64_t bytes = 0;
  uint64_t max_bytes = 0;
  uint64_t pinned_bytes = 0;
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t evictions = 0;
};

class CachedObjectStore final : public ObjectStore {
 public:
  // Wipes and recreates cache_dir.
  static Result<std::unique_ptr<CachedObjectStore>> Open(std::unique_ptr<ObjectStore> remote,
                                                        std::filesystem::path cache_dir, uint64_t max_bytes);
  ~CachedObjectStore() override;

  Status Put(std::string_view key, const BodyWriter& write_body) override { return remote_->Put(key, write_body); }
  Status PutFile(std::string_view key, const std::filesystem::path& file) override {
    return remote_->PutFile(key, file);
  }
  Status Get(std::string_view key, const ByteSink& sink) override { return remote_->Get(key, sink); }
  Result<ObjectInfo> Head(std::string_view key) override { return remote_->Head(key); }
  Result<ListPage> List(std::string_view prefix, std::string_view after, size_t limit) override {
    return remote_->List(prefix, after, limit);
  }
  Status Delete(std::string_view key) override;
  Result<LocalFile> LocalCopy(std::string_view key) override;
  const std::filesystem::path& local_root() const override { return objects_dir_; }

  ObjectCacheStats Stats();
  ObjectStore& remote() { return *remote_; }

 private:
  struct Entry {
    bool ready = false;  // false while downloading
    uint64_t size = 0;
    int pins = 0;
    std::list<std::string>::iterator lru;  // valid when ready
  };
  struct State;

  CachedObjectStore(std::unique_ptr<ObjectStore> remote, std::filesystem::path objects_dir,
                    std::filesystem::path downloads_dir, uint64_t max_bytes);
  Result<LocalFile> Pin(const std::string& key);  // entry ready; state_->mu held
  void Unpin(const std::string& key);
  void EvictOverCap();  // state_->mu held

  std::unique_ptr<ObjectStore> remote_;
  std::filesystem::path objects_dir_;
  std::filesystem::path downloads_dir_;
  uint64_t max_bytes_;
  // Shared with outstanding pins so that a pin released after the store is
  // gone does no harm.
  std::shared_ptr<State> state_;
};

}  // namespace lakehouse
