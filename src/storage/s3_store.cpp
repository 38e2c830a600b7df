#include "storage/s3_store.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <thread>

#include "core/files.h"
#include "core/log.h"
#include "core/text.h"
#include "core/time.h"
#include "http/curl_client.h"

namespace lakehouse {
namespace fs = std::filesystem;

namespace {

constexpr size_t kMaxListPage = 1000;  // S3's own cap on max-keys

// The text of the first <tag>...</tag> at or after *from; advances *from past it.
bool NextTag(std::string_view xml, std::string_view tag, size_t* from, std::string_view* content) {
  const std::string open = "<" + std::string(tag) + ">";
  const std::string close = "</" + std::string(tag) + ">";
  size_t start = xml.find(open, *from);
  if (start == std::string_view::npos) return false;
  start += open.size();
  size_t end = xml.find(close, start);
  if (end == std::string_view::npos) return false;
  *content = xml.substr(start, end - start);
  *from = end + close.size();
  return true;
}

std::string TagText(std::string_view xml, std::string_view tag) {
  size_t from = 0;
  std::string_view content;
  return NextTag(xml, tag, &from, &content) ? std::string(content) : std::string();
}

std::string XmlUnescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out.push_back(text[i]);
      continue;
    }
    size_t semi = text.find(';', i);
    if (semi == std::string_view::npos) {
      out.push_back('&');
      continue;
    }
    std::string_view entity = text.substr(i + 1, semi - i - 1);
    if (entity == "amp") out.push_back('&');
    else if (entity == "lt") out.push_back('<');
    else if (entity == "gt") out.push_back('>');
    else if (entity == "quot") out.push_back('"');
    else if (entity == "apos") out.push_back('\'');
    else if (!entity.empty() && entity[0] == '#') {
      unsigned long code = entity.size() > 1 && (entity[1] == 'x' || entity[1] == 'X')
                               ? std::strtoul(std::string(entity.substr(2)).c_str(), nullptr, 16)
                               : std::strtoul(std::string(entity.substr(1)).c_str(), nullptr, 10);
      if (code < 0x80) {
        out.push_back(static_cast<char>(code));
      } else if (code < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (code >> 6)));
        out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
      } else if (code < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (code >> 12)));
        out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
      } else {
        out.push_back(static_cast<char>(0xF0 | (code >> 18)));
        out.push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
      }
    } else {
      out.append(text.substr(i, semi - i + 1));
    }
    i = semi;
  }
  return out;
}



}  // namespace

struct S3ObjectStore::Call {
  std::string method = "GET";
  std::string key;           // "" for bucket-level requests
  std::string sorted_query;  // already encoded, parameters in byte order (curl signs it as given)
  std::string body;          // small bodies (multipart completion)
  const fs::path* file = nullptr;  // or a slice of a file
  uint64_t offset = 0;
  uint64_t length = 0;
  const ByteSink* sink = nullptr;  // receives a 2xx answer's body
};

struct S3ObjectStore::Reply {
  http::CurlResponseHead head;
  std::string body;  // a non-2xx answer's body, or a 2xx one when no sink was given
  Status sink_status;
};

Result<std::unique_ptr<S3ObjectStore>> S3ObjectStore::Open(S3Options options, fs::path tmp_dir) {
  if (options.endpoint.rfind("http://", 0) != 0 && options.endpoint.rfind("https://", 0) != 0) {
    return Status::InvalidArgument("storage.s3.endpoint must start with http:// or https://", "bad_config");
  }
  while (!options.endpoint.empty() && options.endpoint.back() == '/') options.endpoint.pop_back();
  if (options.bucket.empty()) return Status::InvalidArgument("storage.s3.bucket is required", "bad_config");
  if (options.access_key_id.empty() || options.secret_access_key.empty()) {
    return Status::InvalidArgument(
        "S3 credentials are missing: set storage.s3.credentials_file or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
        "bad_config");
  }
  if (options.part_size < (5u << 20)) {
    return Status::InvalidArgument("storage.s3.part_size must be at least 5MiB (S3's minimum part)", "bad_config");
  }
  std::error_code ec;
  fs::create_directories(tmp_dir, ec);
  if (ec) return Status::Internal("create " + tmp_dir.string() + ": " + ec.message(), "io_error");
  return std::unique_ptr<S3ObjectStore>(new S3ObjectStore(std::move(options), std::move(tmp_dir)));
}

std::string S3ObjectStore::Url(std::string_view key, const std::string& sorted_query) const {
  std::string url;
  if (options_.path_style) {
    url = options_.endpoint + "/" + http::UriEncode(options_.bucket, false);
  } else {
    size_t scheme_end = options_.endpoint.find("://") + 3;
    url = options_.endpoint.substr(0, scheme_end) + options_.bucket + "." + options_.endpoint.substr(scheme_end);
  }
  if (!key.empty()) url += "/" + http::UriEncode(key, true);
  else if (!options_.path_style) url += "/";
  if (!sorted_query.empty()) url += "?" + sorted_query;
  return url;
}

namespace {

bool Retryable(long status) { return status == 429 || status >= 500; }

}  // namespace

Result<S3ObjectStore::Reply> S3ObjectStore::Send(const Call& call) {
  const std::string who = "S3 bucket " + options_.bucket + " at " + options_.endpoint;
  for (int attempt = 0;; ++attempt) {
    http::CurlRequest request;
    request.method = call.method;
    request.url = Url(call.key, call.sorted_query);
    request.headers = {"x-amz-content-sha256: UNSIGNED-PAYLOAD"};
    request.aws_sigv4 = "aws:amz:" + options_.region + ":s3";
    request.user_password = options_.access_key_id + ":" + options_.secret_access_key;
    request.connect_timeout_ms = options_.connect_timeout_ms;
    request.stall_timeout_ms = options_.stall_timeout_ms;

    UniqueFd fd;
    uint64_t sent = 0;
    if (call.file) {
      fd = UniqueFd(::open(call.file->c_str(), O_RDONLY | O_CLOEXEC));
      if (!fd.valid()) return Status::FromErrno("open", call.file->string(), errno);
      request.body_size = static_cast<int64_t>(call.length);
      request.read_body = [&](char* buffer, size_t max) -> int64_t {
        size_t want = static_cast<size_t>(std::min<uint64_t>(max, call.length - sent));
        if (want == 0) return 0;
        ssize_t n = ::pread(fd.get(), buffer, want, static_cast<off_t>(call.offset + sent));
        if (n <= 0) return -1;
        sent += static_cast<uint64_t>(n);
        return n;
      };
    } else {
      request.body = call.body;
    }

    Reply reply;
    bool delivered_any = false;
    bool success = false;
    auto result = http::CurlTransfer(
        request, who,
        [&](const http::CurlResponseHead& head) {
          success = head.status >= 200 && head.status < 300;
          return true;
        },
        [&](std::string_view piece) {
          if (success && call.sink) {
            delivered_any = true;
            reply.sink_status = (*call.sink)(piece);
            return reply.sink_status.ok();
          }
          if (reply.body.size() < (16u << 20)) reply.body.append(piece);
          return true;
        });
    if (!reply.sink_status.ok()) return reply.sink_status;
    const bool can_retry = attempt < options_.max_retries && !delivered_any;
    if (!result.ok()) {
      if (can_retry && result.status().code() == StatusCode::kBadGateway) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100 << attempt));
        continue;
      }
      return result.status();
    }
    reply.head = std::move(result).value();
    if (Retryable(reply.head.status) && can_retry) {
      log::Warn("s3_retry", {{"bucket", options_.bucket}, {"status", reply.head.status}, {"attempt", attempt + 1}});
      std::this_thread::sleep_for(std::chrono::milliseconds(100 << attempt));
      continue;
    }
    return reply;
  }
}

namespace {

// Our Status for a failed S3 answer. Names the bucket, never credentials.
Status S3Error(const http::CurlResponseHead& head, const std::string& body, const std::string& bucket,
               std::string_view key) {
  std::string code = TagText(body, "Code");
  const long status = head.status;
  if (code == "NoSuchBucket") {
    return Status::BadGateway("S3 bucket " + bucket + " does not exist", "storage_bucket_missing");
  }
  if (code == "NoSuchKey" || code == "NoSuchUpload" || (status == 404 && code.empty())) {
    return Status::NotFound("no object " + std::string(key), "no_such_key");
  }
  if (status == 401 || status == 403 || code == "AccessDenied" || code == "InvalidAccessKeyId" ||
      code == "SignatureDoesNotMatch" || code == "ExpiredToken") {
    return Status::BadGateway("S3 refused access to bucket " + bucket + " (" + (code.empty() ? "HTTP " + std::to_string(status) : code) +
                                  "): check the credentials and the bucket policy",
                              "storage_auth_failed");
  }
  if (status == 429 || status == 503 || code == "SlowDown" || code == "Throttling" || code == "RequestLimitExceeded") {
    return Status::Unavailable("S3 is throttling requests to bucket " + bucket + "; retry shortly", "storage_throttled");
  }
  if (status >= 500) {
    return Status::BadGateway("S3 bucket " + bucket + " failed: " + (code.empty() ? "HTTP " + std::to_string(status) : code),
                              "storage_error");
  }
  return Status::Internal("S3 bucket " + bucket + " refused the request: " +
                              (code.empty() ? "HTTP " + std::to_string(status) : code + " " + TagText(body, "Message")),
                          "storage_error");
}

bool Ok2xx(long status) { return status >= 200 && status < 300; }

}  // namespace

Status S3ObjectStore::EnsureBucket() {
  Call head;
  head.method = "HEAD";
  LH_ASSIGN_OR_RETURN(Reply reply, Send(head));
  if (Ok2xx(reply.head.status)) return Status::Ok();
  Call create;
  create.method = "PUT";
  LH_ASSIGN_OR_RETURN(reply, Send(create));
  if (Ok2xx(reply.head.status) || TagText(reply.body, "Code") == "BucketAlreadyOwnedByYou") return Status::Ok();
  return S3Error(reply.head, reply.body, options_.bucket, "");
}

Status S3ObjectStore::Put(std::string_view key, const BodyWriter& write_body) {
  return PutBySpooling(*this, tmp_dir_, key, write_body);  // S3 needs the length before the body
}

Status S3ObjectStore::PutFile(std::string_view key, const fs::path& file) {
  LH_RETURN_IF_ERROR(ValidateKey(key));
  std::error_code ec;
  const uint64_t size = fs::file_size(file, ec);
  if (ec) return Status::Internal("stat " + file.string() + ": " + ec.message(), "io_error");
  Status st = size > options_.part_size ? PutMultipart(key, file, size) : PutSingle(key, file, size);
  if (st.ok()) fs::remove(file, ec);
  return st.ok() ? st : st.WithContext("put " + std::string(key));
}

Status S3ObjectStore::PutSingle(std::string_view key, const fs::path& file, uint64_t size) {
  Call call;
  call.method = "PUT";
  call.key = std::string(key);
  call.file = &file;
  call.length = size;
  LH_ASSIGN_OR_RETURN(Reply reply, Send(call));
  if (!Ok2xx(reply.head.status)) return S3Error(reply.head, reply.body, options_.bucket, key);
  return Status::Ok();
}

Status S3ObjectStore::PutMultipart(std::string_view key, const fs::path& file, uint64_t size) {
  Call start;
  start.method = "POST";
  start.key = std::string(key);
  start.sorted_query = "uploads=";
  LH_ASSIGN_OR_RETURN(Reply started, Send(start));
  if (!Ok2xx(started.head.status)) return S3Error(started.head, started.body, options_.bucket, key);
  const std::string upload_id = XmlUnescape(TagText(started.body, "UploadId"));
  if (upload_id.empty()) return Status::BadGateway("S3 did not return an upload id for a multipart upload", "storage_error");
  const std::string upload_query = "uploadId=" + http::UriEncode(upload_id, false);

  auto abort_upload = [&](const Status& cause) {
    Call abort;
    abort.method = "DELETE";
    abort.key = std::string(key);
    abort.sorted_query = upload_query;
    auto aborted = Send(abort);
    if (!aborted.ok() || !Ok2xx(aborted->head.status)) {
      // Not every S3 server implements abort; a lifecycle rule on the bucket cleans these up.
      log::Warn("s3_multipart_abort_failed", {{"bucket", options_.bucket}, {"key", std::string(key)}});
    }
    return cause;
  };

  std::string completion = "<CompleteMultipartUpload>";
  int part_number = 1;
  for (uint64_t offset = 0; offset < size; offset += options_.part_size, ++part_number) {
    Call part;
    part.method = "PUT";
    part.key = std::string(key);
    part.sorted_query = "partNumber=" + std::to_string(part_number) + "&" + upload_query;
    part.file = &file;
    part.offset = offset;
    part.length = std::min<uint64_t>(options_.part_size, size - offset);
    auto reply = Send(part);
    if (!reply.ok()) return abort_upload(reply.status());
    if (!Ok2xx(reply->head.status)) return abort_upload(S3Error(reply->head, reply->body, options_.bucket, key));
    std::string etag = reply->head.Header("etag");
    if (etag.empty()) return abort_upload(Status::BadGateway("S3 returned no ETag for a part", "storage_error"));
    completion += "<Part><PartNumber>" + std::to_string(part_number) + "</PartNumber><ETag>" + etag + "</ETag></Part>";
  }
  completion += "</CompleteMultipartUpload>";

  Call complete;
  complete.method = "POST";
  complete.key = std::string(key);
  complete.sorted_query = upload_query;
  complete.body = completion;
  auto reply = Send(complete);
  if (!reply.ok()) return abort_upload(reply.status());
  // S3 can answer 200 and still fail the completion in the body.
  if (!Ok2xx(reply->head.status) || reply->body.find("<Error>") != std::string::npos) {
    return abort_upload(S3Error(reply->head, reply->body, options_.bucket, key));
  }
  return Status::Ok();
}

Status S3ObjectStore::Get(std::string_view key, const ByteSink& sink) {
  LH_RETURN_IF_ERROR(ValidateKey(key));
  Call call;
  call.key = std::string(key);
  call.sink = &sink;
  LH_ASSIGN_OR_RETURN(Reply reply, Send(call));
  if (!Ok2xx(reply.head.status)) return S3Error(reply.head, reply.body, options_.bucket, key);
  return Status::Ok();
}

Result<ObjectInfo> S3ObjectStore::Head(std::string_view key) {
  LH_RETURN_IF_ERROR(ValidateKey(key));
  Call call;
  call.method = "HEAD";
  call.key = std::string(key);
  LH_ASSIGN_OR_RETURN(Reply reply, Send(call));
  if (!Ok2xx(reply.head.status)) return S3Error(reply.head, reply.body, options_.bucket, key);
  ObjectInfo info;
  info.key = std::string(key);
  info.size = std::strtoull(reply.head.Header("content-length").c_str(), nullptr, 10);
  std::string modified = reply.head.Header("last-modified");
  time_t when = modified.empty() ? -1 : curl_getdate(modified.c_str(), nullptr);
  info.modified_unix_millis = when < 0 ? 0 : static_cast<int64_t>(when) * 1000;
  return info;
}

Result<ListPage> S3ObjectStore::List(std::string_view prefix, std::string_view after, size_t limit) {
  if (limit == 0 || limit > kMaxListLimit) {
    return Status::InvalidArgument("list limit must be 1.." + std::to_string(kMaxListLimit));
  }
  ListPage page;
  std::string continuation;
  bool truncated = true;
  while (truncated && page.objects.size() < limit) {
    const size_t want = std::min(kMaxListPage, limit - page.objects.size());
    // Parameters in byte order: curl signs the query string exactly as given.
    std::string query;
    if (!continuation.empty()) query += "continuation-token=" + http::UriEncode(continuation, false) + "&";
    query += "list-type=2&max-keys=" + std::to_string(want);
    if (!prefix.empty()) query += "&prefix=" + http::UriEncode(prefix, false);
    if (!after.empty()) query += "&start-after=" + http::UriEncode(after, false);
    Call call;
    call.sorted_query = query;
    LH_ASSIGN_OR_RETURN(Reply reply, Send(call));
    if (!Ok2xx(reply.head.status)) return S3Error(reply.head, reply.body, options_.bucket, "");
    size_t from = 0;
    std::string_view contents;
    while (NextTag(reply.body, "Contents", &from, &contents)) {
      ObjectInfo info;
      info.key = XmlUnescape(TagText(contents, "Key"));
      info.size = std::strtoull(TagText(contents, "Size").c_str(), nullptr, 10);
      info.modified_unix_millis = ParseRfc3339Millis(TagText(contents, "LastModified"));
      page.objects.push_back(std::move(info));
    }
    truncated = TagText(reply.body, "IsTruncated") == "true";
    continuation = XmlUnescape(TagText(reply.body, "NextContinuationToken"));
    if (truncated && continuation.empty()) {
      return Status::BadGateway("S3 listing of bucket " + options_.bucket + " is truncated without a continuation token",
                                "storage_error");
    }
  }
  if (truncated && !page.objects.empty()) page.next_after = page.objects.back().key;
  return page;
}

Status S3ObjectStore::Delete(std::string_view key) {
  // S3 deletes of absent keys succeed; the interface reports them.
  LH_RETURN_IF_ERROR(Head(key).status());
  Call call;
  call.method = "DELETE";
  call.key = std::string(key);
  LH_ASSIGN_OR_RETURN(Reply reply, Send(call));
  if (!Ok2xx(reply.head.status)) return S3Error(reply.head, reply.body, options_.bucket, key);
  return Status::Ok();
}

Result<LocalFile> S3ObjectStore::LocalCopy(std::string_view) {
  return Status::Internal("the S3 store keeps no local copies; wrap it in a CachedObjectStore", "no_local_copy");
}

Status LoadS3Credentials(const std::string& credentials_file, S3Options* options) {
  if (credentials_file.empty()) {
    const char* id = std::getenv("AWS_ACCESS_KEY_ID");
    const char* secret = std::getenv("AWS_SECRET_ACCESS_KEY");
    options->access_key_id = id ? id : "";
    options->secret_access_key = secret ? secret : "";
    return Status::Ok();
  }
  std::ifstream in(credentials_file);
  if (!in) return Status::InvalidArgument("cannot read storage.s3.credentials_file " + credentials_file, "bad_config");
  std::string line;
  while (std::getline(in, line)) {
    size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string_view name = TrimWhitespace(std::string_view(line).substr(0, eq));
    const std::string value(TrimWhitespace(std::string_view(line).substr(eq + 1)));
    if (name == "aws_access_key_id") options->access_key_id = value;
    else if (name == "aws_secret_access_key") options->secret_access_key = value;
  }
  if (options->access_key_id.empty() || options->secret_access_key.empty()) {
    return Status::InvalidArgument("storage.s3.credentials_file " + credentials_file +
                                       " needs aws_access_key_id and aws_secret_access_key lines",
                                   "bad_config");
  }
  return Status::Ok();
}

}  // namespace lakehouse
