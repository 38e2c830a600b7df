#include "core/files.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <random>

namespace lakehouse {
namespace fs = std::filesystem;

void UniqueFd::Reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

TempPath::~TempPath() {
  if (!path_.empty()) {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
}

TempPath& TempPath::operator=(TempPath&& other) noexcept {
  if (this != &other) {
    if (!path_.empty()) {
      std::error_code ec;
      fs::remove_all(path_, ec);
    }
    path_ = std::move(other.path_);
    other.path_.clear();
  }
  return *this;
}

fs::path TempPath::Release() {
  fs::path p = std::move(path_);
  path_.clear();
  return p;
}

fs::path UniqueTempName(const fs::path& dir, std::string_view prefix, std::string_view suffix) {
  static std::atomic<uint64_t> counter{0};
  thread_local std::mt19937_64 rng(std::random_device{}() ^
                                   static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
  char buf[64];
  snprintf(buf, sizeof buf, "%d-%llu-%016llx", static_cast<int>(::getpid()),
           static_cast<unsigned long long>(counter.fetch_add(1)), static_cast<unsigned long long>(rng()));
  return dir / (std::string(prefix) + buf + std::string(suffix));
}

Result<TempPath> MakeTempDir(const fs::path& parent, std::string_view prefix) {
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (ec) return Status::Internal("create directory " + parent.string() + ": " + ec.message(), "io_error");
  for (int attempt = 0; attempt < 8; ++attempt) {
    fs::path candidate = UniqueTempName(parent, prefix);
    if (fs::create_directory(candidate, ec)) return TempPath(candidate);
  }
  return Status::Internal("could not create a temp directory under " + parent.string(), "io_error");
}

Status WriteAll(int fd, std::string_view data, const fs::path& path_for_errors) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno("write", path_for_errors.string(), errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Status BlockWriter::WriteBlock(std::string_view block) {
  LH_RETURN_IF_ERROR(WriteAll(fd_, block, path_));
  ::sync_file_range(fd_, static_cast<off_t>(written_), static_cast<off_t>(block.size()), SYNC_FILE_RANGE_WRITE);
  written_ += block.size();
  return Status::Ok();
}

Status BlockWriter::Append(std::string_view piece) {
  if (pending_.empty() && piece.size() >= block_size_) return WriteBlock(piece);
  pending_.append(piece);
  if (pending_.size() < block_size_) return Status::Ok();
  Status st = WriteBlock(pending_);
  pending_.clear();
  return st;
}

Status BlockWriter::Flush() {
  if (pending_.empty()) return Status::Ok();
  Status st = WriteBlock(pending_);
  pending_.clear();
  return st;
}

Status FsyncDirectory(const fs::path& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return Status::FromErrno("open directory", dir.string(), errno);
  if (::fsync(fd.get()) != 0) return Status::FromErrno("fsync directory", dir.string(), errno);
  return Status::Ok();
}

Status WriteFileAtomic(const fs::path& path, std::string_view data) {
  fs::path tmp = UniqueTempName(path.parent_path(), "." + path.filename().string() + ".tmp-");
  TempPath guard(tmp);
  {
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (!fd.valid()) return Status::FromErrno("create", tmp.string(), errno);
    LH_RETURN_IF_ERROR(WriteAll(fd.get(), data, tmp));
    if (::fsync(fd.get()) != 0) return Status::FromErrno("fsync", tmp.string(), errno);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Status::FromErrno("rename", path.string(), errno);
  guard.Release();
  return FsyncDirectory(path.parent_path());
}

Result<std::string> ReadFileToString(const fs::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return Status::FromErrno("open", path.string(), errno);
  std::string out;
  char buffer[65536];
  while (true) {
    ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno("read", path.string(), errno);
    }
    if (n == 0) break;
    out.append(buffer, static_cast<size_t>(n));
  }
  return out;
}

}  // namespace lakehouse
