// Status and Result: expected failures as values at module boundaries.
// A Status carries a category (which decides the HTTP status), a stable
// machine-readable code ("schema_conflict") and a human message. Messages
// must never contain secrets: they reach clients and logs verbatim.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace lakehouse {

enum class StatusCode {
  kOk,
  kInvalidArgument,  // 400
  kForbidden,        // 403
  kNotFound,         // 404
  kTimeout,          // 504
  kConflict,         // 409
  kTooLarge,         // 413
  kUnavailable,      // 503, retryable
  kBadGateway,       // 502, an upstream failed
  kInternal,         // 500
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string error_code, std::string message)
      : code_(code), error_code_(std::move(error_code)), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  static Status InvalidArgument(std::string message, std::string error_code = "bad_request") {
    return {StatusCode::kInvalidArgument, std::move(error_code), std::move(message)};
  }
  static Status Forbidden(std::string message, std::string error_code = "forbidden") {
    return {StatusCode::kForbidden, std::move(error_code), std::move(message)};
  }
  static Status NotFound(std::string message, std::string error_code = "not_found") {
    return {StatusCode::kNotFound, std::move(error_code), std::move(message)};
  }
  static Status Conflict(std::string message, std::string error_code = "conflict") {
    return {StatusCode::kConflict, std::move(error_code), std::move(message)};
  }
  static Status TooLarge(std::string message, std::string error_code = "too_large") {
    return {StatusCode::kTooLarge, std::move(error_code), std::move(message)};
  }
  static Status Unavailable(std::string message, std::string error_code = "unavailable") {
    return {StatusCode::kUnavailable, std::move(error_code), std::move(message)};
  }
  static Status Timeout(std::string message, std::string error_code = "timeout") {
    return {StatusCode::kTimeout, std::move(error_code), std::move(message)};
  }
  static Status BadGateway(std::string message, std::string error_code = "bad_gateway") {
    return {StatusCode::kBadGateway, std::move(error_code), std::move(message)};
  }
  static Status Internal(std::string message, std::string error_code = "internal") {
    return {StatusCode::kInternal, std::move(error_code), std::move(message)};
  }
  // errno-based failure of a file operation; names the operation and path.
  static Status FromErrno(std::string_view what, std::string_view path, int err);

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& error_code() const { return error_code_; }
  const std::string& message() const { return message_; }
  int http_status() const;
  // Same category and code, message prefixed with context ("put x: ...").
  Status WithContext(std::string_view context) const;
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string error_code_;
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : value_(std::move(status)) { assert(!std::get<Status>(value_).ok()); }  // NOLINT

  bool ok() const { return std::holds_alternative<T>(value_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(value_);
  }
  T& value() & { return std::get<T>(value_); }
  const T& value() const& { return std::get<T>(value_); }
  T&& value() && { return std::get<T>(std::move(value_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> value_;
};

}  // namespace lakehouse

#define LH_CONCAT_INNER(a, b) a##b
#define LH_CONCAT(a, b) LH_CONCAT_INNER(a, b)

#define LH_RETURN_IF_ERROR(expr)                  \
  do {                                            \
    ::lakehouse::Status lh_status_ = (expr);      \
    if (!lh_status_.ok()) return lh_status_;      \
  } while (0)

#define LH_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return tmp.status();            \
  lhs = std::move(tmp).value()

#define LH_ASSIGN_OR_RETURN(lhs, expr) LH_ASSIGN_OR_RETURN_IMPL(LH_CONCAT(lh_result_, __LINE__), lhs, expr)
