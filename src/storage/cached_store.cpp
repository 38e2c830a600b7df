#include "storage/cached_store.h"

#include <fcntl.h>
#include <unistd.h>

#include "core/files.h"
#include "core/log.h"

namespace lakehouse {
namespace fs = std::filesystem;

struct CachedObjectStore::State {
  std::mutex mu;
  std::condition_variable downloaded;
  std::unordered_map<std::string, Entry> entries;
  std::list<std::string> lru;  // front = most recently used; ready entries only
  uint64_t bytes = 0;
  uint64_t pinned_bytes = 0;
  uint64_t hits = 0, misses = 0, evictions = 0;
  bool closed = false;
};

Result<std::unique_ptr<CachedObjectStore>> CachedObjectStore::Open(std::unique_ptr<ObjectStore> remote,
                                                                  fs::path cache_dir, uint64_t max_bytes) {
  std::error_code ec;
  fs::remove_all(cache_dir, ec);
  const fs::path objects = cache_dir / "objects";
  const fs::path downloads = cache_dir / "downloads";
  for (const auto& dir : {objects, downloads}) {
    fs::create_directories(dir, ec);
    if (ec) return Status::Internal("create " + dir.string() + ": " + ec.message(), "io_error");
  }
  return std::unique_ptr<CachedObjectStore>(
      new CachedObjectStore(std::move(remote), objects, downloads, max_bytes));
}

CachedObjectStore::CachedObjectStore(std::unique_ptr<ObjectStore> remote, fs::path objects_dir,
                                     fs::path downloads_dir, uint64_t max_bytes)
    : remote_(std::move(remote)),
      objects_dir_(std::move(objects_dir)),
      downloads_dir_(std::move(downloads_dir)),
      max_bytes_(max_bytes),
      state_(std::make_shared<State>()) {}

CachedObjectStore::~CachedObjectStore() {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->closed = true;
}

Result<LocalFile> CachedObjectStore::Pin(const std::string& key) {
  Entry& entry = state_->entries.at(key);
  if (entry.pins++ == 0) state_->pinned_bytes += entry.size;
  state_->lru.splice(state_->lru.begin(), state_->lru, entry.lru);
  std::weak_ptr<State> weak_state = state_;
  // The pin's deleter runs when the last copy of the LocalFile goes.
  std::shared_ptr<const void> pin(static_cast<const void*>(this), [this, weak_state, key](const void*) {
    if (auto state = weak_state.lock()) {
      std::lock_guard<std::mutex> lock(state->mu);
      if (!state->closed) Unpin(key);
    }
  });
  return LocalFile{objects_dir_ / key, std::move(pin)};
}

void CachedObjectStore::Unpin(const std::string& key) {
  auto it = state_->entries.find(key);
  if (it == state_->entries.end()) return;
  if (--it->second.pins == 0) state_->pinned_bytes -= it->second.size;
  EvictOverCap();
}

void CachedObjectStore::EvictOverCap() {
  auto victim = state_->lru.end();
  while (state_->bytes > max_bytes_ && victim != state_->lru.begin()) {
    --victim;
    auto it = state_->entries.find(*victim);
    if (it == state_->entries.end() || it->second.pins > 0) continue;
    std::error_code ec;
    fs::remove(objects_dir_ / *victim, ec);
    state_->bytes -= it->second.size;
    ++state_->evictions;
    state_->entries.erase(it);
    victim = state_->lru.erase(victim);
  }
}

Result<LocalFile> CachedObjectStore::LocalCopy(std::string_view key_view) {
  LH_RETURN_IF_ERROR(ValidateKey(key_view));
  const std::string key(key_view);
  {
    std::unique_lock<std::mutex> lock(state_->mu);
    while (true) {
      auto it = state_->entries.find(key);
      if (it == state_->entries.end()) break;
      if (it->second.ready) {
        ++state_->hits;
        return Pin(key);
      }
      state_->downloaded.wait(lock);  // another request is fetching it
    }
    ++state_->misses;
    state_->entries[key] = Entry{};  // marks the download as in flight
  }

  // Download outside the lock, to a temp name: a partial file is never visible under the key.
  TempPath download(UniqueTempName(downloads_dir_, "get-"));
  uint64_t size = 0;
  Status st = [&]() -> Status {
    UniqueFd fd(::open(download.path().c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (!fd.valid()) return Status::FromErrno("create", download.path().string(), errno);
    BlockWriter writer(fd.get(), download.path(), 1 << 20);
    LH_RETURN_IF_ERROR(remote_->Get(key, [&](std::string_view piece) {
      size += piece.size();
      return writer.Append(piece);
    }));
    LH_RETURN_IF_ERROR(writer.Flush());
    const fs::path target = objects_dir_ / key;
    std::error_code ec;
    fs::create_directories(target.parent_path(), ec);
    if (ec) return Status::Internal("create " + target.parent_path().string() + ": " + ec.message(), "io_error");
    if (::rename(download.path().c_str(), target.c_str()) != 0) {
      return Status::FromErrno("rename", target.string(), errno);
    }
    download.Release();
    return Status::Ok();
  }();

  std::lock_guard<std::mutex> lock(state_->mu);
  state_->downloaded.notify_all();
  if (!st.ok()) {
    state_->entries.erase(key);
    return st;
  }
  Entry& entry = state_->entries.at(key);
  entry.ready = true;
  entry.size = size;
  state_->lru.push_front(key);
  entry.lru = state_->lru.begin();
  state_->bytes += size;
  Result<LocalFile> pinned = Pin(key);
  EvictOverCap();
  if (state_->pinned_bytes > max_bytes_) {
    log::Warn("object_cache_over_capacity",
              {{"pinned_bytes", state_->pinned_bytes}, {"max_bytes", max_bytes_}});
  }
  return pinned;
}

Status CachedObjectStore::Delete(std::string_view key) {
  LH_RETURN_IF_ERROR(remote_->Delete(key));
  std::lock_guard<std::mutex> lock(state_->mu);
  auto it = state_->entries.find(std::string(key));
  if (it != state_->entries.end() && it->second.ready && it->second.pins == 0) {
    std::error_code ec;
    fs::remove(objects_dir_ / it->first, ec);
    state_->bytes -= it->second.size;
    state_->lru.erase(it->second.lru);
    state_->entries.erase(it);
  }
  return Status::Ok();
}

ObjectCacheStats CachedObjectStore::Stats() {
  std::lock_guard<std::mutex> lock(state_->mu);
  return {state_->entries.size(), state_->bytes, max_bytes_, state_->pinned_bytes,
          state_->hits,           state_->misses, state_->evictions};
}

}  // namespace lakehouse
