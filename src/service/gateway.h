// The split-mode edge: reverse-proxies /v1/<service>/... to the configured
// upstream with /v1 stripped (the upstream URL's own path, if any, is kept in
// front). Bodies stream both ways through small bounded queues, so a 400 MB
// upload or a large result never sits in the gateway's memory. An unknown
// route is 404; an upstream that cannot be reached is a 502 JSON error naming
// the service; one that stalls longer than the timeout is a 504.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "http/server.h"

namespace lakehouse {

struct GatewayUpstream {
  std::string service;  // "queryd"
  std::string url;      // "http://127.0.0.1:3214" (may carry a path)
};

struct GatewayOptions {
  // Route prefix (after /v1, e.g. "/sql", "/storage/") → upstream.
  std::vector<std::pair<std::string, GatewayUpstream>> routes;
  int connect_timeout_ms = 3000;
  int stall_timeout_s = 300;
};

class Gateway {
 public:
  explicit Gateway(GatewayOptions options) : options_(std::move(options)) {}
  // Mounts the proxy on server (everything under /v1) and /health.
  void Register(http::HttpServer& server);

 private:
  const GatewayUpstream* Route(const std::string& path_after_v1) const;
  void Forward(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader* body);

  GatewayOptions options_;
};

}  // namespace lakehouse
