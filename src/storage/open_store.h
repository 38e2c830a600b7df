// Builds the ObjectStore lakehouse.toml asks for, under data_dir:
//   local  → LocalObjectStore on <data_dir>/objects
//   s3     → S3ObjectStore + a CachedObjectStore in <data_dir>/cache
//   remote → (split mode) HttpObjectStore to storaged + a CachedObjectStore
// Scratch space goes to <data_dir>/tmp/<scratch>.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "core/config.h"
#include "storage/cached_store.h"
#include "storage/object_store.h"

namespace lakehouse {

struct OpenedStore {
  std::unique_ptr<ObjectStore> store;
  std::string backend;                // "local", "s3" or "storaged"
  CachedObjectStore* cache = nullptr;  // set for remote backends
};

Result<OpenedStore> OpenConfiguredStore(const StorageConfig& config, const std::filesystem::path& data_dir);
// Split mode: the storaged at storaged_url, with a local cache in <data_dir>/cache.
Result<OpenedStore> OpenRemoteStore(const std::string& storaged_url, const StorageConfig& config,
                                    const std::filesystem::path& data_dir);

}  // namespace lakehouse
