// Helpers for talking to a lakehouse server over HTTP (CLI, tests).
#pragma once

#include <httplib.h>

#include <memory>
#include <string>

#include "core/status.h"

namespace lakehouse::http {

struct ServerUrl {
  std::string host;
  int port = 0;
  std::string base_path;  // "" or "/prefix", without a trailing slash
};

// "http://host:port[/path]"; https is refused (TLS termination sits in front).
Result<ServerUrl> ParseServerUrl(std::string_view url);

std::unique_ptr<httplib::Client> MakeClient(const ServerUrl& url, int timeout_s);

// The Status a failed response stands for: our JSON error's code and message,
// or the raw body when the server did not answer with one.
Status StatusFromResponse(int http_status, const std::string& body);
// A transport failure (connection refused, timeout) as a Status naming the server.
Status StatusFromTransportError(httplib::Error error, const ServerUrl& url);

}  // namespace lakehouse::http
