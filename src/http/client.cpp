#include "http/client.h"

#include <nlohmann/json.hpp>

#include "core/config.h"

namespace lakehouse::http {

Result<ServerUrl> ParseServerUrl(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (url.rfind(kScheme, 0) != 0) {
    return Status::InvalidArgument("server URL must start with http:// (got " + std::string(url) + ")", "bad_url");
  }
  std::string_view rest = url.substr(kScheme.size());
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  ServerUrl out;
  if (slash != std::string_view::npos) {
    out.base_path = std::string(rest.substr(slash));
    while (!out.base_path.empty() && out.base_path.back() == '/') out.base_path.pop_back();
  }
  if (authority.find(':') == std::string_view::npos) {
    out.host = std::string(authority);
    out.port = 80;
  } else {
    Status st = ParseListenAddress(authority, &out.host, &out.port);
    if (!st.ok()) return Status::InvalidArgument("server URL " + std::string(url) + ": " + st.message(), "bad_url");
  }
  if (out.host.empty()) return Status::InvalidArgument("server URL has no host", "bad_url");
  return out;
}

std::unique_ptr<httplib::Client> MakeClient(const ServerUrl& url, int timeout_s) {
  auto client = std::make_unique<httplib::Client>(url.host, url.port);
  client->set_connection_timeout(5, 0);
  client->set_read_timeout(timeout_s, 0);
  client->set_write_timeout(timeout_s, 0);
  return client;
}

Status StatusFromResponse(int http_status, const std::string& body) {
  std::string code = "http_" + std::to_string(http_status);
  std::string message = body;
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (!json.is_discarded() && json.is_object() && json.contains("error") && json["error"].is_object()) {
    code = json["error"].value("code", code);
    message = json["error"].value("message", message);
  }
  StatusCode category = StatusCode::kInternal;
  switch (http_status) {
    case 400: category = StatusCode::kInvalidArgument; break;
    case 403: category = StatusCode::kForbidden; break;
    case 404: category = StatusCode::kNotFound; break;
    case 409: category = StatusCode::kConflict; break;
    case 413: category = StatusCode::kTooLarge; break;
    case 502: category = StatusCode::kBadGateway; break;
    case 503: category = StatusCode::kUnavailable; break;
    case 408:
    case 504: category = StatusCode::kTimeout; break;
    default: category = http_status >= 400 && http_status < 500 ? StatusCode::kInvalidArgument : StatusCode::kInternal;
  }
  return Status(category, code, message);
}

Status StatusFromTransportError(httplib::Error error, const ServerUrl& url) {
  return Status::Unavailable("cannot reach the server at " + url.host + ":" + std::to_string(url.port) + " (" +
                                 httplib::to_string(error) + ")",
                             "unreachable");
}

}  // namespace lakehouse::http
