#include "storage/http_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "core/files.h"
#include "core/time.h"
#include "http/client.h"
#include "http/curl_client.h"

namespace lakehouse {
namespace fs = std::filesystem;

namespace {

const std::string kWho = "storaged";

bool Ok2xx(long status) { return status >= 200 && status < 300; }


Result<ObjectInfo> ObjectInfoFromJson(const nlohmann::json& json) {
  try {
    ObjectInfo info;
    info.key = json.at("key").get<std::string>();
    info.size = json.at("size").get<uint64_t>();
    info.modified_unix_millis = ParseRfc3339Millis(json.value("modified_at", ""));
    return info;
  } catch (const nlohmann::json::exception& e) {
    return Status::BadGateway(std::string("storaged answered an unexpected object description: ") + e.what(),
                              "bad_upstream_answer");
  }
}

}  // namespace

Result<std::unique_ptr<HttpObjectStore>> HttpObjectStore::Open(std::string base_url, fs::path tmp_dir) {
  LH_RETURN_IF_ERROR(http::ParseServerUrl(base_url).status());
  while (!base_url.empty() && base_url.back() == '/') base_url.pop_back();
  return std::unique_ptr<HttpObjectStore>(new HttpObjectStore(std::move(base_url), std::move(tmp_dir)));
}

Result<std::string> HttpObjectStore::Call(const std::string& method, const std::string& path_and_query) {
  http::CurlRequest request;
  request.method = method;
  request.url = base_url_ + path_and_query;
  LH_ASSIGN_OR_RETURN(http::CurlAnswer answer, http::CurlFetch(request, kWho));
  if (!Ok2xx(answer.head.status)) return http::StatusFromResponse(static_cast<int>(answer.head.status), answer.body);
  return std::move(answer.body);
}

Status HttpObjectStore::Put(std::string_view key, const BodyWriter& write_body) {
  // Spooled so the request carries a Content-Length (storaged refuses oversized puts up front).
  return PutBySpooling(*this, tmp_dir_, key, write_body);
}

Status HttpObjectStore::PutFile(std::string_view key, const fs::path& file) {
  LH_RETURN_IF_ERROR(ValidateKey(key));
  UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return Status::FromErrno("open", file.string(), errno);
  std::error_code ec;
  const uint64_t size = fs::file_size(file, ec);
  if (ec) return Status::Internal("stat " + file.string() + ": " + ec.message(), "io_error");
  http::CurlRequest request;
  request.method = "PUT";
  request.url = base_url_ + "/storage/put/" + http::UriEncode(key, true);
  request.headers = {"Content-Type: application/octet-stream"};
  request.body_size = static_cast<int64_t>(size);
  request.read_body = [&](char* buffer, size_t max) -> int64_t {
    ssize_t n = ::read(fd.get(), buffer, max);
    return n < 0 ? -1 : n;
  };
  LH_ASSIGN_OR_RETURN(http::CurlAnswer answer, http::CurlFetch(request, kWho));
  if (!Ok2xx(answer.head.status)) return http::StatusFromResponse(static_cast<int>(answer.head.status), answer.body);
  fs::remove(file, ec);
  return Status::Ok();
}

Status HttpObjectStore::Get(std::string_view key, const ByteSink& sink) {
  LH_RETURN_IF_ERROR(ValidateKey(key));
  http::CurlRequest request;
  request.url = base_url_ + "/storage/get/" + http::UriEncode(key, true);
  bool success = false;
  std::string error_body;
  Status sink_status;
  auto head = http::CurlTransfer(
      request, kWho,
      [&](const http::CurlResponseHead& h) {
        success = Ok2xx(h.status);
        return true;
      },
      [&](std::string_view piece) {
        if (!success) {
          error_body.append(piece);
          return true;
        }
        sink_status = sink(piece);
        return sink_status.ok();
      });
  if (!sink_status.ok()) return sink_status;
  LH_RETURN_IF_ERROR(head.status());
  if (!success) return http::StatusFromResponse(static_cast<int>(head->status), error_body);
  return Status::Ok();
}

Result<ObjectInfo> HttpObjectStore::Head(std::string_view key) {
  LH_RETURN_IF_ERROR(ValidateKey(key));
  LH_ASSIGN_OR_RETURN(std::string body, Call("GET", "/storage/head/" + http::UriEncode(key, true)));
  auto json = nlohmann::json::parse(body, nullptr, false);
  return ObjectInfoFromJson(json);
}

Result<ListPage> HttpObjectStore::List(std::string_view prefix, std::string_view after, size_t limit) {
  std::string query = "/storage/list?prefix=" + http::UriEncode(prefix, false) + "&limit=" + std::to_string(limit);
  if (!after.empty()) query += "&after=" + http::UriEncode(after, false);
  LH_ASSIGN_OR_RETURN(std::string body, Call("GET", query));
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (!json.is_object() || !json.contains("objects") || !json["objects"].is_array()) {
    return Status::BadGateway("storaged answered an unexpected listing", "bad_upstream_answer");
  }
  ListPage page;
  for (const auto& o : json["objects"]) {
    LH_ASSIGN_OR_RETURN(ObjectInfo info, ObjectInfoFromJson(o));
    page.objects.push_back(std::move(info));
  }
  page.next_after = json.value("next_after", "");
  return page;
}

Status HttpObjectStore::Delete(std::string_view key) {
  LH_RETURN_IF_ERROR(ValidateKey(key));
  return Call("DELETE", "/storage/delete/" + http::UriEncode(key, true)).status();
}

Result<LocalFile> HttpObjectStore::LocalCopy(std::string_view) {
  return Status::Internal("the storaged client keeps no local copies; wrap it in a CachedObjectStore",
                          "no_local_copy");
}

}  // namespace lakehouse
