#include "storage/object_store.h"

#include <fcntl.h>

#include <cstring>

#include "core/files.h"

namespace lakehouse {

Status ValidateKey(std::string_view key) {
  auto bad = [](std::string what) { return Status::InvalidArgument("invalid key: " + what, "invalid_key"); };
  if (key.empty()) return bad("empty");
  if (key.size() > kMaxKeyBytes) return bad("longer than 1024 bytes");
  if (key.front() == '/') return bad("leading '/'");
  if (key.back() == '/') return bad("trailing '/'");
  for (char c : key) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return bad("control character");
  }
  size_t start = 0;
  while (start <= key.size()) {
    size_t end = key.find('/', start);
    if (end == std::string_view::npos) end = key.size();
    std::string_view segment = key.substr(start, end - start);
    if (segment.empty()) return bad("empty path segment");
    if (segment == "." || segment == "..") return bad("'.' or '..' segment");
    start = end + 1;
  }
  return Status::Ok();
}

Status PutBySpooling(ObjectStore& store, const std::filesystem::path& tmp_dir, std::string_view key,
                     const BodyWriter& write_body) {
  LH_RETURN_IF_ERROR(ValidateKey(key));
  TempPath spool(UniqueTempName(tmp_dir, "spool-"));
  {
    UniqueFd fd(::open(spool.path().c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!fd.valid()) return Status::FromErrno("create", spool.path().string(), errno);
    BlockWriter writer(fd.get(), spool.path(), 1 << 20);
    LH_RETURN_IF_ERROR(write_body([&](std::string_view piece) { return writer.Append(piece); }));
    LH_RETURN_IF_ERROR(writer.Flush());
  }
  return store.PutFile(key, spool.path());
}

Status PutString(ObjectStore& store, std::string_view key, std::string_view data) {
  return store.Put(key, [&](const ByteSink& sink) { return sink(data); });
}

Result<std::string> GetString(ObjectStore& store, std::string_view key, size_t max_bytes) {
  std::string out;
  Status st = store.Get(key, [&](std::string_view piece) -> Status {
    if (out.size() + piece.size() > max_bytes) {
      return Status::TooLarge("object " + std::string(key) + " is larger than " + std::to_string(max_bytes) + " bytes");
    }
    out.append(piece);
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return out;
}

Result<std::vector<ObjectInfo>> ListAll(ObjectStore& store, std::string_view prefix) {
  std::vector<ObjectInfo> all;
  std::string after;
  while (true) {
    LH_ASSIGN_OR_RETURN(ListPage page, store.List(prefix, after, kMaxListLimit));
    for (auto& o : page.objects) all.push_back(std::move(o));
    if (page.next_after.empty()) break;
    after = page.next_after;
  }
  return all;
}

}  // namespace lakehouse
