#include "core/status.h"

#include <cstring>

namespace lakehouse {

Status Status::FromErrno(std::string_view what, std::string_view path, int err) {
  std::string message = std::string(what) + " " + std::string(path) + ": " + std::strerror(err);
  if (err == ENOSPC || err == EMFILE || err == ENFILE) return Unavailable(std::move(message), "resource_exhausted");
  if (err == ENOENT) return NotFound(std::move(message));
  return Internal(std::move(message), "io_error");
}

int Status::http_status() const {
  switch (code_) {
    case StatusCode::kOk: return 200;
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kForbidden: return 403;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kConflict: return 409;
    case StatusCode::kTooLarge: return 413;
    case StatusCode::kTimeout: return 504;
    case StatusCode::kUnavailable: return 503;
    case StatusCode::kBadGateway: return 502;
    case StatusCode::kInternal: return 500;
  }
  return 500;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  return Status(code_, error_code_, std::string(context) + ": " + message_);
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  return error_code_ + ": " + message_;
}

}  // namespace lakehouse
