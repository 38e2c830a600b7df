// RAII for files and temporary paths, and the durable-write primitives the
// stores build on.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/status.h"

namespace lakehouse {

// Owns a file descriptor; closes it on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { Reset(); }
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.Release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      Reset();
      fd_ = other.Release();
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int Release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void Reset();

 private:
  int fd_ = -1;
};

// A path removed (recursively) on destruction unless Release()d.
class TempPath {
 public:
  TempPath() = default;
  explicit TempPath(std::filesystem::path path) : path_(std::move(path)) {}
  ~TempPath();
  TempPath(TempPath&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  TempPath& operator=(TempPath&& other) noexcept;
  TempPath(const TempPath&) = delete;
  TempPath& operator=(const TempPath&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path Release();

 private:
  std::filesystem::path path_;
};

// A fresh, unique name under dir (not created): dir/<prefix><random><suffix>.
std::filesystem::path UniqueTempName(const std::filesystem::path& dir, std::string_view prefix,
                                     std::string_view suffix = "");

// Creates a new directory with a unique name under parent (created if needed).
Result<TempPath> MakeTempDir(const std::filesystem::path& parent, std::string_view prefix);

// Writes all of data to fd, retrying short writes and EINTR.
Status WriteAll(int fd, std::string_view data, const std::filesystem::path& path_for_errors);

// Collects pieces of any size and writes them to fd in large blocks, starting
// the kernel's writeback of each block at once so that flushing overlaps with
// receiving the next one instead of competing with whatever follows.
// Flush() must be called to write the last partial block. Not thread-safe.
class BlockWriter {
 public:
  BlockWriter(int fd, std::filesystem::path path, size_t block_size = 1 << 20)
      : fd_(fd), path_(std::move(path)), block_size_(block_size) {}
  Status Append(std::string_view piece);
  Status Flush();

 private:
  Status WriteBlock(std::string_view block);

  int fd_;
  std::filesystem::path path_;
  size_t block_size_;
  uint64_t written_ = 0;
  std::string pending_;
};

Status FsyncDirectory(const std::filesystem::path& dir);

// Writes data to a temp file beside path, fsyncs, renames over path and fsyncs
// the directory: readers see the old or the new content, never a torn one.
Status WriteFileAtomic(const std::filesystem::path& path, std::string_view data);

Result<std::string> ReadFileToString(const std::filesystem::path& path);

}  // namespace lakehouse
