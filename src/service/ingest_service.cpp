#include "service/services.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>

#include "core/files.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/time.h"

namespace lakehouse {
namespace {

// Streams the upload (multipart field "file", or the raw body) into path,
// never holding it whole in memory.
Status ReceiveUpload(const httplib::Request& req, const httplib::ContentReader& reader,
                     const std::filesystem::path& path, uint64_t max_bytes, uint64_t* received) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd.valid()) return Status::FromErrno("create", path.string(), errno);
  Status status;
  // httplib hands over a few KiB at a time; write to disk in large blocks.
  BlockWriter writer(fd.get(), path);
  auto append = [&](const char* data, size_t size) {
    *received += size;
    if (*received > max_bytes) {
      status = Status::TooLarge("the upload is larger than the " + std::to_string(max_bytes) +
                                "-byte limit (ingest.max_upload_bytes)");
      return false;
    }
    status = writer.Append(std::string_view(data, size));
    return status.ok();
  };
  bool ok = true;
  if (req.is_multipart_form_data()) {
    int file_parts = 0;
    bool in_file = false;
    ok = reader(
        [&](const httplib::MultipartFormData& part) {
          in_file = part.name == "file";
          if (in_file && ++file_parts > 1) {
            status = Status::InvalidArgument("the multipart upload has more than one \"file\" field", "bad_request");
            return false;
          }
          return true;
        },
        [&](const char* data, size_t size) { return !in_file || append(data, size); });
    if (ok && status.ok() && file_parts == 0) {
      return Status::InvalidArgument("the multipart upload has no \"file\" field", "bad_request");
    }
  } else {
    ok = reader([&](const char* data, size_t size) { return append(data, size); });
  }
  if (!status.ok()) return status;
  if (!ok) return Status::InvalidArgument("the upload ended early or is malformed", "incomplete_body");
  return writer.Flush();
}

}  // namespace

void IngestService::Register(http::Routes& routes) {
  routes.PostStream("/ingest", [this](const httplib::Request& req, httplib::Response& res,
                                      const httplib::ContentReader& reader) {
    const std::string name = req.get_param_value("name");
    if (Status st = ValidateDatasetName(name); !st.ok()) {
      return http::SendErrorWithoutReadingBody(res, st.WithContext("query parameter name"));
    }
    const std::string mode_text = req.has_param("mode") ? req.get_param_value("mode") : "replace";
    RegisterMode mode;
    if (mode_text == "replace") mode = RegisterMode::kReplace;
    else if (mode_text == "append") mode = RegisterMode::kAppend;
    else {
      return http::SendErrorWithoutReadingBody(
          res, Status::InvalidArgument("mode must be replace or append, not \"" + mode_text + "\"", "bad_request"));
    }
    if (http::ContentLength(req) > static_cast<int64_t>(options_.max_upload_bytes)) {
      return http::SendErrorWithoutReadingBody(
          res, Status::TooLarge("the upload is larger than the " + std::to_string(options_.max_upload_bytes) +
                                "-byte limit (ingest.max_upload_bytes)"));
    }
    auto slot = ingests_.TryEnter();
    if (!slot) {
      return http::SendErrorWithoutReadingBody(
          res, Status::Unavailable("too many ingests in progress; retry shortly", "busy"));
    }

    auto start = std::chrono::steady_clock::now();
    TempPath upload(UniqueTempName(options_.upload_dir, "upload-", ".csv"));
    uint64_t received = 0;
    Status received_status = ReceiveUpload(req, reader, upload.path(), options_.max_upload_bytes, &received);
    if (!received_status.ok()) {
      if (received_status.code() == StatusCode::kTooLarge) return http::SendErrorWithoutReadingBody(res, received_status);
      return http::SendError(res, received_status);
    }
    double upload_ms = MillisSince(start);

    auto result = ingestor_.Ingest(name, mode, upload.path());
    if (!result.ok()) {
      log::Info("ingest_rejected", {{"dataset", name}, {"bytes", received}, {"code", result.status().error_code()}});
      return http::SendError(res, result.status());
    }
    nlohmann::json body = ManifestToJson(result->registered.manifest);
    body["existing"] = result->registered.existing;
    body["ingest"] = {{"mode", mode_text},
                      {"object", result->object.key},
                      {"rows", result->object.rows},
                      {"upload_bytes", received},
                      {"full_type_inference", result->full_inference},
                      {"upload_ms", std::round(upload_ms)},
                      {"convert_ms", std::round(result->timings.convert_ms)},
                      {"store_ms", std::round(result->timings.store_ms)},
                      {"register_ms", std::round(result->timings.register_ms)}};
    log::Info("ingested", {{"dataset", name},
                           {"rows", result->object.rows},
                           {"bytes", received},
                           {"version", result->registered.manifest.version},
                           {"existing", result->registered.existing}});
    http::SendJson(res, 200, body);
  });
}

}  // namespace lakehouse
