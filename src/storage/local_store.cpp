#include "storage/local_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "core/files.h"

namespace lakehouse {
namespace fs = std::filesystem;

namespace {

constexpr size_t kIoBuffer = 1 << 20;

int64_t MtimeMillis(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
}

// ValidateKey, plus the file system's limit on one path segment.
Status ValidateLocalKey(std::string_view key) {
  LH_RETURN_IF_ERROR(ValidateKey(key));
  size_t start = 0;
  while (start < key.size()) {
    size_t end = std::min(key.find('/', start), key.size());
    if (end - start > 255) {
      return Status::InvalidArgument("invalid key: a path segment is longer than 255 bytes (local storage limit)",
                                     "invalid_key");
    }
    start = end + 1;
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<LocalObjectStore>> LocalObjectStore::Open(fs::path root, fs::path tmp_dir) {
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) return Status::Internal("create " + root.string() + ": " + ec.message(), "io_error");
  fs::create_directories(tmp_dir, ec);
  if (ec) return Status::Internal("create " + tmp_dir.string() + ": " + ec.message(), "io_error");
  root = fs::canonical(root, ec);
  if (ec) return Status::Internal("resolve " + root.string() + ": " + ec.message(), "io_error");
  tmp_dir = fs::canonical(tmp_dir, ec);
  return std::unique_ptr<LocalObjectStore>(new LocalObjectStore(std::move(root), std::move(tmp_dir)));
}

Status LocalObjectStore::Publish(const fs::path& tmp, std::string_view key) {
  fs::path target = root_ / std::string(key);
  for (int attempt = 0; attempt < 3; ++attempt) {
    std::error_code ec;
    fs::create_directories(target.parent_path(), ec);
    if (ec) {
      return Status::Conflict("cannot store " + std::string(key) + ": a parent path is an object", "key_conflict");
    }
    if (::rename(tmp.c_str(), target.c_str()) == 0) return FsyncDirectory(target.parent_path());
    int err = errno;
    // A concurrent Delete may prune the freshly created parent; create it again.
    if (err == ENOENT) continue;
    if (err == EISDIR || err == ENOTDIR || err == ENOTEMPTY || err == EEXIST) {
      return Status::Conflict("cannot store " + std::string(key) + ": the key is a prefix of other objects",
                              "key_conflict");
    }
    return Status::FromErrno("rename", std::string(key), err);
  }
  return Status::Internal("cannot store " + std::string(key) + ": parent directory keeps vanishing", "io_error");
}

Status LocalObjectStore::Put(std::string_view key, const BodyWriter& write_body) {
  LH_RETURN_IF_ERROR(ValidateLocalKey(key));
  TempPath tmp(UniqueTempName(tmp_dir_, "put-"));
  {
    UniqueFd fd(::open(tmp.path().c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (!fd.valid()) return Status::FromErrno("create", tmp.path().string(), errno);
    BlockWriter writer(fd.get(), tmp.path(), kIoBuffer);
    LH_RETURN_IF_ERROR(write_body([&](std::string_view piece) { return writer.Append(piece); }));
    LH_RETURN_IF_ERROR(writer.Flush());
    if (::fsync(fd.get()) != 0) return Status::FromErrno("fsync", tmp.path().string(), errno);
  }
  LH_RETURN_IF_ERROR(Publish(tmp.path(), key));
  tmp.Release();
  return Status::Ok();
}

Status LocalObjectStore::PutFile(std::string_view key, const fs::path& file) {
  LH_RETURN_IF_ERROR(ValidateLocalKey(key));
  {
    UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return Status::FromErrno("open", file.string(), errno);
    if (::fsync(fd.get()) != 0) return Status::FromErrno("fsync", file.string(), errno);
  }
  // Move through tmp_dir_ so the file is on our filesystem before the final rename.
  TempPath tmp(UniqueTempName(tmp_dir_, "putfile-"));
  if (::rename(file.c_str(), tmp.path().c_str()) != 0) {
    if (errno != EXDEV) return Status::FromErrno("rename", file.string(), errno);
    UniqueFd in(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (!in.valid()) return Status::FromErrno("open", file.string(), errno);
    Status st = Put(key, [&](const ByteSink& sink) -> Status {
      std::vector<char> buffer(kIoBuffer);
      while (true) {
        ssize_t n = ::read(in.get(), buffer.data(), buffer.size());
        if (n < 0) return Status::FromErrno("read", file.string(), errno);
        if (n == 0) return Status::Ok();
        LH_RETURN_IF_ERROR(sink(std::string_view(buffer.data(), static_cast<size_t>(n))));
      }
    });
    if (st.ok()) ::unlink(file.c_str());
    return st;
  }
  LH_RETURN_IF_ERROR(Publish(tmp.path(), key));
  tmp.Release();
  return Status::Ok();
}

Status LocalObjectStore::Get(std::string_view key, const ByteSink& sink) {
  LH_RETURN_IF_ERROR(ValidateKey(key));
  fs::path path = root_ / std::string(key);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd.valid()) {
    if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP) {
      return Status::NotFound("no object " + std::string(key), "no_such_key");
    }
    return Status::FromErrno("open", std::string(key), errno);
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return Status::NotFound("no object " + std::string(key), "no_such_key");
  }
  std::vector<char> buffer(kIoBuffer);
  while (true) {
    ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno("read", std::string(key), errno);
    }
    if (n == 0) return Status::Ok();
    LH_RETURN_IF_ERROR(sink(std::string_view(buffer.data(), static_cast<size_t>(n))));
  }
}

Result<ObjectInfo> LocalObjectStore::Head(std::string_view key) {
  LH_RETURN_IF_ERROR(ValidateKey(key));
  fs::path path = root_ / std::string(key);
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return Status::NotFound("no object " + std::string(key), "no_such_key");
  }
  return ObjectInfo{std::string(key), static_cast<uint64_t>(st.st_size), MtimeMillis(st)};
}

Result<ListPage> LocalObjectStore::List(std::string_view prefix, std::string_view after, size_t limit) {
  if (!prefix.empty()) LH_RETURN_IF_ERROR(ValidateKey(std::string(prefix) + "x"));
  if (limit == 0 || limit > kMaxListLimit) {
    return Status::InvalidArgument("limit must be between 1 and " + std::to_string(kMaxListLimit), "bad_request");
  }
  std::string dir_part;
  if (size_t slash = prefix.rfind('/'); slash != std::string_view::npos) dir_part = prefix.substr(0, slash);
  fs::path start = dir_part.empty() ? root_ : root_ / dir_part;

  std::vector<ObjectInfo> matches;
  std::error_code ec;
  if (fs::is_directory(fs::symlink_status(start, ec))) {
    const size_t root_len = root_.string().size() + 1;
    auto it = fs::recursive_directory_iterator(start, fs::directory_options::skip_permission_denied, ec);
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      const auto& entry = *it;
      std::error_code sec;
      auto status = entry.symlink_status(sec);
      if (sec || !fs::is_regular_file(status)) continue;
      std::string key = entry.path().string().substr(root_len);
      if (key.compare(0, prefix.size(), prefix) != 0) continue;
      if (!after.empty() && key <= after) continue;
      struct stat st;
      if (::lstat(entry.path().c_str(), &st) != 0) continue;  // deleted meanwhile
      matches.push_back({std::move(key), static_cast<uint64_t>(st.st_size), MtimeMillis(st)});
    }
    if (ec && ec != std::errc::no_such_file_or_directory) {
      return Status::Internal("list " + std::string(prefix) + ": " + ec.message(), "io_error");
    }
  }
  std::sort(matches.begin(), matches.end(), [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  ListPage page;
  if (matches.size() > limit) {
    matches.resize(limit);
    page.next_after = matches.back().key;
  }
  page.objects = std::move(matches);
  return page;
}

Status LocalObjectStore::Delete(std::string_view key) {
  LH_RETURN_IF_ERROR(ValidateKey(key));
  fs::path path = root_ / std::string(key);
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return Status::NotFound("no object " + std::string(key), "no_such_key");
  }
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return Status::NotFound("no object " + std::string(key), "no_such_key");
    return Status::FromErrno("unlink", std::string(key), errno);
  }
  // Prune now-empty parent directories; rmdir fails harmlessly on non-empty ones.
  for (fs::path dir = path.parent_path(); dir != root_ && dir.string().size() > root_.string().size();
       dir = dir.parent_path()) {
    if (::rmdir(dir.c_str()) != 0) break;
  }
  return Status::Ok();
}

Result<LocalFile> LocalObjectStore::LocalCopy(std::string_view key) {
  LH_RETURN_IF_ERROR(ValidateKey(key));
  fs::path path = root_ / std::string(key);
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return Status::NotFound("no object " + std::string(key), "no_such_key");
  }
  return LocalFile{std::move(path), nullptr};
}

}  // namespace lakehouse
