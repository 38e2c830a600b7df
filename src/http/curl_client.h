// Outbound HTTP(S) requests with libcurl, one RAII handle per request.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace lakehouse::http {

struct CurlReply {
  long status = 0;
  std::string body;
  std::string retry_after;  // the Retry-After header, if any
};

// POSTs body to url. Transport failures and timeouts are BadGateway with code
// "upstream_unreachable" / "upstream_timeout" naming the URL (never headers).
Result<CurlReply> CurlPost(const std::string& url, const std::string& body, const std::vector<std::string>& headers,
                           int timeout_ms);

}  // namespace lakehouse::http
