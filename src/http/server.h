// The HTTP edge: JSON errors, request logs, limits, graceful stop.
// Services add routes through Routes, a narrow registrar that mounts them
// under a prefix ("/v1" in the all-in-one server).
#pragma once

#include <httplib.h>

#include <atomic>
#include <functional>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "core/status.h"

namespace lakehouse::http {

using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;
// For bodies that must stream (uploads): the handler pulls the body through the reader.
using StreamHandler = std::function<void(const httplib::Request&, httplib::Response&, const httplib::ContentReader&)>;

void SendJson(httplib::Response& res, int status, const nlohmann::json& body);
// {"error":{"code":...,"message":...}} with the status's HTTP code; 503 adds Retry-After.
void SendError(httplib::Response& res, const Status& status);
// For answers given before the body was read: the connection is closed, not drained.
void SendErrorWithoutReadingBody(httplib::Response& res, const Status& status);
// The request body as a JSON object; InvalidArgument naming the problem otherwise.
Result<nlohmann::json> ParseJsonObject(const httplib::Request& req);
// Content-Length as a number, or -1 when absent or not a number.
int64_t ContentLength(const httplib::Request& req);

class Routes {
 public:
  virtual ~Routes() = default;
  virtual void Get(const std::string& pattern, Handler handler) = 0;
  virtual void Post(const std::string& pattern, Handler handler) = 0;
  virtual void Delete(const std::string& pattern, Handler handler) = 0;
  virtual void PostStream(const std::string& pattern, StreamHandler handler) = 0;
  virtual void PutStream(const std::string& pattern, StreamHandler handler) = 0;
};

// For the gateway: any method; body is null for methods without one (GET).
// The body reaches the handler as raw bytes even when it is multipart: the
// request's Content-Type is then found under kProxiedContentType.
inline constexpr const char* kProxiedContentType = "X-Lakehouse-Proxied-Content-Type";
using ProxyHandler =
    std::function<void(const httplib::Request&, httplib::Response&, const httplib::ContentReader* body)>;

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 3110;
  int threads = 32;
  int keep_alive_timeout_s = 5;
  int read_timeout_s = 60;
  int write_timeout_s = 60;
  size_t max_json_body_bytes = 16u << 20;  // bodies of non-streaming routes
};

class HttpServer {
 public:
  explicit HttpServer(ServerOptions options);
  ~HttpServer();

  // Registers with prefix prepended to every pattern.
  Routes& routes(const std::string& prefix);
  // Routes GET, POST, PUT and DELETE on pattern to handler, streaming bodies.
  void ProxyAll(const std::string& pattern, ProxyHandler handler);
  // Binds the listening socket; returns the port (useful with port 0).
  Result<int> Bind();
  // Serves until Stop(); in-flight requests finish before it returns.
  void Run();
  // Safe from any thread, including before Run().
  void Stop();

 private:
  class PrefixRoutes;
  ServerOptions options_;
  httplib::Server server_;
  std::vector<std::unique_ptr<PrefixRoutes>> route_sets_;
  std::vector<std::regex> streaming_patterns_;
  std::vector<std::regex> proxy_patterns_;
};

}  // namespace lakehouse::http
