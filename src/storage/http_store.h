// ObjectStore over a storaged service (split mode): the storage routes of
// DESIGN.md, bodies streamed both ways. Errors come back as the service's own
// JSON errors; an unreachable storaged is BadGateway naming it.
// LocalCopy is not served here: wrap the store in a CachedObjectStore.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "storage/object_store.h"

namespace lakehouse {

class HttpObjectStore final : public ObjectStore {
 public:
  // base_url: "http://127.0.0.1:3211" (a path prefix is kept); tmp_dir is unused
  // but reported as local_root.
  static Result<std::unique_ptr<HttpObjectStore>> Open(std::string base_url, std::filesystem::path tmp_dir);

  Status Put(std::string_view key, const BodyWriter& write_body) override;
  Status PutFile(std::string_view key, const std::filesystem::path& file) override;
  Status Get(std::string_view key, const ByteSink& sink) override;
  Result<ObjectInfo> Head(std::string_view key) override;
  Result<ListPage> List(std::string_view prefix, std::string_view after, size_t limit) override;
  Status Delete(std::string_view key) override;
  Result<LocalFile> LocalCopy(std::string_view key) override;
  const std::filesystem::path& local_root() const override { return tmp_dir_; }

 private:
  HttpObjectStore(std::string base_url, std::filesystem::path tmp_dir)
      : base_url_(std::move(base_url)), tmp_dir_(std::move(tmp_dir)) {}
  // Sends a request whose answer is JSON (or an error), returning the body.
  Result<std::string> Call(const std::string& method, const std::string& path_and_query);

  std::string base_url_;
  std::filesystem::path tmp_dir_;
};

}  // namespace lakehouse
