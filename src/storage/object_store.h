// ObjectStore: the one interface every byte of lakehouse data passes through.
// Objects are addressed by validated keys ("datasets/workers/ab12.parquet").
// Thread-safety: implementations are safe for concurrent use. A Put is atomic:
// readers see the old object, the new one, or none, never a partial one.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace lakehouse {

// Receives the next piece of an object; a non-ok status aborts the transfer.
using ByteSink = std::function<Status(std::string_view piece)>;
// Produces an object's bytes by calling the sink it is given, in order; its
// status (or the sink's) decides whether the object is stored.
using BodyWriter = std::function<Status(const ByteSink& sink)>;

struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
  int64_t modified_unix_millis = 0;
};

struct ListPage {
  std::vector<ObjectInfo> objects;  // ascending by key
  std::string next_after;           // pass as `after` for the next page; empty when this is the last page
};

// A local file holding an object's bytes. The file stays in place while any
// copy of `pin` lives (a cache does not evict it); pin is null when the file
// is the store's own.
struct LocalFile {
  std::filesystem::path path;
  std::shared_ptr<const void> pin;
};

inline constexpr size_t kMaxKeyBytes = 1024;
inline constexpr size_t kMaxListLimit = 10000;

// Rejects: empty, over 1024 bytes, NUL or other control characters, a leading
// '/', a trailing '/', empty, "." or ".." segments.
Status ValidateKey(std::string_view key);

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // Streams the body into key, replacing any existing object atomically. When
  // write_body fails, nothing is stored and its status is returned.
  virtual Status Put(std::string_view key, const BodyWriter& write_body) = 0;
  // Stores the finished local file under key. The file is consumed (moved
  // when it lies on the store's filesystem, else copied then removed).
  virtual Status PutFile(std::string_view key, const std::filesystem::path& file) = 0;
  // Streams the object to sink. NotFound when absent.
  virtual Status Get(std::string_view key, const ByteSink& sink) = 0;
  virtual Result<ObjectInfo> Head(std::string_view key) = 0;
  // Keys starting with prefix and greater than after, at most limit (1..10000).
  virtual Result<ListPage> List(std::string_view prefix, std::string_view after, size_t limit) = 0;
  // NotFound when absent.
  virtual Status Delete(std::string_view key) = 0;
  // A local file holding the object's bytes, for readers that need a path
  // (DuckDB). Valid while the object exists and the pin lives. Objects read
  // this way must be immutable once written (content-addressed or versioned keys).
  virtual Result<LocalFile> LocalCopy(std::string_view key) = 0;
  // The directory every LocalCopy path lies under (DuckDB's allowlist root).
  virtual const std::filesystem::path& local_root() const = 0;
};

Status PutString(ObjectStore& store, std::string_view key, std::string_view data);
// NotFound when absent; TooLarge when the object exceeds max_bytes.
Result<std::string> GetString(ObjectStore& store, std::string_view key, size_t max_bytes = 64u << 20);
// For stores that need a body's length before sending it: writes the body to
// a temp file in tmp_dir, then store.PutFile(key, that file).
Status PutBySpooling(ObjectStore& store, const std::filesystem::path& tmp_dir, std::string_view key,
                     const BodyWriter& write_body);
// Every key under prefix, following pagination.
Result<std::vector<ObjectInfo>> ListAll(ObjectStore& store, std::string_view prefix);

}  // namespace lakehouse
