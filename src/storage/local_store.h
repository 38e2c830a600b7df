// ObjectStore on a local directory: key "a/b" is the file <root>/a/b.
// Writes go to a temp file in tmp_dir (same filesystem), are fsynced and
// renamed into place, so a crash never leaves a torn object under a real key.
// Never creates symlinks and refuses to follow them (DuckDB's directory
// allowlist is path-text based; a symlink would escape it).
#pragma once

#include <filesystem>

#include "storage/object_store.h"

namespace lakehouse {

class LocalObjectStore final : public ObjectStore {
 public:
  // Creates root and tmp_dir if needed. tmp_dir must be on root's filesystem.
  static Result<std::unique_ptr<LocalObjectStore>> Open(std::filesystem::path root, std::filesystem::path tmp_dir);

  Status Put(std::string_view key, const BodyWriter& write_body) override;
  Status PutFile(std::string_view key, const std::filesystem::path& file) override;
  Status Get(std::string_view key, const ByteSink& sink) override;
  Result<ObjectInfo> Head(std::string_view key) override;
  Result<ListPage> List(std::string_view prefix, std::string_view after, size_t limit) override;
  Status Delete(std::string_view key) override;
  Result<LocalFile> LocalCopy(std::string_view key) override;
  const std::filesystem::path& local_root() const override { return root_; }

 private:
  LocalObjectStore(std::filesystem::path root, std::filesystem::path tmp_dir)
      : root_(std::move(root)), tmp_dir_(std::move(tmp_dir)) {}
  // Renames a finished, fsynced temp file to key's path.
  Status Publish(const std::filesystem::path& tmp, std::string_view key);

  std::filesystem::path root_;
  std::filesystem::path tmp_dir_;
};

}  // namespace lakehouse
