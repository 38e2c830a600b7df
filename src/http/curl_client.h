// Outbound HTTP(S) requests with libcurl, one RAII handle per request:
// S3, the split-mode service clients, the gateway, embedding providers.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace lakehouse::http {

// A streaming request: the body is pulled from read_body (or taken from body),
// the response head and body are pushed to callbacks as they arrive.
struct CurlRequest {
  std::string method = "GET";  // GET, HEAD, PUT, POST, DELETE, ...
  std::string url;
  std::vector<std::string> headers;
  std::string_view body;  // sent when read_body is empty (and method is not GET/HEAD)
  // Fills up to max bytes into buffer; returns the count, 0 at the end, or -1
  // to abort the transfer.
  std::function<int64_t(char* buffer, size_t max)> read_body;
  int64_t body_size = -1;  // with read_body: the exact size, or -1 for a chunked body
  int connect_timeout_ms = 5000;
  int timeout_ms = 0;            // the whole exchange; 0 = no total limit
  int stall_timeout_ms = 60000;  // aborts when nothing moved for this long
  std::function<bool()> should_abort;  // polled while waiting; true aborts the transfer
  std::string aws_sigv4;         // e.g. "aws:amz:us-east-1:s3"; signs with user_password
  std::string user_password;     // "key:secret"; never logged or echoed
};

struct CurlResponseHead {
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lowercased, in order
  // The first header called name (lowercase), or "".
  std::string Header(std::string_view name) const;
};

// Runs the request. on_head sees the status and headers once, before the first
// body byte (or at the end when there is no body); returning false aborts.
// on_body returning false aborts too. Transport failures and timeouts are
// BadGateway ("upstream_unreachable" / "upstream_timeout") naming `who`; an
// abort by a callback is Unavailable "transfer_aborted".
Result<CurlResponseHead> CurlTransfer(const CurlRequest& request, const std::string& who,
                                      const std::function<bool(const CurlResponseHead&)>& on_head,
                                      const std::function<bool(std::string_view)>& on_body);

// A whole answer in memory (for small JSON answers).
struct CurlAnswer {
  CurlResponseHead head;
  std::string body;
};
Result<CurlAnswer> CurlFetch(const CurlRequest& request, const std::string& who);

// RFC 3986 percent-encoding of everything but unreserved characters (and '/'
// when keep_slash), as SigV4 canonical requests need.
std::string UriEncode(std::string_view text, bool keep_slash);

}  // namespace lakehouse::http
